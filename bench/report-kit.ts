// What the rows of the benchmark table (report.ts) are made of: a label, a cell per browser, a target.

/** One benchmark's figures for one browser, as recorded (kit.ts `record`). */
export type Figures = Record<string, unknown>;

/** A row of the table: its cell is computed from one metric's figures for one browser (undefined: not run). */
export interface Row {
  label: string;
  cell: (figures: Figures | undefined) => string;
  target: string;
}

export const num = (figures: Figures | undefined, key: string): number | undefined => {
  const value = figures?.[key];
  return typeof value === 'number' ? value : undefined;
};

export const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const mark = (ok: boolean | undefined): string => (ok === undefined ? '' : ok ? ' ✓' : ' ✗');
