// @ts-check
// Bundles what `tsc -p tsconfig.build.json` emitted into build/tsc (see CONTRIBUTING.md "Tooling decisions" for why tsc
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

/**
 * The production build: src/dev.ts is loaded as `DEV = false`, and rollup drops every branch only the
 * development build takes (long messages, assertions, warnings). The development build keeps the module as
 * compiled (`DEV = true`), and rollup drops the production-only branches instead.
 * @type {import('rollup').Plugin}
 */
const production = {
  name: 'production',
  load: (id) => (id === path.resolve(compiled, 'dev.js') ? 'export const DEV = false;\n' : null),
};

/**
 * The file name of a build: `index.js` in production, `index.development.js` in development.
 * @param {string} file @param {boolean} dev
 */
const named = (file, dev) => (dev ? file.replace(/(\.c?js)$/, '.development$1') : file);

/** @type {import('rollup').RollupOptions[]} */
export default [
  main(false),
  main(true),
  {
    // Script-tag build, development: everything inlined, one global `ReliableSocket` (see src/umd.ts).
    input: `${compiled}/umd.js`,
    plugins: [nodeResolve({ browser: true }), commonjs()],
    output: {
      file: 'dist/reliable-socket.umd.js',
      format: 'umd',
      name: 'ReliableSocket',
      exports: 'default',
      banner,
    },
  },
  {
    // Script-tag build, production and minified: what `unpkg` and `jsdelivr` serve.
    input: `${compiled}/umd.js`,
    plugins: [production, nodeResolve({ browser: true }), commonjs()],
    output: {
      file: 'dist/reliable-socket.umd.min.js',
      format: 'umd',
      name: 'ReliableSocket',
      exports: 'default',
      banner,
      sourcemap: true,
      // Class names kept (`ReliableSocket.name === 'ReliableSocket'`): devtools and stack traces show them.
      plugins: [
        terser({
          ecma: 2020,
          compress: { passes: 2 },
          keep_classnames: true,
          format: { comments: /^!/ },
        }),
      ],
    },
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
  ...[false, true].flatMap((dev) => [addOn('websocket', dev), addOn('react', dev)]),
  types('index', 'index'),
  types('server/index', 'server'),
  types('server/redis/index', 'server-redis'),
  types('websocket/index', 'websocket'),
  types('react/index', 'react'),
];

/**
 * The main entry, ESM and CJS, in one build; eventemitter3 stays an import.
 * @param {boolean} dev @returns {import('rollup').RollupOptions}
 */
function main(dev) {
  return {
    input: `${compiled}/index.js`,
    external,
    plugins: dev ? [] : [production],
    output: [
      { file: named('dist/index.js', dev), format: 'es', banner },
      { file: named('dist/index.cjs', dev), format: 'cjs', banner },
    ],
  };
}

/**
 * An add-on entry, ESM and CJS, in one build: the main entry (which the user's resolver takes from the same
 * build, by the same export condition) and React stay imports.
 * @param {string} name @param {boolean} dev @returns {import('rollup').RollupOptions}
 */
function addOn(name, dev) {
  return {
    input: `${compiled}/${name}/index.js`,
    external: ['react'],
    plugins: dev ? [mainEntryExternal] : [mainEntryExternal, production],
    output: [
      { file: named(`dist/${name}.js`, dev), format: 'es', banner },
      { file: named(`dist/${name}.cjs`, dev), format: 'cjs', banner },
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
