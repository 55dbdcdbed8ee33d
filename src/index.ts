export type { ReliableSocketErrorCode } from './errors.js';
export {
  OnOpenError,
  QueueFullError,
  ReliableSocketError,
  RetriesExhaustedError,
  SocketClosedError,
  UrlError,
} from './errors.js';
export type {
  CloseDetails,
  CloseInfo,
  DropReason,
  IncomingData,
  OutgoingData,
  ReliableSocketEvents,
  StateChange,
} from './events.js';
export type {
  HeartbeatOptions,
  Jitter,
  OpenContext,
  OverflowPolicy,
  QueueOptions,
  ReconnectOptions,
  ReliableSocketOptions,
  UrlProvider,
  WebSocketConstructor,
} from './options.js';
export type { SendResult } from './reliable-socket.js';
export { ReliableSocket } from './reliable-socket.js';
export type { SocketState } from './state.js';
