// @ts-check
// What the safe parse costs on a frame that forces it: 1 MiB of JSON with one `\u0070` escape (MAYBE_UNSAFE
// matches, so parseObject walks the result to drop `__proto__`, `constructor` and `prototype` keys). Per parse,
// median of the rounds, three ways, interleaved (each round runs all three, every other round in reverse order):
// plain `JSON.parse`; `JSON.parse` with the reviver that parseObject used before the walk; and parseObject
// itself. Two frames: a realistic message (many small objects and strings) and the walk's worst case per byte
// (nothing but tiny objects). And the fast path, a frame without the escape, for comparison.
//
// `npm run build:package` first (this imports the compiled build/tsc/protocol.js), then
// `node --expose-gc bench/parse.mjs [--runs 31]`. With --expose-gc it collects garbage before each parse, so
// that one parse does not pay for the previous one's garbage. Figures, not asserts.
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '31' } } });
const runs = Number(values.runs);
const warmup = 5;

/** @type {typeof import('../src/protocol.js')} */
const { parseObject, MAYBE_UNSAFE } = await import(new URL('../build/tsc/protocol.js', import.meta.url).href);

/** The reviver parseObject used before: it costs several plain parses, and it recurses. */
const dropUnsafe = (/** @type {string} */ key, /** @type {unknown} */ value) =>
  key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;

const MIB = 1024 * 1024;

/**
 * A 1 MiB frame made of `item(i)` in an array; in the middle, a string spelt with a `\u0070` escape (or not).
 * @param {(i: number) => unknown} item @param {boolean} escaped
 */
function frame(item, escaped) {
  const items = [];
  for (let i = 0, length = 0; length < MIB - 100; i++) {
    const next = item(i);
    items.push(next);
    length += JSON.stringify(next).length + 1;
  }
  items[items.length >> 1] = { note: 'NOTE' };
  const text = JSON.stringify({ type: 'message', channel: 'c', data: { items } });
  return text.replace('NOTE', escaped ? String.raw`\u0070eter` : 'peter');
}

/** A chat-like record: strings, numbers, a boolean, a small array and a nested object. */
const realistic = (/** @type {number} */ i) => ({
  id: i,
  user: `user-${i % 97}`,
  text: 'See you at ten, by the fountain.',
  tags: ['a', 'bb', 'ccc'],
  read: i % 2 === 0,
  score: i * 1.5,
  meta: { at: 1_700_000_000_000 + i, by: 'alice' },
});
/** As many objects per byte as a frame can hold: what makes the walk cost the most. */
const tiny = (/** @type {number} */ i) => ({ a: i % 10 });

const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);

/** @param {string} label @param {Record<string, () => unknown>} ways */
function measure(label, ways) {
  const names = Object.keys(ways);
  /** @type {Record<string, number[]>} */
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      gc?.();
      const start = performance.now();
      ways[name]?.();
      const took = performance.now() - start;
      if (round >= warmup) times[name]?.push(took);
    }
  }
  const median = (/** @type {number[]} */ list) => {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted[sorted.length >> 1] ?? Number.NaN;
  };
  const plain = median(times.plain ?? []);
  console.log(label);
  for (const name of names) {
    const ms = median(times[name] ?? []);
    console.log(`  ${name.padEnd(36)} ${ms.toFixed(2).padStart(8)} ms  ${(ms / plain).toFixed(2)}× plain`);
  }
}

console.log(`node ${process.version}, ${runs} rounds after ${warmup} warm-up${gc ? '' : ', no --expose-gc'}`);
for (const [shape, item] of /** @type {const} */ ([
  ['realistic message', realistic],
  ['tiny objects (the walk at its worst)', tiny],
])) {
  const text = frame(item, true);
  if (!MAYBE_UNSAFE.test(text) || parseObject(text)?.type !== 'message') throw new Error('not a forced walk');
  const size = `${(text.length / MIB).toFixed(2)} MiB`;
  measure(`${shape}, ${size}, one \\u0070 escape (median per parse)`, {
    plain: () => JSON.parse(text),
    'before: JSON.parse with the reviver': () => JSON.parse(text, dropUnsafe),
    'after: parseObject (parse + walk)': () => parseObject(text),
  });
  const fast = frame(item, false);
  if (MAYBE_UNSAFE.test(fast)) throw new Error('not the fast path');
  measure(`${shape}, no escape: the fast path (median per parse)`, {
    plain: () => JSON.parse(fast),
    'parseObject (parse, no walk)': () => parseObject(fast),
  });
}
