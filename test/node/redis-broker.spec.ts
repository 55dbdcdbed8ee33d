// The Redis broker against a real redis-server (one per test, on a unix socket in a temp dir): the Broker
// contract with two nodes — two RedisBrokers, as two server processes would have — sharing one Redis.
import { RedisBroker } from '../../src/server/redis/index.js';
import { RedisServer } from '../fixture/redis-server.js';
import { brokerSuite } from './broker-suite.js';

brokerSuite('RedisBroker', async () => {
  const redis = await RedisServer.start();
  const a = new RedisBroker({ url: redis.url });
  const b = new RedisBroker({ url: redis.url });
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await redis.stop();
    },
  };
});
