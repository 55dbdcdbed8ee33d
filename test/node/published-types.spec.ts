// The published types, as a user gets them: `npm pack`, install the tarball into a scratch project in a temp
// dir, and type-check it there with `skipLibCheck: false` and `lib: ["es2022"]` — no DOM lib. Twice:
//  - a Node-only project (with @types/node, which zod's own declarations need) using a zod-validated channel,
//    as an ES module (index.d.ts) and as CommonJS (index.d.cts);
//  - a project with no @types at all, with a hand-made Standard Schema, so the DOM-free stand-ins are used.
// The message type must be inferred from the schema: if the declarations imported a package the user lacks,
// or named a DOM type, this fails; if the payload became `unknown` or `any`, the assignments and the
// exactness check below fail. Needs `npm run build` first (npm test does it).
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { packIntoScratch } from '../fixture/scratch-project.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string): string => path.join(root, 'node_modules/.bin', name);

/** `true` only if A and B are the same type (`any` is the same as nothing else). */
const EXACT =
  'type Exact<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;';

/** A zod-validated channel, in a Node-only project. */
const WITH_ZOD = `
import { ReliableSocket, whenOpen, type Channel, type IncomingData } from 'reliable-socket';
import { z } from 'zod';
${EXACT}

const Price = z.object({ symbol: z.string(), price: z.number() });
const socket = new ReliableSocket('wss://example.invalid/live', {
  binaryType: 'arraybuffer',
  heartbeat: { intervalMs: 10_000, pong: (data: IncomingData) => data === 'pong' },
});
const prices = socket.channel('prices', { validate: Price });
prices.on('message', (p) => {
  const price: number = p.price; // fails to compile if p became unknown
  const symbol: string = p.symbol;
  const exact: Exact<typeof p, { symbol: string; price: number }> = true; // fails if p became any
  // @ts-expect-error: the price is a number (an unused directive if p became any, which is an error too)
  const wrong: string = p.price;
  void [price, symbol, exact, wrong];
});
const channel: Channel<{ symbol: string; price: number }, unknown> = prices;
socket.send(new Uint8Array([1, 2, 3]));
void whenOpen(socket, { signal: AbortSignal.timeout(1000) });
void channel;
`;

/** A hand-made Standard Schema, in a project with neither the DOM lib nor @types/node. */
const BARE = `
import { ReliableSocket } from 'reliable-socket';
${EXACT}

interface Point { x: number; y: number }
const isPoint = (value: unknown): value is Point => typeof value === 'object' && value !== null;
const PointSchema = {
  '~standard': {
    version: 1 as const,
    vendor: 'handmade',
    // Annotated: an unannotated union of object literals would add \`value?: undefined\` to the failure branch.
    validate: (value: unknown): { value: Point } | { issues: ReadonlyArray<{ message: string }> } =>
      isPoint(value) ? { value } : { issues: [{ message: 'not a point' }] },
  },
};
const socket = new ReliableSocket('wss://example.invalid/live');
socket.channel('points', { validate: PointSchema }).on('message', (p) => {
  const exact: Exact<typeof p, Point> = true;
  void exact;
});
socket.on('message', (data) => {
  if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
    const size: number = data.size; // a Blob, as far as a project without the DOM can tell
    void size;
  }
});
socket.send(new Uint8Array([1, 2, 3]));
`;

const compilerOptions = {
  strict: true,
  skipLibCheck: false,
  lib: ['es2022'],
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2022',
  rootDir: '.',
  noEmit: true,
};

/** A package's version in our own node_modules (so npm finds it in its cache). */
async function versionOf(name: string): Promise<string> {
  const file = path.join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

test('the packed tarball type-checks for a user: zod channel inferred, skipLibCheck false, no DOM lib', async () => {
  test.setTimeout(180_000);
  const { scratch, tarball } = await packIntoScratch(root, 'reliable-socket-types-');
  try {
    // The npm cache already holds these (npm ci put them there); the registry is only the fallback.
    const install = [tarball, 'zod', '@types/node'].map(async (name) =>
      name.startsWith('/') ? name : `${name}@${await versionOf(name)}`,
    );
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--fetch-timeout=30000',
        ...(await Promise.all(install)),
      ],
      { cwd: scratch, timeout: 90_000 },
    );
    await writeFile(path.join(scratch, 'esm.ts'), WITH_ZOD);
    await writeFile(path.join(scratch, 'cjs.cts'), WITH_ZOD);
    await writeFile(path.join(scratch, 'bare.ts'), BARE);
    const projects = {
      'tsconfig.node.json': {
        compilerOptions: { ...compilerOptions, types: ['node'] },
        files: ['esm.ts', 'cjs.cts'],
      },
      'tsconfig.bare.json': { compilerOptions: { ...compilerOptions, types: [] }, files: ['bare.ts'] },
    };
    for (const [name, config] of Object.entries(projects)) {
      await writeFile(path.join(scratch, name), JSON.stringify(config));
      // TypeScript 7 (the native compiler) and 6 (the last JavaScript one, what most users' tools run).
      for (const tsc of ['tsc', 'tsc6']) {
        const result = await run(bin(tsc), ['-p', name], { cwd: scratch, timeout: 60_000 }).catch(
          (error: { stdout?: string; stderr?: string }) => ({
            stdout: error.stdout ?? '',
            stderr: error.stderr ?? '',
          }),
        );
        expect(`${result.stdout}${result.stderr}`, `${tsc} -p ${name}`).toBe('');
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
