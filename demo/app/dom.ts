// Small DOM and formatting helpers shared by the demo's parts.

type Attributes = Record<string, string | number | boolean | undefined>;
type Child = Node | string | false | null | undefined;

/**
 * Creates an element: `h('p', { class: 'note' }, 'text', child)`. Attributes that are `false` or `undefined`
 * are left out; `true` sets an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== false)
      element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children)
    if (child !== false && child !== null && child !== undefined) element.append(child);
  return element;
}

/** Creates an SVG element (they need their namespace). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** Per-page unique ids for `aria-describedby` and `for`. */
let lastId = 0;
export const uniqueId = (prefix: string): string => `${prefix}-${++lastId}`;

const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const preciseFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hourCycle: 'h23',
});

/** `14:03:07`, or `14:03:07.120` with `precise`. */
export const clock = (ms: number, precise = false): string =>
  (precise ? preciseFormat : clockFormat).format(ms);

/** `0.4 s`, `12 s`: for countdowns. */
export const seconds = (ms: number): string =>
  ms < 10_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;

/** `35 ms`, `2.3 s`: for durations, which may be short. */
export const duration = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms));

/** `980 B`, `12.4 kB`, `3.1 MB` (decimal units, like the browser's network panel). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} kB`;
  return `${(n / 1_000_000).toFixed(2)} MB`;
}

/** `1 connection`, `2 connections`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Random lowercase letters, from crypto (which works on plain http, unlike randomUUID). */
export function randomLetters(length: number): string {
  const values = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(values, (value) => String.fromCharCode(97 + (value % 26))).join('');
}
