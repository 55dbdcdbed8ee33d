// The peers, measured here with the same tools: reconnecting-websocket and partysocket (its generic
// reconnecting socket, `import { WebSocket } from 'partysocket'`), each with its DEFAULT options (no options
// passed), their own browser ESM builds loaded in the same page (test/pages/peers.html), against the same
// fixture server and faults as our dead-link.bench.ts and storm.bench.ts.
//  - dead link: one socket, open and one echo exchanged, then the half-open fault (traffic frozen both ways,
//    nothing closed). Does the peer report the link lost (a `close` event, or readyState leaving OPEN) within
//    10 s, and when? Timed in the page from just before the fault, as dead-link.bench.ts does.
//  - reconnect storm: 50 sockets in one page, all open; the server cuts them all. Each socket's first retry is
//    the first construction of a native WebSocket for that socket after its `close` event, seen through a
//    WebSocket subclass installed before the peer loads (so the browser's throttling of handshakes does not
//    blur it, as in storm.bench.ts). The cut comes once all are open and each one's retry counter is back at 0
//    (the steady state: see below). Times relative to the first `close` event. Three storms, each in a freshly
//    loaded page (reconnecting-websocket draws its default delay once per page load), the median one reported.
import { errors, type Page, type Response } from '@playwright/test';
import type { WebSocket as PartySocketWebSocket } from 'partysocket';
import type ReconnectingWebSocket from 'reconnecting-websocket';
import type { FixtureServer } from '../test/fixture/fixture-server.js';
import { expect, test } from '../test/fixture/test.js';
import { maxWindowShare, median, PEERS, type PeerName, peerVersion, record } from './kit.js';

const SOCKETS = 50;
const DEAD_LINK_WINDOW_MS = 10_000;
const STORM_WAIT_MS = 30_000;

/** A native WebSocket construction, seen by the subclass the init script installs. */
interface Construction {
  url: string;
  /** `performance.now()` just before the native constructor ran. */
  at: number;
}

/** What both peers have in common, and all this benchmark uses. */
interface PeerSocket {
  readonly readyState: number;
  readonly retryCount: number;
  send(data: string): unknown;
  close(): void;
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

declare global {
  interface Window {
    /** Set by test/pages/peers.html. */
    peers?: {
      'reconnecting-websocket': typeof ReconnectingWebSocket;
      partysocket: typeof PartySocketWebSocket;
    };
    constructions?: Construction[];
    deadLink?: { socket: PeerSocket; echoed: boolean; lostAt?: number; how?: string; poll?: number };
    peerStorm?: {
      sockets: PeerSocket[];
      urls: string[];
      armed: boolean;
      closedAt: Array<number | undefined>;
    };
  }
}

/** Resolves to false when Playwright's wait runs out; any other failure is thrown. */
const timedOut = (error: unknown): false => {
  if (error instanceof errors.TimeoutError) return false;
  throw error;
};

/** Opens test/pages/peers.html with every native WebSocket construction recorded from the first instant. */
async function openPeers(page: Page, server: FixtureServer): Promise<void> {
  const failed: string[] = [];
  const onResponse = (response: Response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  };
  page.on('response', onResponse);
  await page.goto(`${server.httpUrl}/peers.html`);
  await page
    .waitForFunction(() => document.documentElement.dataset.loaded === 'peers', undefined, { timeout: 5000 })
    .catch((error: Error) => {
      throw new Error(`the peers did not load${failed.length ? `: ${failed.join(', ')}` : ''}`, {
        cause: error,
      });
    })
    .finally(() => page.off('response', onResponse));
}

/** Installs the WebSocket subclass that records constructions; runs before any script of every page load. */
async function recordConstructions(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const constructions: Construction[] = [];
    class Recorded extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        const at = performance.now();
        super(url, protocols);
        constructions.push({ url: String(url), at });
      }
    }
    window.constructions = constructions;
    window.WebSocket = Recorded;
  });
}

/** Waits until the server holds no connection (the page closed its sockets), at most 10 s. */
const drained = (server: FixtureServer) =>
  server.waitFor(() => server.connections === 0, 'the page to close its sockets', 10_000);

interface DeadLink {
  noticed: boolean;
  /** From just before the fault to the first sign of loss, when there was one. */
  afterMs?: number;
  how?: string;
  windowMs: number;
}

async function deadLink(page: Page, server: FixtureServer, peer: PeerName): Promise<DeadLink> {
  await openPeers(page, server);
  await page.evaluate(
    ({ peer, url }) => {
      const peers = window.peers!;
      const socket: PeerSocket =
        peer === 'partysocket' ? new peers.partysocket(url) : new peers['reconnecting-websocket'](url);
      const state: NonNullable<Window['deadLink']> = { socket, echoed: false };
      socket.addEventListener('open', () => socket.send('echo me'));
      socket.addEventListener('message', (event) => {
        if (event.data === 'echo me') state.echoed = true;
      });
      socket.addEventListener('close', () => {
        if (state.lostAt === undefined) [state.lostAt, state.how] = [performance.now(), 'close event'];
      });
      window.deadLink = state;
    },
    { peer, url: server.wsUrl },
  );
  await page.waitForFunction(() => window.deadLink?.echoed === true, undefined, { timeout: 10_000 });
  const faultAt = await page.evaluate(() => {
    const state = window.deadLink!;
    // readyState has no event of its own: sampled every 10 ms.
    state.poll = window.setInterval(() => {
      if (state.socket.readyState !== 1 && state.lostAt === undefined)
        [state.lostAt, state.how] = [performance.now(), `readyState ${state.socket.readyState}`];
    }, 10);
    return performance.now();
  });
  server.halfOpen(true);
  // A bounded wait that may prove a negative: a socket with no heartbeat need never notice, and "not noticed
  // in 10 s" is the figure then.
  await page
    .waitForFunction(() => window.deadLink?.lostAt !== undefined, undefined, {
      timeout: DEAD_LINK_WINDOW_MS,
      polling: 50,
    })
    .catch(timedOut);
  const { lostAt, how } = await page.evaluate(() => {
    const state = window.deadLink!;
    clearInterval(state.poll);
    return { lostAt: state.lostAt, how: state.how };
  });
  server.halfOpen(false);
  await page.evaluate(() => window.deadLink?.socket.close());
  await drained(server);
  const afterMs = lostAt === undefined ? undefined : lostAt - faultAt;
  const noticed = afterMs !== undefined && afterMs <= DEAD_LINK_WINDOW_MS;
  return {
    noticed,
    ...(noticed && { afterMs, how }),
    windowMs: DEAD_LINK_WINDOW_MS,
  };
}

/** One storm in a fresh page: each socket's first retry (ms after the first close event), or null if none. */
async function storm(page: Page, server: FixtureServer, peer: PeerName): Promise<Array<number | null>> {
  await openPeers(page, server);
  await page.evaluate(
    ({ peer, url, count }) => {
      const peers = window.peers!;
      // One query string per socket, so that each native construction is told apart by its URL.
      const urls = Array.from({ length: count }, (_, i) => `${url}?storm=${i}`);
      const state: NonNullable<Window['peerStorm']> = { sockets: [], urls, armed: false, closedAt: [] };
      state.sockets = urls.map((socketUrl, i) => {
        const socket: PeerSocket =
          peer === 'partysocket'
            ? new peers.partysocket(socketUrl)
            : new peers['reconnecting-websocket'](socketUrl);
        // Only closes after the cut count (a connection timeout while 50 handshakes queue up is no storm).
        socket.addEventListener('close', () => {
          if (state.armed && state.closedAt[i] === undefined) state.closedAt[i] = performance.now();
        });
        return socket;
      });
      window.peerStorm = state;
    },
    { peer, url: server.wsUrl, count: SOCKETS },
  );
  // All open, and each one's retry counter back at 0: both peers reset it only after a connection has stayed
  // up for `minUptime` (5 s by default), and a socket whose handshake timed out while 50 queued up would
  // otherwise wait 1.3× longer than the others, which is not the steady state the storm is about.
  await page.waitForFunction(
    () => window.peerStorm?.sockets.every((s) => s.readyState === 1 && s.retryCount === 0),
    undefined,
    { timeout: 30_000 },
  );
  await page.evaluate(() => {
    window.peerStorm!.armed = true;
  });
  server.kill();
  // Bounded: every socket has retried, or 30 s have passed; a socket without a retry by then is recorded so.
  await page
    .waitForFunction(
      () => {
        const { urls, closedAt } = window.peerStorm!;
        return urls.every((url, i) => {
          const closed = closedAt[i];
          return closed !== undefined && window.constructions!.some((c) => c.url === url && c.at >= closed);
        });
      },
      undefined,
      { timeout: STORM_WAIT_MS, polling: 100 },
    )
    .catch(timedOut);
  const retries = await page.evaluate(() => {
    const { urls, closedAt, sockets } = window.peerStorm!;
    const firstClose = Math.min(...closedAt.filter((at) => at !== undefined));
    const times = urls.map((url, i) => {
      const closed = closedAt[i];
      const retry =
        closed === undefined ? undefined : window.constructions!.find((c) => c.url === url && c.at >= closed);
      return retry ? retry.at - firstClose : null;
    });
    for (const socket of sockets) socket.close();
    return times;
  });
  await drained(server);
  return retries;
}

test('peers', async ({ page, server, browser }, testInfo) => {
  // Two peers × (10 s dead link + 3 storms): ~2 min in Chromium here, where 50 handshakes queue up.
  test.setTimeout(420_000);
  await recordConstructions(page);
  const figures: Record<string, unknown> = {};
  for (const peer of PEERS) {
    const dead = await deadLink(page, server, peer);
    const storms: Array<Array<number | null>> = [];
    for (let i = 0; i < 3; i++) storms.push(await storm(page, server, peer));
    // The share of all 50 sockets (a socket that never retried is in no window).
    const shareOf = (times: Array<number | null>) => {
      const retried = times.filter((t) => t !== null);
      return (maxWindowShare(retried, 100) * retried.length) / SOCKETS;
    };
    const shares = storms.map(shareOf);
    const times = storms[shares.indexOf(median(shares))] ?? storms[0]!;
    const retried = times.filter((t) => t !== null);
    expect(times).toHaveLength(SOCKETS);
    figures[peer] = {
      version: peerVersion(peer),
      options: 'defaults (no options passed)',
      deadLink: dead,
      storm: {
        sockets: SOCKETS,
        waitMs: STORM_WAIT_MS,
        maxSharePerStorm: shares,
        firstRetryMs: times,
        neverRetried: SOCKETS - retried.length,
        ...(retried.length > 0 && {
          minMs: Math.min(...retried),
          medianMs: median(retried),
          maxMs: Math.max(...retried),
        }),
        maxShare: shareOf(times),
      },
    };
  }
  record(testInfo, browser, 'peers', figures);
});
