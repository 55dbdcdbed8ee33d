// @ts-check
// Bundles a piece of source the way an app's bundler does (rollup with node-resolve, as Vite uses it): the
// package's own name resolves to the built dist/ through its exports map, eventemitter3 is included, React is
// left out (the app's own: a peer dependency of reliable-socket/react). Shared by the size bench and the test of
// the build conditions, so both measure what users get.
import { fileURLToPath } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The bundle of `source` as one ES module, and the ids of the modules it took; a rollup warning is an error.
 * @param {string} source
 * @param {{ browser?: boolean, development?: boolean }} [resolve] the `browser` field, the `development` condition
 * @returns {Promise<{ code: string, modules: string[] }>}
 */
export async function bundleSource(source, { browser = false, development = false } = {}) {
  const build = await rollup({
    input: 'entry',
    external: ['react'],
    plugins: [
      {
        name: 'entry',
        resolveId: (id) => (id === 'entry' ? id : null),
        load: (id) => (id === 'entry' ? source : null),
      },
      nodeResolve({
        rootDir: root,
        ...(browser && { browser }),
        ...(development && { exportConditions: ['development'] }),
      }),
      commonjs(),
    ],
    onwarn: (warning) => {
      throw new Error(`bundle: ${warning.message}`);
    },
  });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  return { code: output[0].code, modules: Object.keys(output[0].modules) };
}
