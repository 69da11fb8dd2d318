/**
 * A sweep: a search space over hyperparameters and env options (a grid, random draws, or both), times
 * seeds, with one budget and one objective; each point × seed is an ordinary run tagged with the sweep.
 */
import { z } from 'zod';
import { HyperValue } from './hyperparameters.ts';
import { RunId, Seed, StartRunRequest, type RunStatus } from './runs.ts';
import { MAX_SEEDS } from './seeds.ts';
import { SWEEP_OBJECTIVES, type SweepObjective as Objective } from './sweep-space.ts';

export * from './sweep-space.ts';

export const SweepObjective = z.enum(SWEEP_OBJECTIVES);
export type SweepObjective = Objective;

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
  seeds: z.array(Seed).min(1).max(MAX_SEEDS).default([0]),
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
