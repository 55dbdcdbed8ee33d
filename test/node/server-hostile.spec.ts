// Hostile clients against the built server (dist/server.js) in a child process, whose RSS is measured there:
// a subscriber that never reads (keeping itself "alive" with unsolicited pongs) while 200 MB are published,
// and a client that asks for 2,000 responses of 100 KB and never reads them. Before the outgoing-buffer limit
// they cost the server 230–260 MB of RSS and stayed connected (issue 10); the bound asserted is 64 MB, with
// the default `maxBufferedBytes` of 4 MiB. Raw TCP clients, so that backpressure is real.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { OPCODE, RawClient } from './raw-client.js';

const CHILD = fileURLToPath(new URL('./child-server.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
const MB = 1024 * 1024;
/** How long a server process may take to close before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

interface State {
  clients: number;
  subscribed: number;
  requests: number;
  disconnects: Array<{ id: number; code: number; wasClean: boolean }>;
  peak: number;
}

/** The server in its own process, and a way to ask it things. */
class Child {
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
    const child = new Child(
      fork(CHILD, [JSON.stringify(options)], { execArgv: ['--expose-gc'], stdio: 'inherit' }),
    );
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

const test_ = test.extend<{ children: Child[]; raws: RawClient[] }>({
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

test_.describe('a client that never reads', () => {
  test_.setTimeout(60_000);

  test_(
    'subscribed, with 200 MB published in 10 KB messages: cut off with 1013, RSS +< 64 MB',
    async ({ children, raws }) => {
      const { child, port } = await Child.start(children);
      const raw = await RawClient.connect(port);
      raws.push(raw);
      raw.send({ type: 'subscribe', channel: 'feed' });
      await expect.poll(async () => (await child.state()).subscribed).toBe(1);
      raw.stopReading();
      // Unsolicited pongs: they must not keep it "alive".
      const ponging = setInterval(() => raw.control(OPCODE.pong, Buffer.from('alive')), 20);
      try {
        const { rss: baseline } = await child.ask<{ rss: number }>({ type: 'baseline' }, 'baseline');
        const { published, delivered } = await child.ask<{ published: number; delivered: number }>(
          { type: 'publish', channel: 'feed', bytes: 10_000, total: 200_000_000 },
          'published',
        );
        expect(published).toBe(20_000);
        await expect.poll(async () => (await child.state()).disconnects, { timeout: 15_000 }).toHaveLength(1);
        const { disconnects, peak, clients } = await child.state();
        expect(disconnects[0]).toMatchObject({ code: 1013, wasClean: false });
        expect(clients).toBe(0);
        // Only what fitted into the kernel's socket buffers and 4 MiB of its own was handed over.
        expect(delivered).toBeLessThan(published / 4);
        expect((peak - baseline) / MB).toBeLessThan(64);
      } finally {
        clearInterval(ponging);
      }
    },
  );

  test_(
    'asking for 2,000 responses of 100 KB: reading stops, then it is cut off with 1013, RSS +< 64 MB',
    async ({ children, raws }) => {
      const { child, port } = await Child.start(children);
      const { rss: baseline } = await child.ask<{ rss: number }>({ type: 'baseline' }, 'baseline');
      const raw = await RawClient.connect(port);
      raws.push(raw);
      raw.stopReading();
      for (let id = 1; id <= 2000; id++) raw.send({ type: 'request', id, channel: 'big', data: 100_000 });
      await expect.poll(async () => (await child.state()).disconnects, { timeout: 15_000 }).toHaveLength(1);
      const { disconnects, peak, requests } = await child.state();
      expect(disconnects[0]).toMatchObject({ code: 1013, wasClean: false });
      // It stopped reading the requests long before the last: it never produced 200 MB of answers.
      expect(requests).toBeLessThan(2000);
      expect((peak - baseline) / MB).toBeLessThan(64);
    },
  );
});
