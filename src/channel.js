import { Emitter } from './emitter.js';
import { ChannelClosedError } from './errors.js';
import { validate } from './validator.js';
/**
 * A typed view of one channel over the shared socket, from `socket.channel(name)`. Several views of the same
 * channel share one subscription; the server is told to unsubscribe when the last one is closed.
 *
 * @typeParam I what arrives on the channel. @typeParam O what is sent on it.
 * @example
 * ```ts
 * const chat = socket.channel('chat');
 * chat.on('message', (message) => render(message));
 * chat.send({ text: 'hi' });
 * const history = await socket.channel('history').request({ last: 50 });
 * ```
 */
export class Channel {
    name;
    #events = new Emitter();
    #host;
    #validator;
    /** Deliveries waiting for an asynchronous validation ahead of them, so that order is kept. */
    #queue;
    #closed = false;
    constructor(
    /** The channel's name. */
    name, host, validator) {
        this.name = name;
        this.#host = host;
        this.#validator = validator;
    }
    /** Calls `listener` on every `event` until the returned function is called. */
    on(event, listener) {
        return this.#events.on(event, listener);
    }
    /**
     * Sends a payload on this channel (JSON-encoded), queued like any frame while the socket is not open.
     * @throws {ChannelClosedError} after this channel's `close()`; what `socket.send()` throws otherwise.
     */
    send(data) {
        if (this.#closed)
            throw new ChannelClosedError(this.name);
        return this.#host.send(this.name, data);
    }
    /**
     * Sends a request on this channel and resolves with the server's response (checked by the validator, if
     * any). Rejects with `RequestTimeoutError` when no response comes within `timeoutMs`, `RequestError` when the
     * server answers with an error, `ConnectionLostError` when the connection it was sent on is lost,
     * `SocketClosedError` at `close()`, `InvalidPayloadError` when the response fails the validator, or the
     * signal's reason when aborted. A request made while the socket is not open waits in the queue.
     */
    request(data, options) {
        if (this.#closed)
            return Promise.reject(new ChannelClosedError(this.name));
        return this.#host.request(this.name, data, options, (payload) => this.#check(payload));
    }
    /** Stops this view: no more events; the last view of a channel to close unsubscribes. Idempotent. */
    close() {
        if (this.#closed)
            return;
        this.#closed = true;
        this.#host.release(this);
    }
    /**
     * Delivers an inbound payload: validated, then emitted as `message` or `invalid`, in arrival order even when
     * a validation is asynchronous. Called by the socket's channel layer.
     * @internal
     */
    deliver(data) {
        const outcome = this.#check(data);
        if (!this.#queue && !(outcome instanceof Promise)) {
            this.#emit(data, outcome);
            return;
        }
        const queue = (this.#queue ?? Promise.resolve())
            .then(() => outcome)
            .then((result) => {
            if (this.#queue === queue)
                this.#queue = undefined;
            this.#emit(data, result);
        });
        this.#queue = queue;
    }
    #check(data) {
        return this.#validator ? validate(this.#validator, data) : { value: data };
    }
    #emit(data, outcome) {
        if (this.#closed)
            return;
        if (outcome.issues)
            this.#events.emit('invalid', { data, issues: outcome.issues });
        else
            this.#events.emit('message', outcome.value);
    }
}
//# sourceMappingURL=channel.js.map