/**
 * Whatever the server sends, and whatever the app's listeners do, the socket survives, in real browsers:
 * malformed, empty, binary and 1 MB frames each arrive as one `message` event without throwing into the
 * page; `__proto__`, `constructor` and `prototype` keys in a channel payload never reach the app, so even a
 * naive deep merge of it cannot poison a prototype; a listener that throws is reported like a native
 * listener's exception, the other listeners still run, and the socket keeps working.
 */
import { MALFORMED_FRAMES } from '../fixture/fixture-server.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

/** Long strings are compared by length, so a failure does not print a megabyte. */
const summary = (data: unknown): unknown =>
  typeof data === 'string' && data.length > 100 ? { text: data.length } : data;

for (const binaryType of ['blob', 'arraybuffer'] as const) {
  test(`binaryType ${binaryType}: malformed, empty, binary and 1 MB frames each arrive as a message; the socket stays usable`, async ({
    page,
    server,
  }) => {
    await openLibrary(page, server);
    const probe = await SocketProbe.create(
      page,
      (RS, arg) =>
        new RS.ReliableSocket(arg.url, arg.binaryType === 'blob' ? {} : { binaryType: arg.binaryType }),
      { url: server.wsUrl, binaryType },
    );
    await probe.waitFor('open');

    server.sendToAll(...MALFORMED_FRAMES);
    await probe.waitFor('message', { count: MALFORMED_FRAMES.length });
    const expected = MALFORMED_FRAMES.map((frame) =>
      typeof frame === 'string'
        ? summary(frame)
        : binaryType === 'blob'
          ? { blob: frame.length }
          : { binary: frame.length },
    );
    expect((await probe.args('message')).map(summary)).toEqual(expected);

    expect(await probe.state()).toBe('open');
    expect(await probe.events('close')).toEqual([]);
    expect(await probe.events('error')).toEqual([]);
    await probe.send('still usable');
    await probe.waitFor('message', { count: MALFORMED_FRAMES.length + 1 });
    expect((await probe.args('message')).at(-1)).toBe('still usable');
  });
}

/** Channel frames whose payload tries to poison Object.prototype through a later merge in the app. */
const POISONED = [
  '{"type":"message","channel":"c","data":{"ok":1,"__proto__":{"polluted":"by __proto__"}}}',
  '{"type":"message","channel":"c","data":{"ok":2,"constructor":{"prototype":{"polluted":"by constructor"}}}}',
  '{"type":"message","channel":"c","data":{"ok":3,"nested":{"\\u005f_proto__":{"polluted":"by an escape"}}}}',
];

test('poisoned keys in a channel payload never reach the app: a naive deep merge of every payload pollutes nothing', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  server.echo = false;
  // The fixture is not a protocol server: channels speak v1 to it (no hello to answer).
  const probe = await SocketProbe.create(
    page,
    (RS, url) => new RS.ReliableSocket(url, { delivery: false }),
    server.wsUrl,
  );
  await probe.run((socket) => {
    /** The kind of merge apps write: copies every own key, recursing into objects. */
    const merge = (target: Record<string, unknown>, source: Record<string, unknown>): void => {
      for (const key of Object.keys(source)) {
        const value = source[key];
        if (value && typeof value === 'object') {
          target[key] ??= {};
          merge(target[key] as Record<string, unknown>, value as Record<string, unknown>);
        } else target[key] = value;
      }
    };
    const state: Record<string, unknown> = {};
    window.testLog = [];
    socket.channel('c').on('message', (payload) => {
      merge(state, { payload });
      window.testLog!.push(payload);
    });
    // Control: the same merge of the same frames parsed naively does poison the prototype (then cleaned up),
    // so the assertion below can fail.
    (window as unknown as { naiveMerge: (text: string) => unknown }).naiveMerge = (text) => {
      merge({}, { payload: (JSON.parse(text) as { data: Record<string, unknown> }).data });
      const polluted = ({} as Record<string, unknown>).polluted;
      delete (Object.prototype as Record<string, unknown>).polluted;
      return polluted;
    };
  });
  for (const frame of POISONED) {
    const polluted = await page.evaluate(
      (text) => (window as unknown as { naiveMerge: (text: string) => unknown }).naiveMerge(text),
      frame,
    );
    expect(polluted, `control: ${frame}`).toMatch(/^by /);
  }

  await probe.waitFor('open');
  await server.waitFor(() => server.received.length === 1, 'the subscribe frame');
  server.sendToAll(...POISONED);
  await page.waitForFunction((count) => window.testLog!.length === count, POISONED.length);
  expect(await page.evaluate(() => (Object.prototype as Record<string, unknown>).polluted)).toBeUndefined();
  expect(await page.evaluate(() => window.testLog)).toEqual([{ ok: 1 }, { ok: 2 }, { ok: 3, nested: {} }]);
});

test('a message listener that throws is reported as a page error; other listeners still get the message', async ({
  page,
  server,
  pageErrors,
}) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => {
      const socket = new RS.ReliableSocket(arg.url);
      // Registered first, so it runs before the probe's recorder (registered after the factory returns).
      socket.on('message', (data) => {
        throw new Error(`listener threw on ${String(data)}`);
      });
      return socket;
    },
    { url: server.wsUrl },
  );
  await probe.waitFor('open');

  await probe.send('first');
  await probe.waitFor('message'); // the listener after the throwing one got it
  await probe.send('second');
  await probe.waitFor('message', { count: 2 });
  expect(await probe.args('message')).toEqual(['first', 'second']);
  expect(await probe.state()).toBe('open');
  expect(await probe.events('close')).toEqual([]);

  // Each exception surfaced as an uncaught page error, as from a native listener; these are ours: take them out.
  await expect.poll(() => pageErrors.length).toBe(2);
  const thrown = pageErrors.splice(0).map((error) => error.message);
  expect(thrown).toEqual(['listener threw on first', 'listener threw on second']);

  // And the socket still echoes.
  await probe.send('third');
  await probe.waitFor('message', { count: 3 });
  expect((await probe.args('message')).at(-1)).toBe('third');
  await expect.poll(() => pageErrors.length).toBe(1);
  expect(pageErrors.splice(0).map((error) => error.message)).toEqual(['listener threw on third']);
});
