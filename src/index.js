export { Channel } from './channel.js';
export { ChannelClosedError, ConnectionLostError, InvalidPayloadError, OnOpenError, QueueFullError, ReliableSocketError, RequestError, RequestTimeoutError, RetriesExhaustedError, SocketClosedError, UrlError, } from './errors.js';
export { ReliableSocket } from './reliable-socket.js';
export { ReliableSocketCore } from './reliable-socket-core.js';
//# sourceMappingURL=index.js.map