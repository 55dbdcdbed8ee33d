// Credentials refused in band, in real browsers: the server accepts the upgrade and closes at once with 4403
// (forbidden) or 4401 (unauthorized), as the companion server does (the fixture's `refuse`). 4403 ends the
// socket after one attempt; 4401 too with a fixed URL (the same credentials would be sent again), while a URL
// function is called again and may bring a fresh token — and with channels (protocol v2: no `open`, and no
// flush, before the server's `welcome`) the frames queued meanwhile go out on the connection that is accepted.
// Each refusal is an `error` that names its cause.
import type { ReliableSocket } from '../../src/index.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { pageLog } from './probe-kit.js';
import { SocketProbe } from './socket-probe.js';

test.beforeEach(async ({ page, server }) => {
  await openLibrary(page, server);
});

/** The refusals the page heard, as the `error` listener saw them (the class is judged against the build). */
interface Heard {
  name: string;
  code: string;
  closeCode: unknown;
  reason: unknown;
  typed: boolean;
}

for (const kind of ['ReliableSocket', 'ReliableSocketCore'] as const) {
  test(`${kind}: 4403 is final after one attempt, with a ForbiddenError`, async ({ page, server }) => {
    server.refuse = () => ({ code: 4403, reason: 'not for you' });
    const probe = await SocketProbe.create(
      page,
      (RS, arg) => {
        const socket = new RS[arg.kind](arg.url, { heartbeat: false, reconnect: { initialDelayMs: 20 } });
        window.testLog = [];
        socket.on('error', (error) => {
          const forbidden = error instanceof RS.ForbiddenError ? error : undefined;
          window.testLog!.push({
            name: error.name,
            code: error.code,
            closeCode: forbidden?.closeCode,
            reason: forbidden?.reason,
            typed: !!forbidden && error instanceof RS.ReliableSocketError,
          });
        });
        // A channel makes ReliableSocket greet the server (protocol v2) before it flushes; the core flushes at once.
        if (socket instanceof RS.ReliableSocket) socket.channel('chat');
        socket.send('queued');
        return socket as ReliableSocket;
      },
      { url: server.wsUrl, kind },
    );
    await probe.waitForState('closed');
    expect(await pageLog(page)).toEqual([
      { name: 'ForbiddenError', code: 'ERR_FORBIDDEN', closeCode: 4403, reason: 'not for you', typed: true },
    ] satisfies Heard[]);
    // wasClean: WebKit reports false for a close frame that follows the handshake at once; the others true.
    expect(await probe.args('close')).toEqual([
      { code: 4403, reason: 'not for you', wasClean: expect.any(Boolean), willReconnect: false },
    ]);
    expect(await probe.events('reconnecting')).toEqual([]);
    expect(server.handshakes.map((h) => h.outcome)).toEqual(['refused']);
    // ReliableSocket with channels waits for the server's welcome before it flushes: the frame was still queued,
    // and the final close reports it. The core flushes once the handshake is done: it went out on the refused
    // connection, and no `drop` can tell.
    expect(await probe.events('drop')).toMatchObject(
      kind === 'ReliableSocket' ? [{ args: ['queued', 'closed'] }] : [],
    );
    expect(await probe.events('open')).toHaveLength(kind === 'ReliableSocket' ? 0 : 1);
  });
}

test('4401 with a fixed URL: final after one attempt, with an UnauthorizedError', async ({
  page,
  server,
}) => {
  server.refuse = () => ({ code: 4401, reason: 'token expired' });
  const probe = await SocketProbe.create(
    page,
    (RS, url) =>
      new RS.ReliableSocket(`${url}?token=stale`, { heartbeat: false, reconnect: { initialDelayMs: 20 } }),
    server.wsUrl,
  );
  await probe.waitForState('closed');
  expect(await probe.args('error')).toMatchObject([{ name: 'UnauthorizedError', code: 'ERR_UNAUTHORIZED' }]);
  expect(await probe.args('close')).toEqual([
    { code: 4401, reason: 'token expired', wasClean: expect.any(Boolean), willReconnect: false },
  ]);
  expect(server.handshakes.map((h) => h.url)).toEqual(['/?token=stale']);
});

test('4401 with a URL function: retried with its next URL, which is accepted; the queued frame goes out there', async ({
  page,
  server,
}) => {
  server.refuse = (url) =>
    url.includes('token=fresh') ? undefined : { code: 4401, reason: 'token expired' };
  const probe = await SocketProbe.create(
    page,
    (RS, url) => {
      let calls = 0;
      const socket = new RS.ReliableSocket(() => `${url}?token=${++calls === 1 ? 'stale' : 'fresh'}`, {
        heartbeat: false,
        reconnect: { initialDelayMs: 20 },
      });
      socket.channel('chat').send('on a channel');
      socket.send('raw');
      return socket;
    },
    server.wsUrl,
  );
  await probe.waitFor('open');
  // The fixture echoes: once the raw frame is back, both frames went out — on the accepted connection alone.
  await probe.waitFor('message');
  expect(server.handshakes.map((h) => [h.url, h.outcome])).toEqual([
    ['/?token=stale', 'refused'],
    ['/?token=fresh', 'accepted'],
  ]);
  const mine = server.received.filter((f) => !String(f.data).includes('"hello"'));
  expect(mine.map((f) => `${f.connection} ${f.data}`).sort()).toEqual([
    '1 raw',
    '1 {"type":"message","channel":"chat","data":"on a channel"}',
    '1 {"type":"subscribe","channel":"chat"}',
  ]);
  expect(await probe.events('open')).toHaveLength(1);
  // The refusal, then the fixture's echo of `hello` (it speaks no protocol v2).
  expect((await probe.args('error')).map((e) => e.code)).toEqual([
    'ERR_UNAUTHORIZED',
    'ERR_PROTOCOL_FALLBACK',
  ]);
  expect(await probe.args('close')).toEqual([
    { code: 4401, reason: 'token expired', wasClean: expect.any(Boolean), willReconnect: true },
  ]);
  expect(await probe.events('drop')).toEqual([]);
  await probe.close();
});
