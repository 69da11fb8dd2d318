/**
 * Action distributions parameterised by a network's output rows.
 *
 * Two halves: tfjs ops (logProb, entropy) used inside the differentiable loss, and JS functions on
 * Float32Arrays (sample, mode, logProbJs) used while acting, drawing randomness only from our seeded
 * Generator.
 *
 *   Categorical (Discrete(n)):   params = n logits per row; actions = Int32Array indices.
 *   DiagGaussian (Box, d dims):  params = d means per row (the network output); σ = exp(log_std)
 *                                with log_std a state-independent trainable variable of the
 *                                distribution itself (SB3's DiagGaussianDistribution, log_std_init 0);
 *                                actions = Float32Array rows [n × d], unbounded. Callers clip to the
 *                                Box bounds before stepping the env (clipToBox) but keep the unclipped
 *                                sample for log-probabilities, as SB3 does.
 */
import * as tf from '@tensorflow/tfjs';
import type { Generator } from '../envs/numpy-rng.ts';
import { flatDim, type BoxSpace, type Space } from '../envs/spaces.ts';

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
  /** Action probabilities per row [n × nActions] (discrete only; a Gaussian throws). */
  probs(params: Float32Array, n: number): Float32Array;
  /** Trainable parameters of the distribution itself (DiagGaussian: [log_std]; Categorical: none). */
  readonly variables: readonly tf.Variable[];
  /** Call after its variables change (optimizer step) so the JS mirror is re-read. */
  invalidate(): void;
  dispose(): void;
}

/** π(a|s) = softmax(logits)_a. */
export class Categorical implements ActionDistribution {
  readonly kind = 'categorical' as const;
  readonly paramDim: number;
  readonly actionDim = 1;
  readonly variables: readonly tf.Variable[] = [];
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

  invalidate(): void {}

  dispose(): void {}
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

let gaussianCounter = 0;

/**
 * π(a|s) = Π_j N(a_j; μ_j(s), σ_j²), σ = exp(log_std) shared by all states:
 *   log π(a|s) = Σ_j [−½((a_j − μ_j)/σ_j)² − log σ_j − ½ log 2π]
 *   H(π(·|s))  = Σ_j [½ + ½ log 2π + log σ_j]
 */
export class DiagGaussian implements ActionDistribution {
  readonly kind = 'diag-gaussian' as const;
  readonly paramDim: number;
  readonly actionDim: number;
  /** [dim] trainable log σ. */
  readonly logStd: tf.Variable;
  readonly variables: readonly tf.Variable[];
  private cache: Float64Array | null = null; // σ per dim (float64 from the float32 variable)
  private cacheLog: Float64Array | null = null;

  /** logStdInit: one value for every dimension (SB3's log_std_init) or one per dimension. */
  constructor(
    readonly dim: number,
    logStdInit: number | ArrayLike<number> = 0,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`DiagGaussian needs ≥ 1 dimensions, got ${dim}`);
    const init = typeof logStdInit === 'number' ? new Float32Array(dim).fill(logStdInit) : Float32Array.from(logStdInit);
    if (init.length !== dim) throw new Error(`DiagGaussian: ${init.length} log-std values for ${dim} dimensions`);
    if (!init.every(Number.isFinite)) throw new Error('DiagGaussian: log-std values must be finite');
    this.paramDim = dim;
    this.actionDim = dim;
    // Non-numeric unique name: gradient maps are keyed by variable name (see nn/mlp.ts).
    this.logStd = tf.tidy(() => tf.variable(tf.tensor1d(init), true, `diaggauss${++gaussianCounter}_log_std`));
    this.variables = [this.logStd];
  }

  /** A copy of log σ (float32 values). */
  getLogStd(): Float32Array {
    return new Float32Array(this.logStd.dataSync());
  }

  setLogStd(values: ArrayLike<number>): void {
    if (values.length !== this.dim) throw new Error(`DiagGaussian: ${values.length} log-std values for ${this.dim} dimensions`);
    tf.tidy(() => this.logStd.assign(tf.tensor1d(Float32Array.from(values))));
    this.invalidate();
  }

  /** σ per dimension (JS mirror). */
  std(): Float64Array {
    this.mirror();
    return this.cache!;
  }

  invalidate(): void {
    this.cache = null;
    this.cacheLog = null;
  }

  dispose(): void {
    this.logStd.dispose();
    this.invalidate();
  }

  private mirror(): void {
    if (this.cache) return;
    const ls = this.logStd.dataSync();
    this.cacheLog = Float64Array.from(ls);
    this.cache = this.cacheLog.map(Math.exp);
  }

  logProb(mean: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const a = tf.reshape(tf.cast(actions, 'float32'), mean.shape);
      const z = tf.div(tf.sub(a, mean), tf.exp(this.logStd));
      const perDim = tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(this.logStd, HALF_LOG_2PI));
      return tf.sum(perDim, 1) as tf.Tensor1D;
    });
  }

  entropy(mean: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const h = tf.add(tf.sum(this.logStd), this.dim * (0.5 + HALF_LOG_2PI));
      return tf.add(tf.zeros([mean.shape[0]]), h) as tf.Tensor1D; // same for every row
    });
  }

  /** a = μ + σ·ε, ε ~ N(0, 1) by Box–Muller on the Generator's doubles (a pair per two values). */
  sample(mean: Float32Array, n: number, rng: Generator, out?: Float32Array, logProbOut?: Float32Array): Float32Array {
    this.mirror();
    const d = this.dim;
    const sd = this.cache!;
    const total = n * d;
    const actions = out ?? new Float32Array(total);
    if (actions.length < total) throw new Error('DiagGaussian.sample: output buffer too small');
    let spare = NaN;
    for (let k = 0; k < total; k++) {
      let eps: number;
      if (Number.isNaN(spare)) {
        const u1 = 1 - rng.random(); // (0, 1]: log stays finite
        const u2 = rng.random();
        const r = Math.sqrt(-2 * Math.log(u1));
        eps = r * Math.cos(2 * Math.PI * u2);
        spare = r * Math.sin(2 * Math.PI * u2);
      } else {
        eps = spare;
        spare = NaN;
      }
      actions[k] = mean[k] + sd[k % d] * eps;
    }
    // From the stored float32 actions, so it matches what logProb computes on them later.
    if (logProbOut) this.logProbJs(mean, actions, n, logProbOut);
    return actions;
  }

  mode(mean: Float32Array, n: number, out?: Float32Array): Float32Array {
    const total = n * this.dim;
    const res = out ?? new Float32Array(total);
    res.set(mean.subarray(0, total));
    return res;
  }

  logProbJs(mean: Float32Array, actions: Float32Array, n: number, out?: Float32Array): Float32Array {
    this.mirror();
    const d = this.dim;
    const sd = this.cache!;
    const lsd = this.cacheLog!;
    const res = out ?? new Float32Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const z = (actions[r * d + j] - mean[r * d + j]) / sd[j];
        s += -0.5 * z * z - lsd[j] - HALF_LOG_2PI;
      }
      res[r] = s;
    }
    return res;
  }

  probs(): Float32Array {
    throw new Error('a diagonal Gaussian (continuous actions) has no action probabilities');
  }
}

/** Clips n rows of Box actions into [low, high] per element (np.clip); writes into out (may be `actions`). */
export function clipToBox(actions: Float32Array, n: number, space: BoxSpace, out?: Float32Array): Float32Array {
  const d = flatDim(space);
  const res = out ?? new Float32Array(n * d);
  for (let k = 0; k < n * d; k++) {
    const lo = space.low[k % d];
    const hi = space.high[k % d];
    const v = actions[k];
    res[k] = v < lo ? lo : v > hi ? hi : v;
  }
  return res;
}

export interface DistributionOptions {
  /** Initial log σ of a diagonal Gaussian (Box spaces); SB3's log_std_init, default 0. */
  logStdInit?: number | ArrayLike<number>;
}

/** The distribution an action space needs: Discrete → Categorical, Box → DiagGaussian (flat). */
export function distributionFor(space: Space, opts: DistributionOptions = {}): ActionDistribution {
  if (space.kind === 'discrete') return new Categorical(space.n);
  return new DiagGaussian(flatDim(space), opts.logStdInit ?? 0);
}
