// Entry of the UMD bundle only. A script-tag user gets one global, `ReliableSocket`: the class itself, so
// `new ReliableSocket(url)` works, with every other export hung off it (`ReliableSocket.SocketClosedError`,
// and `ReliableSocket.ReliableSocket`, so `const { ReliableSocket } = window.ReliableSocket` works too).
// ESM and CJS users import named exports from index.ts and never run this.
import * as api from './index.js';

export default Object.assign(api.ReliableSocket, api);
