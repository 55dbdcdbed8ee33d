import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { ResolvedRateLimit } from './options.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Why the server is not reading a client: it is over its frame budget, too much waits to be sent to it, or its
 * session is being attached (what it sends meanwhile could only pile up in memory).
 */
type PauseReason = 'rate' | 'buffer' | 'attach';

/**
 * Flow control of one client, on reading: the server stops reading a client's frames while it is over its
 * frame or byte budget (`rateLimit`: the frames and bytes it sends), or while more than half of `maxBufferedBytes` waits to be sent to it, and reads again
 * once the budgets have refilled or the socket has drained. The frames wait in the TCP connection, where
 * they cost the server nothing. Owns its timer and its socket listener; {@link stop} ends both.
 */
export class Flow {
  readonly #ws: WebSocket;
  readonly #socket: Socket;
  /** The frame budget; undefined without a rate limit, and once stopped. */
  #bucket: TokenBucket | undefined;
  /** The byte budget; undefined without a rate limit, and once stopped. */
  #bytes: TokenBucket | undefined;
  /** Buffered bytes above which reading stops; Infinity once stopped. */
  #highWater: number;
  readonly #paused = new Set<PauseReason>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, socket: Socket, rate: ResolvedRateLimit | false, maxBufferedBytes: number) {
    this.#ws = ws;
    this.#socket = socket;
    this.#bucket = rate ? new TokenBucket(rate.framesPerSecond, rate.burst) : undefined;
    this.#bytes = rate ? new TokenBucket(rate.bytesPerSecond, rate.burstBytes) : undefined;
    // 'drain' only comes after a write found the socket's buffer at its high-water mark: never pause below it.
    this.#highWater = Math.max(maxBufferedBytes / 2, socket.writableHighWaterMark);
  }

  /**
   * A frame of `bytes` arrived: it takes a frame token and its bytes; a client in debt is not read until it is
   * out of it.
   */
  received(bytes = 0): void {
    this.#owe(Math.max(this.#bucket?.take() ?? 0, this.#bytes?.take(bytes) ?? 0));
  }

  #owe(waitMs: number): void {
    if (waitMs > 0 && !this.#paused.has('rate')) {
      this.#pause('rate');
      this.#timer = setTimeout(this.#refilled, waitMs);
    }
  }

  /** A frame was handed to the socket: past the high-water mark, reading stops until the socket drains. */
  sent(): void {
    if (this.#ws.bufferedAmount <= this.#highWater || this.#paused.has('buffer')) return;
    this.#pause('buffer');
    this.#socket.once('drain', this.#drained);
  }

  /** Stops reading while the client's session is being attached; {@link attached} reads again. */
  attaching(): void {
    if (this.#highWater !== Infinity) this.#pause('attach');
  }

  /** The session is attached (or failed): reading goes on, unless another reason holds it. */
  attached(): void {
    this.#resume('attach');
  }

  /**
   * Reads again, for good: the connection is closing, and the client's close frame must be read. Clears the
   * timer and the listener; from now on nothing pauses reading.
   */
  stop(): void {
    this.#bucket = undefined;
    this.#bytes = undefined;
    this.#highWater = Infinity;
    clearTimeout(this.#timer);
    this.#socket.off('drain', this.#drained);
    this.#paused.clear();
    this.#ws.resume();
  }

  readonly #refilled = (): void => {
    // Frames read before the pause took hold took tokens too: wait until those have refilled as well.
    const waitMs = Math.max(this.#bucket?.waitMs() ?? 0, this.#bytes?.waitMs() ?? 0);
    if (waitMs > 0) this.#timer = setTimeout(this.#refilled, waitMs);
    else this.#resume('rate');
  };

  readonly #drained = (): void => this.#resume('buffer');

  #pause(reason: PauseReason): void {
    if (this.#paused.size === 0) this.#ws.pause();
    this.#paused.add(reason);
  }

  #resume(reason: PauseReason): void {
    if (this.#paused.delete(reason) && this.#paused.size === 0) this.#ws.resume();
  }
}
