// @ts-check
// The publisher process: one connection to `url` (a node of the system under test), through which every
// publication goes to the server, which fans it out: a plain `ws` client (to the broadcast loop's /pub), our
// ReliableSocket (a channel message on `pub`, protocol v2 as deployed), or socket.io-client (emit `pub`).
// A publication is ~100 bytes of JSON: { s: sequence number, t: send time (ms), l: 1 in the latency phase, x }.
// Two ways of sending, each at the driver's command:
//   credit { upTo }        closed loop: send everything up to `upTo` now (the driver keeps W in flight)
//   pace { rate, durationMs }  open loop: `rate` per second for `durationMs`, on schedule whatever happens
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { ReliableSocket } from '../../dist/index.js';
import { commands, fail, now, options, tell } from './child.mjs';

const kind = /** @type {'ws' | 'ours' | 'sio'} */ (options.kind);
const url = String(options.url);
const BYTES = 100;
const CONNECT_TIMEOUT_MS = 30_000;

// Padding that makes a typical publication BYTES of JSON.
const typical = JSON.stringify({ s: 10_000, t: now(), l: 0, x: '' }).length;
const x = 'x'.repeat(Math.max(0, BYTES - typical));
let seq = 0;

/** @type {(publication: object) => void} */
let send;

/** @returns {Promise<void>} */
async function connect() {
  const deadline = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
  const timedOut = new Promise((_, reject) =>
    deadline.addEventListener('abort', () => reject(new Error(`publisher: ${url} not open in time`))),
  );
  if (kind === 'ws') {
    const ws = new WebSocket(`${url}/pub`);
    send = (publication) => ws.send(JSON.stringify(publication));
    await Promise.race([timedOut, new Promise((resolve) => ws.once('open', resolve))]);
  } else if (kind === 'ours') {
    const socket = new ReliableSocket(url, {
      WebSocket: /** @type {typeof globalThis.WebSocket} */ (/** @type {unknown} */ (WebSocket)),
    });
    const channel = socket.channel('pub');
    send = (publication) => channel.send(publication);
    await Promise.race([timedOut, new Promise((resolve) => channel.once('subscribed', () => resolve(0)))]);
  } else {
    const socket = io(url, { transports: ['websocket'], forceNew: true });
    send = (publication) => socket.emit('pub', publication);
    await Promise.race([timedOut, new Promise((resolve) => socket.once('connect', () => resolve(0)))]);
  }
}

/** @param {0 | 1} l */
const publish = (l) => send({ s: ++seq, t: now(), l, x });

commands({
  credit: ({ upTo }) => {
    while (seq < Number(upTo)) publish(0);
  },
  pace: async ({ rate, durationMs }) => {
    const total = Math.round((Number(rate) * Number(durationMs)) / 1000);
    const interval = 1000 / Number(rate);
    const start = performance.now();
    for (let sent = 0; sent < total; ) {
      // Catch up with the schedule (a late timer sends what was due), then sleep until the next one is due.
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent++) publish(1);
      if (sent < total)
        await new Promise((resolve) => setTimeout(resolve, start + sent * interval - performance.now()));
    }
    tell({ type: 'paced', last: seq, sent: total });
  },
});

try {
  await connect();
  tell({ type: 'ready' });
} catch (error) {
  fail(error);
}
