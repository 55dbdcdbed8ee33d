// @ts-check
// One subscriber process: `count` connections to `url`, each subscribed to the bench's channel and parsing every
// publication — plain `ws` clients (JSON.parse of each frame), our ReliableSocket (`ws` as its WebSocket; a
// channel view's `message` events) or socket.io-client (a room's `m` events). Publications carry a sequence
// number `s`; what the driver hears is this process's watermark: the highest `s` that every connection here has
// received (each connection receives in order, so the count of `s` reaching `count` means all of them have
// everything up to `s`). One IPC message per advance at most per turn of the event loop. During the latency
// phase (publications with `l: 1`) some connections, spread evenly over the list, record each publication's
// one-way latency from its send time `t`.
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { ReliableSocket } from '../../dist/index.js';
import { commands, fail, now, options, tell } from './child.mjs';

/** @typedef {{ s: number, t: number, l: number }} Publication */

const kind = /** @type {'ws' | 'ours' | 'sio'} */ (options.kind);
const url = String(options.url);
const count = Number(options.count);
/** Every this many connections, one records latency (~25 per process). */
const sampleEvery = Math.max(1, Math.floor(count / 25));
/** Connections opened at once. */
const CONCURRENCY = 50;
const CONNECT_TIMEOUT_MS = 60_000;

/** Receipts per sequence number, modulo the ring's size (far more than are ever in flight). */
const RING = 1 << 16;
const receipts = new Uint32Array(RING);
let watermark = 0;
let reported = 0;
let flushing = false;
/** @type {number[]} */
const latencies = [];

const flush = () => {
  flushing = false;
  if (watermark <= reported) return;
  reported = watermark;
  tell({ type: 'wm', wm: watermark });
};

/** @param {Publication} publication @param {boolean} sampled */
function received(publication, sampled) {
  const { s } = publication;
  const slot = s & (RING - 1);
  const n = (receipts[slot] ?? 0) + 1;
  receipts[slot] = n;
  if (n === count) {
    receipts[slot] = 0;
    if (s > watermark) watermark = s;
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  }
  if (sampled && publication.l === 1) latencies.push(now() - publication.t);
}

/** Settles when `settle` is called, or rejects after the connect timeout. */
function within(/** @type {(resolve: () => void, reject: (e: unknown) => void) => void} */ start) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${kind}: not subscribed within timeout`)),
      CONNECT_TIMEOUT_MS,
    );
    start(
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Opens connection `i` and resolves once it is subscribed. @param {number} i */
function connect(i) {
  const sampled = i % sampleEvery === 0;
  if (kind === 'ws') {
    const ws = new WebSocket(url);
    ws.on('message', (data) => received(JSON.parse(String(data)), sampled));
    return within((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  }
  if (kind === 'ours') {
    // `ws`'s client is no DOM WebSocket to the types (no dispatchEvent), though it runs: test/node/node-ws.spec.ts.
    const socket = new ReliableSocket(url, {
      WebSocket: /** @type {typeof globalThis.WebSocket} */ (/** @type {unknown} */ (WebSocket)),
    });
    const channel = socket.channel('bench');
    channel.on('message', (data) => received(/** @type {Publication} */ (data), sampled));
    return within((resolve) => channel.once('subscribed', resolve));
  }
  const socket = io(url, { transports: ['websocket'], forceNew: true });
  socket.on('m', (/** @type {Publication} */ data) => received(data, sampled));
  return within((resolve, reject) => {
    socket.once('connect', () => socket.emit('subscribe', resolve));
    socket.once('connect_error', reject);
  });
}

commands({
  latency: () => {
    tell({ type: 'latency', samples: latencies.splice(0) });
  },
});

try {
  for (let i = 0; i < count; i += CONCURRENCY)
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - i) }, (_, j) => connect(i + j)));
  tell({ type: 'ready' });
} catch (error) {
  fail(error);
}
