// Entry point of `reliable-socket/server/redis` (Node only): the Broker on Redis, for several server nodes. A
// separate entry so that users without Redis never load `redis` (an optional peer dependency).
export type { RedisBrokerOptions, RedisClient } from './options.js';
export { RedisBroker } from './redis-broker.js';
