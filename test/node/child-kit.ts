// Shared by the specs that attack the built server (dist/server.js) in a process of its own
// (test/node/child-server.mjs, run with --expose-gc), so that what an attack costs is measured there: a Child
// that starts that process and asks it things over IPC, a Playwright `test` whose fixtures stop every child and
// destroy every raw client after each test, a reader of the frames a server sends to a raw client, and a raw
// upgrade attempt that reports its HTTP status.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import { RawClient } from './raw-client.js';

const CHILD = fileURLToPath(new URL('./child-server.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
export const KB = 1024;
export const MB = 1024 * 1024;
/** How long a server process may take to close before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

/** What the child reports about its server (`state`). */
export interface State {
  clients: number;
  subscribed: number;
  /** Connected clients that have a session (protocol v2). */
  sessions: number;
  requests: number;
  /** The first 100 disconnects. */
  disconnects: Array<{ id: number; code: number; wasClean: boolean }>;
  /** Every disconnect, counted. */
  disconnected: number;
  /** Disconnects by close code. */
  codes: Record<string, number>;
  /** Disconnects by `${code} ${reason}`. */
  reasons: Record<string, number>;
  /** `refused` events by `${status} ${reason}`. */
  refused: Record<string, number>;
  /** TCP sockets the child holds (clients, handshakes, connections still sending their headers). */
  sockets: number;
  peak: number;
}

/** The child's memory after full collections, in bytes. */
export interface Heap {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
}

/** Options for the child's server, as JSON: Infinity travels as the string "Infinity". */
const encode = (options: object): string =>
  JSON.stringify(options, (_key, value) => (value === Infinity ? 'Infinity' : value));

/** The server in its own process, and a way to ask it things. */
export class Child {
  readonly #process: ChildProcess;
  readonly #replies = new Map<string, Array<(message: Record<string, unknown>) => void>>();

  private constructor(child: ChildProcess) {
    this.#process = child;
    child.on('message', (message: Record<string, unknown>) => {
      this.#replies.get(String(message.type))?.shift()?.(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Settles with the exit code when the process ends. */
  readonly exited: Promise<number | null>;

  /** Starts a server process, added to `children` at once so that it is stopped even if it never gets ready. */
  static async start(children: Child[], options: object = {}): Promise<{ child: Child; port: number }> {
    expect(existsSync(DIST), 'dist/server.js is missing: run `npm run build` first').toBe(true);
    const child = new Child(fork(CHILD, [encode(options)], { execArgv: ['--expose-gc'], stdio: 'inherit' }));
    children.push(child);
    const { port } = await child.#reply('ready');
    return { child, port: Number(port) };
  }

  /** The next message of this type; rejects if the process ends first. */
  #reply(type: string): Promise<Record<string, unknown>> {
    const reply = new Promise<Record<string, unknown>>((resolve) => {
      const waiting = this.#replies.get(type) ?? [];
      waiting.push(resolve);
      this.#replies.set(type, waiting);
    });
    const died = this.exited.then((code) => {
      throw new Error(`the server process exited (${code}) before answering "${type}"`);
    });
    return Promise.race([reply, died]);
  }

  async ask<T = Record<string, unknown>>(command: Record<string, unknown>, reply: string): Promise<T> {
    const answer = this.#reply(reply);
    this.#process.send(command);
    return (await answer) as T;
  }

  state(): Promise<State> {
    return this.ask<State>({ type: 'state' }, 'state');
  }

  /** The child's memory after full collections (`gc()` three times). */
  heap(): Promise<Heap> {
    return this.ask<Heap>({ type: 'heap' }, 'heap');
  }

  /** Closes the server, or kills its process if that takes longer than STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    if (child.connected) child.send({ type: 'close' });
    else child.kill('SIGKILL');
    await this.exited;
    clearTimeout(timer);
  }
}

/** Playwright's `test` with `children` (stopped after the test) and `raws` (destroyed after it). */
export const test = base.extend<{ children: Child[]; raws: RawClient[] }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  raws: async ({}, use) => {
    const raws: RawClient[] = [];
    await use(raws);
    for (const raw of raws) raw.destroy();
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  children: async ({}, use) => {
    const children: Child[] = [];
    await use(children);
    await Promise.all(children.map((child) => child.stop()));
  },
});

export { expect };

/** A frame the server sent: small text frames parsed, larger ones (publications, replays) only counted. */
export interface ServerFrame {
  opcode: number;
  length: number;
  /** Parsed JSON of a text frame up to {@link FrameReader.parseUpTo} bytes. */
  json?: Record<string, unknown>;
  /** The close code of a close frame. */
  code?: number;
}

/**
 * Reads the (unmasked, unfragmented) frames a server sends to a {@link RawClient}: counts them and their
 * bytes, parses the small text ones, and calls `onFrame` for each. Large payloads are skipped, not copied.
 */
export class FrameReader {
  /** Bytes of frames received (headers included). */
  bytes = 0;
  frames = 0;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes of a large payload still to skip. */
  #skipping = 0;
  #listeners: Array<(frame: ServerFrame) => void> = [];

  constructor(
    raw: RawClient,
    readonly parseUpTo = 4096,
  ) {
    raw.socket.on('data', (chunk: Buffer) => this.#data(chunk));
  }

  /** Calls `listener` on every frame from now on; returns a function that stops it. */
  on(listener: (frame: ServerFrame) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((each) => each !== listener);
    };
  }

  /** The next frame that matches `predicate`; rejects after `timeoutMs`. */
  next(predicate: (frame: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((frame) => {
        if (!predicate(frame)) return;
        clearTimeout(timer);
        off();
        resolve(frame);
      });
    });
  }

  #data(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.#skipping > 0) {
      const skipped = Math.min(this.#skipping, chunk.length);
      this.#skipping -= skipped;
      chunk = chunk.subarray(skipped);
      if (chunk.length === 0) return;
    }
    let buffer = this.#buffer.length > 0 ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      if (buffer.length < 2) break;
      const opcode = buffer[0]! & 0x0f;
      const short = buffer[1]! & 0x7f;
      const header = short === 126 ? 4 : short === 127 ? 10 : 2;
      if (buffer.length < header) break;
      const length =
        short === 126 ? buffer.readUInt16BE(2) : short === 127 ? Number(buffer.readBigUInt64BE(2)) : short;
      if (length > this.parseUpTo) {
        // Counted now; its payload is skipped as it comes.
        const available = buffer.length - header;
        this.#emit({ opcode, length });
        if (available >= length) {
          buffer = buffer.subarray(header + length);
          continue;
        }
        this.#skipping = length - available;
        buffer = Buffer.alloc(0);
        break;
      }
      if (buffer.length < header + length) break;
      const payload = buffer.subarray(header, header + length);
      buffer = buffer.subarray(header + length);
      const frame: ServerFrame = { opcode, length };
      if (opcode === 0x1) frame.json = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (opcode === 0x8 && length >= 2) frame.code = payload.readUInt16BE(0);
      this.#emit(frame);
    }
    // A copy, so that the chunk it was cut from is not kept alive.
    this.#buffer = Buffer.from(buffer);
  }

  #emit(frame: ServerFrame): void {
    this.frames++;
    for (const listener of [...this.#listeners]) listener(frame);
  }
}

/** One upgrade attempt from 127.0.0.1: the raw client when it got 101, else the HTTP status it got. */
export async function attempt(port: number): Promise<{ status: number; raw?: RawClient }> {
  try {
    return { status: 101, raw: await RawClient.connect(port) };
  } catch (error) {
    const status = /^HTTP\/1\.1 (\d{3})/.exec((error as Error).message)?.[1];
    if (status === undefined) throw error;
    return { status: Number(status) };
  }
}
