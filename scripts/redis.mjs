// @ts-check
// Where `redis-server` comes from for the tests and the benchmarks of the Redis broker: the system's (Debian's
// `redis-server` package, Homebrew's `redis`, or anything on the PATH). Used by test/fixture/redis-server.ts
// (starting one per test) and scripts/ensure-redis.mjs (provisioning).
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The Debian package that provides {@link findRedisServer}'s binary. */
export const REDIS_DEBIAN_PACKAGE = 'redis-server';

/** What to install where, for error messages. */
export const REDIS_INSTALL_HINT =
  `Install it — Debian/Ubuntu: sudo apt-get install -y ${REDIS_DEBIAN_PACKAGE}; macOS: brew install redis — ` +
  'or run `node scripts/ensure-redis.mjs` as root on Debian.';

/**
 * The path of a `redis-server` binary, or undefined when there is none.
 * @returns {string | undefined}
 */
export function findRedisServer() {
  const path_ = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  const dirs = [...path_, '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];
  return dirs.map((dir) => path.join(dir, 'redis-server')).find((candidate) => existsSync(candidate));
}
