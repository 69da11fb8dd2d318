/** Algorithms, backends and training engines as every floor names them. */
import { z } from 'zod';
import type { EnvId } from './envs.ts';
import type { HyperparameterSpec, Hyperparameters } from './hyperparameters.ts';

/** Every algorithm id the lab knows; listAlgos returns the ones this build implements. */
export const ALGO_IDS = ['random', 'constant', 'heuristic', 'reinforce', 'actor-critic', 'a2c', 'ppo', 'dqn', 'q-learning'] as const;
export const AlgoId = z.enum(ALGO_IDS);
export type AlgoId = z.infer<typeof AlgoId>;

export const BackendName = z.enum(['tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

/** Training engine a run asks for: main/lab/nn/fused/engine-choice.ts says what each is and what 'auto' picks
 *  (its ENGINE_REQUESTS lists the same values; a unit test keeps the two equal). */
export const EngineRequest = z.enum(['auto', 'fused', 'tfjs']);
export type EngineRequest = z.infer<typeof EngineRequest>;

export interface AlgoInfo {
  id: AlgoId;
  name: string;
  description: string;
  hyperparameters: HyperparameterSpec[];
  presets: { name: string; env: EnvId; description: string; values: Hyperparameters; steps: number; envOptions?: Record<string, number | boolean> }[];
  /** Env steps one training iteration takes (a budget is run in whole iterations): plannedSteps reads it. */
  iteration: IterationSize;
}

/**
 * How many env steps one training iteration takes, as data (the Train form rounds a budget with it
 * before the run starts): `perEnv` steps of every env — a hyperparameter's value (PPO's n_steps) or a
 * fixed count — times n_envs; `episodes` when an iteration ends with whole episodes, so the budget is
 * passed by up to an episode per env; `byKey` when it depends on another hyperparameter's choice.
 */
export type IterationSize = { perEnv: string | number } | { episodes: true } | { byKey: string; cases: Record<string, IterationSize> };

/** Env steps of one iteration under these hyperparameters; null when it is whole episodes (not known in advance). */
export function iterationSteps(size: IterationSize, hp: Readonly<Record<string, unknown>>): number | null {
  if ('byKey' in size) {
    const c = size.cases[String(hp[size.byKey])];
    return c ? iterationSteps(c, hp) : null;
  }
  if ('episodes' in size) return null;
  const perEnv = typeof size.perEnv === 'number' ? size.perEnv : hp[size.perEnv];
  const nEnvs = typeof hp.n_envs === 'number' ? hp.n_envs : 1;
  return typeof perEnv === 'number' && Number.isSafeInteger(perEnv) && perEnv >= 1 ? perEnv * nEnvs : null;
}

/**
 * The env steps a step budget really runs: rounded up to whole iterations (SB3 does the same: PPO
 * always finishes its rollout). `iteration` null: whole episodes, so the run ends at the first episode
 * end past the budget (`steps` is then the budget, a lower bound).
 */
export function plannedSteps(size: IterationSize, hp: Readonly<Record<string, unknown>>, budget: number): { steps: number; iteration: number | null } {
  const iteration = iterationSteps(size, hp);
  return { steps: iteration ? Math.ceil(budget / iteration) * iteration : budget, iteration };
}

/**
 * What a budget will really run, in words (the Train form under Steps, the CLI at start); null when
 * it runs exactly as asked.
 */
export function budgetNote(budget: number, plan: { steps: number; iteration: number | null }): string | null {
  const n = (x: number) => x.toLocaleString('en-US');
  if (plan.iteration === null) return `updates on whole episodes: ends at the first episode end after ${n(budget)} steps`;
  if (plan.steps === budget) return null;
  return `runs ${n(plan.steps)} steps: ${n(plan.steps / plan.iteration)} whole iterations of ${n(plan.iteration)} (${n(budget)} rounded up)`;
}
