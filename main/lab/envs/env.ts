/**
 * The environment contract, Gymnasium's API in TypeScript:
 *   reset({seed}) → {obs, info};  step(action) → {obs, reward, terminated, truncated, info}.
 * Observations are float32 (Float32Array); the env may keep a float64 internal state.
 */
import type { RenderState } from '../domain/envs.ts';
import type { Space } from './spaces.ts';

export type { RenderState } from '../domain/envs.ts';

export type Action = number | Float32Array | readonly number[];
export type Info = Record<string, unknown>;

export interface EnvSpec {
  readonly id: string;
  readonly maxEpisodeSteps: number;
  readonly rewardThreshold: number;
}

export interface ResetOptions {
  /** number (safe integer) or bigint for seeds ≥ 2^53, as numpy accepts arbitrary-size ints. */
  seed?: number | bigint;
  options?: Record<string, unknown>;
}

export interface ResetResult {
  obs: Float32Array;
  info: Info;
}

export interface StepResult {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface Env {
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(opts?: ResetOptions): ResetResult;
  step(action: Action): StepResult;
  /** A plain-data snapshot of what a renderer needs to draw the current frame (see media/scene.ts). */
  renderState(): RenderState;
  close(): void;
}

/** Thrown when step() is called before reset(), like gymnasium.error.ResetNeeded. */
export class ResetNeeded extends Error {
  constructor(msg = 'Cannot call env.step() before calling env.reset()') {
    super(msg);
    this.name = 'ResetNeeded';
  }
}

/**
 * N copies of an env stepped together on flat typed arrays, with same-step autoreset (SB3 style):
 * when sub-env i ends, `obs` row i already holds the next episode's reset observation and
 * `finalObs` row i holds the last observation of the finished episode (needed to bootstrap V at
 * truncation). Episode statistics are tracked here, like SB3's Monitor wrapper.
 */
export interface VecEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsDim: number;
  /** [numEnvs × obsDim] current observations. */
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** [numEnvs × obsDim]; row i valid only where terminated[i] || truncated[i] after the last step. */
  readonly finalObs: Float32Array;
  /** Seeds sub-env i with seed + i (Gymnasium's vector convention), or continues the streams. */
  reset(seed?: number): Float32Array;
  /** actions: Int32Array (discrete) or Float32Array [numEnvs × actDim] (continuous). */
  step(actions: Int32Array | Float32Array): void;
  /** Episodes that finished during the last step(). */
  readonly finishedEpisodes: readonly FinishedEpisode[];
  renderState(i: number): RenderState;
  /** The drawable terminal state of sub-env i's episode that ended in the last step (autoreset has replaced it in renderState). */
  finalRenderState(i: number): RenderState;
  close(): void;
  /**
   * Everything a resumed run needs to go on as if it never stopped (sub-env states, their generators,
   * the running episodes' returns and lengths), between steps; absent where an env's state cannot be
   * captured (LunarLander's Box2D world): a resumed run then starts fresh episodes.
   */
  snapshot?(): VecEnvSnapshot;
  /** Puts back a snapshot this kind of vec env took with the same number of envs; throws (naming what differs) otherwise. */
  restore?(s: VecEnvSnapshot): void;
}

/** A vec env's state as plain data and typed arrays (saved in a checkpoint's training state). */
export interface VecEnvSnapshot {
  kind: string;
  numEnvs: number;
  [part: string]: unknown;
}

export interface FinishedEpisode {
  envIndex: number;
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
}
