// @ts-check
// Size of what users download, min+gzip, measured the same way every time (no network, no timing):
// each entry is bundled from the built dist/ with eventemitter3 included, minified with terser, gzipped at
// level 9. `node bench/size.mjs` prints the table and writes bench/results/size.json; with `--check` it fails
// when an entry exceeds its budget in bench/budgets.json (CI runs that). Peers' main browser imports are
// bundled and measured the same way, for comparison only: they have no budget and never fail the check.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { minify } from 'terser';

const root = fileURLToPath(new URL('..', import.meta.url));
/** @type {Record<string, number>} entry name → budget in bytes (min+gzip) */
const budgets = JSON.parse(readFileSync(new URL('budgets.json', import.meta.url), 'utf8')).budgets;

/** What a bundler user pays for a given import, eventemitter3 included. */
const imports = {
  'ESM core: import { ReliableSocketCore }': 'export { ReliableSocketCore } from "reliable-socket";',
  'ESM full: import { ReliableSocket } (channels)': 'export { ReliableSocket } from "reliable-socket";',
  'ESM everything: import *': 'export * from "reliable-socket";',
  'ESM websocket: import { ReliableWebSocket } from /websocket':
    'export { ReliableWebSocket } from "reliable-socket/websocket";',
  'ESM react: import { useReliableSocket, useChannel } from /react (React excluded)':
    'export { useReliableSocket, useChannel } from "reliable-socket/react";',
};

/** @param {string} name */
const versionOf = (name) =>
  JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

/**
 * The peers' main browser imports, with their own dependencies, bundled like ours. `browser: true` resolves the
 * `browser` field and export condition instead of `node`: socket.io-client needs it (without it rollup takes
 * its Node build, with `ws` and Node's http/tls, about 28 KB); for the other peers it changes no byte, and our
 * entries are left exactly as they were.
 * @type {Array<{ name: string, source: string, browser?: boolean }>}
 */
const peers = [
  {
    name: `peer: reconnecting-websocket ${versionOf('reconnecting-websocket')} (default import)`,
    source: "export { default } from 'reconnecting-websocket';",
  },
  {
    name: `peer: partysocket ${versionOf('partysocket')} ({ WebSocket })`,
    source: "export { WebSocket } from 'partysocket';",
  },
  {
    name: `peer: partysocket ${versionOf('partysocket')} (default import: PartySocket)`,
    source: "export { default } from 'partysocket';",
  },
  {
    name: `peer: socket.io-client ${versionOf('socket.io-client')} ({ io })`,
    source: "export { io } from 'socket.io-client';",
    browser: true,
  },
];

/** @param {string} code */
async function minGzip(code, module = true) {
  const { code: min = '' } = await minify(code, {
    module,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  return { min: Buffer.byteLength(min), gzip: gzipSync(min, { level: 9 }).length };
}

/** @param {string} source */
async function bundle(source, browser = false) {
  const build = await rollup({
    input: 'entry',
    // React is the app's own (a peer dependency of reliable-socket/react): not counted. No other entry imports it.
    external: ['react'],
    plugins: [
      {
        name: 'entry',
        resolveId: (id) => (id === 'entry' ? id : null),
        load: (id) => (id === 'entry' ? source : null),
      },
      // The package's own name resolves to the built dist/ through its exports map.
      nodeResolve({ rootDir: root, ...(browser && { browser }) }),
      commonjs(),
    ],
    onwarn: (warning) => {
      throw new Error(`size: ${warning.message}`);
    },
  });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  return output[0].code;
}

const rows = [];
for (const [name, source] of Object.entries(imports))
  rows.push({ name, ...(await minGzip(await bundle(source))) });
const umd = readFileSync(new URL('../dist/reliable-socket.umd.min.js', import.meta.url), 'utf8');
rows.push({
  name: 'UMD: dist/reliable-socket.umd.min.js',
  min: Buffer.byteLength(umd),
  gzip: gzipSync(umd, { level: 9 }).length,
});

for (const peer of peers)
  rows.push({ name: peer.name, peer: true, ...(await minGzip(await bundle(peer.source, peer.browser))) });

const kb = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const failures = [];
console.log('\nsize (min+gzip; ours with eventemitter3 included, peers with their dependencies)');
for (const row of rows) {
  const budget = 'peer' in row ? undefined : budgets[row.name];
  const verdict = budget === undefined ? '' : row.gzip <= budget ? `≤ ${kb(budget)} ✓` : `> ${kb(budget)} ✗`;
  if (budget !== undefined && row.gzip > budget) failures.push(row.name);
  console.log(`  ${row.name.padEnd(56)} ${kb(row.gzip).padStart(9)}  (min ${kb(row.min)})  ${verdict}`);
}
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/size.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), rows, budgets }, null, 2)}\n`,
);
if (process.argv.includes('--check') && failures.length > 0) {
  console.error(
    `\nsize budget exceeded: ${failures.join(', ')} (bench/budgets.json; bench/README.md says what each covers)`,
  );
  process.exit(1);
}
