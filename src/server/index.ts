// Entry point of `reliable-socket/server` (Node only): the companion server, on top of `ws`.
export type { Position, WireError } from '../protocol.js';
export type {
  Attachment,
  Broker,
  HistoryLimits,
  ProcessedOutcome,
  Publication,
  Recovery,
  SessionLink,
  SessionRecord,
} from './broker.js';
export {
  AuthorizeError,
  BrokerError,
  CanSubscribeError,
  HandlerError,
  HandlerExistsError,
  ListenError,
  ListenerError,
  PublicError,
  ReliableSocketServerError,
  type ServerErrorCode,
  type WireErrorCode,
} from './errors.js';
export { MemoryBroker, type MemoryBrokerOptions } from './memory-broker.js';
export type { HistoryOption, RateLimit, ReliableSocketServerOptions } from './options.js';
export type { AllowedOrigins } from './origin.js';
export { ReliableSocketServer } from './server.js';
export type {
  AuthorizeResult,
  ChannelHandlers,
  ChannelMap,
  ChannelOf,
  DisconnectInfo,
  FrameInfo,
  MalformedInfo,
  PayloadOf,
  Published,
  PublishOptions,
  RefusalReason,
  RefusedInfo,
  ReliableSocketServerEvents,
  ServerClient,
  ServerState,
} from './types.js';
