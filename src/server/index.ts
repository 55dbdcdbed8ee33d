// Entry point of `reliable-socket/server` (Node only): the companion server, on top of `ws`.
export type { WireError } from '../protocol.js';
export {
  AuthorizeError,
  HandlerError,
  HandlerExistsError,
  ListenError,
  ListenerError,
  ReliableSocketServerError,
  type ServerErrorCode,
  type WireErrorCode,
} from './errors.js';
export type { ReliableSocketServerOptions } from './options.js';
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
