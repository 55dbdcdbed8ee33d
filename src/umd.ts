// Entry of the UMD bundle only. A script-tag user gets one global, `ReliableSocket`: the class itself, so
// `new ReliableSocket(url)` works, with every other export hung off it (`ReliableSocket.SocketClosedError`,
// `ReliableSocket.ReliableWebSocket` — the drop-in WebSocket class, which ESM users import from
// `reliable-socket/websocket` — and `ReliableSocket.ReliableSocket`, so `const { ReliableSocket } =
// window.ReliableSocket` works too). ESM and CJS users import named exports from index.ts and never run this.
import * as api from './index.js';
import { ReliableWebSocket } from './websocket/index.js';

export default Object.assign(api.ReliableSocket, api, { ReliableWebSocket });
