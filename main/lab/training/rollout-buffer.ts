/**
 * On-policy rollout storage: [nSteps × nEnvs] rows in flat typed arrays (row k = t·nEnvs + i),
 * filled one vector step at a time, then turned into GAE advantages and λ-returns.
 */
import type { ActionArray } from '../nn/distributions.ts';
import { computeGae } from './returns.ts';

export class RolloutBuffer {
  readonly size: number;
  readonly obs: Float32Array;
  readonly actions: ActionArray;
  readonly rewards: Float32Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** V(finalObs) for rows that were truncated (time limit), used to bootstrap. */
  readonly finalValues: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Vector steps stored so far. */
  pos = 0;

  constructor(
    readonly nSteps: number,
    readonly nEnvs: number,
    readonly obsDim: number,
    /** 1 for a discrete index; the Box dimension for continuous actions. */
    readonly actionDim: number,
    readonly discrete: boolean,
  ) {
    const n = nSteps * nEnvs;
    this.size = n;
    this.obs = new Float32Array(n * obsDim);
    this.actions = discrete ? new Int32Array(n) : new Float32Array(n * actionDim);
    this.rewards = new Float32Array(n);
    this.values = new Float32Array(n);
    this.logProbs = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.finalValues = new Float32Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  get full(): boolean {
    return this.pos >= this.nSteps;
  }

  reset(): void {
    this.pos = 0;
    this.finalValues.fill(0);
  }

  /** Stores the state and decision of one vector step (before env.step). */
  addStep(obs: Float32Array, actions: ActionArray, values: ArrayLike<number>, logProbs: ArrayLike<number>): void {
    if (this.full) throw new Error('RolloutBuffer is full');
    const N = this.nEnvs;
    const t = this.pos;
    this.obs.set(obs.subarray(0, N * this.obsDim), t * N * this.obsDim);
    const ad = this.discrete ? 1 : this.actionDim;
    (this.actions as Float32Array | Int32Array).set(actions.subarray(0, N * ad) as never, t * N * ad);
    for (let i = 0; i < N; i++) {
      this.values[t * N + i] = values[i];
      this.logProbs[t * N + i] = logProbs[i];
    }
  }

  /** Stores the outcome of that step (after env.step) and advances. */
  addOutcome(rewards: ArrayLike<number>, terminated: ArrayLike<number>, truncated: ArrayLike<number>): void {
    const N = this.nEnvs;
    const t = this.pos;
    for (let i = 0; i < N; i++) {
      this.rewards[t * N + i] = rewards[i];
      this.terminated[t * N + i] = terminated[i] ? 1 : 0;
      this.truncated[t * N + i] = truncated[i] && !terminated[i] ? 1 : 0; // terminal wins: no bootstrap
    }
    this.pos++;
  }

  /** V(finalObs) of env i at the step just stored (call after addOutcome). */
  setFinalValue(envIndex: number, value: number): void {
    this.finalValues[(this.pos - 1) * this.nEnvs + envIndex] = value;
  }

  computeReturnsAndAdvantages(lastValues: ArrayLike<number>, gamma: number, lambda: number): void {
    if (!this.full) throw new Error('RolloutBuffer: compute advantages only on a full buffer');
    computeGae(
      {
        nSteps: this.nSteps,
        nEnvs: this.nEnvs,
        rewards: this.rewards,
        values: this.values,
        terminated: this.terminated,
        truncated: this.truncated,
        finalValues: this.finalValues,
        lastValues,
        gamma,
        lambda,
      },
      this.advantages,
      this.returns,
    );
  }

  /** Copies rows `idx` into a minibatch (contiguous typed arrays ready for tf tensors). */
  gather(idx: ArrayLike<number>): {
    obs: Float32Array;
    actions: ActionArray;
    logProbs: Float32Array;
    advantages: Float32Array;
    returns: Float32Array;
    values: Float32Array;
  } {
    const m = idx.length;
    const D = this.obsDim;
    const ad = this.discrete ? 1 : this.actionDim;
    const obs = new Float32Array(m * D);
    const actions = this.discrete ? new Int32Array(m) : new Float32Array(m * ad);
    const logProbs = new Float32Array(m);
    const advantages = new Float32Array(m);
    const returns = new Float32Array(m);
    const values = new Float32Array(m);
    for (let j = 0; j < m; j++) {
      const k = idx[j];
      obs.set(this.obs.subarray(k * D, (k + 1) * D), j * D);
      for (let a = 0; a < ad; a++) actions[j * ad + a] = this.actions[k * ad + a];
      logProbs[j] = this.logProbs[k];
      advantages[j] = this.advantages[k];
      returns[j] = this.returns[k];
      values[j] = this.values[k];
    }
    return { obs, actions, logProbs, advantages, returns, values };
  }
}
