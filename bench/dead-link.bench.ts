// Dead-link detection: with a 1 s / 1 s heartbeat, how long after a half-open fault (traffic frozen both
// ways, nothing closed) the socket reports the link lost. Five trials, the fault falling at a different point
// of the ping cycle each time. Measured in the page from just before the fault is injected, so the figure
// errs on the slow side.

import { SocketProbe } from '../test/browser/socket-probe.js';
import { expect, openLibrary, test } from '../test/fixture/test.js';
import { median, record } from './kit.js';

const PHASES_MS = [0, 200, 400, 600, 800];

test('dead-link', async ({ page, server, browser }, testInfo) => {
  await openLibrary(page, server);
  const detections: number[] = [];
  for (const phase of PHASES_MS) {
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, {
          heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
          reconnect: { initialDelayMs: 100 },
        }),
      server.wsUrl,
    );
    await probe.waitFor('heartbeat'); // open, and one ping answered: the cycle is running
    const faultAt = await page.evaluate(
      (phase) => new Promise<number>((resolve) => setTimeout(() => resolve(Date.now()), phase)),
      phase,
    );
    server.halfOpen(true);
    const [lost] = await probe.waitFor('close', { timeoutMs: 10_000 });
    expect(lost?.args[0]).toMatchObject({ reason: 'heartbeat timeout' });
    detections.push(lost!.at - faultAt);
    await probe.close();
    server.halfOpen(false);
  }
  record(testInfo, browser, 'dead-link', {
    heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
    detectionsMs: detections,
    medianMs: median(detections),
    maxMs: Math.max(...detections),
  });
});
