import type { EventOf, History, HistoryEvent } from './history.js';

/** One broken invariant: its name, the id it is about (if any) and what was seen. */
export interface Violation {
  invariant: string;
  id?: string;
  detail: string;
}

/**
 * Checks a schedule's whole history (up to its `end`: what the teardown does is not judged) against the
 * delivery invariants of PROTOCOL.md "Version 2" and DESIGN.md "Wave 3". Returns every violation found.
 *
 * Client → server (`exactly-once`): a payload the app sent is handled by a server handler exactly once, or it is
 * reported to the app as dropped (a `drop` event, or its `sendConfirmed` rejected) and then handled never — a
 * frame already handled is never reported dropped. The permitted duplicates are the ones the app is told of:
 * after a lost session (a `welcome` with `resumed: false` following an earlier `welcome`) the client re-sends
 * what the old session did not acknowledge, and the new session cannot know whether the old one handled it;
 * and within a session, a frame an attachment claimed but did not record as handled (its node died, or the
 * client moved on while the record was on its way) is handled again by the next attachment. Either way every
 * run after the first is flagged `redelivered`, and no run is flagged before a lost session or a change of
 * connection. Within a session, unflagged runs follow the send order.
 *
 * Requests settle exactly once, with their answer, or with the server's error answer for one whose answer is
 * over the session budget, or with `ERR_QUEUE_FULL` when a `drop` event reported them; a timeout is a violation
 * (the world is healed long before it). A confirmation settles.
 *
 * Server → client publications, per channel view: each delivered at most once and in publication order; one
 * published after the view's subscription took effect (its `subscribed`, or its first delivery) and not
 * delivered must be covered by a `gap` on that view, reported after it was published and before the next
 * delivery past it (a view the app closed before the end answers only for holes before its last delivery). `client.send`s (to the `inbox` view): at most once, in order; a missing one is covered by
 * a `gap` with reason `session` after it — unless it went into a session the client never heard of. No false gap: `session` only after a lost session, `epoch` only
 * after the store lost its state (a memory node restart, Redis restarted or restored), `missed` only when a
 * publication did not reach the view, `trimmed` and `no-history` never (history outlasts every schedule).
 * A session is lost only for a cause: the store lost, a short session TTL, or something over the budget. The
 * socket never falls back to v1 (every node speaks v2) and never closes for good; a view open at the end had
 * its subscription confirmed.
 */
export function check(history: History): Violation[] {
  const endAt = history.of('end')[0]?.t ?? Number.POSITIVE_INFINITY;
  const events = history.events.filter((event) => event.t <= endAt);
  const of = <K extends HistoryEvent['kind']>(kind: K) =>
    events.filter((event): event is EventOf<K> => event.kind === kind);
  const violations: Violation[] = [];
  const fail = (invariant: string, detail: string, id?: string) =>
    violations.push(id === undefined ? { invariant, detail } : { invariant, id, detail });

  const welcomes = of('welcome');
  const lostAt = welcomes
    .filter((w, i) => i > 0 && (!w.resumed || w.session !== welcomes[i - 1]!.session))
    .map((w) => w.t);
  const lostBefore = (t: number) => lostAt.some((at) => at <= t);
  const storeLostAt = of('fault')
    .filter((f) => f.storeLost)
    .map((f) => f.t);

  // A frame claimed by an attachment that did not record it handled (its node died, or the client moved on
  // while the record was on its way) is handled again by the next one, flagged: only after a change of
  // connection, i.e. a second welcome.
  const movedBefore = (t: number) => welcomes.slice(1).some((w) => w.t <= t);
  checkClientToServer(of, lostBefore, movedBefore, fail);
  checkRequests(of, fail);
  checkPublications(of, endAt, fail);
  checkDirect(of, history.of('served'), fail);

  for (const gap of of('gap')) {
    const where = `view ${gap.view} (${gap.channel}) at ${gap.t} ms`;
    if (gap.reason === 'session' && !lostBefore(gap.t))
      fail('no false gap', `gap session on ${where} with no lost session`);
    if (gap.reason === 'epoch' && !storeLostAt.some((at) => at <= gap.t))
      fail('no false gap', `gap epoch on ${where} though the store never lost its state`);
    if (gap.reason === 'trimmed' || gap.reason === 'no-history')
      fail('no false gap', `gap ${gap.reason} on ${where}`);
  }
  const settings = of('step').find((step) => step.step.startsWith('settings'))?.step ?? '';
  const shortTtl = settings.includes('sessionTtlMs=100 ');
  for (const at of lostAt) {
    const overBudget =
      of('direct').some((d) => d.oversize && d.taken && d.t <= at) ||
      of('sent').some((s) => s.oversize && s.t <= at);
    if (!shortTtl && !overBudget && !storeLostAt.some((t) => t <= at))
      fail(
        'a session is lost only for a cause',
        `welcome at ${at} ms started a new session, with no store loss, TTL or budget to explain it`,
      );
  }
  for (const event of of('socket')) {
    if (event.event === 'close' && event.detail.endsWith(' false'))
      fail('the socket never gives up', `closed for good: ${event.detail} at ${event.t} ms`);
    if (event.event === 'error' && event.detail.startsWith('ERR_PROTOCOL_FALLBACK'))
      fail('never falls back to v1 from a v2 server', `${event.detail} at ${event.t} ms`);
  }
  return violations;
}

type Of = <K extends HistoryEvent['kind']>(kind: K) => EventOf<K>[];
type Fail = (invariant: string, detail: string, id?: string) => void;

function group<T extends { id?: string | undefined }>(events: T[]): Map<string, T[]> {
  const byId = new Map<string, T[]>();
  for (const event of events) {
    if (event.id === undefined) continue;
    const list = byId.get(event.id) ?? [];
    list.push(event);
    byId.set(event.id, list);
  }
  return byId;
}

function checkClientToServer(
  of: Of,
  lostBefore: (t: number) => boolean,
  movedBefore: (t: number) => boolean,
  fail: Fail,
): void {
  const sent = of('sent');
  const order = new Map(sent.map((event, index) => [event.id, index]));
  const runs = group(of('handled'));
  const dropped = new Set(of('dropped').map((event) => event.id));
  for (const event of of('confirmed')) if (!event.ok) dropped.add(event.id);
  for (const id of runs.keys())
    if (!order.has(id)) fail('handled only what was sent', `handled ${id}, which the app never sent`, id);
  for (const { id } of sent) {
    const list = runs.get(id) ?? [];
    if (dropped.has(id) && list.length > 0)
      fail('a frame handled is never reported dropped', `reported dropped, handled ${list.length}×`, id);
    if (!dropped.has(id) && list.length === 0)
      fail(
        'exactly-once: handled at least once, or reported dropped',
        'never handled, never reported dropped',
        id,
      );
    list.forEach((run, index) => {
      if (index > 0 && !run.redelivered)
        fail(
          'exactly-once: a repeat is flagged redelivered',
          `handled again on ${run.node} without the redelivered flag`,
          id,
        );
      if (run.redelivered && !lostBefore(run.t) && !movedBefore(run.t))
        fail(
          'redelivered only after a lost session or a change of connection',
          `flagged redelivered at ${run.t} ms`,
          id,
        );
    });
  }
  const bySession = new Map<string, number[]>();
  for (const run of of('handled')) {
    if (run.redelivered) continue;
    const list = bySession.get(run.session) ?? [];
    list.push(order.get(run.id) ?? -1);
    bySession.set(run.session, list);
  }
  for (const [session, list] of bySession)
    for (let i = 1; i < list.length; i++)
      if (list[i]! < list[i - 1]!) {
        fail(
          'in order per session',
          `session ${session}: c-frame sent ${list[i]}th handled after the ${list[i - 1]}th`,
        );
        break;
      }
}

function checkRequests(of: Of, fail: Fail): void {
  const settled = group(of('settled'));
  const confirmed = group(of('confirmed'));
  const droppedIds = new Set(of('dropped').map((event) => event.id));
  for (const request of of('sent')) {
    const { id } = request;
    if (request.op === 'confirm' && (confirmed.get(id)?.length ?? 0) !== 1)
      fail('a confirmation settles once', `settled ${confirmed.get(id)?.length ?? 0}×`, id);
    if (request.op !== 'request') continue;
    const outcomes = settled.get(id) ?? [];
    if (outcomes.length !== 1) {
      fail('a request settles exactly once', `settled ${outcomes.length}×`, id);
      continue;
    }
    const [outcome] = outcomes as [EventOf<'settled'>];
    if (outcome.ok && !request.oversize && JSON.stringify(outcome.value) !== JSON.stringify({ answer: id }))
      fail('a request gets its own answer', `resolved with ${JSON.stringify(outcome.value)}`, id);
    // Dropped from the queue (reported with a `drop` event) is an answer the app was told about.
    const dropped = outcome.error === 'ERR_QUEUE_FULL' && droppedIds.has(id);
    if (!outcome.ok && !dropped && !(request.oversize && outcome.error !== 'ERR_REQUEST_TIMEOUT'))
      fail(
        'a request gets its answer',
        `rejected with ${outcome.error}${request.oversize ? ' (oversize answer)' : ''}`,
        id,
      );
  }
}

function checkPublications(of: Of, endAt: number, fail: Fail): void {
  const published = of('published');
  const gaps = of('gap');
  const delivered = of('delivered');
  for (const opened of of('view').filter((view) => view.open && view.channel !== 'inbox')) {
    const { view, channel } = opened;
    const closedAt = of('view').find((v) => v.view === view && !v.open)?.t ?? endAt;
    const pubs = published.filter((p) => p.channel === channel);
    const index = new Map(pubs.map((p, i) => [p.id, i]));
    const got = delivered.filter((d) => d.view === view);
    const seen = new Set<string>();
    let last = -1;
    for (const delivery of got) {
      const i = index.get(delivery.id);
      if (i === undefined)
        fail(
          'publications reach their channel only',
          `view ${view} (${channel}) got ${delivery.id}`,
          delivery.id,
        );
      if (seen.has(delivery.id))
        fail('publications at most once', `view ${view} (${channel}) got it twice`, delivery.id);
      seen.add(delivery.id);
      if (i !== undefined && pubs[i]!.ok) {
        if (i < last)
          fail(
            'publications in order',
            `view ${view} (${channel}) got it after ${pubs[last]!.id}`,
            delivery.id,
          );
        last = Math.max(last, i);
      }
    }
    const subscribedAt = of('subscribed').find((s) => s.view === view)?.t;
    // A view opened beside a live, subscribed view of its channel shares that subscription from the start.
    const views = of('view');
    const sharedSince = of('subscribed').find(
      (s) =>
        s.channel === channel &&
        s.view !== view &&
        s.t <= opened.t &&
        !views.some((v) => v.view === s.view && !v.open && v.t <= opened.t),
    )?.t;
    const from = Math.min(
      subscribedAt ?? Number.POSITIVE_INFINITY,
      got[0]?.t ?? Number.POSITIVE_INFINITY,
      sharedSince !== undefined ? opened.t : Number.POSITIVE_INFINITY,
    );
    if (from === Number.POSITIVE_INFINITY) {
      if (closedAt === endAt && pubs.some((p) => p.ok && p.startedAt > opened.t))
        fail(
          'a view gets its channel',
          `view ${view} (${channel}), open since ${opened.t} ms, was never subscribed and got nothing`,
        );
      continue;
    }
    // A view closed before the end only answers for holes between its deliveries: what came after its last one
    // may still have been on its way (a reconnection) when the app let go of the view.
    const lastDelivered = Math.max(-1, ...got.map((d) => index.get(d.id) ?? -1));
    const upTo = closedAt === endAt ? pubs.length : lastDelivered;
    for (const [i, pub] of pubs.entries()) {
      if (!pub.ok || i > upTo || pub.startedAt < from || pub.t > closedAt || seen.has(pub.id)) continue;
      const next = got.find((d) => (index.get(d.id) ?? -1) > i)?.t ?? closedAt;
      const covered = gaps.some((gap) => gap.view === view && gap.t >= pub.startedAt && gap.t <= next);
      if (!covered)
        fail(
          'a missed publication is covered by a gap',
          `view ${view} (${channel}) never got it, no gap`,
          pub.id,
        );
    }
  }
}

function checkDirect(of: Of, served: EventOf<'served'>[], fail: Fail): void {
  const sent = of('direct').filter((d) => d.taken);
  const order = new Map(sent.map((d, i) => [d.id, i]));
  const got = of('delivered').filter((d) => d.view === 0);
  const seen = new Set<string>();
  // In order per server client (one connection): sends to a connection whose session is still being attached
  // are numbered once it is, so across two connections of one session the send order is not kept.
  const clientOf = new Map(sent.map((d) => [d.id, d.client]));
  const last = new Map<string, number>();
  for (const delivery of got) {
    if (seen.has(delivery.id)) fail('client.send at most once', 'delivered twice', delivery.id);
    seen.add(delivery.id);
    const i = order.get(delivery.id) ?? -1;
    const client = clientOf.get(delivery.id) ?? '';
    const previous = last.get(client) ?? -1;
    if (i < previous) fail('client.send in order', `delivered after ${sent[previous]!.id}`, delivery.id);
    last.set(client, Math.max(previous, i));
  }
  const sessionGaps = of('gap').filter((gap) => gap.view === 0 && gap.reason === 'session');
  // A frame taken into a session the client never heard of (its connection ended before the `welcome` reached
  // it, on its first connection) cannot be asked for, nor reported: it is not counted as lost.
  const known = new Set(of('welcome').map((welcome) => welcome.session));
  const sessionOf = new Map(served.map((event) => [event.client, event.session]));
  for (const direct of sent) {
    const session = sessionOf.get(direct.client);
    if (session === undefined || !known.has(session)) continue;
    if (!seen.has(direct.id) && !sessionGaps.some((gap) => gap.t >= direct.t))
      fail(
        'a lost client.send is covered by a session gap',
        `${direct.inConnection ? 'sent in `connection`, ' : ''}never delivered, no gap session after it`,
        direct.id,
      );
  }
}
