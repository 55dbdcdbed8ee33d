// Entry `reliable-socket/react`: hooks for React (an optional peer dependency). Imports the main entry
// (`reliable-socket`), so the socket class is shared with the rest of the app.
export { useChannel } from './use-channel.js';
export type { UseReliableSocketOptions } from './use-reliable-socket.js';
export { useReliableSocket } from './use-reliable-socket.js';
export { useSocketState } from './use-socket-state.js';
