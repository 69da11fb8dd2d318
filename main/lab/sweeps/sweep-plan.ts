/**
 * A sweep's runs, planned before any starts: every grid point (the cartesian product, in key order)
 * combined with every random draw (numpy-compatible PCG64 seeded by sampleSeed, so a sweep re-plans
 * the same), times every seed. Keys name env options of the env or else hyperparameters; integer
 * hyperparameters draw integers.
 */
import type { EnvOptionDef } from '../domain/env-def.ts';
import type { HyperValue, HyperparameterSpec } from '../domain/hyperparameters.ts';
import type { RunRequest } from '../domain/runs.ts';
import { countSweepRuns, DEFAULT_TRIALS, MAX_SWEEP_RUNS, type SweepParams, type SweepPoint } from '../domain/sweeps.ts';
import { npRandom } from '../envs/numpy-rng.ts';

export interface PlannedRun {
  point: SweepPoint;
  seed: number;
  request: RunRequest;
}

export interface SweepSpace {
  /** The algorithm's rules, by key (what a hyperparameter key may be and its type). */
  rules: Readonly<Record<string, HyperparameterSpec>>;
  /** The env's options, by key. */
  envOptions: Readonly<Record<string, EnvOptionDef>>;
}

function cartesian(grid: Record<string, HyperValue[]>): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  for (const [key, values] of Object.entries(grid)) points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  return points;
}

function checkKey(key: string, space: SweepSpace): void {
  // Seeds multiply every point rather than being one of its values.
  if (key === 'seed' || key === 'seeds')
    throw new Error(`"${key}" is not a hyperparameter: list the seeds in the sweep's seeds (--seeds 0-4 on the command line)`);
  if (!(key in space.rules) && !(key in space.envOptions))
    throw new Error(
      `"${key}" is neither a hyperparameter of this algorithm nor an option of this env (hyperparameters: ${Object.keys(space.rules).join(', ')})`,
    );
}

function isInteger(key: string, space: SweepSpace): boolean {
  return space.rules[key]?.type === 'int' || space.envOptions[key]?.type === 'integer';
}

/** A random range draws numbers: only numeric hyperparameters (a schedule draws its constant) and numeric env options. */
function checkDrawable(key: string, space: SweepSpace): void {
  const rule = space.rules[key];
  const numeric = rule ? ['int', 'float', 'schedule'].includes(rule.type) : space.envOptions[key]?.type !== 'boolean';
  if (!numeric) throw new Error(`"${key}" is not a number, so it cannot be drawn from a range; put its values on the grid instead`);
}

/** An env option's value as given (the command line gives text: "true", "-9.5"); its bounds are the lab's check. */
function envOptionValue(key: string, v: HyperValue): number | boolean {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  if (typeof v === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v.trim())) return Number(v);
  throw new Error(`env option "${key}" must be a number or true/false, got ${JSON.stringify(v)}`);
}

export function planSweep(p: SweepParams, space: SweepSpace): PlannedRun[] {
  for (const key of [...Object.keys(p.grid), ...Object.keys(p.random)]) checkKey(key, space);
  const both = Object.keys(p.grid).find((k) => k in p.random);
  if (both) throw new Error(`"${both}" is both on the grid and drawn at random; pick one`);
  const randomKeys = Object.keys(p.random);
  if (randomKeys.length === 0 && p.trials !== undefined) throw new Error('trials counts random draws: give at least one random range');
  for (const key of randomKeys) checkDrawable(key, space);
  // Counted before anything is expanded: a mistyped grid must fail here, not exhaust memory.
  const trials = randomKeys.length ? (p.trials ?? DEFAULT_TRIALS) : 1;
  const total = countSweepRuns(p);
  if (total > MAX_SWEEP_RUNS)
    throw new Error(`the sweep would start ${total.toLocaleString('en-US')} runs; a sweep starts at most ${MAX_SWEEP_RUNS.toLocaleString('en-US')} in all`);
  const rng = npRandom(p.sampleSeed);
  const draws: SweepPoint[] = [];
  for (let t = 0; t < trials; t++) {
    const d: SweepPoint = {};
    for (const key of randomKeys) {
      const r = p.random[key];
      const u = rng.random();
      const v = r.log ? Math.exp(Math.log(r.lo) + u * (Math.log(r.hi) - Math.log(r.lo))) : r.lo + u * (r.hi - r.lo);
      d[key] = isInteger(key, space) ? Math.round(v) : v;
    }
    draws.push(d);
  }
  const points = cartesian(p.grid).flatMap((g) => draws.map((d) => ({ ...g, ...d })));
  const { grid: _g, random: _r, trials: _t, sampleSeed: _s, seeds, objective: _o, prune: _p, ...base } = p;
  return points.flatMap((point) =>
    seeds.map((seed) => {
      const hyperparameters = { ...base.hyperparameters };
      const envOptions = { ...base.envOptions };
      for (const [k, v] of Object.entries(point)) {
        if (k in space.envOptions) envOptions[k] = envOptionValue(k, v);
        else hyperparameters[k] = v;
      }
      return { point, seed, request: { ...base, seed, hyperparameters, envOptions } as RunRequest };
    }),
  );
}
