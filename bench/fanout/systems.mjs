// @ts-check
// The systems the fan-out bench compares, as deployed: which server process each node runs, which client the
// subscribers and the publisher use, how many nodes, and whether they share a Redis.

/**
 * @typedef {object} System
 * @property {string} id short name, for --systems and the JSON
 * @property {string} label the table's name
 * @property {string} server the node's script, beside this file
 * @property {'ws' | 'ours' | 'sio'} client subscribers' and publisher's client
 * @property {number} nodes server processes; subscriber processes are spread over them, the publisher is on the first
 * @property {boolean} redis whether the nodes share a redis-server started for the run
 */

/** @type {readonly System[]} */
export const SYSTEMS = [
  {
    id: 'ws',
    label: 'plain ws broadcast loop',
    server: 'server-ws.mjs',
    client: 'ws',
    nodes: 1,
    redis: false,
  },
  {
    id: 'ours-memory',
    label: 'ours, MemoryBroker, 1 node',
    server: 'server-ours.mjs',
    client: 'ours',
    nodes: 1,
    redis: false,
  },
  {
    id: 'ours-redis',
    label: 'ours, RedisBroker, 2 nodes',
    server: 'server-ours.mjs',
    client: 'ours',
    nodes: 2,
    redis: true,
  },
  {
    id: 'sio',
    label: 'socket.io 4.8, 1 node',
    server: 'server-sio.mjs',
    client: 'sio',
    nodes: 1,
    redis: false,
  },
  {
    id: 'sio-redis',
    label: 'socket.io 4.8 + redis-adapter, 2 nodes',
    server: 'server-sio.mjs',
    client: 'sio',
    nodes: 2,
    redis: true,
  },
];
