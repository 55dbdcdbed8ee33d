import type { CloseInfo, ReliableSocketError, StateChange } from 'reliable-socket';
import { clock, duration, h } from './dom.js';
import type { DemoSocket } from './protocol.js';

const MAX_ENTRIES = 200;

/** Adds a line to the event log: the event's name and what happened. */
export type Log = (event: string, detail: string) => void;

/** The event log: newest first, at most {@link MAX_ENTRIES} lines, read out politely by screen readers. */
export function eventLog(): { element: HTMLElement; add: Log } {
  const list = h('ol', {
    class: 'log-list',
    id: 'event-log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
  });
  const element = h(
    'section',
    { class: 'card log', 'aria-labelledby': 'log-heading' },
    h('h2', { id: 'log-heading' }, 'Event log'),
    h('p', { class: 'hint' }, "The socket's events as they happen, newest first (heartbeats are left out)."),
    h('div', { class: 'log-scroll', tabindex: 0, role: 'region', 'aria-label': 'Event log entries' }, list),
  );
  const add: Log = (event, detail) => {
    const now = Date.now();
    list.prepend(
      h(
        'li',
        { 'data-event': event },
        h('time', { datetime: new Date(now).toISOString() }, clock(now, true)),
        h('span', { class: 'log-event' }, event),
        h('span', { class: 'log-detail' }, detail),
      ),
    );
    while (list.childElementCount > MAX_ENTRIES) list.lastElementChild?.remove();
  };
  return { element, add };
}

const describeClose = ({ code, reason, wasClean, willReconnect }: CloseInfo): string =>
  `code ${code}${reason ? ` “${reason}”` : ''} · wasClean ${wasClean} · willReconnect ${willReconnect}`;

const describeState = ({ from, to, reason }: StateChange): string => `${from} → ${to} (${reason})`;

const describeError = (error: ReliableSocketError): string => `${error.code}: ${error.message}`;

/** Logs the socket's events worth watching: everything but heartbeats and messages. */
export function logSocket(socket: DemoSocket, add: Log): () => void {
  let opens = 0;
  const offs = [
    socket.on('state', (change) => add('state', describeState(change))),
    socket.on('open', () => add('open', `connection ${++opens} is up; the queue has been flushed`)),
    socket.on('close', (info) => add('close', describeClose(info))),
    socket.on('reconnecting', ({ attempt, delayMs }) =>
      add('reconnecting', `attempt ${attempt} in ${duration(delayMs)}`),
    ),
    socket.on('drop', (data, reason) => add('drop', `${reason}: ${String(data).slice(0, 80)}`)),
    socket.on('error', (error) => add('error', describeError(error))),
  ];
  return () => {
    for (const off of offs) off();
  };
}
