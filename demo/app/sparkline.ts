import { svg } from './dom.js';

const WIDTH = 120;
const HEIGHT = 32;
const PAD = 3;

/** What the chart's accessible name says: the values' range, since a screen reader cannot see the line. */
function summarise(values: readonly number[]): string {
  if (values.length === 0) return 'Heartbeat round-trip times: none yet';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  return `Heartbeat round-trip times, last ${values.length}: min ${sorted[0]} ms, median ${median} ms, max ${sorted.at(-1)} ms, latest ${values.at(-1)} ms`;
}

/** A small SVG line chart of the latest `capacity` values, with an accessible summary. */
export class Sparkline {
  readonly element = svg('svg', {
    class: 'sparkline',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: WIDTH,
    height: HEIGHT,
    role: 'img',
  });
  readonly #line = svg('polyline', { class: 'sparkline-line', points: '' });
  readonly #dot = svg('circle', { class: 'sparkline-dot', r: 2.5 });
  readonly #values: number[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.element.append(
      svg('line', { class: 'sparkline-base', x1: 0, x2: WIDTH, y1: HEIGHT - PAD, y2: HEIGHT - PAD }),
      this.#line,
      this.#dot,
    );
    this.#render();
  }

  get values(): readonly number[] {
    return this.#values;
  }

  push(value: number): void {
    this.#values.push(value);
    if (this.#values.length > this.#capacity) this.#values.shift();
    this.#render();
  }

  #render(): void {
    const values = this.#values;
    // A floor for the scale, so that 1 ms against 2 ms does not look like a spike.
    const top = Math.max(10, ...values);
    const step = (WIDTH - 2 * PAD) / Math.max(1, this.#capacity - 1);
    const points = values.map((value, i): [number, number] => [
      PAD + i * step,
      HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD),
    ]);
    this.#line.setAttribute('points', points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '));
    const last = points.at(-1);
    this.#dot.setAttribute('visibility', last ? 'visible' : 'hidden');
    this.#dot.setAttribute('cx', String(last?.[0] ?? 0));
    this.#dot.setAttribute('cy', String(last?.[1] ?? 0));
    this.element.setAttribute('aria-label', summarise(values));
  }
}
