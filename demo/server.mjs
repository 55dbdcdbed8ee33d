// @ts-check
// The demo server: static files plus a WebSocket endpoint, on 127.0.0.1 only. `npm start` runs it.
// Placeholder until the demo issue lands: an echo endpoint and one page.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8080);
/** @type {Record<string, { file: string, type: string }>} URL path → file it serves. */
const files = {
  '/': { file: 'demo/index.html', type: 'text/html; charset=utf-8' },
  '/reliable-socket.umd.min.js': {
    file: 'dist/reliable-socket.umd.min.js',
    type: 'text/javascript; charset=utf-8',
  },
};

const server = http.createServer(async (req, res) => {
  const entry = files[new URL(req.url ?? '/', 'http://x').pathname];
  if (!entry) return void res.writeHead(404).end('not found');
  try {
    res.writeHead(200, { 'content-type': entry.type }).end(await readFile(path.join(root, entry.file)));
  } catch {
    res.writeHead(500).end(`cannot read ${entry.file}: run npm run build`);
  }
});
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));

server.listen(port, '127.0.0.1', () =>
  console.log(`reliable-socket demo: http://127.0.0.1:${port}/  (Ctrl-C stops)`),
);
server.on('error', (error) => {
  console.error(`demo: cannot listen on 127.0.0.1:${port}: ${error.message}. Set PORT to use another port.`);
  process.exit(1);
});
process.once('SIGINT', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
});
