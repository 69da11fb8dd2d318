/**
 * Every algorithm the lab offers, by id, with the algorithm-level API over their definitions:
 * what the UI lists, hyperparameter resolution (defaults ← preset ← overrides) and construction.
 */
import { plannedSteps, type AlgoId, type AlgoInfo } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import { defaultsOf, toContractSpec, validateRules, type Preset, type RuleOptions, type Values } from '../training/hyperparameters.ts';
import type { Algorithm, AlgorithmOptions } from './algorithm.ts';
import type { AlgorithmDef } from './definition.ts';
import { a2cDef } from './a2c.ts';
import { actorCriticDef } from './actor-critic.ts';
import { ppoDef } from './ppo.ts';
import { qLearningDef } from './q-learning.ts';
import { dqnDef } from './dqn.ts';
import { baselineDefs } from './baseline-algos.ts';
import { reinforceDef } from './reinforce.ts';

const DEFS: readonly AlgorithmDef[] = [reinforceDef, actorCriticDef, a2cDef, ppoDef, dqnDef, qLearningDef, ...baselineDefs];

export function algorithmDefs(): readonly AlgorithmDef[] {
  return DEFS;
}

export function algorithmDef(algo: string): AlgorithmDef {
  const d = DEFS.find((x) => x.id === algo);
  if (!d) throw new Error(`unknown algorithm "${algo}" (available: ${DEFS.map((x) => x.id).join(', ')})`);
  return d;
}

export function algoInfos(): AlgoInfo[] {
  return DEFS.map((d) => ({
    id: d.id,
    name: d.name,
    description: d.description,
    hyperparameters: d.rules.map(toContractSpec),
    presets: d.presets.map((p) => ({ ...p, values: structuredClone(p.values), ...(p.envOptions ? { envOptions: { ...p.envOptions } } : {}) })),
    iteration: structuredClone(d.iteration),
  }));
}

export function validateHyperparameters(algo: AlgoId, values: Record<string, unknown>, opts: RuleOptions = {}): Values {
  const d = algorithmDef(algo);
  return validateRules(algo, d.rules, values, d.crossCheck, opts);
}

export function defaultHyperparameters(algo: AlgoId): Values {
  return defaultsOf(algorithmDef(algo).rules);
}

export function findPreset(algo: AlgoId, env: EnvId, name: string): Preset {
  const presets = algorithmDef(algo).presets;
  const p = presets.find((q) => q.name === name && q.env === env);
  if (!p) {
    const avail = presets.filter((q) => q.env === env).map((q) => q.name);
    throw new Error(`preset "${name}" does not exist for ${algo} on ${env}${avail.length ? ` (available: ${avail.join(', ')})` : ' (none available)'}`);
  }
  return p;
}

/** The env's first preset (e.g. rl-baselines3-zoo's tuned one), or null. */
export function defaultPreset(algo: AlgoId, env: EnvId): string | null {
  return algorithmDef(algo).presets.find((p) => p.env === env)?.name ?? null;
}

export interface ResolvedHyperparameters {
  /** Complete and validated: defaults ← preset ← overrides. */
  hyperparameters: Values;
  /** The preset's step budget, else a per-env default. */
  steps: number;
  preset: string | null;
  /** The preset's env options ({} without a preset or when it sets none); merge them under the run's own. */
  envOptions: Record<string, boolean | number>;
}

export function resolveHyperparameters(
  algo: AlgoId,
  env: EnvId,
  preset: string | null | undefined,
  overrides: Record<string, unknown> = {},
  opts: RuleOptions = {},
): ResolvedHyperparameters {
  const d = algorithmDef(algo);
  const p = preset ? findPreset(algo, env, preset) : null;
  const merged: Record<string, unknown> = { ...defaultsOf(d.rules), ...(p ? structuredClone(p.values) : {}), ...overrides };
  const hyperparameters = validateRules(algo, d.rules, merged, d.crossCheck, opts);
  return { hyperparameters, steps: p?.steps ?? d.defaultSteps[env], preset: p ? p.name : null, envOptions: { ...(p?.envOptions ?? {}) } };
}

/** The env steps a budget really runs under these (complete) hyperparameters: whole iterations (domain/algorithms.ts). */
export function plannedRunSteps(algo: AlgoId, hp: Readonly<Record<string, unknown>>, budget: number): { steps: number; iteration: number | null } {
  return plannedSteps(algorithmDef(algo).iteration, hp, budget);
}

export function createAlgorithm(algo: AlgoId, opts: AlgorithmOptions): Algorithm {
  const d = algorithmDef(algo);
  const why = d.supports?.(opts.vecEnv.observationSpace, opts.vecEnv.actionSpace);
  if (why) throw new Error(`${d.name} cannot train on this env: ${why}`);
  return d.create(opts);
}
