// A WebSocket client written by hand on a plain TCP socket, for the hostile-client tests: it does the HTTP
// upgrade itself, sends masked frames of any kind, and can stop reading (socket.pause()), so that TCP
// backpressure is real — `ws`'s own client would keep reading into its buffers.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** WebSocket opcodes the tests send. */
export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One masked client frame (RFC 6455 §5.2), FIN set. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.alloc(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}

/** A raw client: connected and upgraded, reading until {@link stopReading}. */
export class RawClient {
  /** Bytes received after the handshake (frames are not parsed). */
  received = 0;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
    });
  }

  /** Connects to `port` on 127.0.0.1 and completes the upgrade; rejects with the status line if refused. */
  static async connect(port: number, path = '/', headers: Record<string, string> = {}): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('close', () => reject(new Error('connection closed before the handshake')));
    });
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra.join('')}\r\n`,
    );
    // The 101 response is small and comes alone: the server sends nothing before it sees a frame.
    const head = await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (!text.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        resolve(text);
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error(`closed during the handshake: ${text.split('\r\n')[0]}`)));
    });
    if (!head.startsWith('HTTP/1.1 101')) {
      socket.destroy();
      throw new Error(head.split('\r\n')[0]);
    }
    return new RawClient(socket);
  }

  /** Sends a text frame holding `frame` as JSON (or as is, for a string). */
  send(frame: object | string): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.socket.write(maskedFrame(OPCODE.text, Buffer.from(text)));
  }

  /** Sends a control frame (ping, pong, close) with `payload`. */
  control(opcode: number, payload = Buffer.alloc(0)): void {
    this.socket.write(maskedFrame(opcode, payload));
  }

  /** Stops reading: what the server sends piles up in the kernel's buffers, then in the server's. */
  stopReading(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
