// Entry `reliable-socket/websocket`: a WebSocket-shaped class on top of the core, for libraries that take a
// WebSocket constructor or instance. Imports the main entry (`reliable-socket`), so the core is shared.
export type { ReliableWebSocketOptions } from './reliable-web-socket.js';
export { ReliableWebSocket } from './reliable-web-socket.js';
