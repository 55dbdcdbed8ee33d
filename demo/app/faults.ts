import { h, seconds } from './dom.js';
import type { Log } from './log.js';
import type { Ticker } from './ticker.js';

/** The demo server's fault endpoints (POST /api/fault/<name>), with what a visitor should watch for. */
const FAULTS = [
  {
    name: 'kill',
    label: 'Kill all connections',
    watch:
      'The server cuts every connection without a close frame. Watch: close 1006, reconnecting, open again within a second.',
  },
  {
    name: 'half-open',
    label: 'Half-open for 10 s',
    watch:
      'Connections stay up but nothing gets through: the dead link TCP takes minutes to notice. Watch the heartbeat catch it within 8 s.',
  },
  {
    name: 'down',
    label: 'Down for 5 s',
    watch:
      'Every connection attempt fails for 5 s. Watch the attempts count up, with growing, jittered delays.',
  },
  {
    name: 'restart',
    label: 'Restart with 1012',
    watch:
      'The server closes every connection with 1012 (service restart). Watch the socket move to the next instance.',
  },
] as const;

type FaultName = (typeof FAULTS)[number]['name'];

const TIMEOUT_MS = 4000;

/** What the server answered, checked (it is JSON from the network, after all). */
function readAnswer(body: unknown): { message: string; durationMs: number | undefined } {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const message =
    typeof record.message === 'string'
      ? record.message
      : typeof record.error === 'string'
        ? record.error
        : 'The server answered something unexpected.';
  const { untilMs, at } = record;
  const durationMs = typeof untilMs === 'number' && typeof at === 'number' ? untilMs - at : undefined;
  return { message, durationMs };
}

/**
 * The buttons that ask the demo server for a fault, the server's answer, and a countdown of the fault windows
 * still running. Nothing is ever disabled: pressing again restarts that fault's window.
 */
export function faultButtons(ticker: Ticker, log: Log): { element: HTMLElement; dispose(): void } {
  const answer = h(
    'p',
    { class: 'fault-answer', role: 'status', id: 'fault-answer' },
    'No fault yet: the server is healthy.',
  );
  const windows = h('p', { class: 'fault-windows', id: 'fault-windows' });
  /** Fault windows in progress: name → end, on the performance clock. */
  const running = new Map<FaultName, number>();
  let stopTicking: (() => void) | undefined;
  const controllers = new Set<AbortController>();

  const tick = () => {
    const now = performance.now();
    for (const [name, end] of running) if (end <= now) running.delete(name);
    windows.textContent = [...running]
      .map(([name, end]) => `Server ${name}: ${seconds(end - now)} left`)
      .join(' · ');
    if (running.size === 0) {
      stopTicking?.();
      stopTicking = undefined;
    }
  };

  const trigger = async (name: FaultName, label: string) => {
    answer.textContent = `Asking the server: ${label}…`;
    const controller = new AbortController();
    controllers.add(controller);
    const timeout = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(`/api/fault/${name}`, { method: 'POST', signal: controller.signal });
      const { message, durationMs } = readAnswer(await response.json());
      answer.textContent = message;
      log('fault', `${name}: ${message}`);
      if (durationMs !== undefined && response.ok) {
        running.set(name, performance.now() + durationMs);
        stopTicking ??= ticker.add(tick);
      }
    } catch (error) {
      const why = controller.signal.aborted
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : error instanceof Error
          ? error.message
          : String(error);
      // While half-open or down, new connections to the server hang or are cut: this request's too.
      answer.textContent = `The demo server did not answer (${why}). During “half-open” and “down”, new connections to it hang or fail as well.`;
      log('fault', `${name}: ${why}`);
    } finally {
      clearTimeout(timeout);
      controllers.delete(controller);
    }
  };

  const list = h('ul', { class: 'fault-list' });
  for (const { name, label, watch } of FAULTS) {
    const watchId = `fault-${name}-watch`;
    const button = h(
      'button',
      { type: 'button', class: 'fault-button', 'data-fault': name, 'aria-describedby': watchId },
      label,
    );
    button.addEventListener('click', () => void trigger(name, label));
    list.append(h('li', { class: 'fault' }, button, h('p', { class: 'fault-watch', id: watchId }, watch)));
  }
  const element = h(
    'section',
    { class: 'card faults', 'aria-labelledby': 'faults-heading' },
    h('h2', { id: 'faults-heading' }, 'Break the connection'),
    h(
      'p',
      { class: 'hint' },
      'Each button asks the demo server to misbehave. Press one, type a message while the socket is away, and watch it come back.',
    ),
    list,
    answer,
    windows,
  );
  return {
    element,
    dispose() {
      stopTicking?.();
      for (const controller of controllers) controller.abort();
    },
  };
}
