import { rmSync } from 'node:fs';
import { PARTS } from './kit.js';

/** Starts every run from a clean slate, so the table never mixes figures from two runs. */
export default function reset(): void {
  rmSync(PARTS, { recursive: true, force: true });
  rmSync(new URL('results/broker.json', import.meta.url), { force: true });
}
