// The built files load the way users load them, and a minimal ReliableSocket round-trips through each; each is
// the build the test project asks for.
import { ERROR_DOCS } from '../../src/errors.js';
import { expect, openLibrary, test } from '../fixture/test.js';

for (const build of ['esm', 'umd'] as const) {
  test(`${build} build: loads and round-trips a message`, async ({ page, server }) => {
    await openLibrary(page, server, build);
    const echoed = await page.evaluate(
      (url) =>
        new Promise<string>((resolve, reject) => {
          const socket = new window.RS.ReliableSocket(url);
          socket.on('message', (data) => resolve(String(data)));
          socket.on('error', reject);
          socket.send('round trip'); // queued until open
        }),
      server.wsUrl,
    );
    expect(echoed).toBe('round trip');
    expect(server.messages()).toEqual(['round trip']);
  });
}

for (const build of ['esm', 'umd'] as const) {
  test(`${build} build: the project's build — the development one says what a bad option must be`, async ({
    page,
    server,
    libraryBuild,
  }) => {
    await openLibrary(page, server, build);
    const thrown = await page.evaluate(() => {
      try {
        new window.RS.ReliableSocketCore('ws://127.0.0.1:9/', { connectTimeoutMs: 0 });
      } catch (error) {
        const { name, message, code } = error as RangeError & { code?: string };
        return { name, message, code };
      }
      return undefined;
    });
    expect(thrown).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message:
        libraryBuild === 'development'
          ? 'reliable-socket: options.connectTimeoutMs must be a number from 1 to Infinity, got 0'
          : `reliable-socket: options.connectTimeoutMs (ERR_OUT_OF_RANGE, see ${ERROR_DOCS})`,
    });
  });
}

test('umd build: one global, the class itself, with the other exports on it', async ({ page, server }) => {
  await openLibrary(page, server, 'umd');
  const shape = await page.evaluate(() => {
    const global = (
      window as unknown as {
        ReliableSocket: typeof window.RS.ReliableSocket &
          typeof window.RS & { ReliableWebSocket: new (url: string) => WebSocket };
      }
    ).ReliableSocket;
    const socket = new global('ws://127.0.0.1:9/');
    socket.close();
    const webSocket = new global.ReliableWebSocket('ws://127.0.0.1:9/');
    webSocket.close();
    return {
      constructs: socket instanceof global,
      sameClass: global.ReliableSocket === global,
      errors:
        typeof global.SocketClosedError === 'function' && typeof global.ReliableSocketError === 'function',
      // The drop-in WebSocket is in the script-tag build too (issue 22).
      webSocket: webSocket.readyState,
      // The minified build keeps class names, for devtools and stack traces (issue 22).
      names: [
        global.name,
        global.ReliableSocketCore.name,
        global.ReliableWebSocket.name,
        new global.SocketClosedError().name,
      ],
    };
  });
  expect(shape).toEqual({
    constructs: true,
    sameClass: true,
    errors: true,
    webSocket: 2,
    names: ['ReliableSocket', 'ReliableSocketCore', 'ReliableWebSocket', 'SocketClosedError'],
  });
});
