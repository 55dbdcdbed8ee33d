import { num } from './check.js';
import { ConnectionLostError, InvalidPayloadError, QueueFullError, RequestError, RequestTimeoutError, SocketClosedError, } from './errors.js';
import { encode } from './protocol.js';
import { Timer } from './timer.js';
/**
 * Requests waiting for their response. Each owns a timeout timer, cleared however it settles. Which
 * connection a request went out on decides what a connection loss does to it: sent → rejected (its response
 * cannot come on another connection); still queued → kept, it goes out on the next one.
 */
export class Requests {
    send;
    #pending = new Map();
    #nextId = 0;
    constructor(send) {
        this.send = send;
    }
    /** Sends a request; the promise settles with the response or one of the errors listed on `Channel.request`. */
    start(channel, data, options = {}, accept) {
        const { signal } = options;
        return new Promise((resolve, reject) => {
            const timeoutMs = num(10_000, 1, Infinity)(options.timeoutMs, 'request options.timeoutMs');
            if (signal?.aborted)
                return reject(signal.reason);
            const id = ++this.#nextId;
            const timer = new Timer();
            const abort = () => pending.reject(signal?.reason);
            const settle = (outcome) => {
                if (!this.#pending.delete(id))
                    return;
                timer.clear();
                signal?.removeEventListener('abort', abort);
                outcome();
            };
            const pending = {
                frame: encode({ type: 'request', id, channel, data }),
                sent: false,
                accept,
                resolve: (value) => settle(() => resolve(value)),
                reject: (error) => settle(() => reject(error)),
            };
            this.#pending.set(id, pending);
            timer.set(() => pending.reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
            signal?.addEventListener('abort', abort);
            try {
                pending.sent = this.send(pending.frame) === 'sent';
            }
            catch (error) {
                pending.reject(error);
            }
        });
    }
    /** Settles the request a response is for; false if none is waiting (it then goes to `message`). */
    respond(frame) {
        const pending = this.#pending.get(frame.id);
        if (!pending)
            return false;
        if ('error' in frame) {
            pending.reject(new RequestError(frame.error.message, frame.error.code));
        }
        else {
            const settle = (outcome) => outcome.issues
                ? pending.reject(new InvalidPayloadError(outcome.issues))
                : pending.resolve(outcome.value);
            const outcome = pending.accept(frame.data);
            if (outcome instanceof Promise)
                void outcome.then(settle);
            else
                settle(outcome);
        }
        return true;
    }
    /** The queue was flushed on a new connection: every pending request has now been sent on it. */
    flushed() {
        for (const pending of this.#pending.values())
            pending.sent = true;
    }
    /** The connection was lost: requests sent on it cannot be answered any more. */
    lost() {
        for (const pending of [...this.#pending.values()])
            if (pending.sent)
                pending.reject(new ConnectionLostError());
    }
    /** The socket closed for good. */
    closed() {
        for (const pending of [...this.#pending.values()])
            pending.reject(new SocketClosedError());
    }
    /** A queued frame was dropped: if it was a request, that request fails. */
    dropped(frame, reason) {
        for (const pending of this.#pending.values()) {
            if (pending.frame === frame)
                pending.reject(reason === 'closed' ? new SocketClosedError() : new QueueFullError());
        }
    }
}
//# sourceMappingURL=requests.js.map