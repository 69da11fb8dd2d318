/**
 * Action distributions parameterised by a network's output rows.
 *
 * Two halves: tfjs ops (logProb, entropy) used inside the differentiable loss, and JS functions on
 * Float32Arrays (sample, mode, logProbJs) used while acting, drawing randomness only from our seeded
 * Generator. A diagonal Gaussian fits the same interface: params = means (the network output), plus
 * its own state-independent log-std variable, actions = Float32Array rows of actDim.
 */
import * as tf from '@tensorflow/tfjs';
import type { Generator } from '../envs/numpy-rng.ts';
import type { Space } from '../envs/spaces.ts';

/** Discrete actions are Int32Array indices; continuous ones Float32Array rows [n × actionDim]. */
export type ActionArray = Int32Array | Float32Array;

export interface ActionDistribution {
  readonly kind: 'categorical' | 'diag-gaussian';
  /** Network outputs per row (Categorical: n logits). */
  readonly paramDim: number;
  /** Action values per row (1 for a discrete index). */
  readonly actionDim: number;
  /** log π(a|s) per row: params [B × paramDim], actions [B] int32 (or [B × actDim] float32). */
  logProb(params: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D;
  /** H(π(·|s)) per row. */
  entropy(params: tf.Tensor2D): tf.Tensor1D;
  /** Draws one action per row with rng; writes log π(a|s) into logProbOut if given. */
  sample(params: Float32Array, n: number, rng: Generator, out?: ActionArray, logProbOut?: Float32Array): ActionArray;
  /** The most likely action per row (deterministic acting). */
  mode(params: Float32Array, n: number, out?: ActionArray): ActionArray;
  /** log π(a|s) per row computed in JS. */
  logProbJs(params: Float32Array, actions: ActionArray, n: number, out?: Float32Array): Float32Array;
  /** Action probabilities per row [n × nActions] (discrete only; a Gaussian would throw). */
  probs(params: Float32Array, n: number): Float32Array;
}

/** π(a|s) = softmax(logits)_a. */
export class Categorical implements ActionDistribution {
  readonly kind = 'categorical' as const;
  readonly paramDim: number;
  readonly actionDim = 1;
  private readonly rowProbs: Float64Array;

  constructor(readonly nActions: number) {
    if (!Number.isInteger(nActions) || nActions < 1) throw new Error(`Categorical needs ≥ 1 actions, got ${nActions}`);
    this.paramDim = nActions;
    this.rowProbs = new Float64Array(nActions);
  }

  logProb(logits: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      const onehot = tf.oneHot(tf.cast(actions.flatten(), 'int32'), this.nActions);
      return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
    });
  }

  entropy(logits: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
    });
  }

  /** Softmax of one row into this.rowProbs (float64, max-shifted for stability); returns log Σ exp. */
  private softmaxRow(logits: Float32Array, off: number): number {
    const k = this.nActions;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logits[off + j] > max) max = logits[off + j];
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(logits[off + j] - max);
      this.rowProbs[j] = e;
      sum += e;
    }
    for (let j = 0; j < k; j++) this.rowProbs[j] /= sum;
    return max + Math.log(sum);
  }

  sample(logits: Float32Array, n: number, rng: Generator, out?: Int32Array, logProbOut?: Float32Array): Int32Array {
    const k = this.nActions;
    const actions = out ?? new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const lse = this.softmaxRow(logits, r * k);
      // Inverse CDF with one uniform draw per row; the last index absorbs rounding.
      const u = rng.random();
      let a = k - 1;
      let c = 0;
      for (let j = 0; j < k - 1; j++) {
        c += this.rowProbs[j];
        if (u < c) {
          a = j;
          break;
        }
      }
      actions[r] = a;
      if (logProbOut) logProbOut[r] = logits[r * k + a] - lse;
    }
    return actions;
  }

  mode(logits: Float32Array, n: number, out?: Int32Array): Int32Array {
    const k = this.nActions;
    const actions = out ?? new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j; // ties → lowest index, like argmax
      actions[r] = best;
    }
    return actions;
  }

  logProbJs(logits: Float32Array, actions: Int32Array, n: number, out?: Float32Array): Float32Array {
    const k = this.nActions;
    const res = out ?? new Float32Array(n);
    for (let r = 0; r < n; r++) res[r] = logits[r * k + actions[r]] - this.softmaxRow(logits, r * k);
    return res;
  }

  probs(logits: Float32Array, n: number): Float32Array {
    const k = this.nActions;
    const res = new Float32Array(n * k);
    for (let r = 0; r < n; r++) {
      this.softmaxRow(logits, r * k);
      for (let j = 0; j < k; j++) res[r * k + j] = this.rowProbs[j];
    }
    return res;
  }
}

/** The distribution an action space needs. */
export function distributionFor(space: Space): ActionDistribution {
  if (space.kind === 'discrete') return new Categorical(space.n);
  throw new Error(`continuous (Box) action spaces are not supported yet: needs a diagonal Gaussian distribution`);
}
