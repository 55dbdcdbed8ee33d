// The live demo page: one ReliableSocket to the demo server, a chat room over typed channels, a live
// connection panel, fault buttons and an event log. Both demo pages run this; they differ only in how they
// load the library (a classic script tag or an ES module), which they pass in as `RS`.
import { chatRoom } from './app/chat.js';
import { h } from './app/dom.js';
import { faultButtons } from './app/faults.js';
import { eventLog, logSocket } from './app/log.js';
import { connectionPanel } from './app/panel.js';
import type { DemoSocket, FromClient, ToClient } from './app/protocol.js';
import { Ticker } from './app/ticker.js';
import { countingWebSocket, WireCounts } from './app/wire.js';

/** Short timings so that faults show within seconds (the library's defaults are 25 s / 10 s and 1 s–30 s). */
const HEARTBEAT = { intervalMs: 5000, timeoutMs: 3000 };
const RECONNECT = { initialDelayMs: 500, maxDelayMs: 8000 };

/** A running demo: its socket, and `stop()`, which closes it and clears every timer the page set. */
export interface Demo {
  socket: DemoSocket;
  stop(): void;
}

/** The companion server's endpoint on the server that served this page. */
function liveUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/live`;
}

function intro(label: string): HTMLElement {
  return h(
    'section',
    { class: 'intro', 'aria-labelledby': 'intro-heading' },
    h('h2', { id: 'intro-heading' }, 'Try it'),
    h(
      'ol',
      { class: 'steps' },
      h('li', {}, 'Send a chat message.'),
      h(
        'li',
        {},
        'Press ',
        h('strong', {}, 'Half-open for 10 s'),
        `: within ${(HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs) / 1000} s the heartbeat notices the dead link.`,
      ),
      h('li', {}, 'Send another: it is queued, and goes out when the socket is back.'),
    ),
    h(
      'p',
      { class: 'note' },
      `This page (${label}) uses a ${HEARTBEAT.intervalMs / 1000} s heartbeat with a ${HEARTBEAT.timeoutMs / 1000} s timeout so that faults show quickly; the defaults are 25 s and 10 s. In the browser console, `,
      h('code', {}, 'demo.socket'),
      ' is the socket.',
    ),
  );
}

/**
 * Starts the demo in the page's `<main id="demo">`.
 * @param RS the library as the page loaded it: the UMD global `ReliableSocket` or the ESM module namespace.
 * @param label which build that is, shown on the page.
 */
export function startDemo(RS: typeof import('reliable-socket'), label: string): Demo {
  const root = document.getElementById('demo');
  if (!root) throw new Error('demo: the page has no <main id="demo">');
  if (typeof RS?.ReliableSocket !== 'function') {
    root.replaceChildren(
      h(
        'p',
        { class: 'card error' },
        `The ${label} of reliable-socket did not load: run npm run build, then reload.`,
      ),
    );
    throw new Error(`demo: the ${label} did not load`);
  }
  const ticker = new Ticker(100);
  const wire = new WireCounts();
  const socket: DemoSocket = new RS.ReliableSocket<ToClient, FromClient>(liveUrl(), {
    heartbeat: HEARTBEAT,
    reconnect: RECONNECT,
    WebSocket: countingWebSocket(wire),
  });
  const log = eventLog();
  const unlog = logSocket(socket, log.add);
  const panel = connectionPanel(socket, wire, ticker, { heartbeat: HEARTBEAT });
  wire.onChange = panel.update;
  const chat = chatRoom(socket, log.add, panel.update);
  const faults = faultButtons(ticker, log.add);
  root.replaceChildren(intro(label), chat.element, panel.element, faults.element, log.element);
  root.before(panel.bar);
  log.add('start', `${label}: connecting to ${socket.url}`);
  return {
    socket,
    stop() {
      socket.close();
      unlog();
      chat.dispose();
      panel.dispose();
      faults.dispose();
      ticker.stop();
      panel.bar.remove();
    },
  };
}
