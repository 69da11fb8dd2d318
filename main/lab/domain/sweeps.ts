/**
 * A sweep: a search space over hyperparameters and env options (a grid, random draws, or both), times
 * seeds, with one budget and one objective; each point × seed is an ordinary run tagged with the sweep.
 */
import { z } from 'zod';
import { HyperValue } from './hyperparameters.ts';
import { RunId, Seed, StartRunRequest, type RunStatus } from './runs.ts';

/** What a sweep ranks its configurations by (per run, then averaged over seeds). */
export const SweepObjective = z.enum(['final-mean100', 'best-mean100', 'eval-mean', 'steps-to-solve']);
export type SweepObjective = z.infer<typeof SweepObjective>;

export const OBJECTIVES: Record<SweepObjective, { label: string; higherIsBetter: boolean }> = {
  'final-mean100': { label: 'final 100-episode mean return', higherIsBetter: true },
  'best-mean100': { label: 'best 100-episode mean return', higherIsBetter: true },
  'eval-mean': { label: 'mean return of the final deterministic evaluation', higherIsBetter: true },
  // Unsolved runs count as never (∞): ranked after every solved one.
  'steps-to-solve': { label: 'env steps until the 100-episode mean reached the threshold', higherIsBetter: false },
};

/** At most this many runs per sweep: beyond it a typo (a grid of 50 × 50 × 5 seeds) would queue for days. */
export const MAX_SWEEP_RUNS = 1000;
/** Seeds per sweep (each is a run of every point). */
export const MAX_SWEEP_SEEDS = 64;
const MAX_SEED = 2 ** 32 - 1;
/** Random draws when ranges are given without a count. */
export const DEFAULT_TRIALS = 10;

/** How many runs a sweep starts: grid points × random draws × seeds (what the form shows before Start). */
export function countSweepRuns(p: { grid: Record<string, unknown[]>; random: Record<string, unknown>; trials?: number; seeds: unknown[] }): number {
  const trials = Object.keys(p.random).length ? (p.trials ?? DEFAULT_TRIALS) : 1;
  return Object.values(p.grid).reduce((n, values) => n * values.length, trials) * p.seeds.length;
}

/** A random dimension: uniform on [lo, hi], or log-uniform; integers when both bounds are (e.g. n_steps). */
export const RandomRange = z
  .object({ lo: z.number().finite(), hi: z.number().finite(), log: z.boolean().default(false) })
  .refine((r) => r.hi >= r.lo, { message: 'hi must be ≥ lo' })
  .refine((r) => !r.log || r.lo > 0, { message: 'a log range needs lo > 0' });

const Key = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a hyperparameter or env option name');

export const SweepRequest = StartRunRequest.omit({ seed: true, hyperparameters: true, name: true }).extend({
  /** Fixed overrides for every run (like `--set`). */
  hyperparameters: z.record(Key, HyperValue).default({}),
  /** Every combination of these values. Keys are hyperparameters or env options of the env. */
  grid: z.record(Key, z.array(HyperValue).min(1).max(64)).default({}),
  /** `trials` draws of these ranges (seeded by `sampleSeed`), combined with every grid point. */
  random: z.record(Key, RandomRange).default({}),
  trials: z.number().int().min(1).max(1000).optional(),
  sampleSeed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
  seeds: z.array(Seed).min(1).max(MAX_SWEEP_SEEDS).default([0]),
  objective: SweepObjective.default('final-mean100'),
  /** Median pruning at rungs (a quarter, half and three quarters of the step budget). */
  prune: z.boolean().default(false),
  name: z.string().max(200).optional(),
});
export type SweepRequest = z.input<typeof SweepRequest>;
export type SweepParams = z.output<typeof SweepRequest>;

/** One point of the search space: what it sets (hyperparameters and env options by name). */
export type SweepPoint = Record<string, z.infer<typeof HyperValue>>;

export interface SweepRunRecord {
  runId: z.infer<typeof RunId>;
  point: SweepPoint;
  seed: number;
  status: RunStatus;
  /** The run's objective value (null until it ends, or when it has none: no episodes, no evaluation). */
  objective: number | null;
  /** Why the pruner stopped it, if it did. */
  pruned?: string;
}

/**
 * running: its lab is training it; finished: every run ended; stopped: stopped before every run
 * ended; interrupted: the lab that ran it is gone (its runs show their own real statuses).
 */
export type SweepStatus = 'running' | 'finished' | 'stopped' | 'interrupted';

export interface SweepSummary {
  sweepId: string;
  name: string | null;
  env: string;
  algo: string;
  objective: SweepObjective;
  createdAt: string;
  status: SweepStatus;
  /** What was asked (defaults filled), so a configuration can be trained again as it was swept. */
  request: SweepParams;
  /** Each run's step budget (the same for every run of the sweep). */
  totalSteps: number;
  /** The pruner's rungs in steps, when pruning. */
  rungs: number[] | null;
  runs: SweepRunRecord[];
  /** Per point, its objective averaged over its seeds' runs; best first. */
  ranking: { point: SweepPoint; objective: number | null; runs: number }[];
  best: { point: SweepPoint; objective: number | null } | null;
}

/** What the lab tells listeners about sweeps: the record whenever it changes (a run ended or was pruned, the sweep ended). */
export interface SweepEvents {
  'sweep:updated': SweepSummary;
}

export const SweepId = z.string().regex(/^[0-9]{8}-[0-9]{6}-[a-z0-9]{1,8}$/, 'invalid sweep id');

/** The tag every run of a sweep carries, so the runs library, Compare and Watch find them. */
export function sweepTag(sweepId: string): string {
  return `sweep:${sweepId}`;
}

/** "0-4", "0,1,2", "0-2, 7": distinct seeds in the order given (at most the sweep's 64), or what is wrong. */
export function parseSeedList(text: string): { seeds: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'give a seed, a list (0,1,2) or a range (0-4)' };
  const seeds = new Set<number>();
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return { error: `"${part}" is not a seed or a range` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi > MAX_SEED) return { error: `seeds are integers in [0, ${MAX_SEED}]` };
    if (hi < lo) return { error: `range ${part} runs backwards` };
    if (hi - lo >= MAX_SWEEP_SEEDS) return { error: `at most ${MAX_SWEEP_SEEDS} seeds` };
    for (let n = lo; n <= hi; n++) seeds.add(n);
    if (seeds.size > MAX_SWEEP_SEEDS) return { error: `at most ${MAX_SWEEP_SEEDS} seeds` };
  }
  return { seeds: [...seeds] };
}
