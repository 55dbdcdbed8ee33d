// @ts-check
// What a phase cost Redis, from two readings: Redis' own counters (INFO commandstats — commands run by scripts
// included — and total_commands_processed) and what the nodes say they sent (publications handled, scripts and
// commands; for our nodes, session renewals apart: server-ours.mjs). Renewals run in the background (each
// session once per refreshIntervalMs, in batches), so a phase's Redis commands are corrected by what a renewed
// session cost in an idle phase with no publications.

/**
 * @typedef {object} Reading
 * @property {Record<string, number>} calls per command, as INFO commandstats counts them
 * @property {Record<string, number>} usec per command: the time Redis spent running it (a script's includes the
 *   commands it ran), as INFO commandstats counts it
 * @property {number} total total_commands_processed
 * @property {number} usedMemory Redis' used_memory, bytes
 * @property {number} published publications the nodes' handlers received
 * @property {number | undefined} scripts scripts the nodes sent, renewals apart (undefined: not counted)
 * @property {number} commands other commands the nodes sent
 * @property {number} renewScripts
 * @property {number} renewedSessions
 */

/**
 * Reads Redis' counters and the nodes'. Each reading adds one INFO to Redis' counts, taken out in {@link delta}.
 * @param {import('./proc.mjs').Child} redis @param {readonly import('./proc.mjs').Child[]} nodes
 * @returns {Promise<Reading>}
 */
export async function read(redis, nodes) {
  const [stats, ...sent] = await Promise.all([
    redis.ask({ type: 'stats' }, 'stats', 10_000),
    ...nodes.map((node) => node.ask({ type: 'sent' }, 'sent', 10_000)),
  ]);
  const sum = (/** @type {string} */ key) => sent.reduce((n, s) => n + Number(s[key] ?? 0), 0);
  return {
    calls: /** @type {Record<string, number>} */ (stats?.calls ?? {}),
    usec: /** @type {Record<string, number>} */ (stats?.usec ?? {}),
    total: Number(stats?.total),
    usedMemory: Number(stats?.usedMemory),
    published: sum('published'),
    scripts: sent.some((s) => s.scripts !== undefined) ? sum('scripts') : undefined,
    commands: sum('commands'),
    renewScripts: sum('renewScripts'),
    renewedSessions: sum('renewedSessions'),
  };
}

/** What happened between two readings. @param {Reading} a @param {Reading} b @returns {Reading} */
export function delta(a, b) {
  /** @type {Record<string, number>} */
  const calls = {};
  for (const [name, n] of Object.entries(b.calls)) {
    const d = n - (a.calls[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (d > 0) calls[name] = d;
  }
  /** @type {Record<string, number>} */
  const usec = {};
  for (const [name, n] of Object.entries(b.usec)) usec[name] = n - (a.usec[name] ?? 0);
  return {
    calls,
    usec,
    total: b.total - a.total - 1,
    usedMemory: b.usedMemory - a.usedMemory,
    published: b.published - a.published,
    scripts: b.scripts === undefined || a.scripts === undefined ? undefined : b.scripts - a.scripts,
    commands: b.commands - a.commands,
    renewScripts: b.renewScripts - a.renewScripts,
    renewedSessions: b.renewedSessions - a.renewedSessions,
  };
}

/**
 * Microseconds Redis spent running what the nodes sent: their scripts (which include the commands those run),
 * or — for nodes that send no scripts — every command (socket.io's PUBLISH). Not the time Redis spends reading
 * and writing sockets: its process CPU is more.
 * @param {Reading} reading
 */
const sentUsec = (reading) => {
  const scripts = (reading.usec.evalsha ?? 0) + (reading.usec.eval ?? 0);
  if (scripts > 0 || (reading.scripts ?? 0) > 0) return scripts;
  return Object.entries(reading.usec).reduce((sum, [name, us]) => (name === 'info' ? sum : sum + us), 0);
};

/**
 * A phase's cost per `unit` (a subscriber, a publication), background renewals taken out at what a renewed
 * session cost in `idle`: scripts and other commands the nodes sent (top level), every command Redis ran, those
 * by name, and the time Redis spent running them (`usec`). `corrected` is false when the phase had renewals
 * but the idle phase none to measure them by.
 * @param {Reading} phase @param {Reading} idle @param {number} unit
 */
export function perUnit(phase, idle, unit) {
  const renewed = phase.renewedSessions;
  const known = idle.renewedSessions > 0;
  const per = (/** @type {number} */ idleCount) => (known ? idleCount / idle.renewedSessions : 0);
  /** @type {Record<string, number>} */
  const calls = {};
  for (const [name, n] of Object.entries(phase.calls))
    calls[name] = (n - per(idle.calls[name] ?? 0) * renewed) / unit;
  return {
    topLevel: (phase.scripts === undefined ? phase.total : phase.scripts + phase.commands) / unit,
    scripts: (phase.scripts ?? 0) / unit,
    all: (phase.total - per(idle.total) * renewed) / unit,
    usec: (sentUsec(phase) - per(sentUsec(idle)) * renewed) / unit,
    calls,
    corrected: renewed === 0 || known,
  };
}
