import { Heartbeat } from './heartbeat.js';
import { Timer } from './timer.js';
const lost = (reason) => ({ code: 1006, reason, wasClean: false });
const ignore = () => { };
/**
 * One native WebSocket, from creation to its end, with the timers that belong to it: the connect timeout
 * (until {@link established}), the heartbeat (while open) and the close timeout (after {@link close}). When it
 * ends it detaches every handler, clears every timer and closes the native socket in the background, so an
 * old socket can never speak to its owner again — a half-open TCP connection may take minutes to finish closing.
 */
export class Connection {
    host;
    #ws;
    #timer = new Timer();
    #heartbeat;
    #ended = false;
    /** Creates the native socket; throws what its constructor throws (e.g. a SyntaxError for a bad URL). */
    constructor(url, options, host) {
        this.host = host;
        const ws = new options.WebSocket(url, options.protocols);
        this.#ws = ws;
        ws.binaryType = options.binaryType;
        if (options.heartbeat) {
            this.#heartbeat = new Heartbeat(options.heartbeat, {
                send: (frame) => ws.send(frame),
                dead: () => this.#end(lost('heartbeat timeout')),
                pong: (rttMs) => host.pong(rttMs),
            });
        }
        ws.onopen = () => {
            this.#heartbeat?.start();
            host.opened();
        };
        ws.onmessage = ({ data }) => {
            if (!this.#heartbeat?.received(data))
                host.message(data);
        };
        ws.onclose = ({ code, reason, wasClean }) => this.#end({ code, reason, wasClean });
        // An error event is always followed by a close event, which is what we act on. The handler must exist:
        // `ws` in Node throws an 'error' event nobody listens to.
        ws.onerror = ignore;
        this.#timer.set(() => this.#end(lost('connect timeout')), options.connectTimeoutMs);
    }
    get protocol() {
        return this.#ws.protocol;
    }
    get bufferedAmount() {
        return this.#ws.bufferedAmount;
    }
    /** The attempt has succeeded (handshake and onOpen done): the connect timeout no longer applies. */
    established() {
        if (!this.#ended)
            this.#timer.clear();
    }
    send(data) {
        this.#ws.send(data);
    }
    /** Pings now to check the link (no-op without a heartbeat, or if a ping is already out). */
    probe() {
        this.#heartbeat?.probe();
    }
    /** Starts the closing handshake; ends when the server answers or after `timeoutMs`, whichever is first. */
    close(code, reason, timeoutMs) {
        if (this.#ended)
            return;
        this.#heartbeat?.stop();
        this.#timer.set(() => this.#end({ code, reason, wasClean: false }), timeoutMs);
        this.#ws.close(code, reason);
    }
    /** Ends the connection at once without telling the owner (which already knows). */
    abandon(reason) {
        this.#detach(reason);
    }
    #end(details) {
        if (this.#ended)
            return;
        this.#detach(details.reason);
        this.host.ended(details);
    }
    #detach(reason) {
        this.#ended = true;
        this.#timer.clear();
        this.#heartbeat?.stop();
        const ws = this.#ws;
        ws.onopen = ws.onmessage = ws.onclose = null;
        // CONNECTING or OPEN: close it in the background; its events are no longer ours.
        if (ws.readyState < 2)
            ws.close(1000, reason.slice(0, 123));
    }
}
//# sourceMappingURL=connection.js.map