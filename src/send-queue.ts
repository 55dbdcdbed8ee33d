import type { OutgoingData } from './events.js';
import { utf8Length } from './utf8.js';

/** What `send()` did with a frame: sent now, queued until the next connection, or dropped (see `drop`). */
export type SendResult = 'sent' | 'queued' | 'dropped';

/** A frame waiting in the send queue (a {@link BoundedQueue}) for a connection, with its size. */
export interface Queued {
  readonly data: OutgoingData;
  readonly bytes: number;
}

/** Size of a frame on the wire, in bytes: UTF-8 length for text. (Only paid while queueing.) */
export function byteLength(data: OutgoingData): number {
  return typeof data === 'string' ? utf8Length(data) : data instanceof Blob ? data.size : data.byteLength;
}

/**
 * A frame as it must be queued: the native `send()` copies binary data at call time, so a queued typed array or
 * ArrayBuffer is copied too — an app that reuses its buffer after `send()` must not change what goes out.
 * Strings and Blobs are immutable. Copying a detached buffer throws a TypeError, as the native `send()` does.
 */
export function queued(data: OutgoingData): Queued {
  const copy =
    data instanceof ArrayBuffer
      ? data.slice(0)
      : ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
        : data;
  return { data: copy, bytes: byteLength(copy) };
}
