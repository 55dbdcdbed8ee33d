// @ts-check
// Completes package-lock.json with the platform binaries this machine's npm registry does not carry.
//
// Why: rollup and Biome ship their native code as optional packages, one per platform. The registry here
// holds only the linux-x64 ones; `npm install` silently drops the rest from the lockfile, and `npm ci` then
// refuses the lockfile ("Missing: @rollup/rollup-darwin-arm64@ from lock file") here and on every other
// platform. This adds an entry per missing optional package, with the os/cpu/libc its name states, so each
// platform installs its own binary and skips the others'. Run it after `npm install` changes the lockfile.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'aix',
  'android',
  'darwin',
  'freebsd',
  'linux',
  'netbsd',
  'openbsd',
  'openharmony',
  'sunos',
  'win32',
];
const CPU = ['arm', 'arm64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'x64'];

/**
 * `@rollup/rollup-linux-arm64-musl` → `{ os: ["linux"], cpu: ["arm64"], libc: ["musl"] }`.
 * @param {string} name
 */
function platformOf(name) {
  const parts = name.split('/').pop()?.split('-') ?? [];
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('eabihf') ? 'arm' : undefined);
  const libc = parts.some((p) => p.startsWith('musl')) ? 'musl' : os === 'linux' ? 'glibc' : undefined;
  return { ...(os && { os: [os] }), ...(cpu && { cpu: [cpu] }), ...(libc && { libc: [libc] }) };
}

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const added = [];
for (const node of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(node.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    lock.packages[key] = { version, ...(node.dev && { dev: true }), optional: true, ...platformOf(name) };
    added.push(`${name}@${version}`);
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length ? `complete-lockfile: added ${added.join(', ')}` : 'complete-lockfile: nothing missing',
);
