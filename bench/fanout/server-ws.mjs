// @ts-check
// System "plain ws": a `ws` WebSocketServer and the broadcast loop people write first. The publisher connects
// to /pub and every text it sends is sent on to every other connection as it is; nothing is parsed or kept.
import { WebSocketServer } from 'ws';
import { collect, commands, tell } from './child.mjs';

/** @type {Set<import('ws').WebSocket>} */
const clients = new Set();
let published = 0;
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('connection', (ws, request) => {
  ws.on('error', () => {});
  if (request.url === '/pub') {
    ws.on('message', (data) => {
      published++;
      const text = String(data);
      for (const c of clients) c.send(text);
    });
    return;
  }
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
});
wss.on('listening', () => {
  const address = wss.address();
  tell({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});

commands({
  gc: () => {
    collect();
    tell({ type: 'gc' });
  },
  count: () => tell({ type: 'count', count: clients.size }),
  sent: () => tell({ type: 'sent', published }),
});
