/**
 * SyncVecEnv: N Env instances stepped in sequence behind the flat-array VecEnv interface, with
 * same-step autoreset (SB3 style) and Monitor-like episode statistics. Works for any Env; CartPole
 * has a faster specialised version in cartpole-vec.ts.
 */
import { ResetNeeded, type Env, type EnvSpec, type FinishedEpisode, type RenderState, type VecEnv } from './env.ts';
import { flatDim, spacesEqual, type Space } from './spaces.ts';

/** Shared empty list so steps where nothing finishes allocate nothing. */
const NO_EPISODES: readonly FinishedEpisode[] = Object.freeze([]);

/**
 * Each sub-env's running return and length, and the episodes that ended in the last step: counted
 * here once for every VecEnv (SyncVecEnv, CartPoleVecEnv), so they report episodes the same way.
 */
export class EpisodeTally {
  readonly returns: Float64Array;
  /** Steps of each sub-env's current episode so far (a time limit reads it). */
  readonly lengths: Int32Array;
  private finished: readonly FinishedEpisode[] = NO_EPISODES;

  constructor(numEnvs: number) {
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  /** The episodes that ended in the last step (most steps: none). */
  get finishedEpisodes(): readonly FinishedEpisode[] {
    return this.finished;
  }

  reset(): void {
    this.returns.fill(0);
    this.lengths.fill(0);
    this.finished = NO_EPISODES;
  }

  /** Before a vector step: last step's finished episodes are forgotten. */
  beginStep(): void {
    this.finished = NO_EPISODES;
  }

  /** Sub-env i took a step; if it ended the episode, that episode is recorded and the next starts at 0. */
  add(i: number, reward: number, terminated: boolean, truncated: boolean): void {
    const ret = this.returns[i] + reward;
    const len = this.lengths[i] + 1;
    if (terminated || truncated) {
      if (this.finished === NO_EPISODES) this.finished = [];
      (this.finished as FinishedEpisode[]).push({ envIndex: i, return: ret, length: len, terminated, truncated });
      this.returns[i] = 0;
      this.lengths[i] = 0;
    } else {
      this.returns[i] = ret;
      this.lengths[i] = len;
    }
  }
}

export function checkNumEnvs(numEnvs: number): void {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new Error(`numEnvs must be a positive integer, got ${numEnvs}`);
}

/** Gymnasium's vector seeding gives sub-env i the seed seed + i; checked up front so no env is half-reset. */
export function checkVecSeed(seed: number | undefined, numEnvs: number): void {
  if (seed === undefined) return;
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(seed + numEnvs - 1)) {
    throw new Error(`vector env seed must be a non-negative safe integer, got ${seed}`);
  }
}

export class SyncVecEnv implements VecEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsDim: number;
  /** Action values per sub-env: 1 for Discrete, the flat Box size otherwise. */
  readonly actDim: number;
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  private readonly finalRender: (RenderState | null)[];
  readonly envs: readonly Env[];
  private readonly episodes: EpisodeTally;
  private started = false;

  constructor(envs: readonly Env[]) {
    checkNumEnvs(envs.length);
    const first = envs[0];
    for (let i = 1; i < envs.length; i++) {
      if (!spacesEqual(envs[i].observationSpace, first.observationSpace) || !spacesEqual(envs[i].actionSpace, first.actionSpace)) {
        throw new Error(`SyncVecEnv: sub-env ${i} has different spaces from sub-env 0`);
      }
    }
    if (first.observationSpace.kind !== 'box') throw new Error('SyncVecEnv needs a Box observation space');
    this.envs = [...envs];
    this.numEnvs = envs.length;
    this.spec = first.spec;
    this.observationSpace = first.observationSpace;
    this.actionSpace = first.actionSpace;
    this.obsDim = flatDim(first.observationSpace);
    this.actDim = flatDim(first.actionSpace);
    const n = this.numEnvs;
    this.obs = new Float32Array(n * this.obsDim);
    this.finalObs = new Float32Array(n * this.obsDim);
    this.finalRender = new Array<RenderState | null>(n).fill(null);
    this.rewards = new Float64Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.episodes = new EpisodeTally(n);
  }

  get finishedEpisodes(): readonly FinishedEpisode[] {
    return this.episodes.finishedEpisodes;
  }

  reset(seed?: number): Float32Array {
    checkVecSeed(seed, this.numEnvs);
    for (let i = 0; i < this.numEnvs; i++) {
      const { obs } = this.envs[i].reset(seed === undefined ? {} : { seed: seed + i });
      this.writeRow(this.obs, i, obs);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.episodes.reset();
    this.started = true;
    return this.obs;
  }

  step(actions: Int32Array | Float32Array): void {
    if (!this.started) throw new ResetNeeded('Cannot call step() on a vector env before calling reset()');
    const discrete = this.actionSpace.kind === 'discrete';
    const d = this.actDim;
    if (actions.length !== this.numEnvs * d) {
      throw new Error(`SyncVecEnv.step: expected ${this.numEnvs * d} action values (${this.numEnvs} envs × ${d}), got ${actions.length}`);
    }
    if (!discrete && !(actions instanceof Float32Array)) throw new Error('SyncVecEnv.step: continuous actions must be a Float32Array');
    this.episodes.beginStep();
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i];
      const r = env.step(discrete ? actions[i] : (actions as Float32Array).subarray(i * d, (i + 1) * d));
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      this.episodes.add(i, r.reward, r.terminated, r.truncated);
      if (r.terminated || r.truncated) {
        this.writeRow(this.finalObs, i, r.obs);
        this.finalRender[i] = env.renderState();
        this.writeRow(this.obs, i, env.reset().obs); // continues the sub-env's own stream
      } else {
        this.writeRow(this.obs, i, r.obs);
      }
    }
  }

  renderState(i: number): RenderState {
    return this.envs[this.checkIndex(i)].renderState();
  }

  finalRenderState(i: number): RenderState {
    const r = this.finalRender[this.checkIndex(i)];
    if (!r) throw new Error(`sub-env ${i} has not finished an episode yet`);
    return r;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }

  private writeRow(dst: Float32Array, i: number, src: Float32Array): void {
    if (src.length !== this.obsDim) throw new Error(`SyncVecEnv: sub-env ${i} returned ${src.length} observation values, expected ${this.obsDim}`);
    dst.set(src, i * this.obsDim);
  }

  private checkIndex(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs) throw new Error(`env index ${i} out of range 0..${this.numEnvs - 1}`);
    return i;
  }
}
