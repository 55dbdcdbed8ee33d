import type { SocketState } from 'reliable-socket';
import { h, seconds, svg } from './dom.js';

const WIDTH = 600;
const HEIGHT = 14;
/** States drawn on the timeline; `closing` and `closed` end the demo, so they share a colour. */
const SHOWN: readonly SocketState[] = ['open', 'connecting', 'reconnecting', 'closed'];
const colour = (state: SocketState): SocketState => (state === 'closing' ? 'closed' : state);

interface Segment {
  state: SocketState;
  /** performance.now() when the state began. */
  start: number;
}

/**
 * A strip of the socket's states over the last `windowMs`: outages show as gaps in the green. Redrawn every
 * second by an interval it owns (cleared by `dispose()`), and at once on every state change. The colours come
 * with a legend, and the accessible name says the same in words.
 */
export class Timeline {
  readonly element: HTMLElement;
  readonly #svg = svg('svg', {
    class: 'timeline-bar',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: 'none',
    role: 'img',
  });
  readonly #windowMs: number;
  readonly #segments: Segment[] = [];
  readonly #interval: ReturnType<typeof setInterval>;

  constructor(windowMs: number, state: SocketState) {
    this.#windowMs = windowMs;
    this.#segments.push({ state, start: performance.now() });
    const legend = h('ul', { class: 'timeline-legend', 'aria-hidden': 'true' });
    for (const shown of SHOWN) {
      legend.append(h('li', {}, h('span', { class: 'swatch', 'data-state': shown }), shown));
    }
    this.element = h(
      'figure',
      { class: 'timeline' },
      h(
        'figcaption',
        {},
        h('span', {}, `Last ${windowMs / 1000} s`),
        h('span', { class: 'timeline-now', 'aria-hidden': 'true' }, 'now'),
      ),
      this.#svg,
      legend,
    );
    this.#interval = setInterval(() => this.#render(), 1000);
    this.#render();
  }

  /** Notes a state change. */
  record(state: SocketState): void {
    this.#segments.push({ state, start: performance.now() });
    this.#render();
  }

  dispose(): void {
    clearInterval(this.#interval);
  }

  #render(): void {
    const now = performance.now();
    const from = now - this.#windowMs;
    // Forget what ended before the window; the segment in progress at its start stays.
    while ((this.#segments[1]?.start ?? Infinity) <= from) this.#segments.shift();
    const totals = new Map<SocketState, number>();
    const rects: SVGRectElement[] = [];
    this.#segments.forEach(({ state, start }, i) => {
      const begin = Math.max(start, from);
      const end = this.#segments[i + 1]?.start ?? now;
      if (end <= begin) return;
      totals.set(colour(state), (totals.get(colour(state)) ?? 0) + end - begin);
      rects.push(
        svg('rect', {
          class: 'timeline-segment',
          'data-state': colour(state),
          x: ((begin - from) / this.#windowMs) * WIDTH,
          y: 0,
          width: Math.max(((end - begin) / this.#windowMs) * WIDTH, 1.5),
          height: HEIGHT,
        }),
      );
    });
    this.#svg.replaceChildren(...rects);
    const summary = [...totals].map(([state, ms]) => `${state} ${seconds(ms)}`).join(', ');
    this.#svg.setAttribute(
      'aria-label',
      `Socket states over the last ${this.#windowMs / 1000} s: ${summary}`,
    );
  }
}
