// The schedule checker on small histories written by hand: a clean one passes, and each kind of broken
// delivery is caught — so a schedule that passes says something.
import { expect, test } from '@playwright/test';
import { check } from './checker.js';
import { History, type HistoryEvent } from './history.js';

/** A history of a healthy schedule: two messages, a request, a publication, a `client.send`, a kill, a resume. */
function clean(): HistoryEvent[] {
  return [
    { t: 0, kind: 'step', step: 'settings sessionTtlMs=10000 greet=false early=' },
    { t: 1, kind: 'view', view: 0, channel: 'inbox', open: true },
    { t: 2, kind: 'view', view: 1, channel: 'a', open: true },
    { t: 3, kind: 'sent', id: 'c1', op: 'send', channel: 'a', oversize: false },
    { t: 4, kind: 'sent', id: 'c2', op: 'request', channel: 'a', oversize: false },
    { t: 5, kind: 'welcome', connection: 1, session: 'S1', resumed: false },
    { t: 6, kind: 'subscribed', view: 0, channel: 'inbox' },
    { t: 6, kind: 'subscribed', view: 1, channel: 'a' },
    { t: 7, kind: 'handled', id: 'c1', op: 'message', node: 'A1', session: 'S1', redelivered: false },
    { t: 8, kind: 'handled', id: 'c2', op: 'request', node: 'A1', session: 'S1', redelivered: false },
    { t: 9, kind: 'settled', id: 'c2', ok: true, value: { answer: 'c2' } },
    { t: 10, kind: 'published', id: 'p3', channel: 'a', node: 'A1', startedAt: 9.5, ok: true },
    { t: 11, kind: 'delivered', view: 1, channel: 'a', id: 'p3' },
    {
      t: 12,
      kind: 'direct',
      id: 'd4',
      node: 'A1',
      client: 'A1#1',
      taken: true,
      inConnection: false,
      oversize: false,
    },
    { t: 13, kind: 'delivered', view: 0, channel: 'inbox', id: 'd4' },
    { t: 14, kind: 'connection', connection: 1, event: 'close', code: 1006 },
    { t: 15, kind: 'welcome', connection: 2, session: 'S1', resumed: true },
    { t: 16, kind: 'published', id: 'p5', channel: 'a', node: 'A1', startedAt: 15.5, ok: true },
    { t: 17, kind: 'delivered', view: 1, channel: 'a', id: 'p5' },
    { t: 20, kind: 'end' },
    { t: 21, kind: 'served', client: 'A1#1', session: 'S1' },
  ];
}

function checked(events: HistoryEvent[]) {
  const history = new History();
  history.events.push(...events);
  return check(history).map((violation) => violation.invariant);
}

const without = (events: HistoryEvent[], drop: (event: HistoryEvent) => boolean) =>
  events.filter((e) => !drop(e));

test('a clean history passes', () => {
  expect(checked(clean())).toEqual([]);
});

test('a message never handled, or handled again unflagged, or flagged for no reason, is caught', () => {
  expect(checked(without(clean(), (e) => e.kind === 'handled' && e.id === 'c1'))).toEqual([
    'exactly-once: handled at least once, or reported dropped',
  ]);
  const twice = clean();
  twice.splice(9, 0, {
    t: 8.5,
    kind: 'handled',
    id: 'c1',
    op: 'message',
    node: 'A1',
    session: 'S1',
    redelivered: false,
  });
  expect(checked(twice)).toEqual(['exactly-once: a repeat is flagged redelivered']);
  // Flagged, but with no lost session nor change of connection to explain it.
  const flagged = clean();
  flagged.splice(9, 0, {
    t: 8.5,
    kind: 'handled',
    id: 'c1',
    op: 'message',
    node: 'A1',
    session: 'S1',
    redelivered: true,
  });
  expect(checked(flagged)).toEqual(['redelivered only after a lost session or a change of connection']);
  // Flagged after a change of connection: the next attachment re-ran what the last one claimed, as allowed.
  const moved = clean();
  moved.splice(17, 0, {
    t: 15.5,
    kind: 'handled',
    id: 'c1',
    op: 'message',
    node: 'A1',
    session: 'S1',
    redelivered: true,
  });
  expect(checked(moved)).toEqual([]);
});

test('a frame reported dropped that was handled is caught; one dropped and not handled is fine', () => {
  const dropped = clean();
  dropped.splice(4, 0, { t: 3.5, kind: 'dropped', id: 'c1', reason: 'overflow' });
  expect(checked(dropped)).toEqual(['a frame handled is never reported dropped']);
  expect(checked(without(dropped, (e) => e.kind === 'handled' && e.id === 'c1'))).toEqual([]);
});

test('a request that times out, or never settles, is caught', () => {
  const timedOut = clean().map((e) =>
    e.kind === 'settled' ? { ...e, ok: false, error: 'ERR_REQUEST_TIMEOUT' } : e,
  );
  expect(checked(timedOut)).toEqual(['a request gets its answer']);
  expect(checked(without(clean(), (e) => e.kind === 'settled'))).toEqual(['a request settles exactly once']);
});

test('a publication missed without a gap, delivered twice or out of order is caught; a gap covers a miss', () => {
  const missed = without(clean(), (e) => e.kind === 'delivered' && e.id === 'p3');
  expect(checked(missed)).toEqual(['a missed publication is covered by a gap']);
  const storeLost: HistoryEvent[] = [
    { t: 14.5, kind: 'fault', fault: 'node restarted', storeLost: true },
    { t: 16.5, kind: 'gap', view: 1, channel: 'a', reason: 'epoch' },
  ];
  expect(checked([...missed, ...storeLost].sort((x, y) => x.t - y.t))).toEqual([]);
  const twice = [
    ...clean(),
    { t: 18, kind: 'delivered', view: 1, channel: 'a', id: 'p3' } as HistoryEvent,
  ].sort((x, y) => x.t - y.t);
  expect(checked(twice)).toEqual(['publications at most once', 'publications in order']);
});

test('a lost client.send needs a session gap; a false gap is caught', () => {
  expect(checked(without(clean(), (e) => e.kind === 'delivered' && e.id === 'd4'))).toEqual([
    'a lost client.send is covered by a session gap',
  ]);
  const falseGap = [
    ...clean(),
    { t: 15.2, kind: 'gap', view: 1, channel: 'a', reason: 'epoch' } as HistoryEvent,
  ];
  expect(checked(falseGap.sort((x, y) => x.t - y.t))).toEqual(['no false gap']);
  const lost = clean().map((e) =>
    e.kind === 'welcome' && e.connection === 2 ? { ...e, session: 'S2', resumed: false } : e,
  );
  expect(checked(lost)).toEqual(['a session is lost only for a cause']);
});
