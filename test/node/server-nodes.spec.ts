// Several server nodes on one broker, with `ws` clients speaking protocol v2 frame by frame: the same cases
// with two servers sharing one MemoryBroker (one process) and with two servers each on its own RedisBroker on
// one real redis-server (as two processes would be). Then what only Redis does: it restarts under the nodes.
import type { Broker } from '../../src/server/broker.js';
import { MemoryBroker } from '../../src/server/memory-broker.js';
import type { RedisServer } from '../fixture/redis-server.js';
import { redisNodes } from './broker-suite.js';
import { expect, type Frame, type Peer, record, test } from './server-kit.js';

/** The brokers of two nodes, and how to stop them. */
type Brokers = { a: Broker; b: Broker; close(): Promise<void> };

const KINDS: Record<string, () => Promise<Brokers & { redis?: RedisServer }>> = {
  MemoryBroker: async () => {
    const broker = new MemoryBroker();
    return { a: broker, b: broker, close: () => broker.close() };
  },
  RedisBroker: redisNodes,
};

/** Says hello (v2) and waits for the welcome. */
async function hello(peer: Peer, session?: string, received = 0): Promise<Frame> {
  peer.send({ type: 'hello', v: 2, received, ...(session ? { session } : {}) });
  return peer.frame({ type: 'welcome' });
}

const messages = (peer: Peer, channel: string) => peer.of('message', channel).map((f) => f.data);

for (const [kind, make] of Object.entries(KINDS)) {
  test.describe(`two nodes on a ${kind}`, () => {
    let brokers: Brokers;
    test.beforeEach(async () => {
      brokers = await make();
    });
    test.afterEach(async () => brokers.close());

    test('a message to either node reaches the subscribers of both once, but its sender; a client resumes on the other node', async ({
      kit,
    }) => {
      const nodeA = await kit.serve({ broker: brokers.a });
      const nodeB = await kit.serve({ broker: brokers.b });
      for (const { server } of [nodeA, nodeB])
        server.handle('chat', {
          message: (line, client) => void server.publish('chat', line, { except: client }),
          request: (n) => ({ answer: n }),
        });
      const [onA, onB] = [await kit.connect(nodeA.url), await kit.connect(nodeB.url)];
      const welcome = await hello(onA);
      await hello(onB);
      for (const peer of [onA, onB]) {
        peer.send({ type: 'subscribe', channel: 'chat', seq: 1 });
        await peer.frame({ type: 'subscribed', channel: 'chat' });
      }
      onA.send({ type: 'message', channel: 'chat', data: 'from a', seq: 2 });
      onB.send({ type: 'message', channel: 'chat', data: 'from b', seq: 2 });
      await expect.poll(() => messages(onB, 'chat')).toEqual(['from a']);
      await expect.poll(() => messages(onA, 'chat')).toEqual(['from b']);
      await onA.frame({ type: 'ack', seq: 2 });

      // A's client asks, and its connection dies before the answer can be read: it resumes on node B.
      onA.send({ type: 'request', id: 1, channel: 'chat', data: 7, seq: 3 });
      await expect.poll(() => onA.of('response').length).toBe(1);
      onA.ws.terminate();
      const again = await kit.connect(nodeB.url);
      const resumed = await hello(again, welcome.session as string);
      expect(resumed).toMatchObject({ session: welcome.session, resumed: true, received: 3 });
      // What it was owed is sent again; what it sends again is acknowledged, not handled twice.
      expect(await again.frame({ type: 'response' })).toMatchObject({ id: 1, data: { answer: 7 }, seq: 1 });
      again.send({ type: 'message', channel: 'chat', data: 'from a', seq: 2 });
      await again.frame({ type: 'ack', seq: 3 });
      await onB.barrier();
      expect(messages(onB, 'chat')).toEqual(['from a']);
    });

    test('a connection that ends after its client came back on the same node does not take the session from it', async ({
      kit,
    }) => {
      const node = await kit.serve({ broker: brokers.a });
      node.server.handle('rpc', { request: (n) => n });
      const first = await kit.connect(node.url);
      const { session } = await hello(first);
      const second = await kit.connect(node.url);
      expect(await hello(second, session as string)).toMatchObject({ resumed: true });
      first.ws.terminate(); // the old connection's end, noticed after the new one attached
      await expect.poll(() => node.server.clients.size).toBe(1);
      second.send({ type: 'request', id: 1, channel: 'rpc', data: 'still here', seq: 1 });
      expect(await second.frame({ type: 'response' })).toMatchObject({ id: 1, data: 'still here' });
    });
  });
}

test('Redis restarts under two nodes: their clients are closed with 1012 (session lost), start new sessions, and hear of the new epoch', async ({
  kit,
}) => {
  const brokers = await KINDS.RedisBroker!();
  try {
    brokers.b.onError?.(() => {}); // a node without clients here: its outage is not this test's
    const node = await kit.serve({ broker: brokers.a });
    const { named } = record(node.server);
    const peer = await kit.connect(node.url);
    const { session } = await hello(peer);
    peer.send({ type: 'subscribe', channel: 'news', seq: 1 });
    const before = await peer.frame({ type: 'subscribed', channel: 'news' });

    await brokers.redis!.restart();
    expect(await peer.closed).toEqual({ code: 1012, reason: 'session lost' });
    expect(named('error').map(([error]) => error.code)).toContain('ERR_BROKER');

    const again = await kit.connect(node.url);
    expect(await hello(again, session as string)).toMatchObject({ resumed: false, received: 0 });
    again.send({ type: 'subscribe', channel: 'news', seq: 1, since: { offset: 0, epoch: before.epoch } });
    expect(await again.frame({ type: 'subscribed', channel: 'news' })).toMatchObject({
      recovered: false,
      reason: 'epoch',
    });
  } finally {
    await brokers.close();
  }
});
