/**
 * N CartPole-v1 envs in struct-of-arrays float64 state, stepped in one tight loop with same-step
 * autoreset. Numerically identical to N independent `makeEnv('CartPole-v1')` envs (sub-env i seeded
 * seed + i, TimeLimit 500): same physics routine, and each sub-env owns its own numpy Generator, so
 * resets draw the same uniforms in the same order. No allocation per step except for the record of
 * an episode that finishes.
 */
import { ResetNeeded, type EnvSpec, type FinishedEpisode, type RenderState, type VecEnv, type VecEnvSnapshot } from './env.ts';
import {
  CARTPOLE_SPEC,
  cartPoleActionSpace,
  cartPoleArrays,
  cartPoleObservationSpace,
  cartPolePhysicsStep,
  cartPoleResetRow,
  checkCartPoleAction,
  type CartPoleArrays,
} from './cartpole.ts';
import { npRandom, type Generator, type PCG64State } from './numpy-rng.ts';
import type { BoxSpace, DiscreteSpace } from './spaces.ts';
import { EpisodeTally, checkNumEnvs, checkVecSeed } from './vector-env.ts';

export interface CartPoleVecOptions {
  /** TimeLimit per sub-env (default 500, CartPole-v1's). */
  maxEpisodeSteps?: number;
  /** Gymnasium's sutton_barto_reward: 0 per step, −1 on termination. */
  suttonBartoReward?: boolean;
}

const OBS_DIM = 4;

export class CartPoleVecEnv implements VecEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace = cartPoleObservationSpace();
  readonly actionSpace: DiscreteSpace = cartPoleActionSpace();
  readonly obsDim = OBS_DIM;
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  // float64 terminal x/θ for drawing the last frame of a finished episode
  private readonly finalX: Float64Array;
  private readonly finalTheta: Float64Array;
  readonly maxEpisodeSteps: number;
  private readonly suttonBartoReward: boolean;
  private readonly s: CartPoleArrays;
  private readonly rngs: (Generator | undefined)[];
  private readonly episodes: EpisodeTally;
  private started = false;

  constructor(numEnvs: number, opts: CartPoleVecOptions = {}) {
    checkNumEnvs(numEnvs);
    const maxSteps = opts.maxEpisodeSteps ?? CARTPOLE_SPEC.maxEpisodeSteps;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`maxEpisodeSteps must be a positive integer, got ${maxSteps}`);
    this.numEnvs = numEnvs;
    this.maxEpisodeSteps = maxSteps;
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
    this.spec = maxSteps === CARTPOLE_SPEC.maxEpisodeSteps ? CARTPOLE_SPEC : Object.freeze({ ...CARTPOLE_SPEC, maxEpisodeSteps: maxSteps });
    this.s = cartPoleArrays(numEnvs);
    this.rngs = new Array<Generator | undefined>(numEnvs).fill(undefined);
    this.obs = new Float32Array(numEnvs * OBS_DIM);
    this.finalObs = new Float32Array(numEnvs * OBS_DIM);
    this.finalX = new Float64Array(numEnvs);
    this.finalTheta = new Float64Array(numEnvs);
    this.rewards = new Float64Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.episodes = new EpisodeTally(numEnvs);
  }

  get finishedEpisodes(): readonly FinishedEpisode[] {
    return this.episodes.finishedEpisodes;
  }

  /** Sub-env i's generator (seeded seed + i, or OS entropy if reset without a seed first). */
  rng(i: number): Generator {
    const g = this.rngs[this.checkIndex(i)];
    if (!g) throw new Error(`sub-env ${i} has no generator yet; call reset() first`);
    return g;
  }

  /** Sub-env i's float64 state [x, x_dot, theta, theta_dot]. */
  state(i: number): [number, number, number, number] {
    this.checkIndex(i);
    return [this.s.x[i], this.s.xDot[i], this.s.theta[i], this.s.thetaDot[i]];
  }

  reset(seed?: number): Float32Array {
    checkVecSeed(seed, this.numEnvs);
    for (let i = 0; i < this.numEnvs; i++) {
      if (seed !== undefined) this.rngs[i] = npRandom(seed + i);
      else if (!this.rngs[i]) this.rngs[i] = npRandom();
      cartPoleResetRow(this.s, i, this.rngs[i] as Generator);
      this.writeObs(this.obs, i);
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
    const n = this.numEnvs;
    if (actions.length !== n) throw new Error(`CartPoleVecEnv.step: expected ${n} actions, got ${actions.length}`);
    // Validate everything first so a bad action leaves no sub-env half-stepped.
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      if (a !== 0 && a !== 1) checkCartPoleAction(a);
    }
    const s = this.s;
    const obs = this.obs;
    const rewards = this.rewards;
    const term = this.terminated;
    const trunc = this.truncated;
    const episodes = this.episodes;
    const lens = episodes.lengths;
    const maxSteps = this.maxEpisodeSteps;
    const sutton = this.suttonBartoReward;
    episodes.beginStep();
    for (let i = 0; i < n; i++) {
      const terminated = cartPolePhysicsStep(s, i, actions[i]);
      const len = lens[i] + 1;
      const truncated = len >= maxSteps;
      // A sub-env is reset as soon as it ends, so the "stepped after termination" branch never runs.
      const reward = sutton ? (terminated ? -1.0 : 0.0) : 1.0;
      rewards[i] = reward;
      term[i] = terminated ? 1 : 0;
      trunc[i] = truncated ? 1 : 0;
      const o = i * OBS_DIM;
      obs[o] = s.x[i];
      obs[o + 1] = s.xDot[i];
      obs[o + 2] = s.theta[i];
      obs[o + 3] = s.thetaDot[i];
      episodes.add(i, reward, terminated, truncated);
      if (terminated || truncated) this.endEpisode(i);
    }
  }

  renderState(i: number): RenderState {
    this.checkIndex(i);
    return { env: 'CartPole-v1', x: this.s.x[i], theta: this.s.theta[i] };
  }

  finalRenderState(i: number): RenderState {
    this.checkIndex(i);
    return { env: 'CartPole-v1', x: this.finalX[i], theta: this.finalTheta[i] };
  }

  close(): void {
    // Nothing to release.
  }

  snapshot(): VecEnvSnapshot {
    if (!this.started) throw new Error('a vector env can be captured only after reset()');
    const s = this.s;
    return {
      kind: 'CartPoleVecEnv',
      numEnvs: this.numEnvs,
      state: [s.x, s.xDot, s.theta, s.thetaDot].map((a) => Float64Array.from(a)),
      rngs: this.rngs.map((g) => g!.getState()),
      returns: Float64Array.from(this.episodes.returns),
      lengths: Int32Array.from(this.episodes.lengths),
    };
  }

  restore(snap: VecEnvSnapshot): void {
    const n = this.numEnvs;
    const state = snap.state as Float64Array[];
    const rngs = snap.rngs as PCG64State[];
    const ok =
      snap.kind === 'CartPoleVecEnv' &&
      snap.numEnvs === n &&
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((a) => a instanceof Float64Array && a.length === n) &&
      Array.isArray(rngs) &&
      rngs.length === n &&
      snap.returns instanceof Float64Array &&
      snap.returns.length === n &&
      snap.lengths instanceof Int32Array &&
      snap.lengths.length === n;
    if (!ok) throw new Error(`the saved env state is not that of ${n} CartPole envs`);
    const s = this.s;
    [s.x, s.xDot, s.theta, s.thetaDot].forEach((a, k) => a.set(state[k]));
    for (let i = 0; i < n; i++) {
      const g = this.rngs[i] ?? npRandom(0);
      g.setState(rngs[i]); // checks the 128-bit state
      this.rngs[i] = g;
      this.writeObs(this.obs, i);
    }
    this.episodes.reset();
    this.episodes.returns.set(snap.returns as Float64Array);
    this.episodes.lengths.set(snap.lengths as Int32Array);
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.started = true;
  }

  /** Kept out of the hot loop: saves the final obs and autoresets sub-env i. */
  private endEpisode(i: number): void {
    const o = i * OBS_DIM;
    this.finalObs.set(this.obs.subarray(o, o + OBS_DIM), o);
    this.finalX[i] = this.s.x[i];
    this.finalTheta[i] = this.s.theta[i];
    cartPoleResetRow(this.s, i, this.rngs[i] as Generator);
    this.writeObs(this.obs, i);
  }

  private writeObs(dst: Float32Array, i: number): void {
    const o = i * OBS_DIM;
    dst[o] = this.s.x[i];
    dst[o + 1] = this.s.xDot[i];
    dst[o + 2] = this.s.theta[i];
    dst[o + 3] = this.s.thetaDot[i];
  }

  private checkIndex(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs) throw new Error(`env index ${i} out of range 0..${this.numEnvs - 1}`);
    return i;
  }
}
