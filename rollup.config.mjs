// @ts-check
// Bundles what `tsc -p tsconfig.build.json` emitted into build/tsc (see README "Building" for why tsc
// compiles and rollup only bundles: TypeScript 7 has no JS API for a rollup TypeScript plugin).
import { readFileSync } from 'node:fs';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const banner = `/*! ${pkg.name} v${pkg.version} | ${pkg.license} */`;
const compiled = 'build/tsc';
/** Runtime dependencies stay imports in the ESM and CJS builds; the package manager provides them. */
const external = Object.keys(pkg.dependencies ?? {});

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
  types('index', 'index'),
  types('server/index', 'server'),
];

/**
 * One bundled declaration file per entry, twice: `.d.ts` for import, `.d.cts` for require.
 * @param {string} input @param {string} output @returns {import('rollup').RollupOptions}
 */
function types(input, output) {
  return {
    input: `${compiled}/${input}.d.ts`,
    external: (id) => id === 'ws' || id.startsWith('node:'),
    plugins: [dts()],
    output: [
      { file: `dist/${output}.d.ts`, format: 'es' },
      { file: `dist/${output}.d.cts`, format: 'es' },
    ],
  };
}
