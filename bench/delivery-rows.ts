// The rows of the benchmark table (report.ts) for protocol v2 (delivery): its throughput against native,
// the bytes it adds per message (overhead.bench.ts), and the soak over random faults (soak.bench.ts).
import { type Figures, fmt, mark, num, type Row } from './report-kit.js';

const ratioCell = (f: Figures | undefined, perSecond: string, ratio: string, target?: number): string =>
  `${fmt(num(f, perSecond))} (${fmt(num(f, ratio), 2)}×)${target === undefined ? '' : mark(f && (num(f, ratio) ?? 0) >= target)}`;

/** Under the v1 channel row: the companion server's echo over v1 and v2, and where the time goes. */
export const V2_THROUGHPUT_ROWS: Array<[string, Row]> = [
  [
    'throughput',
    {
      label: 'channel over v1 → companion echo, msgs/s (× native)',
      cell: (f) => ratioCell(f, 'companionV1PerSecond', 'companionV1Ratio'),
      target: '(the server’s share: client.send)',
    },
  ],
  [
    'throughput',
    {
      label: 'channel over v2 → companion echo, msgs/s (× native)',
      cell: (f) => ratioCell(f, 'v2PerSecond', 'v2Ratio', 0.85),
      target: '≥ 0.85× native',
    },
  ],
  [
    'throughput',
    {
      label: '  v2 / v1 through the same companion server',
      cell: (f) => `${fmt(num(f, 'v2OverV1'), 2)}×`,
      target: '(what delivery itself costs)',
    },
  ],
  [
    'throughput',
    {
      label: 'server CPU per message, µs: echo / companion v1 / v2',
      cell: (f) => {
        const cpu = f?.serverCpuUsPerMessage as Figures | undefined;
        return ['channel', 'companion-v1', 'companion-v2'].map((kind) => fmt(num(cpu, kind), 1)).join(' / ');
      },
      target: '(the Node process of both servers)',
    },
  ],
  [
    'throughput-profile',
    {
      label: 'main thread busy per message, µs: native / v1 / v2',
      cell: (f) => {
        const busy = f?.busyUsPerMessage as Figures | undefined;
        return busy
          ? ['native', 'companion-v1', 'companion-v2'].map((kind) => fmt(num(busy, kind), 1)).join(' / ')
          : 'n/a (no CDP)';
      },
      target: '(CDP TaskDuration; v1, v2: companion)',
    },
  ],
];

/** One scenario of overhead.bench.ts: bytes per message beyond the payload (envelope + acks). */
const perMessage = (f: Figures | undefined, version: 'v1' | 'v2', scenario: string): number | undefined => {
  const scenarios = (f?.[version] as Figures | undefined)?.scenarios as Figures | undefined;
  return num((scenarios?.[scenario] as Figures | undefined)?.perMessage as Figures | undefined, 'total');
};
const paced = (f: Figures | undefined, version: 'v1' | 'v2', kind: string): string =>
  ['burst', '50/s', '5/s'].map((pace) => fmt(perMessage(f, version, `${kind} ${pace}`), 1)).join(' / ');
const connectionBytes = (f: Figures | undefined, version: 'v1' | 'v2'): number | undefined => {
  const frames = (f?.[version] as Figures | undefined)?.connection as Record<string, Figures> | undefined;
  return frames ? Object.values(frames).reduce((sum, b) => sum + (num(b, 'text') ?? 0), 0) : undefined;
};

/** overhead.bench.ts: bytes of JSON text the protocol adds per message, for the bench's chat line. */
export const OVERHEAD_ROWS: Array<[string, Row]> = [
  [
    'overhead',
    {
      label: 'protocol bytes per message (payload: 58 B JSON)',
      cell: (f) => (f ? `payload ${fmt(num(f, 'payloadBytes'))} B` : 'n/a'),
      target: '(envelope + acks; JSON text)',
    },
  ],
  [
    'overhead',
    {
      label: '  v1: message, client.send, publication',
      cell: (f) =>
        ['message burst', 'direct burst', 'publication']
          .map((s) => fmt(perMessage(f, 'v1', s), 1))
          .join(' / '),
      target: '(no acks in v1)',
    },
  ],
  [
    'overhead',
    {
      label: '  v2 client → server message: burst / 50/s / 5/s',
      cell: (f) => paced(f, 'v2', 'message'),
      target: '(seq; server acks amortised)',
    },
  ],
  [
    'overhead',
    {
      label: '  v2 server → client client.send: same paces',
      cell: (f) => paced(f, 'v2', 'direct'),
      target: '(seq; client acks amortised)',
    },
  ],
  [
    'overhead',
    {
      label: '  v2 publication',
      cell: (f) => fmt(perMessage(f, 'v2', 'publication'), 1),
      target: '(offset + epoch; no acks)',
    },
  ],
  [
    'overhead',
    {
      label: '  per connection, both ways: v1 / v2',
      cell: (f) => `${fmt(connectionBytes(f, 'v1'))} / ${fmt(connectionBytes(f, 'v2'))}`,
      target: '(setup, 3 channels; JSON text)',
    },
  ],
];

const sequence = (f: Figures | undefined, side: 'toServer' | 'toClient'): Figures | undefined =>
  f?.[side] as Figures | undefined;
const lostDup = (s: Figures | undefined): string => `${fmt(num(s, 'lost'))} / ${fmt(num(s, 'duplicated'))}`;

/** soak.bench.ts: delivery across random faults. */
export const SOAK_ROWS: Array<[string, Row]> = [
  [
    'soak',
    {
      label: 'soak (50 faults): lost / dup, client → server · back',
      cell: (f) => {
        const [up, down] = [sequence(f, 'toServer'), sequence(f, 'toClient')];
        const clean = [up, down].every(
          (s) => num(s, 'lost') === 0 && num(s, 'duplicated') === 0 && num(s, 'outOfOrder') === 0,
        );
        return `${lostDup(up)} · ${lostDup(down)}${mark(f && clean)}`;
      },
      target: '0 / 0 · 0 / 0, in order',
    },
  ],
  [
    'soak',
    {
      label: '  faults kill / half-open / restart (recovery, ms)',
      cell: (f) => {
        const kinds = f?.byKind as Record<string, Figures> | undefined;
        return ['kill', 'half-open', 'restart']
          .map((k) => `${fmt(num(kinds?.[k], 'count'))} (${fmt(num(kinds?.[k], 'medianRecoveryMs'))})`)
          .join(' / ');
      },
      target: '(median recovery per kind)',
    },
  ],
  [
    'soak',
    {
      label: '  gap / drop / error events, redelivered frames',
      cell: (f) =>
        f
          ? `${(f.gaps as unknown[]).length} / ${fmt(num(f, 'drops'))} / ${(f.errors as unknown[]).length}, ${fmt(num(f, 'redelivered'))}`
          : 'n/a',
      target: '0 / 0 / 0, 0 (broker kept)',
    },
  ],
  [
    'soak',
    {
      label: '  time for 1,000 each way over 50 faults, s',
      cell: (f) => fmt((num(f, 'totalMs') ?? Number.NaN) / 1000, 1),
      target: '(bounded: 5 min timeout)',
    },
  ],
];
