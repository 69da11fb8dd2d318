/**
 * What an algorithm declares about itself, next to its update code: its hyperparameter rules and
 * presets (data), step budgets, which spaces it can handle, and how to build it. agents/registry.ts
 * collects the definitions; nothing else needs to know the list of algorithms.
 */
import type { AlgoId, IterationSize } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import type { Space } from '../envs/spaces.ts';
import type { Preset, Rule, Values } from '../training/hyperparameters.ts';
import type { Algorithm, AlgorithmOptions } from './algorithm.ts';

/** A preset whose values are checked against the algorithm's typed hyperparameters: an unknown key or a wrong type does not compile. */
export type PresetOf<H> = Omit<Preset, 'values'> & { values: Partial<H> };

export interface AlgorithmDef {
  id: AlgoId;
  name: string;
  description: string;
  rules: readonly Rule[];
  presets: readonly Preset[];
  /** Step budget when no preset is chosen. */
  defaultSteps: Record<EnvId, number>;
  /** Env steps one iterate() takes, as data (a budget runs in whole iterations; domain/algorithms.ts plannedSteps). */
  iteration: IterationSize;
  /** Rules across keys (e.g. batch_size ≥ 2 with advantage normalisation); throw naming the key. */
  crossCheck?: (v: Values) => void;
  /** null if the algorithm can act in these spaces, else why not (shown to the user). */
  supports?: (observationSpace: Space, actionSpace: Space) => string | null;
  create(opts: AlgorithmOptions): Algorithm;
}
