/**
 * The seam between the trainer and an algorithm.
 *
 * An Algorithm owns its networks, optimizer and rollout collection; the trainer owns the VecEnv's
 * lifetime, the step budget, episode bookkeeping and saving. `iterate` collects experience (calling
 * ctx.onEnvStep after every vecEnv.step so the trainer sees finished episodes and frames as they
 * happen) and performs one update.
 */
import * as tf from '@tensorflow/tfjs';
import type { AlgoId } from '../domain/algorithms.ts';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { flatDim, type Space } from '../envs/spaces.ts';
import { DiagGaussian, clipToBox, type ActionArray, type ActionDistribution } from '../nn/distributions.ts';
import type { Mlp } from '../nn/mlp.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import type { FusedOptimizer } from '../nn/fused/optimizers.ts';

/** Anything that maps observations to actions. */
export interface ActingPolicy {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /**
   * obs: [n × obsDim]; deterministic → the mode, else a draw from rng. Box actions come back
   * clipped to the space's bounds (ready for env.step).
   */
  act(obs: Float32Array, n: number, deterministic: boolean, rng?: Generator): ActionArray;
  /** [n × nActions] action probabilities (discrete action spaces). */
  actionProbs(obs: Float32Array, n?: number): Float32Array;
}

/**
 * What a saved policy is (policy.json `kind`): an MLP actor (policy-gradient methods), a Q-network
 * (DQN; acts by argmax), a Q-table over binned observations (tabular Q-learning) or a baseline agent.
 */
export type PolicyKind = 'mlp-actor' | 'q-network' | 'q-table' | 'baseline';
export const POLICY_KINDS: readonly PolicyKind[] = ['mlp-actor', 'q-network', 'q-table', 'baseline'];

/** An acting policy the trainer evaluates and runs/policy-file.ts saves (by `kind`). */
export interface SavablePolicy extends ActingPolicy {
  readonly kind: PolicyKind;
  dispose(): void;
}

/**
 * An MLP that outputs distribution parameters; acts with the JS forward pass (see nn/mlp.ts).
 * Its trainable variables are the network's plus the distribution's own (a Gaussian's log σ).
 */
export class MlpPolicy implements SavablePolicy {
  readonly kind: PolicyKind = 'mlp-actor';
  readonly obsDim: number;

  constructor(
    readonly net: Mlp,
    readonly distribution: ActionDistribution,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
  ) {
    this.obsDim = flatDim(observationSpace);
    if (net.spec.inputDim !== this.obsDim) throw new Error(`policy network input ${net.spec.inputDim} ≠ observation size ${this.obsDim}`);
    if (net.spec.outputDim !== distribution.paramDim)
      throw new Error(`policy network output ${net.spec.outputDim} ≠ ${distribution.paramDim} distribution parameters`);
    const wantKind = actionSpace.kind === 'discrete' ? 'categorical' : 'diag-gaussian';
    if (distribution.kind !== wantKind || (actionSpace.kind === 'box' && distribution.actionDim !== flatDim(actionSpace))) {
      throw new Error(`a ${distribution.kind} distribution of ${distribution.actionDim} action values does not fit the action space`);
    }
  }

  act(obs: Float32Array, n: number, deterministic: boolean, rng?: Generator): ActionArray {
    const params = this.net.forward(obs, n);
    let a: ActionArray;
    if (deterministic) a = this.distribution.mode(params, n);
    else {
      if (!rng) throw new Error('stochastic act() needs a Generator');
      a = this.distribution.sample(params, n, rng);
    }
    // SB3's predict(): Box actions are clipped to the bounds the env accepts.
    if (this.actionSpace.kind === 'box') clipToBox(a as Float32Array, n, this.actionSpace, a as Float32Array);
    return a;
  }

  /** Box policies: the Gaussian's means [n × d] and its state-independent σ [d] (for the X-ray). */
  gaussian(obs: Float32Array, n: number): { mean: Float32Array; std: Float32Array } {
    if (!(this.distribution instanceof DiagGaussian)) throw new Error('gaussian() is for Box action spaces');
    return { mean: Float32Array.from(this.net.forward(obs, n)), std: Float32Array.from(this.distribution.std()) };
  }

  /** Trainable variables in a fixed order: network (kernel, bias per layer), then the distribution's. */
  get variables(): tf.Variable[] {
    return [...this.net.variables, ...this.distribution.variables];
  }

  /** Call after the variables change so the JS mirrors are re-read. */
  invalidate(): void {
    this.net.invalidate();
    this.distribution.invalidate();
  }

  dispose(): void {
    this.net.dispose();
    this.distribution.dispose();
  }

  actionProbs(obs: Float32Array, n = Math.floor(obs.length / this.obsDim)): Float32Array {
    return this.distribution.probs(this.net.forward(obs, n), n);
  }
}

export interface IterationContext {
  /** Env-step budget of the whole run and steps done before this iteration (for schedules). */
  totalSteps: number;
  stepsDone: number;
  /** Call after every vecEnv.step(). */
  onEnvStep(): void;
  /**
   * Cores this run may use now (absent = 1): 2 when it trains alone on a machine with cores to spare.
   * An algorithm that can split an update over two threads does so only then; results are the same.
   */
  threads?: number;
}

export interface IterationResult {
  /** Env steps (summed over sub-envs) this iteration consumed. */
  steps: number;
  /** Update metrics (finite numbers) for the UpdateRecord. */
  metrics: Record<string, number>;
}

export interface Algorithm {
  readonly id: AlgoId;
  /** The acting policy (the one saved); always holds the latest finite weights. */
  readonly policy: SavablePolicy;
  iterate(ctx: IterationContext): Promise<IterationResult>;
  dispose(): void;
  /**
   * Between iterations: what, beyond its policy and critic weights (the policy folder) and the
   * trainer's random stream, it needs to go on exactly as if never stopped — optimizer moments and
   * step counts, schedules' counters, a target network, a replay buffer. Absent: a resumed run keeps
   * the weights but starts its optimizer afresh (and fresh episodes).
   */
  trainingState?(): AlgorithmState;
  /**
   * Puts back what trainingState() gave, on an algorithm built from the same configuration; throws
   * naming what does not fit. Called after the vec env is restored or, with `freshEpisodes` (an env
   * that cannot be captured), reset: then episodes in progress are not carried on.
   */
  restoreTrainingState?(s: AlgorithmState, opts: { freshEpisodes: boolean }): void;
}

/** An algorithm's training state: plain data and typed arrays (training/training-state.ts writes it). */
export type AlgorithmState = Record<string, unknown>;

export interface AlgorithmOptions {
  vecEnv: VecEnv;
  /** Hyperparameters (SB3 names), checked where the run's configuration was built; missing keys take the algorithm's defaults. */
  hyperparameters: Record<string, unknown>;
  /** Seeded stream for weight init, action sampling and shuffles. */
  rng: Generator;
  /** Training engine (absent = tfjs, the reference path). */
  engine?: EngineName;
}

/**
 * A loss or gradient that is NaN/±Infinity. Thrown before the bad step is applied, so the policy
 * still holds the last good weights.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly metric: string,
    readonly value: number,
  ) {
    super(`${metric} became ${value} (non-finite); try a lower learning_rate`);
    this.name = 'NonFiniteLossError';
  }
}

/** The fused engine's check of a step's loss terms (gradientStep's, for tfjs): an error before anything is applied. */
export function checkFiniteLosses(losses: Losses): void {
  for (const [name, v] of Object.entries(losses)) if (!Number.isFinite(v)) throw new NonFiniteLossError(name, v);
}

/** A gradient step's losses and diagnostics by name (the names its metrics take), and the gradient norm before clipping. */
export type Losses<N extends string = string> = Record<N, number>;
export type StepResult<N extends string = string> = {
  losses: Losses<N>;
  gradNorm: number;
};

/** Means over several steps (PPO's epochs, DQN's gradient steps), as metrics: each loss by name, and grad_norm. */
export class StepMeans {
  private readonly sums = new Map<string, number>();
  private n = 0;

  add(r: StepResult): void {
    for (const [k, v] of Object.entries(r.losses)) this.sums.set(k, (this.sums.get(k) ?? 0) + v);
    this.sums.set('grad_norm', (this.sums.get('grad_norm') ?? 0) + r.gradNorm);
    this.n++;
  }

  /** {} before any step. */
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.n > 0) for (const [k, v] of this.sums) out[k] = v / this.n;
    return out;
  }
}

/**
 * The fused engine's clip + optimizer step (gradientStep's, for tfjs): returns the pre-clip gradient
 * norm; a non-finite one applied nothing and is an error.
 */
export function fusedOptimizerStep(opt: FusedOptimizer, lr: number, maxGradNorm: number): number {
  const norm = opt.step(lr, maxGradNorm);
  if (!Number.isFinite(norm)) throw new NonFiniteLossError('grad_norm', norm);
  return norm;
}

/** The validated n_envs must match the vec env the trainer built (an algorithm sizes its buffers by it). */
export function checkNumEnvs(nEnvs: number, vecEnv: VecEnv): void {
  if (nEnvs !== vecEnv.numEnvs) throw new Error(`n_envs is ${nEnvs} but the vec env has ${vecEnv.numEnvs} envs`);
}

/** Fisher–Yates shuffle of 0..n-1 with our Generator (minibatch order). */
export function permutation(n: number, rng: Generator, out?: Int32Array): Int32Array {
  const p = out ?? new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integers(0, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * One optimizer step on `vars`: lossFn returns [loss, ...side metrics] (scalars). Reads loss, side
 * metrics and the global gradient norm in one sync; throws NonFiniteLossError before applying
 * anything if one is NaN/±Infinity; otherwise scales the gradients so their global L2 norm is at
 * most maxGradNorm (as torch.nn.utils.clip_grad_norm_; 0 = no clipping) and applies them.
 * Returns loss and side metrics by `names` (in the order lossFn returns them) and the pre-clip norm.
 */
export function gradientStep<N extends string>(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  lossFn: () => tf.Scalar[],
  names: readonly N[],
  maxGradNorm: number,
): StepResult<N> {
  let side: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const [loss, ...metrics] = lossFn();
    // Intermediates of f are freed by variableGrads; keep the side metrics for the read below.
    side = tf.keep(metrics.length ? tf.stack(metrics) : tf.zeros([0]));
    return loss;
  }, vars);
  try {
    const read = tf.tidy(() => {
      const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(tf.addN(sq));
      return tf.concat([tf.reshape(value, [1]), tf.reshape(side!, [-1]), tf.reshape(norm, [1])]);
    });
    const data = read.dataSync();
    read.dispose();
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new NonFiniteLossError(i < data.length - 1 ? (names[i] ?? `metric ${i}`) : 'grad_norm', data[i]);
    }
    const gradNorm = data[data.length - 1];
    if (maxGradNorm > 0 && gradNorm > maxGradNorm) {
      const scale = maxGradNorm / (gradNorm + 1e-6);
      const clipped = tf.tidy(() => {
        const out: tf.NamedTensorMap = {};
        for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
        return out;
      });
      optimizer.applyGradients(clipped);
      tf.dispose(Object.values(clipped));
    } else {
      optimizer.applyGradients(grads);
    }
    const losses = {} as Losses<N>;
    names.forEach((name, i) => (losses[name] = data[i]));
    return { losses, gradNorm };
  } finally {
    value.dispose();
    side?.dispose();
    tf.dispose(Object.values(grads));
  }
}

/**
 * Adam with torch's β (0.9, 0.999) and an explicit ε. Left out, tfjs' ε is the backend's (1e-7 in
 * float32), which matches neither torch's default 1e-8 nor SB3's actor-critic 1e-5, so every caller
 * names the one of the implementation it follows.
 */
export function adam(learningRate: number, epsilon: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, epsilon);
}

/** Sets an optimizer's step size in place (tfjs declares it protected; Adam reads it every step). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}
