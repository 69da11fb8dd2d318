/**
 * Experience replay for off-policy algorithms (DQN): a ring buffer of transitions
 * (s, a, r, s', done) in flat typed arrays, overwritten oldest-first once full, sampled uniformly
 * with replacement from our seeded Generator (SB3's ReplayBuffer.sample draws the same way).
 *
 * Time limits follow SB3's handle_timeout_termination: `done` is set only on termination; a
 * truncated transition keeps done = 0 and stores the episode's final observation as s', so the
 * target bootstraps from it (the vec env's `obs` row already holds the next episode's reset).
 */
import type { Generator } from '../envs/numpy-rng.ts';

export interface ReplaySample {
  /** [batch × obsDim] */
  obs: Float32Array<ArrayBuffer>;
  /** [batch] discrete action indices */
  actions: Int32Array<ArrayBuffer>;
  rewards: Float32Array<ArrayBuffer>;
  /** [batch × obsDim] */
  nextObs: Float32Array<ArrayBuffer>;
  /** 1 where the episode terminated (no bootstrap), else 0. */
  dones: Float32Array<ArrayBuffer>;
}

export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
  /** Next slot to write. */
  pos = 0;
  /** Transitions held (≤ capacity). */
  size = 0;
  private scratch: ReplaySample | null = null;

  constructor(
    readonly capacity: number,
    readonly obsDim: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`replay buffer capacity must be a positive integer, got ${capacity}`);
    this.obs = new Float32Array(capacity * obsDim);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Float32Array(capacity);
  }

  /** Stores one transition; obs and nextObs are read from `obsDim` values at the given offsets. */
  add(obs: Float32Array, obsOffset: number, action: number, reward: number, nextObs: Float32Array, nextOffset: number, done: boolean): void {
    const D = this.obsDim;
    const p = this.pos;
    this.obs.set(obs.subarray(obsOffset, obsOffset + D), p * D);
    this.nextObs.set(nextObs.subarray(nextOffset, nextOffset + D), p * D);
    this.actions[p] = action;
    this.rewards[p] = reward;
    this.dones[p] = done ? 1 : 0;
    this.pos = (p + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /**
   * Stores one vec-env step: n rows of (obs, actions) taken, then the step's outcome. Where a
   * sub-env's episode ended, s' is its final observation (finalObs row) and done = terminated.
   */
  addVecStep(
    obs: Float32Array,
    actions: Int32Array,
    step: { rewards: ArrayLike<number>; terminated: ArrayLike<number>; truncated: ArrayLike<number>; obs: Float32Array; finalObs: Float32Array },
    n: number,
  ): void {
    const D = this.obsDim;
    for (let i = 0; i < n; i++) {
      const ended = !!step.terminated[i] || !!step.truncated[i];
      this.add(obs, i * D, actions[i], step.rewards[i], ended ? step.finalObs : step.obs, i * D, !!step.terminated[i]);
    }
  }

  /** The transitions held (only the filled rows) and the write position: part of DQN's training state. */
  getState(): { pos: number; size: number; obs: Float32Array; nextObs: Float32Array; actions: Int32Array; rewards: Float32Array; dones: Float32Array } {
    const n = this.size;
    const D = this.obsDim;
    return {
      pos: this.pos,
      size: n,
      obs: this.obs.slice(0, n * D),
      nextObs: this.nextObs.slice(0, n * D),
      actions: this.actions.slice(0, n),
      rewards: this.rewards.slice(0, n),
      dones: this.dones.slice(0, n),
    };
  }

  setState(s: ReturnType<ReplayBuffer['getState']>): void {
    const n = s.size;
    const D = this.obsDim;
    const fits =
      Number.isSafeInteger(n) &&
      n >= 0 &&
      n <= this.capacity &&
      Number.isSafeInteger(s.pos) &&
      s.pos >= 0 &&
      s.pos < this.capacity &&
      s.obs instanceof Float32Array &&
      s.obs.length === n * D &&
      s.nextObs instanceof Float32Array &&
      s.nextObs.length === n * D &&
      s.actions instanceof Int32Array &&
      s.actions.length === n &&
      s.rewards instanceof Float32Array &&
      s.rewards.length === n &&
      s.dones instanceof Float32Array &&
      s.dones.length === n;
    if (!fits) throw new Error(`the saved replay buffer does not fit this one (${this.capacity} transitions of ${D} values)`);
    this.obs.set(s.obs);
    this.nextObs.set(s.nextObs);
    this.actions.set(s.actions);
    this.rewards.set(s.rewards);
    this.dones.set(s.dones);
    this.pos = s.pos;
    this.size = n;
  }

  /** `batch` transitions drawn uniformly with replacement; the returned arrays are reused by the next call. */
  sample(batch: number, rng: Generator): ReplaySample {
    if (this.size === 0) throw new Error('cannot sample from an empty replay buffer');
    const D = this.obsDim;
    let s = this.scratch;
    if (!s || s.actions.length !== batch) {
      s = this.scratch = {
        obs: new Float32Array(batch * D),
        actions: new Int32Array(batch),
        rewards: new Float32Array(batch),
        nextObs: new Float32Array(batch * D),
        dones: new Float32Array(batch),
      };
    }
    for (let k = 0; k < batch; k++) {
      const j = rng.integers(0, this.size);
      s.obs.set(this.obs.subarray(j * D, (j + 1) * D), k * D);
      s.nextObs.set(this.nextObs.subarray(j * D, (j + 1) * D), k * D);
      s.actions[k] = this.actions[j];
      s.rewards[k] = this.rewards[j];
      s.dones[k] = this.dones[j];
    }
    return s;
  }
}
