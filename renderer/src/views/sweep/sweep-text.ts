/**
 * What the Sweep form and page say about a sweep's size and progress, as plain functions (no stores,
 * so they are unit-tested): the sweep's ETA, the budget a run really trains, and why a sweep is too big.
 */
import { budgetNote } from '../../../../main/lab/domain/algorithms.ts';
import type { RunStatus } from '../../../../main/lab/domain/runs.ts';
import { MAX_SEEDS } from '../../../../main/lab/domain/seeds.ts';
import { MAX_SWEEP_RUNS } from '../../../../main/lab/domain/sweep-space.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** One run of a sweep as the ETA sees it: where it stands, what it trains in all, and its speed (run:progress). */
export interface RunPace {
  status: RunStatus;
  steps: number;
  /** The env steps it really trains (whole iterations). */
  budget: number;
  /** Env steps per second of its last progress report; null before the first. */
  sps: number | null;
}

/**
 * Seconds until every run of the sweep has trained its budget: the steps left over all runs not
 * ended (queued ones too) at the summed speed of the runs training now, which is how fast the slots
 * (this machine's or the queue's workers) get through them. Null while no running run has reported
 * its speed (the first seconds: processes booting). Pruning ends runs early, so it may come sooner.
 */
export function sweepEta(runs: readonly RunPace[]): number | null {
  const active = runs.filter((r) => r.status === 'queued' || r.status === 'running' || r.status === 'paused');
  const left = active.reduce((sum, r) => sum + Math.max(0, r.budget - r.steps), 0);
  const rate = active.reduce((sum, r) => sum + (r.status === 'running' && r.sps !== null && r.sps > 0 ? r.sps : 0), 0);
  if (active.length === 0) return 0;
  return rate > 0 ? left / rate : null;
}

/**
 * The budget line of a sweep: what each run really trains when the algorithm rounds the budget up to
 * whole iterations (as the Train form says it, from the same note), given each configuration's plan.
 */
export function budgetText(totalSteps: number, plans: readonly { steps: number; iteration: number | null }[]): string {
  const distinct = [...new Map(plans.map((p) => [`${p.steps}/${p.iteration}`, p])).values()];
  if (distinct.length > 1) return `${n(totalSteps)} steps per run, rounded up to whole iterations of each configuration`;
  const note = distinct.length === 1 ? budgetNote(totalSteps, distinct[0]) : null;
  return note ? `each run ${note}` : `${n(totalSteps)} steps per run`;
}

/**
 * Why a sweep cannot start for its size, with the real count (configurations × seeds), or null when
 * it fits: at most MAX_SEEDS seeds and MAX_SWEEP_RUNS runs.
 */
export function tooManyText(configs: number, seeds: number): string | null {
  const runs = configs * seeds;
  if (seeds <= MAX_SEEDS && runs <= MAX_SWEEP_RUNS) return null;
  const why = [seeds > MAX_SEEDS ? `at most ${MAX_SEEDS} seeds` : null, runs > MAX_SWEEP_RUNS ? `at most ${n(MAX_SWEEP_RUNS)} runs` : null]
    .filter(Boolean)
    .join(' and ');
  const of = `${n(configs)} configuration${configs === 1 ? '' : 's'} × ${n(seeds)} seed${seeds === 1 ? '' : 's'}`;
  return `${n(runs)} runs (${of}): too many — a sweep takes ${why}`;
}
