import type { OutgoingData } from './events.js';
import type { OverflowPolicy } from './options.js';

/** How much a queue or buffer may hold, and what happens to a frame that does not fit (the `queue` option). */
export interface QueueLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
}

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

/**
 * The frame as it must be kept: the native `send()` copies binary data at call time, so a queued typed array
 * or ArrayBuffer is copied too — an app that reuses its buffer after `send()` must not change what goes out.
 * Strings and Blobs are immutable. Copying a detached buffer throws a TypeError, as the native `send()` does.
 */
function snapshot(data: OutgoingData): OutgoingData {
  if (data instanceof ArrayBuffer) return data.slice(0);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return data;
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
  readonly #limits: QueueLimits;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  /** Frames waiting. */
  get length(): number {
    return this.#frames.length;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a copy of a frame (see {@link snapshot}), making room per the overflow policy. A frame that could never
   * fit (larger than `maxBytes`, or any frame when `maxMessages` is 0) is itself dropped. With policy `throw`,
   * returns `undefined` instead of dropping anything, and the queue is unchanged.
   */
  push(data: OutgoingData): PushResult | undefined {
    const frame = snapshot(data);
    const bytes = byteLength(frame);
    const { maxMessages, maxBytes, overflow } = this.#limits;
    const fits = (): boolean => this.#frames.length < maxMessages && this.#bytes + bytes <= maxBytes;
    if (fits()) return this.#add(frame, bytes, []);
    if (overflow === 'throw') return undefined;
    if (overflow === 'drop-newest' || bytes > maxBytes || maxMessages === 0) {
      return { queued: false, dropped: [frame] };
    }
    const dropped: OutgoingData[] = [];
    while (!fits()) dropped.push(this.shift()!);
    return this.#add(frame, bytes, dropped);
  }

  /** Removes and returns the oldest frame; undefined when empty. */
  shift(): OutgoingData | undefined {
    const frame = this.#frames.shift();
    if (frame) this.#bytes -= frame.bytes;
    return frame?.data;
  }

  /** Puts a frame back at the front (one taken by {@link shift} that could not be sent after all). */
  unshift(data: OutgoingData): void {
    const bytes = byteLength(data);
    this.#frames.unshift({ data, bytes });
    this.#bytes += bytes;
  }

  /** Whether `data` (a frame as queued, compared by identity or string value) is waiting. */
  includes(data: OutgoingData): boolean {
    return this.#frames.some((frame) => frame.data === data);
  }

  /** Takes `data` out of the queue if it is waiting; says whether it was. */
  withdraw(data: OutgoingData): boolean {
    const index = this.#frames.findIndex((frame) => frame.data === data);
    if (index < 0) return false;
    this.#bytes -= this.#frames[index]!.bytes;
    this.#frames.splice(index, 1);
    return true;
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
}
