// What bench/leak.bench.ts needs besides the page: a server that destroys every connection once it has echoed
// one message, heap readings after forced garbage collection, and live objects counted by constructor from a
// heap snapshot (both through a CDP session of the bench's own, so Chromium only).
import type { CDPSession } from '@playwright/test';
import { type RawData, WebSocketServer } from 'ws';

/**
 * A `ws` server on 127.0.0.1 and an ephemeral port that answers pings, ignores subscriptions, and echoes the
 * first other frame of each connection — then destroys the connection (no close frame: the client sees 1006).
 */
export async function startDestroyingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw: RawData) => {
      const text = raw.toString();
      const ping = /^\{"type":"ping","id":(\d+)\}$/.exec(text);
      if (ping) ws.send(`{"type":"pong","id":${ping[1]}}`);
      else if (!text.startsWith('{"type":"subscribe"')) ws.send(text, () => ws.terminate());
    });
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** The page's JS heap in use, in bytes, after three forced garbage collections. */
export async function heapUsed(cdp: CDPSession): Promise<number> {
  for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Live JS objects per constructor name, for the names asked, from a heap snapshot (which collects garbage first). */
export async function countObjects(
  cdp: CDPSession,
  names: readonly string[],
): Promise<Record<string, number>> {
  const chunks: string[] = [];
  const collect = ({ chunk }: { chunk: string }): void => void chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', collect);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', collect);
  }
  const { snapshot, nodes, strings } = JSON.parse(chunks.join('')) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const [type, name, step] = [fields.indexOf('type'), fields.indexOf('name'), fields.length];
  const objectType = snapshot.meta.node_types[0].indexOf('object');
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < nodes.length; i += step) {
    if (nodes[i + type] !== objectType) continue;
    const named = strings[nodes[i + name]!]!;
    if (named in counts) counts[named]!++;
  }
  return counts;
}

/**
 * Live native WebSockets (everything whose prototype chain has `WebSocket.prototype`): heap snapshots do not name
 * DOM wrappers, so they are asked for by prototype, in an object group released at once.
 */
export async function countWebSockets(cdp: CDPSession): Promise<number> {
  const objectGroup = 'leak-count';
  try {
    const { result } = await cdp.send('Runtime.evaluate', { expression: 'WebSocket.prototype', objectGroup });
    const { objects } = await cdp.send('Runtime.queryObjects', {
      prototypeObjectId: result.objectId!,
      objectGroup,
    });
    const { result: length } = await cdp.send('Runtime.callFunctionOn', {
      objectId: objects.objectId!,
      functionDeclaration: 'function () { return this.length; }',
      returnByValue: true,
    });
    return length.value as number;
  } finally {
    await cdp.send('Runtime.releaseObjectGroup', { objectGroup });
  }
}
