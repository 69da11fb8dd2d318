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
}
