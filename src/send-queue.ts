import type { OutgoingData } from './events.js';
import type { OverflowPolicy } from './options.js';

/** What `send()` did with a frame: sent now, queued until the next connection, or dropped (see `drop`). */
export type SendResult = 'sent' | 'queued' | 'dropped';

/** Size of a frame on the wire, in bytes: UTF-8 length for text. (Only paid while queueing.) */
export function byteLength(data: OutgoingData): number {
  return typeof data === 'string'
    ? new Blob([data]).size
    : data instanceof Blob
      ? data.size
      : data.byteLength;
}

/** The outcome of {@link SendQueue.push}: whether the new frame was kept, and which frames were dropped. */
export interface PushResult {
  queued: boolean;
  dropped: OutgoingData[];
}

/**
 * A FIFO of frames waiting for a connection, bounded in count and in bytes. It never drops anything silently:
 * {@link push} returns what it dropped, and the owner reports it.
 */
export class SendQueue {
  #frames: Array<{ data: OutgoingData; bytes: number }> = [];
  #bytes = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
    readonly overflow: OverflowPolicy,
  ) {}

  /** Frames waiting. */
  get length(): number {
    return this.#frames.length;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a frame, making room per the overflow policy. A frame that could never fit (larger than `maxBytes`,
   * or any frame when `maxMessages` is 0) is itself dropped. With policy `throw`, returns `undefined` instead
   * of dropping anything, and the queue is unchanged.
   */
  push(data: OutgoingData): PushResult | undefined {
    const bytes = byteLength(data);
    const fits = (): boolean =>
      this.#frames.length < this.maxMessages && this.#bytes + bytes <= this.maxBytes;
    if (fits()) return this.#add(data, bytes, []);
    if (this.overflow === 'throw') return undefined;
    if (this.overflow === 'drop-newest' || bytes > this.maxBytes || this.maxMessages === 0) {
      return { queued: false, dropped: [data] };
    }
    const dropped: OutgoingData[] = [];
    while (!fits()) dropped.push(this.#shift());
    return this.#add(data, bytes, dropped);
  }

  /** Removes and returns every frame, oldest first. */
  drain(): OutgoingData[] {
    const frames = this.#frames.map((frame) => frame.data);
    this.#frames = [];
    this.#bytes = 0;
    return frames;
  }

  #add(data: OutgoingData, bytes: number, dropped: OutgoingData[]): PushResult {
    this.#frames.push({ data, bytes });
    this.#bytes += bytes;
    return { queued: true, dropped };
  }

  #shift(): OutgoingData {
    const frame = this.#frames.shift()!;
    this.#bytes -= frame.bytes;
    return frame.data;
  }
}
