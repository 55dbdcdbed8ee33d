// What actually crosses the wire, counted at the native socket: every frame, heartbeats included.
import type { WebSocketConstructor } from 'reliable-socket';

/** Frames and payload bytes in each direction, over every connection of the page. */
export class WireCounts {
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Called after every counted frame. */
  onChange: () => void = () => {};
}

const encoder = new TextEncoder();

/** Payload size in bytes: UTF-8 for text, as on the wire. */
function size(data: unknown): number {
  if (typeof data === 'string') return encoder.encode(data).byteLength;
  if (data instanceof Blob) return data.size;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * A WebSocket class for the socket's `WebSocket` option that counts into `counts`: the browser's own
 * WebSocket, plus a count in `send()` and a `message` listener registered before the library's handler.
 */
export function countingWebSocket(counts: WireCounts): WebSocketConstructor {
  return class CountingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', ({ data }: MessageEvent<unknown>) => {
        counts.framesIn++;
        counts.bytesIn += size(data);
        counts.onChange();
      });
    }

    override send(data: Parameters<WebSocket['send']>[0]): void {
      super.send(data); // throws while CONNECTING: then nothing was sent, and nothing is counted
      counts.framesOut++;
      counts.bytesOut += size(data);
      counts.onChange();
    }
  };
}
