// Entry point of `reliable-socket/server` (Node only): the companion server, on top of `ws`.
export type { WireError } from '../protocol.js';
export {
  AuthorizeError,
  CanSubscribeError,
  HandlerError,
  HandlerExistsError,
  ListenError,
  ListenerError,
  ReliableSocketServerError,
  type ServerErrorCode,
  type WireErrorCode,
} from './errors.js';
export type { RateLimit, ReliableSocketServerOptions } from './options.js';
export type { AllowedOrigins } from './origin.js';
export { ReliableSocketServer } from './server.js';
export type {
  AuthorizeResult,
  ChannelHandlers,
  ChannelMap,
  ChannelOf,
  DisconnectInfo,
  MalformedInfo,
  PayloadOf,
  PublishOptions,
  ReliableSocketServerEvents,
  ServerClient,
  ServerState,
} from './types.js';
