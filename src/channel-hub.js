import { Channel } from './channel.js';
import { decodeServerFrame, encode } from './protocol.js';
import { Requests } from './requests.js';
/**
 * The channel layer of one socket: subscriptions counted per channel name (one subscribe frame however many
 * views), routing of inbound envelopes to the views, re-subscription on every new connection, and the
 * requests waiting for responses.
 */
export class ChannelHub {
    socket;
    #views = new Map();
    #requests;
    constructor(socket) {
        this.socket = socket;
        this.#requests = new Requests((frame) => socket.send(frame));
    }
    /** A new view of channel `name`; the first view of a name subscribes. */
    open(name, validator) {
        if (typeof name !== 'string' || name === '') {
            throw new TypeError(`reliable-socket: channel() name must be a non-empty string, got ${JSON.stringify(name)}`);
        }
        if (validator !== undefined &&
            typeof validator !== 'function' &&
            typeof validator?.['~standard']?.validate !== 'function') {
            throw new TypeError('reliable-socket: channel() options.validate must be a Standard Schema or a function');
        }
        const channel = new Channel(name, this, validator);
        const views = this.#views.get(name) ?? new Set();
        if (views.size === 0) {
            this.#views.set(name, views);
            // While not open, the subscription goes out with all the others on the next connection.
            if (this.socket.isOpen())
                this.socket.send(encode({ type: 'subscribe', channel: name }));
        }
        views.add(channel);
        return channel;
    }
    release(channel) {
        const views = this.#views.get(channel.name);
        if (!views?.delete(channel) || views.size > 0)
            return;
        this.#views.delete(channel.name);
        if (this.socket.isOpen())
            this.socket.send(encode({ type: 'unsubscribe', channel: channel.name }));
    }
    send(channel, data) {
        return this.socket.send(encode({ type: 'message', channel, data }));
    }
    request(channel, data, options, accept) {
        return this.#requests.start(channel, data, options, accept);
    }
    /** Takes the frames that belong to channels; false for anything else, which goes to the raw `message` event. */
    receive(data) {
        const frame = decodeServerFrame(data);
        if (frame?.type === 'response')
            return this.#requests.respond(frame);
        if (frame?.type !== 'message')
            return false;
        const views = this.#views.get(frame.channel);
        if (!views)
            return false;
        for (const view of views)
            view.deliver(frame.data);
        return true;
    }
    /** A new connection, before the queue flushes: subscribe to every channel in use, on it directly. */
    connected(send) {
        for (const channel of this.#views.keys())
            send(encode({ type: 'subscribe', channel }));
    }
    /** The queue went out on the new connection, queued requests with it. */
    flushed() {
        this.#requests.flushed();
    }
    lost() {
        this.#requests.lost();
    }
    closed() {
        this.#requests.closed();
    }
    dropped(frame, reason) {
        this.#requests.dropped(frame, reason);
    }
}
//# sourceMappingURL=channel-hub.js.map