// Every code block of README.md and docs/*.md, checked as a user would meet it: `npm pack` (after
// `npm run build`), the tarball installed into a scratch project in a temp dir, each TypeScript or JavaScript
// block written to its own file there and type-checked with `tsc --strict` against the installed package — and
// the runnable ones run: a server block and a client block talking to each other on 127.0.0.1 and a free port.
//
// A block's info string says what it is (CONTRIBUTING.md, "Docs", says it for writers):
//   ```ts / ```tsx / ```js        a whole module: compiled as it is (js with checkJs)
//   ```ts fragment                part of a larger program: compiled with FRAGMENT_PRELUDE below, which declares
//                                 the names such snippets use (`socket`, `server`, `ChatLine`, …)
//   ```js run=server              also run with node (port 8080 replaced by a free one) until its port accepts
//   ```ts run=client expect=TEXT  also run with node (a JS-valid block; `ws` as the global WebSocket) until it
//                                 prints TEXT — all within a time bound
//   ```ts nocheck: REASON         shown only (a library the tests do not install, say); the reason is required
//   ```sh / html / text / mermaid / json   not code for tsc
// Any other info string — or none — fails the test, so no block escapes unnoticed.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { packIntoScratch } from '../fixture/scratch-project.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string): string => path.join(root, 'node_modules/.bin', name);

/** Names that `ts fragment` blocks use without defining them. Declarations only: no import to clash with. */
const FRAGMENT_PRELUDE = `
interface ChatLine { user: string; text: string }
interface FromServer { chat: ChatLine; presence: string[]; history: ChatLine[] }
interface ToServer { chat: ChatLine; history: { last: number } }
declare const socket: import('reliable-socket').ReliableSocket<FromServer, ToServer>;
declare const ReliableSocketServer: typeof import('reliable-socket/server').ReliableSocketServer;
declare function show(...values: unknown[]): void;
`;

/** Info strings that are not code for tsc. */
const NOT_CODE = new Set(['sh', 'html', 'text', 'mermaid', 'json']);
/** The packages doc blocks import, installed next to the tarball (in the versions of our own node_modules). */
const DEPENDENCIES = [
  'ws',
  '@types/ws',
  '@types/node',
  'zod',
  'graphql',
  'graphql-ws',
  'redis',
  'react',
  '@types/react',
];

interface Block {
  /** `README.md:12` — where the block starts. */
  where: string;
  lang: string;
  flags: Map<string, string>;
  code: string;
}

/** The fenced blocks of one markdown file. */
function blocksOf(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    const [lang = '', ...rest] = (open[1] ?? '').trim().split(/\s+/);
    const flags = new Map<string, string>();
    for (const word of rest) {
      const [key = '', value = ''] = word.replace(/:$/, '').split('=');
      flags.set(key, value);
    }
    blocks.push({ where: `${file}:${start + 1}`, lang, flags, code: `${body.join('\n')}\n` });
  }
  return blocks;
}

async function allBlocks(): Promise<Block[]> {
  const files = [
    'README.md',
    ...(await readdir(path.join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ];
  const all: Block[] = [];
  for (const file of files) all.push(...blocksOf(file, await readFile(path.join(root, file), 'utf8')));
  return all;
}

/** A package's version in our own node_modules (so npm finds it in its cache). */
async function versionOf(name: string): Promise<string> {
  const file = path.join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on the port, or rejects after `ms`. */
async function untilListening(
  port: number,
  ms: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server block exited (${child.exitCode}):\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
      socket.unref();
      setTimeout(() => socket.destroy(), 200).unref();
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the server block did not listen within ${ms} ms:\n${output()}`);
}

function start(
  file: string,
  cwd: string,
  args: string[] = [],
): { child: ChildProcess; output: () => string } {
  let text = '';
  const child = spawn(process.execPath, [...args, file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr?.on('data', (chunk) => (text += chunk));
  return { child, output: () => text };
}

test('every block has an info string the docs test knows, and nocheck ones say why', async () => {
  for (const block of await allBlocks()) {
    const known = NOT_CODE.has(block.lang) || ['ts', 'tsx', 'js'].includes(block.lang);
    expect(known, `${block.where}: info string "${block.lang}" (see test/docs/docs.spec.ts)`).toBe(true);
    if (block.flags.has('nocheck'))
      expect(block.flags.size, `${block.where}: nocheck needs a reason`).toBeGreaterThan(1);
  }
});

test('the README script tag: the version of package.json and the SRI hash of the built UMD file', async () => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const { createHash } = await import('node:crypto');
  const built = await readFile(path.join(root, 'dist/reliable-socket.umd.min.js'));
  const integrity = `sha384-${createHash('sha384').update(built).digest('base64')}`;
  expect(readme).toContain(`reliable-socket@${pkg.version}/dist/reliable-socket.umd.min.js`);
  expect(readme, 'node scripts/readme-sri.mjs writes it (npm run build does)').toContain(
    `integrity="${integrity}"`,
  );
});

test('every relative link of README and docs points to a file that the package ships', async () => {
  const packed = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    timeout: 60_000,
  });
  const [{ files }] = JSON.parse(packed.stdout) as [{ files: Array<{ path: string }> }];
  const shipped = new Set(files.map((file) => file.path));
  expect(shipped.has('dist/index.js'), 'dist/ is packed (npm run build first; prepack builds it)').toBe(true);
  const docs = (await readdir(path.join(root, 'docs')))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  for (const file of ['README.md', ...docs]) {
    const text = await readFile(path.join(root, file), 'utf8');
    for (const [, target = ''] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      if (resolved === 'CONTRIBUTING.md' || resolved.endsWith('/')) continue; // for contributors, on GitHub
      expect(shipped.has(resolved), `${file} links ${target}, which the package does not ship`).toBe(true);
    }
  }
});

test('the doc blocks compile (strict, the packed package) and the runnable ones run', async () => {
  test.setTimeout(240_000);
  const blocks = await allBlocks();
  const { scratch, tarball } = await packIntoScratch(root, 'reliable-socket-docs-');
  const children: ChildProcess[] = [];
  try {
    const versions = await Promise.all(DEPENDENCIES.map(async (name) => `${name}@${await versionOf(name)}`));
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--fetch-timeout=30000',
        tarball,
        ...versions,
      ],
      { cwd: scratch, timeout: 120_000 },
    );
    await writeFile(
      path.join(scratch, 'ws-global.mjs'),
      "import { WebSocket } from 'ws';\nglobalThis.WebSocket ??= WebSocket;\n",
    );

    // One file per block; `where` maps tsc's file names back to the docs.
    const files = new Map<string, string>();
    const runnable: Array<{ block: Block; file: string }> = [];
    const writes: Array<Promise<void>> = [];
    blocks.forEach((block, index) => {
      if (!['ts', 'tsx', 'js'].includes(block.lang) || block.flags.has('nocheck')) return;
      const base = `block-${index}-${block.where.replace(/[^a-z0-9]+/gi, '-')}`;
      const file = `${base}.${block.lang === 'js' ? 'mjs' : block.lang}`;
      files.set(file, block.where);
      const code = block.flags.has('fragment') ? `${block.code}\n${FRAGMENT_PRELUDE}` : block.code;
      writes.push(writeFile(path.join(scratch, file), code));
      if (block.flags.has('run')) runnable.push({ block, file: `${base}.run.mjs` });
    });
    await Promise.all(writes);
    await writeFile(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          moduleDetection: 'force',
          target: 'es2022',
          lib: ['es2022', 'dom', 'dom.iterable'],
          types: ['node'],
          jsx: 'react-jsx',
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
          noEmit: true,
          rootDir: '.',
        },
        files: [...files.keys()],
      }),
    );
    const result = await run(bin('tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: scratch,
      timeout: 90_000,
    }).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }));
    // tsc names scratch files and lines in them: say the doc and its line instead (a block's first line is the
    // line after its fence).
    const report = `${result.stdout}${result.stderr}`.replace(
      /(block-\d+-[\w-]+?\.(?:mjs|tsx|ts))(?::(\d+):(\d+)|\((\d+),(\d+)\))?/g,
      (match, name: string, line1?: string, column1?: string, line2?: string, column2?: string) => {
        const where = files.get(name);
        const line = line1 ?? line2;
        if (!where || !line) return where ?? match;
        const [doc, fence] = where.split(':');
        return `${doc}:${Number(fence) + Number(line)}:${column1 ?? column2}`;
      },
    );
    expect(report, 'tsc --strict over the doc blocks').toBe('');

    // Run each server block, then the client blocks of the same file against it.
    const servers = runnable.filter(({ block }) => block.flags.get('run') === 'server');
    expect(servers.length, 'README has a runnable server').toBeGreaterThan(0);
    for (const server of servers) {
      const doc = server.block.where.split(':')[0];
      const clients = runnable.filter(
        ({ block }) => block.flags.get('run') === 'client' && block.where.startsWith(`${doc}:`),
      );
      expect(
        clients.length,
        `${doc}: a runnable client for the server at ${server.block.where}`,
      ).toBeGreaterThan(0);
      const port = await freePort();
      const withPort = (code: string) => code.replaceAll('8080', String(port));
      await writeFile(path.join(scratch, server.file), withPort(server.block.code));
      const serverRun = start(server.file, scratch);
      children.push(serverRun.child);
      await untilListening(port, 10_000, serverRun.child, serverRun.output);
      for (const client of clients) {
        const expected = client.block.flags.get('expect') ?? '';
        expect(expected, `${client.block.where}: run=client needs expect=TEXT`).not.toBe('');
        await writeFile(path.join(scratch, client.file), withPort(client.block.code));
        const clientRun = start(client.file, scratch, ['--import', './ws-global.mjs']);
        children.push(clientRun.child);
        await expect
          .poll(clientRun.output, { message: `${client.block.where} prints "${expected}"`, timeout: 10_000 })
          .toContain(expected);
        clientRun.child.kill();
      }
      serverRun.child.kill();
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(scratch, { recursive: true, force: true });
  }
});
