// @ts-check
// Bundles what `tsc -p tsconfig.build.json` emitted into build/tsc (see README "Building" for why tsc
// compiles and rollup only bundles: TypeScript 7 has no JS API for a rollup TypeScript plugin).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const banner = `/*! ${pkg.name} v${pkg.version} | ${pkg.license} */`;
const compiled = 'build/tsc';
/** Runtime dependencies stay imports in the ESM and CJS builds; the package manager provides them. */
const external = Object.keys(pkg.dependencies ?? {});

/**
 * The main entry, as the add-on entries (`reliable-socket/websocket`, `reliable-socket/react`) import it: their
 * sources import `../index.js`, and the build makes that `reliable-socket`, so that an app using both bundles
 * the core once (and `instanceof` holds across entries).
 * @param {string | undefined} importer @param {string} id
 */
const isMainEntry = (id, importer) =>
  importer !== undefined && path.resolve(path.dirname(importer), id) === path.resolve(compiled, 'index.js');
/** @type {import('rollup').Plugin} */
const mainEntryExternal = {
  name: 'main-entry-external',
  resolveId: (id, importer) =>
    isMainEntry(id.replace(/\.d\.ts$/, '.js'), importer) ? { id: pkg.name, external: true } : null,
};

/** @type {import('rollup').RollupOptions[]} */
export default [
  {
    input: `${compiled}/index.js`,
    external,
    output: [
      { file: 'dist/index.js', format: 'es', banner },
      { file: 'dist/index.cjs', format: 'cjs', banner },
    ],
  },
  {
    // Script-tag build: everything inlined, one global `ReliableSocket` (see src/umd.ts).
    input: `${compiled}/umd.js`,
    plugins: [nodeResolve({ browser: true }), commonjs()],
    output: [
      {
        file: 'dist/reliable-socket.umd.js',
        format: 'umd',
        name: 'ReliableSocket',
        exports: 'default',
        banner,
      },
      {
        file: 'dist/reliable-socket.umd.min.js',
        format: 'umd',
        name: 'ReliableSocket',
        exports: 'default',
        banner,
        sourcemap: true,
        plugins: [terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: /^!/ } })],
      },
    ],
  },
  {
    // The companion server, Node only: `ws` and Node's own modules stay imports.
    input: `${compiled}/server/index.js`,
    external: (id) => id === 'ws' || id.startsWith('node:') || external.includes(id),
    output: [
      { file: 'dist/server.js', format: 'es', banner },
      { file: 'dist/server.cjs', format: 'cjs', banner },
    ],
  },
  {
    // The Redis broker, Node only, its own entry so that users without Redis never load `redis` (an optional
    // peer dependency): `redis` and Node's own modules stay imports.
    input: `${compiled}/server/redis/index.js`,
    external: (id) => id === 'redis' || id.startsWith('node:'),
    output: [
      { file: 'dist/server-redis.js', format: 'es', banner },
      { file: 'dist/server-redis.cjs', format: 'cjs', banner },
    ],
  },
  addOn('websocket'),
  addOn('react'),
  types('index', 'index'),
  types('server/index', 'server'),
  types('server/redis/index', 'server-redis'),
  types('websocket/index', 'websocket'),
  types('react/index', 'react'),
];

/**
 * An add-on entry, ESM and CJS: the main entry and React stay imports.
 * @param {string} name @returns {import('rollup').RollupOptions}
 */
function addOn(name) {
  return {
    input: `${compiled}/${name}/index.js`,
    external: ['react'],
    plugins: [mainEntryExternal],
    output: [
      { file: `dist/${name}.js`, format: 'es', banner },
      { file: `dist/${name}.cjs`, format: 'cjs', banner },
    ],
  };
}

/**
 * One bundled declaration file per entry, twice: `.d.ts` for import, `.d.cts` for require.
 * @param {string} input @param {string} output @returns {import('rollup').RollupOptions}
 */
function types(input, output) {
  return {
    input: `${compiled}/${input}.d.ts`,
    external: (id) => ['ws', 'react', 'redis'].includes(id) || id.startsWith('node:'),
    plugins: [mainEntryExternal, dts()],
    output: [
      { file: `dist/${output}.d.ts`, format: 'es' },
      { file: `dist/${output}.d.cts`, format: 'es' },
    ],
  };
}
