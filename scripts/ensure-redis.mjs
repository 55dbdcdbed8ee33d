// @ts-check
// A step of `npm test` (and `.ci/run`, `npm run bench`): make sure `redis-server` is there for the Redis broker's
// tests, installing it if we can — root on Debian: apt-get — or stop and say exactly what to install. The tests
// never run without it, and are never skipped for want of it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findRedisServer, REDIS_DEBIAN_PACKAGE, REDIS_INSTALL_HINT } from './redis.mjs';

/** @param {string} command @param {string[]} args */
function run(command, args) {
  console.log(`ensure-redis: ${command} ${args.join(' ')}`);
  try {
    execFileSync(command, args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return true;
  } catch {
    return false;
  }
}

if (findRedisServer() === undefined && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', REDIS_DEBIAN_PACKAGE]);
}
const found = findRedisServer();
if (found === undefined) {
  console.error(`\nensure-redis: no redis-server for the Redis broker's tests. ${REDIS_INSTALL_HINT}\n`);
  process.exit(1);
}
console.log(`ensure-redis: redis-server at ${found}`);
