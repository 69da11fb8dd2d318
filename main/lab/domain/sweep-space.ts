/**
 * What a sweep's form and command line share, without zod (the renderer imports it): the objectives,
 * the limits, how many runs a sweep starts, and how seeds and grid values are written.
 */

/** What a sweep ranks its configurations by (per run, then averaged over seeds). */
export const SWEEP_OBJECTIVES = ['final-mean100', 'best-mean100', 'eval-mean', 'steps-to-solve'] as const;
export type SweepObjective = (typeof SWEEP_OBJECTIVES)[number];
export const OBJECTIVES: Record<SweepObjective, { label: string; higherIsBetter: boolean }> = {
  'final-mean100': { label: 'final 100-episode mean return', higherIsBetter: true },
  'best-mean100': { label: 'best 100-episode mean return', higherIsBetter: true },
  'eval-mean': { label: 'mean return of the final deterministic evaluation', higherIsBetter: true },
  // Unsolved runs count as never (∞): ranked after every solved one.
  'steps-to-solve': { label: 'env steps until the 100-episode mean reached the threshold', higherIsBetter: false },
};

/** At most this many runs per sweep: beyond it a typo (a grid of 50 × 50 × 5 seeds) would queue for days. */
export const MAX_SWEEP_RUNS = 1000;
/** Random draws when ranges are given without a count. */
export const DEFAULT_TRIALS = 10;

/** How many runs a sweep starts: grid points × random draws × seeds (what the form shows before Start). */
export function countSweepRuns(p: { grid: Record<string, unknown[]>; random: Record<string, unknown>; trials?: number; seeds: unknown[] }): number {
  const trials = Object.keys(p.random).length ? (p.trials ?? DEFAULT_TRIALS) : 1;
  return Object.values(p.grid).reduce((n, values) => n * values.length, trials) * p.seeds.length;
}

/** A grid's values as typed, "1e-3, 3e-4" or "[64,64], [128]": split at the commas outside brackets. */
export function splitGridValues(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

/** A swept value as names and tables show it: three significant digits ("3.12e-4"), lists in brackets. */
export function sweepValueText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sweepValueText).join(',')}]`;
  if (typeof v !== 'number' || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) {
    const [mant, exp] = v.toExponential(2).split('e');
    return `${+mant}e${Number(exp)}`;
  }
  return String(+v.toPrecision(3));
}

/** A point's values, "learning_rate=3e-4 gamma=0.99" (empty for a sweep over seeds only). */
export function sweepPointText(point: Record<string, unknown>, separator = ' '): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${sweepValueText(v)}`)
    .join(separator);
}

/** Run names are at most this long (the run request's limit). */
const MAX_NAME = 200;

/**
 * The name a sweep gives each run: its swept values and seed ("learning_rate=3e-4 · seed 1"), after
 * the sweep's name if it has one, so its runs tell apart in Runs, Compare and Watch.
 */
export function sweepRunName(point: Record<string, unknown>, seed: number, sweepName?: string | null): string {
  const name = [sweepName, sweepPointText(point, ' · '), `seed ${seed}`].filter(Boolean).join(' · ');
  return name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 1)}…`;
}
