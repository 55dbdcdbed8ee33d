// @ts-check
// The fan-out bench (issue 23): what one publication costs to deliver to many subscribers, through the systems
// people deploy, each in processes of its own on 127.0.0.1 — server node(s), subscriber processes, a publisher —
// all measured in the same run, in interleaved rounds (the order rotates each round), medians reported.
// bench/README.md ("Fan-out") says what each figure means. Needs the built package (`npm run build:package`).
//
//   node bench/fanout/run.mjs [--subs 1000,5000] [--rounds 3] [--window-ms 5000] [--quick] [--systems ws,sio]
//
// Prints the tables and writes them to bench/fanout/results.md (--out elsewhere), and the raw figures of every
// run to bench/results/fanout.json (git-ignored). Every child is killed at the end, however the run ends.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { measure } from './measure.mjs';
import { killAll } from './proc.mjs';
import { mainTable, redisTable, slopeTable } from './report.mjs';
import { SYSTEMS } from './systems.mjs';

/** Where the raw figures go (git-ignored, with the other benchmarks' results). */
const RAW = new URL('../results/', import.meta.url);
const QUICK = { subs: '200,400', rounds: '3', 'window-ms': '1000', 'warmup-ms': '300', 'latency-ms': '1000' };
const { values } = parseArgs({
  options: {
    subs: { type: 'string', default: '1000,5000' },
    rounds: { type: 'string', default: '3' },
    'window-ms': { type: 'string', default: '5000' },
    'warmup-ms': { type: 'string', default: '1000' },
    'latency-ms': { type: 'string', default: '3000' },
    'latency-deliveries': { type: 'string', default: '10000' },
    'in-flight': { type: 'string', default: '32' },
    'sub-procs': { type: 'string', default: '4' },
    systems: { type: 'string', default: SYSTEMS.map((s) => s.id).join(',') },
    out: { type: 'string', default: new URL('results.md', import.meta.url).pathname },
    quick: { type: 'boolean', default: false },
  },
});
// --quick fills in what was not given: small sizes and short windows, for development.
const given = new Set(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')[0]));
const option = (/** @type {keyof typeof QUICK | 'latency-deliveries' | 'in-flight' | 'sub-procs'} */ name) =>
  Number(
    values.quick && !given.has(name) && name in QUICK
      ? QUICK[/** @type {keyof typeof QUICK} */ (name)]
      : values[name],
  );
const sizes = String(values.quick && !given.has('subs') ? QUICK.subs : values.subs)
  .split(',')
  .map(Number);
const rounds = option('rounds');
const systems = String(values.systems)
  .split(',')
  .map((id) => {
    const system = SYSTEMS.find((s) => s.id === id);
    if (!system) throw new Error(`--systems: no system "${id}" (${SYSTEMS.map((s) => s.id).join(', ')})`);
    return system;
  });
if (sizes.some((n) => !(Number.isInteger(n) && n > 0)) || !(rounds >= 1))
  throw new Error('--subs takes positive integers (1000,5000), --rounds a count');

for (const file of ['index.js', 'server.js', 'server-redis.js'])
  if (!existsSync(new URL(`../../dist/${file}`, import.meta.url)))
    throw new Error(`dist/${file} is missing: run \`npm run build:package\` first`);

// Node raises its soft limit of open files to the hard limit at startup: a node holding every subscriber
// needs that many descriptors, plus some.
const hardLimit = /Max open files\s+\S+\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
const needed = Math.max(...sizes) + 1024;
if (hardLimit !== 'unlimited' && Number(hardLimit) < needed)
  throw new Error(
    `Open files: hard limit ${hardLimit}, a node needs ${needed}: raise it (ulimit -Hn ${needed})`,
  );

process.on('exit', killAll);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });

const settings = {
  subProcs: option('sub-procs'),
  inFlight: option('in-flight'),
  warmupMs: option('warmup-ms'),
  windowMs: option('window-ms'),
  latencyMs: option('latency-ms'),
};
// The latency phase's fixed rate, the same for every system: --latency-deliveries per second in all (at most
// 200 publications/s), for --latency-ms, or long enough for 10 publications.
const latencyRate = (/** @type {number} */ subs) =>
  Math.min(200, Math.max(1, Math.round(option('latency-deliveries') / subs)));
const latencyMs = (/** @type {number} */ subs) =>
  Math.max(settings.latencyMs, Math.ceil((10 / latencyRate(subs)) * 1000));
const command = `node bench/fanout/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
const started = Date.now();
const load = [os.loadavg()[0]];

/** @type {import('./report.mjs').Run[]} */
const runs = [];
/** @type {Array<{ system: string, subs: number, round: number, error: string }>} */
const failures = [];
for (const subs of sizes)
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round, so no system always runs first (or right after the same one).
    const order = systems.map((_, i) => systems[(i + round) % systems.length]).filter((s) => s !== undefined);
    for (const system of order) {
      const t = Date.now();
      try {
        const figures = await measure(system, {
          ...settings,
          subs,
          latencyRate: latencyRate(subs),
          latencyMs: latencyMs(subs),
        });
        runs.push({ system: system.id, subs, round, figures });
        console.log(
          `${subs} subs, round ${round + 1}, ${system.id}: ${Math.round(figures.deliveriesPerS)} deliveries/s, ` +
            `server ${figures.serverCpuUsPerDelivery.toFixed(2)} µs/delivery, p50/p99 ` +
            `${figures.latency.p50.toFixed(1)}/${figures.latency.p99.toFixed(1)} ms, longest stall ` +
            `${Math.round(figures.stallMs)} ms, connect ${(figures.connectMs / 1000).toFixed(1)} s ` +
            `(${((Date.now() - t) / 1000).toFixed(1)} s)`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ system: system.id, subs, round, error: message });
        console.error(`${subs} subs, round ${round + 1}, ${system.id}: FAILED: ${message}`);
        killAll(); // whatever of that run is left
      }
    }
  }
load.push(os.loadavg()[0]);

const version = (/** @type {string} */ name) =>
  JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8'))
    .version;
const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
const redisVersion = runs.find((r) => r.figures.redis)?.figures.redis?.version ?? '—';
const minutes = (Date.now() - started) / 60_000;
const report = [
  `## Fan-out: ${new Date(started).toISOString().slice(0, 10)}`,
  '',
  `Command: \`${command}\` — ${rounds} rounds, window ${settings.windowMs} ms after ${settings.warmupMs} ms ` +
    `warm-up, W = ${settings.inFlight} in flight, ${settings.subProcs} subscriber processes; latency at ` +
    `${sizes.map((n) => `${latencyRate(n)}/s for ${latencyMs(n)} ms with ${n}`).join(', ')} subscribers. ` +
    `Took ${minutes.toFixed(1)} min.`,
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
    `redis-server ${redisVersion}, ws ${version('ws')}, socket.io ${version('socket.io')}, socket.io-client ` +
    `${version('socket.io-client')}, @socket.io/redis-adapter ${version('@socket.io/redis-adapter')}, commit ` +
    `${gitCommit()}; load average ${load.map((l) => l?.toFixed(2)).join(' → ')} (1 min, start → end).`,
  '',
  mainTable(runs, systems, sizes),
  '',
  'Memory per idle connection (slope of the idle RSS between the two sizes, median of the rounds):',
  '',
  sizes.length > 1 ? slopeTable(runs, systems, sizes) : '(needs two sizes)',
  '',
  "Redis: commands the nodes sent (scripts among them) and commands Redis ran (scripts' own included), per " +
    'subscriber and per publication, background session renewals taken out (‡: some could not be); Redis ' +
    'time per publication: running the commands the nodes sent (INFO commandstats usec, renewals taken out), ' +
    'and its process CPU (its idle background and the renewals included) — all over the throughput window; ' +
    'renewals: sessions renewed per second in the window, and what Redis ran per session renewed in a quiet ' +
    'phase:',
  '',
  redisTable(runs, systems, sizes),
  '',
  failures.length
    ? `Failed runs:\n\n${failures.map((f) => `- ${f.system}, ${f.subs} subs, round ${f.round + 1}: ${f.error}`).join('\n')}`
    : 'Failed runs: none.',
  '',
].join('\n');
console.log(`\n${report}`);
writeFileSync(String(values.out), report);
mkdirSync(RAW, { recursive: true });
writeFileSync(new URL('fanout.json', RAW), `${JSON.stringify({ command, runs, failures }, null, 2)}\n`);
process.exit(failures.length ? 1 : 0);

function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src']).toString().trim() !== '';
    return dirty ? `${head} (src/ with uncommitted changes; dist/ as last built)` : head;
  } catch {
    return '?';
  }
}
