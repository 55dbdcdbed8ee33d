// Proves the fixture server's controls do what they claim, against a plain native WebSocket: if these fail,
// no behaviour test of the library means anything.
import { MALFORMED_FRAMES } from '../fixture/fixture-server.js';
import { expect, test } from '../fixture/test.js';
import { NativeProbe } from './native-probe.js';

test.beforeEach(async ({ page, server }) => {
  await page.goto(`${server.httpUrl}/blank.html`);
});

test('echoes frames, answers app-level pings, records frames and handshakes', async ({ page, server }) => {
  const probe = await NativeProbe.open(page, `${server.wsUrl}?token=a`);
  await probe.next('open');
  await probe.send('hello');
  await probe.send('{"type":"ping","id":7}');
  await probe.send('ping');
  const messages = await probe.messages(3);
  expect(messages.map((m) => m.data)).toEqual(['hello', '{"type":"pong","id":7}', 'pong']);
  expect(server.received.map((f) => [f.data, f.heartbeat])).toEqual([
    ['hello', false],
    ['{"type":"ping","id":7}', true],
    ['ping', true],
  ]);
  expect(server.messages()).toEqual(['hello']);
  expect(server.handshakes).toHaveLength(1);
  expect(server.handshakes[0]).toMatchObject({ url: '/?token=a', outcome: 'accepted' });
});

test('kill: the browser sees close code 1006', async ({ page, server }) => {
  const probe = await NativeProbe.open(page, server.wsUrl);
  await probe.next('open');
  server.kill();
  expect(await probe.next('close')).toMatchObject({ code: 1006, wasClean: false });
});

test('closeAll(4001, "x"): the browser sees that code and reason', async ({ page, server }) => {
  const probe = await NativeProbe.open(page, server.wsUrl);
  await probe.next('open');
  server.closeAll(4001, 'x');
  expect(await probe.next('close')).toMatchObject({ code: 4001, reason: 'x', wasClean: true });
});

test('down(ms): connections fail while down, then succeed', async ({ page, server }) => {
  const probe = await NativeProbe.open(page, server.wsUrl);
  await probe.next('open');
  const downAt = Date.now();
  await server.down(1500);
  expect(await probe.next('close')).toMatchObject({ code: 1006 });

  const refused = await NativeProbe.open(page, server.wsUrl);
  expect(await refused.next('close')).toMatchObject({ code: 1006 });
  expect((await refused.events()).some((e) => e.type === 'open')).toBe(false);
  expect(server.handshakes).toHaveLength(1); // the refused attempt never reached the server

  // Back by itself: keep trying until one attempt opens.
  await expect
    .poll(
      async () => {
        const retry = await NativeProbe.open(page, server.wsUrl);
        return (await Promise.race([retry.next('open'), retry.next('close')])).type;
      },
      { timeout: 10_000 },
    )
    .toBe('open');
  expect(Date.now() - downAt).toBeGreaterThanOrEqual(1500);
});

test('rejectHandshakes(503): the handshake fails', async ({ page, server }) => {
  server.rejectHandshakes(503);
  const probe = await NativeProbe.open(page, server.wsUrl);
  expect(await probe.next('close')).toMatchObject({ code: 1006 });
  expect((await probe.events()).map((e) => e.type)).toEqual(['error', 'close']);
  expect(server.handshakes).toMatchObject([{ outcome: 'rejected' }]);

  server.rejectHandshakes(undefined);
  const accepted = await NativeProbe.open(page, server.wsUrl);
  await accepted.next('open');
});

test('stallHandshakes: the socket stays CONNECTING', async ({ page, server }) => {
  server.stallHandshakes(true);
  const probe = await NativeProbe.open(page, server.wsUrl);
  await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake to arrive');
  await page.waitForTimeout(2000); // proving a negative: nothing may happen in this window
  expect(await probe.readyState()).toBe(0);
  expect(await probe.events()).toEqual([]);
  expect(server.handshakes).toMatchObject([{ outcome: 'stalled' }]);
});

test('halfOpen: nothing gets through and nothing closes for 3 s; healing delivers what waited', async ({
  page,
  server,
}) => {
  const probe = await NativeProbe.open(page, server.wsUrl);
  await probe.next('open');
  await probe.send('before');
  await probe.messages(1);

  server.halfOpen(true);
  await probe.send('during');
  await page.waitForTimeout(3000); // proving a negative: nothing may happen in this window
  expect((await probe.events()).map((e) => e.type)).toEqual(['open', 'message']);
  expect(await probe.readyState()).toBe(1);
  expect(server.messages()).toEqual(['before']);

  server.halfOpen(false);
  expect((await probe.messages(2)).map((m) => m.data)).toEqual(['before', 'during']);
});

test('natLoss after halfOpen: what was frozen is dropped, the old connection is reset (1006), new ones work', async ({
  page,
  server,
}) => {
  const probe = await NativeProbe.open(page, server.wsUrl);
  await probe.next('open');
  server.halfOpen(true);
  await probe.send('frozen, then lost');
  await page.waitForTimeout(300); // let the frame reach the proxy, where it waits
  server.natLoss();
  expect(await probe.next('close')).toMatchObject({ type: 'close', code: 1006, wasClean: false });
  expect(server.messages()).toEqual([]);
  const again = await NativeProbe.open(page, server.wsUrl);
  await again.next('open');
  await again.send('after');
  expect((await again.messages(1)).map((m) => m.data)).toEqual(['after']);
});

test('sendToAll: malformed frames arrive exactly as sent', async ({ page, server }) => {
  const probe = await NativeProbe.open(page, server.wsUrl);
  await probe.next('open');
  server.sendToAll(...MALFORMED_FRAMES);
  const messages = await probe.messages(MALFORMED_FRAMES.length);
  expect(messages).toEqual(
    MALFORMED_FRAMES.map((frame) =>
      typeof frame === 'string'
        ? { type: 'message', data: frame, binary: false }
        : { type: 'message', data: frame.toString('hex'), binary: true },
    ),
  );
});
