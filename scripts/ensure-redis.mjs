// @ts-check
// A step of `npm test` (and `.ci/run`, `npm run bench`): make sure `redis-server` is there for the Redis broker's
// tests, installing it if we can — root on Debian: apt-get — or stop and say exactly what to install. The tests
// never run without it, and are never skipped for want of it.
import { findRedisServer, REDIS_DEBIAN_PACKAGE, REDIS_INSTALL_HINT } from './redis.mjs';
import { aptInstall, canApt } from './run-command.mjs';

if (findRedisServer() === undefined && canApt()) {
  aptInstall('ensure-redis', [REDIS_DEBIAN_PACKAGE]);
}
const found = findRedisServer();
if (found === undefined) {
  console.error(`\nensure-redis: no redis-server for the Redis broker's tests. ${REDIS_INSTALL_HINT}\n`);
  process.exit(1);
}
console.log(`ensure-redis: redis-server at ${found}`);
