/** The fully-resolved description of a training run, as stored in the run's config.json. */
import type { AlgoId } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import type { HyperValue } from '../domain/hyperparameters.ts';
import type { EngineRequest } from '../nn/fused/engine-choice.ts';

export interface TrainerConfig {
  env: EnvId;
  envOptions: Record<string, HyperValue>;
  algo: AlgoId;
  seed: number;
  /** Env-step budget (sum over all vectorized envs). */
  totalSteps: number;
  /** Episode budget (0 = none): training ends after the iteration in which it is reached. */
  maxEpisodes?: number;
  preset: string | null;
  /** Validated, complete hyperparameters (defaults ← preset ← user overrides), SB3 names. */
  hyperparameters: Record<string, HyperValue>;
  /** Requested backend ('auto' picks tensorflow-gpu → tensorflow → wasm → cpu). */
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Requested training engine, resolved against the backend (nn/fused/engine-choice.ts); absent (configs
   *  written before engines existed) = 'auto'. */
  engine?: EngineRequest;
  evalEpisodes: number;
  /** Save a checkpoint every this many env steps (0 = only the final policy). */
  checkpointEvery: number;
  /** …and at least every this many training seconds when checkpointEvery > 0 (absent: CHECKPOINT_SECONDS, 60). */
  checkpointSeconds?: number;
  stopWhenSolved: boolean;
  /**
   * Every this many env steps (0 or absent = never), evaluate the policy deterministically on
   * PERIODIC_EVAL_EPISODES unseen seeds, log eval_mean/eval_std with that update's metrics and keep
   * the best so far in best/ — value-based methods in particular can forget a solved task late on.
   */
  evalEvery?: number;
  /** Hyperparameters may go beyond their usual limits, up to each rule's forcedMax (absent = false). */
  force?: boolean;
  /** Start from this saved policy's weights (continuing another run) instead of a fresh init. */
  initPolicy?: string;
}
