import type { SocketState } from 'reliable-socket';
import { bytes, duration, h, seconds } from './dom.js';
import type { DemoSocket } from './protocol.js';
import { Sparkline } from './sparkline.js';
import type { Ticker } from './ticker.js';
import { Timeline } from './timeline.js';
import type { WireCounts } from './wire.js';

/** The socket's timing, as configured, for the sentences that explain each state. */
export interface PanelSettings {
  heartbeat: { intervalMs: number; timeoutMs: number };
}

/** An icon per state, so that the state never relies on colour alone (the text says it too). */
const ICONS: Record<SocketState, string> = {
  connecting: '◌',
  open: '●',
  reconnecting: '↻',
  closing: '◌',
  closed: '○',
};

function explain(state: SocketState, { heartbeat }: PanelSettings): string {
  switch (state) {
    case 'connecting':
      return 'Opening a WebSocket to the demo server. What you send now waits in the queue.';
    case 'open':
      return `Connected. A ping goes out every ${heartbeat.intervalMs / 1000} s; no answer within ${heartbeat.timeoutMs / 1000} s means the link is dead.`;
    case 'reconnecting':
      return 'Connection lost. Waiting before the next try (exponential backoff with jitter); what you send now is queued.';
    case 'closing':
      return 'Closing.';
    case 'closed':
      return 'Closed for good. Reload the page to start again.';
  }
}

/** One `<dt>`/`<dd>` pair; returns the `<dd>` to fill in. */
function stat(list: HTMLElement, label: string, name: string): HTMLElement {
  const value = h('dd', { 'data-stat': name }, '—');
  list.append(h('div', { class: 'stat' }, h('dt', {}, label), value));
  return value;
}

/** Shows `in / out`, each half kept on one line. */
function pair(dd: HTMLElement, inbound: string, outbound: string): void {
  dd.replaceChildren(
    h('span', { class: 'nowrap' }, inbound),
    ' / ',
    h('span', { class: 'nowrap' }, outbound),
  );
}

/**
 * The live connection panel: state, retry attempt and countdown, heartbeat RTT with a chart, frames the server
 * has not acknowledged,
 * and what crossed the wire. The state is shown synchronously on every change (so no change is skipped);
 * the numbers are redrawn once per animation frame at most.
 */
export function connectionPanel(
  socket: DemoSocket,
  wire: WireCounts,
  ticker: Ticker,
  settings: PanelSettings,
): { element: HTMLElement; bar: HTMLElement; update(): void; dispose(): void } {
  const name = h('span', { class: 'state-name', id: 'socket-state' });
  const icon = h('span', { class: 'state-icon', 'aria-hidden': 'true' });
  const badge = h('p', { class: 'state', role: 'status' }, icon, name);
  const sentence = h('p', { class: 'state-explain' });
  const stats = h('dl', { class: 'stats' });
  const attempt = stat(stats, 'Retry attempt', 'attempt');
  const countdown = stat(stats, 'Next try in', 'countdown');
  const unacked = stat(stats, 'Unacknowledged frames', 'unacked');
  const outage = stat(stats, 'Last outage', 'outage');
  const frames = stat(stats, 'Frames in / out', 'frames');
  const traffic = stat(stats, 'Bytes in / out', 'bytes');
  const timeline = new Timeline(60_000, socket.state);
  const rtt = h('span', { class: 'rtt-value' }, '—');
  const chart = new Sparkline(30);
  stats.append(
    h(
      'div',
      { class: 'stat stat-wide' },
      h('dt', {}, 'Heartbeat round trip'),
      h('dd', { 'data-stat': 'rtt' }, rtt, chart.element),
    ),
  );
  const element = h(
    'section',
    { class: 'card panel', 'aria-labelledby': 'panel-heading' },
    h('h2', { id: 'panel-heading' }, 'Connection'),
    badge,
    sentence,
    stats,
    h(
      'p',
      { class: 'footnote' },
      'Unacknowledged frames: ',
      h('code', {}, 'socket.unacknowledged'),
      ', channel frames the server has not acknowledged yet — waiting for a connection, or sent and not yet confirmed; the socket sends them again after a reconnection. Frames and payload bytes are counted at the native WebSocket, heartbeats and acknowledgements included. An outage lasts from losing the connection to being open again.',
    ),
    timeline.element,
  );

  // On a phone the panel scrolls away from the fault buttons and the chat: a sticky one-line copy stays in
  // view. Hidden from screen readers, which hear the panel's own status already.
  const barIcon = h('span', { class: 'state-icon' });
  const barName = h('strong', {});
  const barQueued = h('span', {});
  const barRetry = h('span', {});
  const bar = h(
    'div',
    { class: 'status-bar', 'aria-hidden': 'true' },
    barIcon,
    barName,
    h('span', { class: 'status-bar-detail' }, barQueued, barRetry),
  );

  let retry: { attempt: number; at: number } | undefined;
  let lostAt: number | undefined;
  let stopCountdown: (() => void) | undefined;
  let frame: number | undefined;

  const showState = (state: SocketState): void => {
    badge.dataset.state = bar.dataset.state = state;
    name.textContent = barName.textContent = state;
    icon.textContent = barIcon.textContent = ICONS[state];
    sentence.textContent = explain(state, settings);
  };
  /** Frames not yet through: channel ones the server has not acknowledged (and raw ones queued, none here). */
  const waiting = (): number => socket.unacknowledged + socket.queuedMessages;
  const showBarDetail = (): void => {
    barQueued.textContent = `${waiting()} unacknowledged`;
    barRetry.textContent =
      stopCountdown && retry ? `retry ${retry.attempt} in ${seconds(retry.at - performance.now())}` : '';
  };
  const tick = (): void => {
    countdown.textContent = retry ? seconds(retry.at - performance.now()) : '—';
    showBarDetail();
  };
  const render = (): void => {
    frame = undefined;
    const state = socket.state;
    attempt.textContent = retry ? String(retry.attempt) : '—';
    if (!stopCountdown) countdown.textContent = state === 'connecting' && retry ? 'trying now' : '—';
    unacked.textContent = String(waiting());
    pair(frames, String(wire.framesIn), String(wire.framesOut));
    pair(traffic, bytes(wire.bytesIn), bytes(wire.bytesOut));
    const last = chart.values.at(-1);
    rtt.classList.toggle('pending', last === undefined);
    rtt.textContent = last === undefined ? 'none yet' : `${last} ms`;
    showBarDetail();
  };
  const update = (): void => {
    frame ??= requestAnimationFrame(render);
  };

  const offs = [
    socket.on('state', ({ from, to }) => {
      showState(to);
      timeline.record(to);
      if (from === 'open') lostAt = performance.now();
      if (to !== 'reconnecting') {
        stopCountdown?.();
        stopCountdown = undefined;
      }
      if (to === 'open') {
        if (lostAt !== undefined) outage.textContent = duration(performance.now() - lostAt);
        lostAt = undefined;
        retry = undefined;
      }
      update();
    }),
    socket.on('reconnecting', ({ attempt: n, delayMs }) => {
      retry = { attempt: n, at: performance.now() + delayMs };
      stopCountdown ??= ticker.add(tick);
      update();
    }),
    socket.on('heartbeat', ({ rttMs }) => {
      chart.push(rttMs);
      update();
    }),
  ];
  showState(socket.state);
  render();
  return {
    element,
    bar,
    update,
    dispose() {
      for (const off of offs) off();
      stopCountdown?.();
      timeline.dispose();
      if (frame !== undefined) cancelAnimationFrame(frame);
    },
  };
}
