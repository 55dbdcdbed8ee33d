/** Size of a frame on the wire, in bytes: UTF-8 length for text. (Only paid while queueing.) */
export function byteLength(data) {
    return typeof data === 'string'
        ? new Blob([data]).size
        : data instanceof Blob
            ? data.size
            : data.byteLength;
}
/**
 * A FIFO of frames waiting for a connection, bounded in count and in bytes. It never drops anything silently:
 * {@link push} returns what it dropped, and the owner reports it.
 */
export class SendQueue {
    maxMessages;
    maxBytes;
    overflow;
    #frames = [];
    #bytes = 0;
    constructor(maxMessages, maxBytes, overflow) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.overflow = overflow;
    }
    /** Frames waiting. */
    get length() {
        return this.#frames.length;
    }
    /** Bytes waiting. */
    get bytes() {
        return this.#bytes;
    }
    /**
     * Adds a frame, making room per the overflow policy. A frame that could never fit (larger than `maxBytes`,
     * or any frame when `maxMessages` is 0) is itself dropped. With policy `throw`, returns `undefined` instead
     * of dropping anything, and the queue is unchanged.
     */
    push(data) {
        const bytes = byteLength(data);
        const fits = () => this.#frames.length < this.maxMessages && this.#bytes + bytes <= this.maxBytes;
        if (fits())
            return this.#add(data, bytes, []);
        if (this.overflow === 'throw')
            return undefined;
        if (this.overflow === 'drop-newest' || bytes > this.maxBytes || this.maxMessages === 0) {
            return { queued: false, dropped: [data] };
        }
        const dropped = [];
        while (!fits())
            dropped.push(this.#shift());
        return this.#add(data, bytes, dropped);
    }
    /** Removes and returns every frame, oldest first. */
    drain() {
        const frames = this.#frames.map((frame) => frame.data);
        this.#frames = [];
        this.#bytes = 0;
        return frames;
    }
    #add(data, bytes, dropped) {
        this.#frames.push({ data, bytes });
        this.#bytes += bytes;
        return { queued: true, dropped };
    }
    #shift() {
        const frame = this.#frames.shift();
        this.#bytes -= frame.bytes;
        return frame.data;
    }
}
//# sourceMappingURL=send-queue.js.map