// Which build a user gets, resolved the way their tools resolve the package by its name: a bundler (rollup with
// node-resolve, as Vite uses it) takes the production build by default and the development build under the
// `development` condition, for the main entry and for an add-on entry together; Node does the same with
// `--conditions=development`, for import and require. Runs after `npm run build`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { bundleSource } from '../../scripts/bundle-source.mjs';
import { ERROR_DOCS } from '../../src/errors.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The dist/ files rollup bundled for `source`, and the bundle, with or without the development condition. */
async function bundle(source: string, development: boolean): Promise<{ files: string[]; code: string }> {
  const { code, modules } = await bundleSource(source, { development });
  const files = modules
    .filter((id) => id.startsWith(path.join(root, 'dist')))
    .map((id) => path.relative(root, id))
    .sort();
  return { files, code };
}

/** What the development build says about a bad option, and what the production build says. */
const DEVELOPMENT_DETAIL = 'has no option "';
const PRODUCTION_MESSAGE = `reliable-socket: options.x (ERR_UNKNOWN_OPTION, see ${ERROR_DOCS})`;

test('a bundler takes the production build by default, and the development build under the condition', async () => {
  const source =
    "export { ReliableSocket } from 'reliable-socket'; export { ReliableWebSocket } from 'reliable-socket/websocket';";
  const production = await bundle(source, false);
  expect(production.files).toEqual(['dist/index.js', 'dist/websocket.js']);
  expect(production.code).not.toContain(DEVELOPMENT_DETAIL);
  expect(production.code).not.toContain('illegal state transition');

  const development = await bundle(source, true);
  expect(development.files).toEqual(['dist/index.development.js', 'dist/websocket.development.js']);
  expect(development.code).toContain(DEVELOPMENT_DETAIL);
  expect(development.code).toContain('illegal state transition');
});

/** Runs `code` in a fresh Node process with `args`; returns what it printed. */
async function node(args: string[], code: string): Promise<string> {
  const { stdout } = await run(process.execPath, [...args, '--input-type=module', '-e', code], { cwd: root });
  return stdout.trim();
}

const PROBE = (load: string) => `
${load}
try { new ReliableSocketCore('ws://127.0.0.1:9/', { WebSocket: class {}, x: 1 }); }
catch (error) { console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message })); }
`;

for (const [format, load] of [
  ['import', "const { ReliableSocketCore } = await import('reliable-socket');"],
  [
    'require',
    "const { ReliableSocketCore } = (await import('node:module')).createRequire(import.meta.url)('reliable-socket');",
  ],
] as const) {
  test(`Node (${format}): production by default, development with --conditions=development`, async () => {
    const production = JSON.parse(await node([], PROBE(load)));
    expect(production).toEqual({
      name: 'TypeError',
      code: 'ERR_UNKNOWN_OPTION',
      message: PRODUCTION_MESSAGE,
    });
    const development = JSON.parse(await node(['--conditions=development'], PROBE(load)));
    expect(development).toMatchObject({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION' });
    expect(development.message).toContain(`options ${DEVELOPMENT_DETAIL}x" (known: protocols, WebSocket,`);
  });
}
