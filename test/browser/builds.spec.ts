// The built files load the way users load them, and a minimal ReliableSocket round-trips through each.
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

test('umd build: one global, the class itself, with the other exports on it', async ({ page, server }) => {
  await openLibrary(page, server, 'umd');
  const shape = await page.evaluate(() => {
    const global = (
      window as unknown as { ReliableSocket: typeof window.RS.ReliableSocket & typeof window.RS }
    ).ReliableSocket;
    const socket = new global('ws://127.0.0.1:9/');
    socket.close();
    return {
      constructs: socket instanceof global,
      sameClass: global.ReliableSocket === global,
      errors:
        typeof global.SocketClosedError === 'function' && typeof global.ReliableSocketError === 'function',
    };
  });
  expect(shape).toEqual({ constructs: true, sameClass: true, errors: true });
});
