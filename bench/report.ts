// After every benchmark has run: one table of all figures, per browser, with the targets, printed and
// written as JSON (bench/results/latest.json and a dated copy) with the machine, browser versions and date.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { OVERHEAD_ROWS, SOAK_ROWS, V2_THROUGHPUT_ROWS } from './delivery-rows.js';
import { PARTS, type Part, PEERS, peerVersion } from './kit.js';
import { type Figures, fmt, mark, num, type Row } from './report-kit.js';

const RESULTS = new URL('results/', import.meta.url);

/**
 * One row per peer under one of our rows: the same figure, measured the same way (bench/peers.bench.ts), with
 * the peer's default options. The 'peers' part holds one entry per peer; a peer row has no target and no mark.
 */
const peerRows = (cell: (peer: Figures) => string, target: string): Array<[string, Row]> =>
  PEERS.map((peer) => [
    'peers',
    {
      label: `  peer: ${peer} ${peerVersion(peer)}, defaults`,
      cell: (f) => (f?.[peer] ? cell(f[peer] as Figures) : 'n/a'),
      target,
    },
  ]);

const deadLinkCell = (peer: Figures): string => {
  const dead = peer.deadLink as Figures | undefined;
  const windowS = (num(dead, 'windowMs') ?? Number.NaN) / 1000;
  return dead?.noticed === true
    ? `noticed in ${fmt(num(dead, 'afterMs'))} ms`
    : `not noticed in ${fmt(windowS)} s`;
};
const never = (storm: Figures | undefined): string => {
  const count = num(storm, 'neverRetried') ?? 0;
  return count > 0 ? ` (${count} never in ${fmt((num(storm, 'waitMs') ?? Number.NaN) / 1000)} s)` : '';
};
const stormTimesCell = (peer: Figures): string => {
  const storm = peer.storm as Figures | undefined;
  return `${fmt(num(storm, 'minMs'))} / ${fmt(num(storm, 'medianMs'))} / ${fmt(num(storm, 'maxMs'))}${never(storm)}`;
};
const stormShareCell = (peer: Figures): string =>
  `${fmt((num(peer.storm as Figures | undefined, 'maxShare') ?? Number.NaN) * 100)} %`;

/** The library's objects counted by bench/leak.bench.ts, in the order the table shows them (EE: a listener). */
const LEAK_OBJECTS = ['Connection', 'Heartbeat', 'Timer', 'WebSocket', 'EE'];
const leakSide = (f: Figures | undefined, side: 'library' | 'native'): Figures | undefined =>
  f?.[side] as Figures | undefined;

const rows: Array<[metric: string, row: Row]> = [
  [
    'throughput',
    { label: 'native WebSocket, msgs/s', cell: (f) => fmt(num(f, 'nativePerSecond')), target: '' },
  ],
  [
    'throughput',
    {
      label: 'ReliableSocket.send, msgs/s (× native)',
      cell: (f) =>
        `${fmt(num(f, 'rawPerSecond'))} (${fmt(num(f, 'rawRatio'), 2)}×)${mark(f && (num(f, 'rawRatio') ?? 0) >= 0.95)}`,
      target: '≥ 0.95× native',
    },
  ],
  [
    'throughput',
    {
      label: 'channel.send over v1, msgs/s (× native)',
      cell: (f) =>
        `${fmt(num(f, 'channelPerSecond'))} (${fmt(num(f, 'channelRatio'), 2)}×)${mark(f && (num(f, 'channelRatio') ?? 0) >= 0.85)}`,
      target: '≥ 0.85× native',
    },
  ],
  ...V2_THROUGHPUT_ROWS,
  [
    'throughput-profile',
    {
      label: 'library share of busy main thread, raw / v1 / v2',
      cell: (f) =>
        f
          ? ['libraryShareRaw', 'libraryShareChannel', 'libraryShareV2']
              .map((key) => `${fmt((num(f, key) ?? Number.NaN) * 100, 1)} %`)
              .join(' / ')
          : 'n/a (no CDP)',
      target: '(CPU profile; the rest is the browser)',
    },
  ],
  [
    'throughput-cost',
    {
      label: 'library JS per message, µs (send + receive): raw / v1 / v2',
      cell: (f) => {
        const part = (kind: string) => {
          const k = f?.[kind] as Figures | undefined;
          return fmt((num(k, 'sendUs') ?? Number.NaN) + (num(k, 'receiveUs') ?? Number.NaN), 2);
        };
        return f ? ['raw', 'channel', 'v2'].map(part).join(' / ') : 'n/a';
      },
      target: '(stub socket: library CPU only)',
    },
  ],
  [
    'dead-link',
    {
      label: 'dead link noticed, ms (median / max)',
      cell: (f) =>
        `${fmt(num(f, 'medianMs'))} / ${fmt(num(f, 'maxMs'))}${mark(f && (num(f, 'maxMs') ?? Infinity) <= 2250)}`,
      target: '≤ 2 250 (1 s + 1 s + 250 ms)',
    },
  ],
  ...peerRows(deadLinkCell, '(peer; waited 10 s)'),
  [
    'storm',
    {
      label: 'storm: first retries, ms (min / median / max)',
      cell: (f) => `${fmt(num(f, 'minMs'))} / ${fmt(num(f, 'medianMs'))} / ${fmt(num(f, 'maxMs'))}`,
      target: 'spread over the backoff',
    },
  ],
  ...peerRows(stormTimesCell, '(peer)'),
  [
    'storm',
    {
      label: 'storm: largest share in any 100 ms',
      cell: (f) =>
        `${fmt((num(f, 'maxShare') ?? Number.NaN) * 100)} %${mark(f && (num(f, 'maxShare') ?? 1) <= 0.25)}`,
      target: '≤ 25 %',
    },
  ],
  [
    'storm',
    {
      label: '  same, reconnecting at once (no backoff)',
      cell: (f) => `${fmt((num(f, 'baselineShare') ?? Number.NaN) * 100)} %`,
      target: '(for comparison)',
    },
  ],
  ...peerRows(stormShareCell, '(peer)'),
  [
    'leak',
    {
      label: 'leak: heap slope, B/cycle: library / native',
      cell: (f) => {
        const [library, native] = [leakSide(f, 'library'), leakSide(f, 'native')];
        const [lib, nat] = [num(library, 'slopeBytesPerCycle'), num(native, 'slopeBytesPerCycle')];
        if (lib === undefined || nat === undefined) return 'n/a (no CDP)';
        return `${fmt(lib, 1)} / ${fmt(nat, 1)}${mark(Math.abs(lib - nat) <= 0.02 * 1024)}`;
      },
      target: 'library within 20 B (0.02 KB) of native',
    },
  ],
  [
    'leak',
    {
      label: `  live ${LEAK_OBJECTS.join(' / ')}`,
      cell: (f) => {
        const readings = (leakSide(f, 'library')?.readings ?? []) as Array<{ objects?: Figures }>;
        const [first, second] = readings.map((r) => r.objects);
        if (!first || !second) return 'n/a (no CDP)';
        const line = (objects: Figures) => LEAK_OBJECTS.map((name) => fmt(num(objects, name))).join('/');
        const same = LEAK_OBJECTS.every((name) => num(first, name) === num(second, name));
        return `${line(first)} → ${line(second)}${mark(same)}`;
      },
      target: 'not growing (1st → 2nd reading)',
    },
  ],
  [
    'leak',
    {
      label: 'leak: timers / page listeners left after close()',
      cell: (f) => {
        const closed = leakSide(f, 'library')?.afterClose as Figures | undefined;
        const timers = num(closed, 'pendingTimers');
        const listeners = num(closed, 'pageListeners');
        return `${fmt(timers)} / ${fmt(listeners)}${mark(f && timers === 0 && listeners === 0)}`;
      },
      target: '0 / 0',
    },
  ],
  ...OVERHEAD_ROWS,
  ...SOAK_ROWS,
];

/** bench/broker.bench.ts's figures: fan-out across two nodes, the in-memory broker against the Redis broker. */
function brokerLines(figures: Figures): string[] {
  const side = (key: 'memory' | 'redis') => figures[key] as Figures | undefined;
  const row = (label: string, cell: (f: Figures | undefined) => string) =>
    `  ${label.padEnd(56)} ${cell(side('memory')).padEnd(20)} ${cell(side('redis'))}`;
  return [
    `brokers: ${fmt(num(figures, 'subscribers'))} subscribers over two nodes, ${fmt(num(figures, 'publishes'))} publishes of ${fmt(num(figures, 'bytes'))} B through one, median of ${fmt(num(figures, 'rounds'))}`,
    `  ${''.padEnd(56)} ${'MemoryBroker'.padEnd(20)} RedisBroker (Redis ${String(side('redis')?.redisVersion ?? '?')})`,
    row('publishes/s, end to end (all delivered)', (f) => fmt(num(f, 'publishesPerSecond'))),
    row('deliveries/s', (f) => fmt(num(f, 'deliveriesPerSecond'))),
    row('publishes/s accepted by the broker', (f) => fmt(num(f, 'acceptedPerSecond'))),
    row(
      "nodes' process RSS at peak, MB (growth while publishing)",
      (f) => `${fmt(num(f, 'rssMB'))} (+${fmt(num(f, 'rssGrowthMB'), 1)})`,
    ),
    row('Redis used_memory after, MB', (f) => (f === side('redis') ? fmt(num(f, 'redisUsedMB'), 1) : '—')),
  ];
}

export default function report(): void {
  const parts: Part[] = existsSync(PARTS)
    ? readdirSync(PARTS)
        .filter((name) => name.endsWith('.json'))
        .map((name) => JSON.parse(readFileSync(new URL(name, PARTS), 'utf8')) as Part)
    : [];
  const projects = [...new Set(parts.map((p) => p.project))].sort();
  const browsers = Object.fromEntries(
    projects.map((project) => [project, parts.find((p) => p.project === project)?.browser ?? project]),
  );
  const figuresOf = (project: string, metric: string) =>
    parts.find((p) => p.project === project && p.metric === metric)?.figures;

  const machine = `${os.type()} ${os.arch()}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`;
  const date = new Date().toISOString();
  const width = [52, ...projects.map(() => 26), 28];
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(width[i] ?? 20)).join(' ');
  const out: string[] = [`\nreliable-socket benchmarks — ${date.slice(0, 10)} — ${machine}`];
  out.push(line(['', ...projects.map((p) => browsers[p] ?? p), 'target']));
  for (const [metric, row] of rows) {
    if (!projects.some((p) => figuresOf(p, metric))) continue;
    out.push(line([row.label, ...projects.map((p) => row.cell(figuresOf(p, metric))), row.target]));
    if (metric === 'throughput-cost' && row.label.startsWith('library JS')) {
      // The library's CPU per message as a share of a native round trip: the most of the gap it can explain.
      const share = (p: string, kind: string) => {
        const cost = figuresOf(p, 'throughput-cost')?.[kind] as Figures | undefined;
        const native = num(figuresOf(p, 'throughput'), 'nativePerSecond');
        const us = (num(cost, 'sendUs') ?? Number.NaN) + (num(cost, 'receiveUs') ?? Number.NaN);
        return native ? `${fmt((us / (1e6 / native)) * 100, 1)} %` : 'n/a';
      };
      out.push(
        line([
          '  as a share of a native round trip: raw / v1 / v2',
          ...projects.map((p) => ['raw', 'channel', 'v2'].map((kind) => share(p, kind)).join(' / ')),
          '(the most of a gap it explains)',
        ]),
      );
    }
  }
  const sizePath = new URL('size.json', RESULTS);
  const size = existsSync(sizePath)
    ? (JSON.parse(readFileSync(sizePath, 'utf8')) as { rows: Array<{ name: string; gzip: number }> })
    : undefined;
  if (size) {
    out.push(
      '',
      'size, min+gzip (ours with eventemitter3 included; peers with their dependencies, no budget)',
    );
    for (const row of size.rows) out.push(`  ${row.name.padEnd(56)} ${(row.gzip / 1024).toFixed(2)} KB`);
  }
  const brokerPath = new URL('broker.json', RESULTS);
  const broker = existsSync(brokerPath)
    ? (JSON.parse(readFileSync(brokerPath, 'utf8')) as Figures)
    : undefined;
  if (broker) out.push('', ...brokerLines(broker));
  console.log(out.join('\n'));

  mkdirSync(RESULTS, { recursive: true });
  const json = `${JSON.stringify({ date, machine, browsers, parts, size: size?.rows, broker }, null, 2)}\n`;
  writeFileSync(new URL('latest.json', RESULTS), json);
  writeFileSync(new URL(`${date.replace(/[:.]/g, '-')}.json`, RESULTS), json);
}
