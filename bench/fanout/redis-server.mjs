// @ts-check
// A real redis-server for one system's run, on a free TCP port of 127.0.0.1, nothing saved (as
// test/fixture/redis-server.ts starts one, but on TCP as deployed). This process keeps it: it kills it when
// told to close or when the driver goes, so that no redis-server outlives a run. It answers `stats` with Redis'
// own counters: calls and microseconds per command (INFO commandstats) and total_commands_processed — both count
// the commands that scripts run, as well as the scripts (EVALSHA) themselves — and used_memory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { findRedisServer, REDIS_INSTALL_HINT } from '../../scripts/redis.mjs';
import { commands, tell } from './child.mjs';

const START_TIMEOUT_MS = 10_000;

const binary = findRedisServer();
if (binary === undefined) throw new Error(`No redis-server. ${REDIS_INSTALL_HINT}`);

/** A port nothing listens on now. @returns {Promise<number>} */
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const port = await freePort();
const dir = mkdtempSync(path.join(tmpdir(), 'rs-fanout-redis-'));
const redis = spawn(
  binary,
  ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const stop = () => {
  redis.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', stop);

const url = `redis://127.0.0.1:${port}`;
const client = createClient({ url, socket: { reconnectStrategy: false } });
client.on('error', () => {});
for (const deadline = Date.now() + START_TIMEOUT_MS; ; ) {
  try {
    await client.connect();
    break;
  } catch (error) {
    if (redis.exitCode !== null || Date.now() > deadline) throw error;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? '?';

commands({
  stats: async () => {
    // One command for both sections, so that a reading adds exactly one INFO to the counts.
    const info = String(await client.sendCommand(['INFO', 'stats', 'commandstats', 'memory']));
    /** @type {Record<string, number>} */
    const calls = {};
    /** @type {Record<string, number>} */
    const usec = {};
    for (const [, name, n, us] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      calls[String(name)] = Number(n);
      usec[String(name)] = Number(us);
    }
    const total = Number(/total_commands_processed:(\d+)/.exec(info)?.[1]);
    const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    tell({ type: 'stats', calls, usec, total, usedMemory });
  },
  close: () => process.exit(0),
});
tell({ type: 'ready', url, pid: redis.pid ?? 0, version });
