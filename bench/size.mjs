// @ts-check
// Size of what users download, min+gzip, measured the same way every time (no network, no timing): each entry
// is bundled from the built dist/ by rollup with eventemitter3 included, minified with terser, gzipped at level 9
// — once as a bundler resolves the package by default (the production build) and once under the `development`
// export condition (as Vite and webpack resolve it in development). The UMD files are measured as shipped: the
// minified one is the production build, the other the development build (not minified). Peers' main browser
// imports are bundled and measured the same way, in the same run, for comparison only: no budget.
//
// `node bench/size.mjs` prints the table and writes bench/results/size.json; `--check` fails when a figure
// exceeds its budget in bench/budgets.json (CI runs that); `--markdown` prints the table for bench/README.md;
// `--breakdown` adds where the bytes of the production core and full entries go, module by module (see there).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { minify } from 'terser';
import { bundleSource } from '../scripts/bundle-source.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/**
 * Entry key → build → budget in bytes (min+gzip).
 * @type {Record<string, Partial<Record<Build, number>>>}
 */
const budgets = JSON.parse(readFileSync(new URL('budgets.json', import.meta.url), 'utf8')).budgets;

/** @typedef {'production' | 'development'} Build */

/** What a bundler user pays for a given import, eventemitter3 included. */
const imports = [
  {
    key: 'core',
    name: 'import { ReliableSocketCore }',
    source: 'export { ReliableSocketCore } from "reliable-socket";',
  },
  {
    key: 'full',
    name: 'import { ReliableSocket } (channels, protocol v2)',
    source: 'export { ReliableSocket } from "reliable-socket";',
  },
  { key: 'everything', name: 'import * (every export)', source: 'export * from "reliable-socket";' },
  {
    key: 'websocket',
    name: "import { ReliableWebSocket } from 'reliable-socket/websocket'",
    source: 'export { ReliableWebSocket } from "reliable-socket/websocket";',
  },
  {
    key: 'react',
    name: "import { useReliableSocket, useChannel } from 'reliable-socket/react' (React excluded)",
    source: 'export { useReliableSocket, useChannel } from "reliable-socket/react";',
  },
];

/** @param {string} name */
const versionOf = (name) =>
  JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

/**
 * The peers' main browser imports, with their own dependencies, bundled like ours. `browser: true` resolves the
 * `browser` field and export condition instead of `node`: socket.io-client needs it (without it rollup takes
 * its Node build, with `ws` and Node's http/tls, about 28 KB); for the other peers it changes no byte.
 * @type {Array<{ name: string, source: string, browser?: boolean }>}
 */
const peers = [
  {
    name: `reconnecting-websocket ${versionOf('reconnecting-websocket')} (default import)`,
    source: "export { default } from 'reconnecting-websocket';",
  },
  {
    name: `partysocket ${versionOf('partysocket')} ({ WebSocket })`,
    source: "export { WebSocket } from 'partysocket';",
  },
  {
    name: `partysocket ${versionOf('partysocket')} (default import: PartySocket)`,
    source: "export { default } from 'partysocket';",
  },
  {
    name: `socket.io-client ${versionOf('socket.io-client')} ({ io })`,
    source: "export { io } from 'socket.io-client';",
    browser: true,
  },
];

/** @param {string} code */
async function minGzip(code) {
  const { code: min = '' } = await minify(code, {
    module: true,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  return { min: Buffer.byteLength(min), gzip: gzipSync(min, { level: 9 }).length };
}

/** @param {string} source @param {{ browser?: boolean, development?: boolean }} [resolve] */
const bundle = async (source, resolve) => (await bundleSource(source, resolve)).code;

/**
 * Where the bytes of an entry go, module by module, in the production build: the entry is bundled from the
 * compiled modules in build/tsc (what dist/ is bundled from, with src/dev.ts as `DEV = false`, as in
 * rollup.config.mjs); each module's code in the bundle is minified and gzipped alone, and these sizes are scaled
 * so that they add up to the entry's own figure. (Alone, a module compresses worse than inside the bundle,
 * where it shares the gzip dictionary with the rest: the scaling spreads that gain evenly.)
 * @param {string} source @returns {Promise<Array<{ module: string, gzip: number }>>}
 */
async function breakdown(source) {
  const compiled = `${root}build/tsc/`;
  const build = await rollup({
    input: 'entry',
    plugins: [
      {
        name: 'entry',
        resolveId: (id) => (id === 'entry' ? id : id === 'reliable-socket' ? `${compiled}index.js` : null),
        load: (id) =>
          id === 'entry' ? source : id === `${compiled}dev.js` ? 'export const DEV = false;\n' : null,
      },
      nodeResolve({ rootDir: root }),
      commonjs(),
    ],
  });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  const total = (await minGzip(output[0].code)).gzip;
  const alone = [];
  for (const [id, module] of Object.entries(output[0].modules)) {
    if (!module.code?.trim()) continue;
    // Top-level names are kept (module: false), or terser would drop the module's code as unused.
    const { code: min = '' } = await minify(module.code, { compress: { passes: 2 }, mangle: true });
    if (min.length < 20) continue; // a constant (src/dev.ts): a few bytes in the bundle, not worth a row
    const name = id.includes('node_modules/eventemitter3')
      ? 'eventemitter3 (with its CommonJS interop)'
      : id.startsWith(compiled)
        ? `src/${id.slice(compiled.length).replace(/\.js$/, '.ts')}`
        : 'CommonJS interop helpers';
    alone.push({ module: name, gzip: gzipSync(min, { level: 9 }).length });
  }
  const merged = new Map();
  for (const { module, gzip } of alone) merged.set(module, (merged.get(module) ?? 0) + gzip);
  const sum = [...merged.values()].reduce((a, b) => a + b, 0);
  return [...merged]
    .map(([module, gzip]) => ({ module, gzip: Math.round((gzip * total) / sum) }))
    .sort((a, b) => b.gzip - a.gzip);
}

/** @param {string} file a file of dist/, measured as shipped */
function shipped(file) {
  const code = readFileSync(new URL(`../dist/${file}`, import.meta.url));
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/**
 * @typedef {{ min: number, gzip: number }} Size
 * @typedef {{ key: string, name: string, production: Size, development: Size }} Row
 */
/** @type {Row[]} */
const rows = [];
for (const { key, name, source } of imports) {
  rows.push({
    key,
    name,
    production: await minGzip(await bundle(source)),
    development: await minGzip(await bundle(source, { development: true })),
  });
}
rows.push({
  key: 'umd',
  name: 'UMD file, as shipped (production: .umd.min.js; development: .umd.js, not minified)',
  production: shipped('reliable-socket.umd.min.js'),
  development: shipped('reliable-socket.umd.js'),
});
/** @type {Array<{ name: string } & Size>} */
const peerRows = [];
for (const peer of peers)
  peerRows.push({ name: peer.name, ...(await minGzip(await bundle(peer.source, peer))) });

const bytes = (/** @type {number} */ n) => n.toLocaleString('en-US');
/** @type {string[]} */
const failures = [];
/** @param {string} key @param {Build} build @param {Size} size */
function verdict(key, build, size) {
  const budget = budgets[key]?.[build];
  if (budget === undefined) return '';
  if (size.gzip > budget) failures.push(`${key} (${build})`);
  return size.gzip <= budget ? `≤ ${bytes(budget)} ✓` : `> ${bytes(budget)} ✗`;
}

if (process.argv.includes('--markdown')) {
  console.log('| entry | production | development | budget (production / development) |');
  console.log('| --- | ---: | ---: | --- |');
  for (const row of rows) {
    const budget = ['production', 'development']
      .map((build) => budgets[row.key]?.[/** @type {Build} */ (build)])
      .map((b) => (b === undefined ? '—' : `${bytes(b)} B`))
      .join(' / ');
    console.log(
      `| ${row.name} | ${bytes(row.production.gzip)} B | ${bytes(row.development.gzip)} B | ${budget} |`,
    );
  }
  for (const peer of peerRows) console.log(`| peer: ${peer.name} | ${bytes(peer.gzip)} B | — | — |`);
} else {
  console.log(
    '\nsize, min+gzip in bytes (ours with eventemitter3 included; peers with their dependencies, no budget)',
  );
  console.log(`  ${'entry'.padEnd(10)} ${'production'.padEnd(18)} ${'development'.padEnd(18)}`);
  for (const row of rows) {
    const cell = (/** @type {Build} */ build) =>
      `${bytes(row[build].gzip).padStart(6)} ${verdict(row.key, build, row[build]).padEnd(11)}`;
    console.log(`  ${row.key.padEnd(10)} ${cell('production')} ${cell('development')}  ${row.name}`);
  }
  for (const peer of peerRows)
    console.log(`  ${'peer'.padEnd(10)} ${bytes(peer.gzip).padStart(6)}${' '.repeat(33)}${peer.name}`);
}

if (process.argv.includes('--breakdown')) {
  for (const key of ['core', 'full']) {
    const entry = imports.find((i) => i.key === key);
    if (!entry) continue;
    console.log(
      `\nwhere the bytes of ${key} (production) go, min+gzip, by module (bench/size.mjs: breakdown())`,
    );
    for (const { module, gzip } of await breakdown(entry.source))
      console.log(`  ${bytes(gzip).padStart(6)}  ${module}`);
  }
}

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/size.json', import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      // One row per entry and build, and per peer: the shape bench/report.ts reads.
      rows: [
        ...rows.flatMap((row) =>
          /** @type {Build[]} */ (['production', 'development']).map((build) => ({
            name: `${row.key} (${build}): ${row.name}`,
            ...row[build],
          })),
        ),
        ...peerRows.map(({ name, ...size }) => ({ name: `peer: ${name}`, peer: true, ...size })),
      ],
      budgets,
    },
    null,
    2,
  )}\n`,
);
if (process.argv.includes('--check') && failures.length > 0) {
  console.error(
    `\nsize budget exceeded: ${failures.join(', ')} (bench/budgets.json; bench/README.md says what each covers)`,
  );
  process.exit(1);
}
