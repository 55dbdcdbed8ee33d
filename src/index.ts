export type {
  ChannelEvents,
  ChannelOptions,
  InvalidPayload,
  RequestOptions,
  SubscriptionEnd,
} from './channel.js';
export { Channel } from './channel.js';
export type { ArgumentErrorCode } from './check.js';
export type { ReliableSocketErrorCode } from './errors.js';
export {
  ChannelClosedError,
  ConnectionLostError,
  ForbiddenError,
  InvalidPayloadError,
  OnOpenError,
  ProtocolFallbackError,
  QueueFullError,
  ReliableSocketError,
  RequestError,
  RequestTimeoutError,
  RetriesExhaustedError,
  SocketClosedError,
  SubscribeDeniedError,
  UnauthorizedError,
  UnreachableError,
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
  CoreOptions,
  HeartbeatFrame,
  HeartbeatOptions,
  Jitter,
  LogEntry,
  OpenContext,
  OverflowPolicy,
  QueueOptions,
  ReconnectOptions,
  ReliableSocketOptions,
  UrlProvider,
  WebSocketConstructor,
  WebSocketLike,
} from './options.js';
export type { GapReason, Position } from './protocol.js';
export type { ChannelName, Inbound, Outbound } from './reliable-socket.js';
export { ReliableSocket } from './reliable-socket.js';
export { ReliableSocketCore } from './reliable-socket-core.js';
export type { SendResult } from './send-queue.js';
export type { SocketState } from './state.js';
export type { Issue, Validator } from './validator.js';
export type { WhenOpenOptions } from './when-open.js';
export { whenOpen } from './when-open.js';
