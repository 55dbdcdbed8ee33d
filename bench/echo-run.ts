// One timed echo run in the page, for the throughput benchmarks: `count` pipelined `size`-byte payloads sent
// in one loop, timed until the last echo is back. Runs in the page (through page.evaluate), so it may not use
// anything from this module's scope: everything it needs comes in its argument.

/**
 * How the payloads travel:
 * - `native`: a native `WebSocket`, to the fixture's echo server (frames returned verbatim);
 * - `raw`: `ReliableSocket.send`, to the same echo server;
 * - `channel`: a channel over protocol v1 (`delivery: false`), to the same echo server (a channel envelope
 *   comes back as a valid channel message);
 * - `companion-v1`: a channel over protocol v1, to the companion server's echo handler (`client.send`);
 * - `companion-v2`: a channel over protocol v2, to the same handler: both directions numbered and acknowledged.
 */
export type EchoKind = 'native' | 'raw' | 'channel' | 'companion-v1' | 'companion-v2';

export interface EchoRunArg {
  kind: EchoKind;
  url: string;
  count: number;
  size: number;
}

export interface EchoRunResult {
  perSecond: number;
  /** `drop` events (none expected: the queue is sized for the run). */
  drops: number;
  /** Codes of `error` events (none expected; `ERR_PROTOCOL_FALLBACK` would mean v2 was not used). */
  errors: string[];
  /** Frames the server had not acknowledged once the last echo was back (v2; untimed). */
  unacknowledgedAtEnd: number;
  /** Frames still unacknowledged once the server's batched acks have come in (v2; untimed, 5 s at most). */
  unacknowledgedAfter: number;
}

export async function echoRun({ kind, url, count, size }: EchoRunArg): Promise<EchoRunResult> {
  const payload = 'x'.repeat(size);
  let received = 0;
  let done = (): void => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const arrived = (): void => {
    if (++received === count) done();
  };
  let drops = 0;
  const errors: string[] = [];
  let send: (data: string) => unknown;
  let close: () => void;
  let unacknowledged = (): number => 0;
  if (kind === 'native') {
    const ws = new WebSocket(url);
    await new Promise((resolve) => (ws.onopen = resolve));
    ws.onmessage = arrived;
    send = (data) => ws.send(data);
    close = () => ws.close();
  } else {
    const socket = new window.RS.ReliableSocket(url, {
      delivery: kind === 'companion-v2',
      // Every pipelined frame stays in the resend buffer until acknowledged (v2): room for the whole run (and the
      // subscription, which holds a place until acknowledged too), as the native socket has. The default (1,000)
      // would drop the oldest frames of a larger burst, and say so.
      queue: { maxMessages: count + 16, maxBytes: 256 * 1024 * 1024 },
    });
    socket.on('drop', () => drops++);
    socket.on('error', (error) => errors.push(String((error as { code?: string }).code)));
    if (kind === 'raw') {
      socket.on('message', arrived);
      send = (data) => socket.send(data);
    } else {
      const echo = socket.channel('echo');
      echo.on('message', arrived);
      send = (data) => echo.send(data);
    }
    // Under v2, open comes after the server's welcome: the session is up before the clock starts.
    await window.RS.whenOpen(socket);
    close = () => socket.close();
    unacknowledged = () => socket.unacknowledged;
  }
  const start = performance.now();
  for (let i = 0; i < count; i++) send(payload);
  await finished;
  const perSecond = (count / (performance.now() - start)) * 1000;
  const unacknowledgedAtEnd = unacknowledged();
  for (let waited = 0; unacknowledged() > 0 && waited < 5000; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const unacknowledgedAfter = unacknowledged();
  close();
  return { perSecond, drops, errors, unacknowledgedAtEnd, unacknowledgedAfter };
}
