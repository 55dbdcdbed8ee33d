// @ts-check
// The driver's hold on its child processes: fork one with an IPC channel, wait for a message of a kind with a
// deadline (failing at once if the child dies), stop it, and kill every child however the run ends. Plus what
// /proc says about a process: CPU time (utime + stime, proc(5)) and resident memory (VmRSS).
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @typedef {{ type: string } & Record<string, unknown>} Message */

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (usually 100). */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Every child process started and not yet exited: all are killed at the end, even on failure. */
const live = new Set(/** @type {import('node:child_process').ChildProcess[]} */ ([]));
/** Processes a child started (redis-server): killed too, should the child that keeps them not get to it. */
const grandchildren = new Set(/** @type {number[]} */ ([]));

/**
 * Ends every child still running: SIGTERM, on which each exits through its `exit` handlers (the redis keeper
 * kills its redis-server there), and SIGKILL for the processes they started.
 */
export function killAll() {
  for (const child of live) child.kill('SIGTERM');
  for (const pid of grandchildren) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  grandchildren.clear();
}

/**
 * A process a child started, for {@link killAll}. Returns a function that kills it now (in case its keeper
 * could not) and forgets it: call it once the keeper has stopped.
 * @param {number} pid
 */
export function trackPid(pid) {
  grandchildren.add(pid);
  return () => {
    if (!grandchildren.delete(pid)) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // stopped by its keeper, as it should be
    }
  };
}

/**
 * Tracks a child started elsewhere (a `spawn`), so that {@link killAll} kills it too.
 * @param {import('node:child_process').ChildProcess} child
 */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** A forked child of the driver, spoken to over IPC: `{ type, ... }` messages both ways. */
export class Child {
  /** @type {import('node:child_process').ChildProcess} */
  #process;
  /** Why the child is gone, once it is: every wait fails with it. */
  #gone = /** @type {Error | undefined} */ (undefined);

  /**
   * @param {string} script a file beside this one
   * @param {object} options handed to the child as JSON in argv[2]
   * @param {string} name for error messages
   */
  constructor(script, options, name) {
    this.name = name;
    this.#process = track(
      fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(options)], {
        execArgv: ['--expose-gc'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    this.#process.once('exit', (code, signal) => {
      this.#gone = new Error(`${name} exited (${signal ?? `code ${code}`})`);
    });
    this.#process.on('message', (/** @type {Message} */ message) => {
      if (message.type === 'error') console.error(`${name}: ${message.message}`);
    });
  }

  /** @returns {number} */
  get pid() {
    return this.#process.pid ?? 0;
  }

  /** @param {Message} message */
  send(message) {
    if (!this.#gone && this.#process.connected) this.#process.send(message);
  }

  /**
   * Calls `listener` on every message of `type` until the returned function is called.
   * @param {string} type @param {(message: Message) => void} listener
   */
  on(type, listener) {
    const on = (/** @type {Message} */ message) => {
      if (message.type === type) listener(message);
    };
    this.#process.on('message', on);
    return () => this.#process.off('message', on);
  }

  /**
   * The next message of `type`; rejects when the child dies or `timeoutMs` passes first.
   * @param {string} type @param {number} timeoutMs @returns {Promise<Message>}
   */
  next(type, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (this.#gone) return reject(this.#gone);
      const done = () => {
        clearTimeout(timer);
        off();
        this.#process.off('exit', exited);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(type, (message) => {
        done();
        resolve(message);
      });
      const exited = () => {
        done();
        reject(this.#gone ?? new Error(`${this.name} exited`));
      };
      this.#process.once('exit', exited);
    });
  }

  /**
   * Sends `command` and waits for the answer of type `answer`.
   * @param {Message} command @param {string} answer @param {number} timeoutMs
   */
  ask(command, answer, timeoutMs) {
    const reply = this.next(answer, timeoutMs);
    this.send(command);
    return reply;
  }

  /** Asks the child to exit; kills it if it has not within `timeoutMs`. */
  async stop(timeoutMs = 5000) {
    if (this.#gone) return;
    const exited = new Promise((resolve) => this.#process.once('exit', resolve));
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * CPU time a process has used so far (user + system), in microseconds.
 * @param {number} pid
 */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/**
 * A process's resident set size, in bytes.
 * @param {number} pid
 */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
