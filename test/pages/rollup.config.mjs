// @ts-check
// Bundles the test pages that need npm packages in the browser (React, graphql-ws) into build/pages/, served by
// the fixture at /build/pages/. They import the built package by its name, as an app would: node-resolve finds
// `reliable-socket` (and the main entry its add-ons import) through the package's own `exports` — by default the
// production build, and into build/pages/development/ with the `development` condition, as Vite and webpack
// resolve it in development (the fixture serves those to the development test projects).
import { fileURLToPath } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * React picks its development or production build from `process.env.NODE_ENV`, which a bundler replaces. The
 * development build is the one whose StrictMode mounts twice, which the tests need — so say "development".
 * (Four lines here instead of @rollup/plugin-replace.)
 * @type {import('rollup').Plugin}
 */
const development = {
  name: 'node-env-development',
  transform: (code) =>
    code.includes('process.env.NODE_ENV') ? code.replaceAll('process.env.NODE_ENV', '"development"') : null,
};

/** @type {import('rollup').RollupOptions[]} */
export default ['react-app', 'graphql-ws-app'].flatMap((name) =>
  [false, true].map((dev) => ({
    input: `test/pages/${name}.mjs`,
    plugins: [
      development,
      nodeResolve({ rootDir: root, browser: true, exportConditions: dev ? ['development'] : [] }),
      commonjs(),
    ],
    output: { file: `build/pages/${dev ? 'development/' : ''}${name}.js`, format: 'es' },
  })),
);
