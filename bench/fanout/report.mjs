// @ts-check
// The fan-out bench's tables, in markdown, from every run's figures: medians over the rounds, and each
// system's ratio to plain ws as the median of its per-round ratios (a round's runs are close in time, so they
// see the same load on a shared machine).

/** @typedef {Awaited<ReturnType<typeof import('./measure.mjs').measure>>} Figures */
/** @typedef {{ system: string, subs: number, round: number, figures: Figures }} Run */

/** @param {number[]} values */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** @param {number} n @param {number} digits */
const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const MIB = 2 ** 20;

/**
 * Median over the rounds of `value(run) / value(plain ws run of the same round and size)`.
 * @param {Run[]} runs @param {Run[]} all @param {(f: Figures) => number} value
 */
function ratio(runs, all, value) {
  return median(
    runs.map((run) => {
      const base = all.find((r) => r.system === 'ws' && r.subs === run.subs && r.round === run.round);
      return base ? value(run.figures) / value(base.figures) : Number.NaN;
    }),
  );
}

/**
 * @param {Run[]} runs every successful run
 * @param {readonly import('./systems.mjs').System[]} systems
 * @param {number[]} sizes
 */
export function mainTable(runs, systems, sizes) {
  const lines = [
    '| system | subs | deliveries/s | × plain ws | server CPU µs/delivery | × plain ws | p50 / p99 ms | server RSS MiB (idle) | subscribers CPU µs/delivery | Redis CPU, share of a core |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const subs of sizes)
    for (const system of systems) {
      const mine = runs.filter((r) => r.system === system.id && r.subs === subs);
      if (mine.length === 0) {
        lines.push(`| ${system.label} | ${fmt(subs)} | failed | | | | | | | |`);
        continue;
      }
      const m = (/** @type {(f: Figures) => number} */ value) => median(mine.map((r) => value(r.figures)));
      const rss = system.nodes
        ? Array.from({ length: system.nodes }, (_, n) => fmt(m((f) => (f.rssBytes[n] ?? 0) / MIB)))
        : [];
      const redis = system.redis ? `${fmt(100 * m((f) => f.redisCpuShare ?? Number.NaN), 1)} %` : '—';
      lines.push(
        [
          '',
          `${system.label}${mine.length < runs.filter((r) => r.subs === subs && r.system === 'ws').length ? ` (${mine.length} rounds)` : ''}`,
          fmt(subs),
          fmt(m((f) => f.deliveriesPerS)),
          system.id === 'ws'
            ? '1'
            : `${fmt(
                ratio(mine, runs, (f) => f.deliveriesPerS),
                2,
              )}×`,
          fmt(
            m((f) => f.serverCpuUsPerDelivery),
            2,
          ),
          system.id === 'ws'
            ? '1'
            : `${fmt(
                ratio(mine, runs, (f) => f.serverCpuUsPerDelivery),
                2,
              )}×`,
          `${fmt(
            m((f) => f.latency.p50),
            1,
          )} / ${fmt(
            m((f) => f.latency.p99),
            1,
          )}`,
          rss.join(' + '),
          fmt(
            m((f) => f.subscriberCpuUsPerDelivery),
            2,
          ),
          redis,
          '',
        ]
          .join(' | ')
          .trim(),
      );
    }
  return lines.join('\n');
}

/**
 * Memory per idle connection, as a slope between the smallest and the largest size, for the single-node systems.
 * @param {Run[]} runs @param {readonly import('./systems.mjs').System[]} systems @param {number[]} sizes
 */
export function slopeTable(runs, systems, sizes) {
  const [n1, n2] = [Math.min(...sizes), Math.max(...sizes)];
  const lines = [
    `| system | RSS at ${fmt(n1)} MiB | RSS at ${fmt(n2)} MiB | per idle connection KiB | × 100,000 connections GiB |`,
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const system of systems.filter((s) => s.nodes === 1)) {
    const rss = (/** @type {number} */ subs) =>
      median(
        runs.filter((r) => r.system === system.id && r.subs === subs).map((r) => r.figures.rssBytes[0] ?? 0),
      );
    const slope = (rss(n2) - rss(n1)) / (n2 - n1);
    lines.push(
      `| ${system.label} | ${fmt(rss(n1) / MIB, 1)} | ${fmt(rss(n2) / MIB, 1)} | ${fmt(slope / 1024, 1)} | ${fmt((slope * 1e5) / 2 ** 30, 2)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * What Redis does per subscriber (connecting and subscribing), per publication and for the background session
 * renewals, medians of the rounds: the scripts and other commands the nodes sent (top level), and every command
 * Redis ran — those the scripts ran included — with the busiest by name (from the median round).
 * @param {Run[]} runs @param {readonly import('./systems.mjs').System[]} systems @param {number[]} sizes
 */
export function redisTable(runs, systems, sizes) {
  const lines = [
    '| system | subs | per subscriber: sent (scripts) / ran | per publication: sent (scripts) / ran | ran per publication, by command | Redis µs per publication: running commands / process CPU | renewals: sessions/s, commands each | Redis memory per subscriber, B |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const subs of sizes)
    for (const system of systems.filter((s) => s.redis)) {
      const costs = runs
        .filter((r) => r.system === system.id && r.subs === subs)
        .map((r) => r.figures.redis)
        .filter((c) => c !== undefined);
      if (costs.length === 0) continue;
      const m = (/** @type {(c: (typeof costs)[number]) => number} */ value) => median(costs.map(value));
      const cell = (/** @type {'perSubscriber' | 'perPublication'} */ key) => {
        const [sent, scripts, ran] = [
          m((c) => c[key].topLevel),
          m((c) => c[key].scripts),
          m((c) => c[key].all),
        ];
        const mark = costs.every((c) => c[key].corrected) ? '' : ' ‡';
        return `${fmt(sent, 2)} (${fmt(scripts, 2)}) / ${fmt(ran, 1)}${mark}`;
      };
      const mid = costs.sort((x, y) => x.perPublication.all - y.perPublication.all)[costs.length >> 1];
      lines.push(
        [
          '',
          system.label,
          fmt(subs),
          cell('perSubscriber'),
          cell('perPublication'),
          mid ? breakdown(mid.perPublication.calls) : '',
          `${fmt(
            m((c) => c.perPublication.usec ?? Number.NaN),
            1,
          )} / ${fmt(m((c) => c.cpuUsPerPublication))}`,
          `${fmt(m((c) => c.renewedSessionsPerS))}, ${fmt(
            m((c) => c.commandsPerRenewedSession),
            1,
          )}`,
          fmt(m((c) => c.bytesPerSubscriber)),
          '',
        ]
          .join(' | ')
          .trim(),
      );
    }
  return lines.join('\n');
}

/** Calls by name, the most first: "hget 4.00, evalsha 3.00". @param {Record<string, number>} calls */
const breakdown = (calls) =>
  Object.entries(calls)
    .filter(([, n]) => n >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${fmt(n, 2)}`)
    .join(', ');
