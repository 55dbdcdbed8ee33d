// The same behaviour tests for the browser's own WebSocket and for ReliableWebSocket (reliable-socket/websocket,
// the built file), against the fixture server: event order, readyState as each event is dispatched, event
// classes and fields, `on*` handler and listener semantics, close() — what a library written for the native
// socket relies on. Each test runs once per implementation and expects the same.
import { expect, test } from '../fixture/test.js';
import { KINDS, openWebSocketPage, WsProbe } from './websocket-kit.js';

test.beforeEach(async ({ page, server }) => {
  await openWebSocketPage(page, server);
});

for (const kind of KINDS) {
  test.describe(kind, () => {
    test('the ready-state constants, on the class and on instances', async ({ page, server }) => {
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      const constants = await probe.run((ws) => {
        const Impl = ws.constructor as typeof WebSocket;
        const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;
        return names.map((name) => [Impl[name], ws[name], name in Impl]);
      });
      expect(constants).toEqual([
        [0, 0, true],
        [1, 1, true],
        [2, 2, true],
        [3, 3, true],
      ]);
    });

    test('open, text and binary messages, then close(code, reason): order, readyState, classes, this and target', async ({
      page,
      server,
    }) => {
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      expect(await probe.born()).toBe(0);
      expect(await probe.run((ws) => [ws.binaryType, ws.url, ws.protocol, ws.extensions])).toEqual([
        'blob',
        server.wsUrl,
        '',
        '',
      ]);
      await probe.waitFor('open');
      await probe.run((ws) => {
        ws.send('hello');
        ws.send(new Uint8Array([1, 2, 3]));
      });
      await probe.waitFor('message', 2);
      await probe.run((ws) => {
        ws.binaryType = 'arraybuffer';
        ws.binaryType = 'nonsense' as BinaryType; // ignored, as natively
        ws.send(new Uint8Array([4, 5]).buffer);
      });
      await probe.waitFor('message', 3);
      const closing = await probe.run((ws) => {
        ws.close(4000, 'bye');
        const readyState = ws.readyState;
        ws.close(4001, 'again'); // no effect
        ws.send('after close'); // discarded, no throw
        return readyState;
      });
      expect(closing).toBe(2);
      await probe.waitFor('close');
      const origin = new URL(server.wsUrl).origin;
      expect(await probe.events()).toEqual([
        { via: 'handler', type: 'open', readyState: 1, bound: true, class: 'Event' },
        {
          via: 'handler',
          type: 'message',
          readyState: 1,
          bound: true,
          class: 'MessageEvent',
          data: 'hello',
          origin,
        },
        {
          via: 'handler',
          type: 'message',
          readyState: 1,
          bound: true,
          class: 'MessageEvent',
          data: 'blob:3',
          origin,
        },
        {
          via: 'handler',
          type: 'message',
          readyState: 1,
          bound: true,
          class: 'MessageEvent',
          data: 'arraybuffer:2',
          origin,
        },
        {
          via: 'handler',
          type: 'close',
          readyState: 3,
          bound: true,
          class: 'CloseEvent',
          code: 4000,
          reason: 'bye',
          wasClean: true,
        },
      ]);
      // Every listener saw the same event right after the handler (set first, so it runs first).
      const all = await probe.all();
      expect(all.map((e) => `${e.via}:${e.type}`)).toEqual(
        (await probe.events()).flatMap((e) => [`handler:${e.type}`, `listener:${e.type}`]),
      );
      expect(server.messages()).toEqual(['hello', '010203', '0405']);
    });

    test('the server closes with a code: close with that code and reason, wasClean', async ({
      page,
      server,
    }) => {
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      await probe.waitFor('open');
      server.closeAll(4001, 'x');
      await probe.waitFor('close');
      expect(
        (await probe.events()).map(({ type, readyState, code, reason, wasClean }) => ({
          type,
          readyState,
          code,
          reason,
          wasClean,
        })),
      ).toEqual([
        { type: 'open', readyState: 1 },
        { type: 'close', readyState: 3, code: 4001, reason: 'x', wasClean: true },
      ]);
    });

    test('the connection is cut: close 1006, not clean, no error', async ({ page, server }) => {
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      await probe.waitFor('open');
      server.kill();
      await probe.waitFor('close');
      expect((await probe.events()).map(({ type, code, wasClean }) => ({ type, code, wasClean }))).toEqual([
        { type: 'open' },
        { type: 'close', code: 1006, wasClean: false },
      ]);
    });

    test('the handshake fails: error, then close 1006 (ours after its retries, here one)', async ({
      page,
      server,
    }) => {
      server.rejectHandshakes(503);
      const probe = await WsProbe.open(page, kind, server.wsUrl, {
        reconnect: { maxRetries: 1, initialDelayMs: 10 },
      });
      await probe.waitFor('close');
      expect(
        (await probe.events()).map(({ type, readyState, class: c, code, wasClean }) => ({
          type,
          readyState,
          class: c,
          code,
          wasClean,
        })),
      ).toEqual([
        { type: 'error', readyState: 3, class: 'Event' },
        { type: 'close', readyState: 3, class: 'CloseEvent', code: 1006, wasClean: false },
      ]);
      // The retry was not announced: the app saw one failure, as from the native socket.
      expect(server.handshakes).toHaveLength(kind === 'native' ? 1 : 2);
    });

    test('close() while connecting: CLOSING at once, then error and close 1006', async ({ page, server }) => {
      server.stallHandshakes(true);
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake');
      const readyState = await probe.run((ws) => {
        ws.close();
        return ws.readyState;
      });
      expect(readyState).toBe(2);
      await probe.waitFor('close');
      expect((await probe.events()).map(({ type, code, wasClean }) => ({ type, code, wasClean }))).toEqual([
        { type: 'error' },
        { type: 'close', code: 1006, wasClean: false },
      ]);
    });

    test('handler attributes: a handler keeps its place among listeners when replaced, null removes it; once, handleEvent, removeEventListener', async ({
      page,
      server,
    }) => {
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      await probe.waitFor('open');
      const readsBack = await probe.run((ws) => {
        const log: string[] = [];
        (window as unknown as { order: string[] }).order = log;
        ws.onmessage = null;
        const b = () => log.push('b');
        ws.addEventListener('message', () => log.push('a'));
        ws.onmessage = b;
        const c = { handleEvent: () => log.push('c') };
        ws.addEventListener('message', c);
        ws.addEventListener('message', () => log.push('once'), { once: true });
        (window as unknown as { step: (n: number) => void }).step = (n) => {
          log.push(`|${n}`);
          if (n === 1) ws.onmessage = () => log.push('d'); // replaces b in b's place
          if (n === 2) {
            ws.onmessage = null;
            ws.onmessage = 'not a function' as unknown as null; // treated as null
            ws.onmessage = () => log.push('e'); // a new handler goes last
            ws.removeEventListener('message', c);
          }
        };
        return ws.onmessage === b;
      });
      expect(readsBack).toBe(true); // the attribute reads back the handler it was set to
      for (const n of [1, 2, 3]) {
        server.sendToAll(`m${n}`);
        await page.waitForFunction(
          (n) =>
            (window as unknown as { order: string[] }).order.filter((e) => !e.startsWith('|')).length >=
            [4, 7, 9][n - 1]!,
          n,
        );
        await page.evaluate((n) => (window as unknown as { step: (n: number) => void }).step(n), n);
      }
      expect(await page.evaluate(() => (window as unknown as { order: string[] }).order)).toEqual([
        'a',
        'b',
        'c',
        'once',
        '|1',
        'a',
        'd',
        'c',
        '|2',
        'a',
        'e',
        '|3',
      ]);
    });

    test('close() with a code the API forbids or a reason over 123 bytes throws a DOMException', async ({
      page,
      server,
    }) => {
      const probe = await WsProbe.open(page, kind, server.wsUrl);
      await probe.waitFor('open');
      const thrown = await probe.run((ws) =>
        [
          () => ws.close(1001),
          () => ws.close(2999),
          () => ws.close(5000),
          () => ws.close(4000, 'é'.repeat(62)),
        ].map((call) => {
          try {
            call();
            return 'returned';
          } catch (error) {
            return error instanceof DOMException ? error.name : String(error);
          }
        }),
      );
      expect(thrown).toEqual([
        'InvalidAccessError',
        'InvalidAccessError',
        'InvalidAccessError',
        'SyntaxError',
      ]);
      expect(await probe.run((ws) => ws.readyState)).toBe(1);
    });
  });
}
