export type { ReliableSocketErrorCode } from './errors.js';
export { ReliableSocketError, SocketClosedError } from './errors.js';
export type { ReliableSocketOptions, WebSocketConstructor } from './options.js';
export type { OutgoingData, ReliableSocketEvents, SocketState } from './reliable-socket.js';
export { ReliableSocket } from './reliable-socket.js';
