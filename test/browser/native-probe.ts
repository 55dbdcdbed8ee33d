import type { JSHandle, Page } from '@playwright/test';

/** What a native WebSocket in the page reported, in order. Binary frames are given as hex. */
export type ProbeEvent =
  | { type: 'open' }
  | { type: 'error' }
  | { type: 'message'; data: string; binary: boolean }
  | { type: 'close'; code: number; reason: string; wasClean: boolean };

interface ProbeState {
  ws: WebSocket;
  events: ProbeEvent[];
}

/** A plain browser WebSocket driven from the test: the control group for the fixture's faults. */
export class NativeProbe {
  private constructor(
    private readonly page: Page,
    private readonly handle: JSHandle<ProbeState>,
  ) {}

  /** Opens a native WebSocket in the page and starts recording what it reports. */
  static async open(page: Page, url: string): Promise<NativeProbe> {
    const handle = await page.evaluateHandle((url) => {
      const state: ProbeState = { ws: new WebSocket(url), events: [] };
      const hex = (buffer: ArrayBuffer) =>
        [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
      state.ws.binaryType = 'arraybuffer';
      state.ws.onopen = () => state.events.push({ type: 'open' });
      state.ws.onerror = () => state.events.push({ type: 'error' });
      state.ws.onmessage = ({ data }) =>
        state.events.push(
          typeof data === 'string'
            ? { type: 'message', data, binary: false }
            : { type: 'message', data: hex(data), binary: true },
        );
      state.ws.onclose = ({ code, reason, wasClean }) =>
        state.events.push({ type: 'close', code, reason, wasClean });
      return state;
    }, url);
    return new NativeProbe(page, handle);
  }

  events(): Promise<ProbeEvent[]> {
    return this.handle.evaluate((state) => state.events);
  }

  readyState(): Promise<number> {
    return this.handle.evaluate((state) => state.ws.readyState);
  }

  send(data: string): Promise<void> {
    return this.handle.evaluate((state, data) => state.ws.send(data), data);
  }

  /** Resolves with the first event of this type; rejects after `timeoutMs`. */
  async next<T extends ProbeEvent['type']>(
    type: T,
    timeoutMs = 5000,
  ): Promise<Extract<ProbeEvent, { type: T }>> {
    await this.page.waitForFunction(
      ([state, type]) => state.events.some((e) => e.type === type),
      [this.handle, type] as const,
      {
        timeout: timeoutMs,
        polling: 20,
      },
    );
    const events = await this.events();
    return events.find((e): e is Extract<ProbeEvent, { type: T }> => e.type === type)!;
  }

  /** Resolves when `count` message events have arrived. */
  async messages(count: number, timeoutMs = 5000): Promise<Array<Extract<ProbeEvent, { type: 'message' }>>> {
    await this.page.waitForFunction(
      ([state, count]) => state.events.filter((e) => e.type === 'message').length >= count,
      [this.handle, count] as const,
      { timeout: timeoutMs, polling: 20 },
    );
    return (await this.events()).filter((e) => e.type === 'message');
  }
}
