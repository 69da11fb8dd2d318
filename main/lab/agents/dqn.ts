/**
 * DQN (Mnih et al. 2015), following SB3's DQN:
 *   - ε-greedy acting on an online Q-network (one draw per env; SB3 draws once for all envs);
 *     uniform random actions before `learning_starts`;
 *     ε decays linearly from exploration_initial_eps to exploration_final_eps over the first
 *     exploration_fraction of the step budget, then stays (SB3's get_linear_fn);
 *   - transitions go to a uniform replay buffer (training/replay-buffer.ts); a time-limit
 *     truncation stores the final observation as s' and is bootstrapped, a termination is not;
 *   - every `train_freq` env steps (per env) and once past learning_starts: `gradient_steps`
 *     minibatches of `batch_size`, each one Adam step on the Huber (smooth-L1, β = 1) loss between
 *     Q(s, a) and the target  y = r + γ · (1 − done) · max_a' Q_target(s', a')  — or, with
 *     `double_q`, y = r + γ · (1 − done) · Q_target(s', argmax_a' Q(s', a')) (van Hasselt et al. 2016)
 *     — with the global gradient norm clipped to max_grad_norm;
 *   - the target network follows the online one every `target_update_interval` env steps:
 *     θ⁻ ← τ·θ + (1 − τ)·θ⁻ (τ = 1: a hard copy), counted on vec-env steps as SB3 does
 *     (max(target_update_interval / n_envs, 1) calls);
 *   - the Q-network is a ReLU MLP with Glorot-uniform weights and zero biases (torch's default
 *     Linear init differs slightly), Adam with PyTorch's defaults.
 * One iterate() runs as many train_freq cycles (collect, then train) as make ≥ 256 env steps, so
 * update records arrive at a readable rate whatever train_freq is; its metrics average the
 * iteration's gradient steps. The saved policy is the Q-network (policy.json kind 'q-network',
 * head 'q'): it acts greedily (argmax Q); "stochastic" acting is ε-greedy with exploration_final_eps.
 * Two engines train the same loss (nn/fused/engine-choice.ts): tfjs ops (tfjsGradientStep, the
 * reference) or the fused engine's flat buffers (fusedGradientStep, FusedQNetworks below).
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { type Space } from '../envs/spaces.ts';
import { Mlp } from '../nn/mlp.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import { ParamSet, type FusedMlp } from '../nn/fused/fused-mlp.ts';
import { createKernels, type Kernels } from '../nn/fused/kernels.ts';
import { FusedAdam } from '../nn/fused/optimizers.ts';
import { withDefaults, parseSchedule, type Schedule } from '../training/hyperparameters.ts';
import { ReplayBuffer, type ReplaySample } from '../training/replay-buffer.ts';
import {
  adam,
  checkNumEnvs,
  gradientStep,
  checkFiniteLosses,
  StepMeans,
  type StepResult,
  fusedOptimizerStep,
  setLearningRate,
  type Algorithm,
  type AlgorithmOptions,
  type AlgorithmState,
  type IterationContext,
  type IterationResult,
} from './algorithm.ts';
import type { AlgorithmDef } from './definition.ts';
import { DQN_PRESETS, DQN_RULES, type DqnHyperparameters } from './dqn-hyperparameters.ts';
import { QNetworkPolicy, argmaxRow } from './q-network-policy.ts';
import { fusedOptimizerState, setFusedOptimizerState, setTfOptimizerState, tfOptimizerState, type OptimizerState } from '../nn/optimizer-state.ts';
import type { MlpWeights } from '../nn/mlp.ts';

const LOSS_NAMES = ['loss', 'q_mean'] as const;
type LossName = (typeof LOSS_NAMES)[number];
/** Minimum env steps per iterate() (whole train_freq cycles). */
const MIN_ITERATION_STEPS = 256;

/**
 * SB3's get_linear_fn(start, end, end_fraction) on progress_remaining (1 → 0):
 * start + (end − start) · progress / end_fraction until progress = 1 − progress_remaining reaches end_fraction, then end.
 */
export function linearSchedule(start: number, end: number, endFraction: number): Schedule {
  return (progressRemaining) => {
    const progress = 1 - progressRemaining;
    if (progress > endFraction || endFraction <= 0) return end;
    return start + (progress * (end - start)) / endFraction;
  };
}

/** θ⁻ ← τ·θ + (1 − τ)·θ⁻ on every variable pair (τ = 1 copies); the target's JS mirror is re-read. */
export function syncTarget(online: Mlp, target: Mlp, tau: number): void {
  const src = online.variables;
  const dst = target.variables;
  for (let k = 0; k < src.length; k++) {
    tf.tidy(() => dst[k].assign(tau === 1 ? src[k] : tf.add(tf.mul(src[k], tau), tf.mul(dst[k], 1 - tau))));
  }
  target.invalidate();
}

/**
 * TD targets y = r + γ · (1 − done) · Q_target(s', a'), with a' = argmax Q_target(s', ·) or, for
 * double DQN (nextQOnline given), a' = argmax Q_online(s', ·). No gradient flows through y.
 */
export function dqnTargets(nextQTarget: tf.Tensor2D, nextQOnline: tf.Tensor2D | null, rewards: tf.Tensor1D, dones: tf.Tensor1D, gamma: number): tf.Tensor1D {
  return tf.tidy(() => {
    const nextQ = nextQOnline ? tf.sum(tf.mul(nextQTarget, tf.oneHot(tf.argMax(nextQOnline, 1), nextQTarget.shape[1])), 1) : tf.max(nextQTarget, 1);
    return tf.add(rewards, tf.mul(tf.mul(tf.sub(1, dones), gamma), nextQ)) as tf.Tensor1D;
  });
}

/** Mean smooth-L1 (Huber, β = 1) of x, as torch's F.smooth_l1_loss: ½x² for |x| < 1, |x| − ½ beyond. */
export function huberLoss(x: tf.Tensor): tf.Scalar {
  const abs = tf.abs(x);
  const quad = tf.minimum(abs, 1);
  return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(abs, quad)));
}

export class Dqn implements Algorithm {
  readonly id = 'dqn' as const;
  readonly hp: DqnHyperparameters;
  readonly policy: QNetworkPolicy;
  readonly buffer: ReplayBuffer;
  readonly engine: EngineName;
  /** tfjs engine: the target network and Adam over the online net's tf.Variables. */
  readonly target: Mlp | null = null;
  private readonly optimizer: tf.Optimizer | null = null;
  /** fused engine: online and target nets as flat buffers, and Adam over the online one. */
  private readonly fused: FusedQNetworks | null = null;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;
  private readonly lrSchedule: Schedule;
  private readonly epsSchedule: Schedule;
  private epsilon: number;
  private numTimesteps = -1;
  /** Vec-env steps so far (SB3's _n_calls, which paces the target updates). */
  private nCalls = 0;
  private nUpdates = 0;
  private readonly obsBefore: Float32Array;
  private readonly actions: Int32Array;

  constructor({ vecEnv, hyperparameters, rng, engine }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<DqnHyperparameters>(DQN_RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    const why = supports(vecEnv.observationSpace, vecEnv.actionSpace);
    if (why) throw new Error(why);
    this.vecEnv = vecEnv;
    this.rng = rng;
    const nActions = (vecEnv.actionSpace as { n: number }).n;
    const spec = { inputDim: vecEnv.obsDim, outputDim: nActions, netArch: hp.net_arch, activation: hp.activation_fn };
    const online = Mlp.create(spec, { scheme: 'glorot', rng });
    this.policy = new QNetworkPolicy(online, vecEnv.observationSpace, vecEnv.actionSpace, hp.exploration_final_eps);
    this.lrSchedule = parseSchedule(hp.learning_rate);
    this.epsSchedule = linearSchedule(hp.exploration_initial_eps, hp.exploration_final_eps, hp.exploration_fraction);
    this.epsilon = hp.exploration_initial_eps;
    // The target starts as a copy of the online net. Adam: torch's default ε 1e-8, since SB3's DQN
    // passes no optimizer kwargs (unlike its actor-critic 1e-5).
    this.engine = engine ?? 'tfjs';
    if (this.engine === 'fused') {
      this.fused = new FusedQNetworks(online, hp.batch_size, 1e-8);
    } else {
      this.target = new Mlp(spec, online.getWeights());
      this.optimizer = adam(this.lrSchedule(1), 1e-8);
    }
    this.buffer = new ReplayBuffer(hp.buffer_size, vecEnv.obsDim);
    this.obsBefore = new Float32Array(vecEnv.numEnvs * vecEnv.obsDim);
    this.actions = new Int32Array(vecEnv.numEnvs);
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    const { hp, vecEnv, buffer, policy } = this;
    const N = vecEnv.numEnvs;
    const A = policy.nActions;
    if (this.numTimesteps < 0) {
      this.numTimesteps = ctx.stepsDone;
      this.epsilon = this.epsSchedule(1 - ctx.stepsDone / ctx.totalSteps);
    }
    const cycleSteps = hp.train_freq * N;
    const remainingCycles = Math.max(1, Math.ceil((ctx.totalSteps - ctx.stepsDone) / cycleSteps));
    const cycles = Math.min(Math.max(1, Math.ceil(MIN_ITERATION_STEPS / cycleSteps)), remainingCycles);
    const targetEvery = Math.max(Math.floor(hp.target_update_interval / N), 1);
    const means = new StepMeans();
    let lr = this.lrSchedule(1 - this.numTimesteps / ctx.totalSteps);
    let steps = 0;
    this.fused?.pullWeights(); // weights set on the Mlp since (a continued run's) are seen
    // Fused: act from the trained flat weights (kept packed between bursts of updates), not the JS copy.
    if (this.fused) policy.qSource = (obs, n) => this.fused!.qValues(obs, n);

    for (let cycle = 0; cycle < cycles; cycle++) {
      // ---- 1. collect train_freq steps per env: random before learning_starts, then ε-greedy ----
      for (let t = 0; t < hp.train_freq; t++) {
        this.obsBefore.set(vecEnv.obs);
        if (this.numTimesteps < hp.learning_starts) {
          for (let i = 0; i < N; i++) this.actions[i] = this.rng.integers(0, A);
        } else {
          policy.actEpsilon(this.obsBefore, N, this.epsilon, this.rng, this.actions);
        }
        vecEnv.step(this.actions);
        this.numTimesteps += N;
        steps += N;
        // Where an episode ended s' is the final observation; done only on termination (bootstrap at truncation).
        buffer.addVecStep(this.obsBefore, this.actions, vecEnv, N);
        // SB3's _on_step: target update on the call count, then the exploration rate for the next step.
        this.nCalls++;
        if (this.nCalls % targetEvery === 0) {
          if (this.fused) this.fused.syncTarget(hp.tau);
          else syncTarget(policy.net, this.target!, hp.tau);
        }
        this.epsilon = this.epsSchedule(1 - this.numTimesteps / ctx.totalSteps);
        ctx.onEnvStep();
      }

      // ---- 2. gradient_steps minibatch updates on the Huber TD loss ----
      if (this.numTimesteps <= hp.learning_starts) continue;
      lr = this.lrSchedule(1 - this.numTimesteps / ctx.totalSteps);
      if (this.optimizer) setLearningRate(this.optimizer, lr);
      try {
        for (let g = 0; g < hp.gradient_steps; g++) {
          const mb = buffer.sample(hp.batch_size, this.rng);
          means.add(this.fused ? this.fusedGradientStep(mb, lr) : this.tfjsGradientStep(mb));
          this.nUpdates++;
        }
      } finally {
        // Weights changed (even if a later step threw): the next cycle acts, and saving reads, with them.
        if (this.fused) this.fused.pushWeights();
        else policy.net.invalidate();
      }
    }

    const metrics: Record<string, number> = means.means();
    metrics.epsilon = this.epsilon;
    metrics.learning_rate = lr;
    metrics.n_updates = this.nUpdates;
    policy.qSource = null;
    return { steps, metrics };
  }

  /** One gradient step on the tfjs engine: the Huber TD loss as tf ops, tf.variableGrads, clip, Adam. */
  private tfjsGradientStep(mb: ReplaySample): StepResult<LossName> {
    const { hp } = this;
    const online = this.policy.net;
    const B = mb.actions.length;
    const D = online.spec.inputDim;
    return tf.tidy(() => {
      const obsT = tf.tensor2d(mb.obs, [B, D]);
      const nextT = tf.tensor2d(mb.nextObs, [B, D]);
      const actOneHot = tf.oneHot(tf.tensor1d(mb.actions, 'int32'), this.policy.nActions);
      const y = dqnTargets(this.target!.apply(nextT), hp.double_q ? online.apply(nextT) : null, tf.tensor1d(mb.rewards), tf.tensor1d(mb.dones), hp.gamma);
      return gradientStep(
        this.optimizer!,
        online.variables,
        () => {
          const qa = tf.sum(tf.mul(online.apply(obsT), actOneHot), 1); // Q(s, a) of the actions taken
          return [huberLoss(tf.sub(qa, y)), tf.mean(qa)] as tf.Scalar[];
        },
        LOSS_NAMES,
        hp.max_grad_norm,
      );
    });
  }

  /**
   * The same step on the fused engine: forward passes, the TD targets, the Huber loss and its
   * gradient with respect to Q(s, ·) written out below, backward, clip + Adam — no tfjs ops. The
   * gradient is the one tfjs' autodiff takes through tfjsGradientStep: d mean-Huber / d(Q(s, a) − y)
   * = clamp(Q(s, a) − y, −1, 1) / B at the action taken, 0 at the other actions and through y.
   */
  private fusedGradientStep(mb: ReplaySample, lr: number): StepResult<LossName> {
    const { hp } = this;
    const f = this.fused!;
    const B = mb.actions.length;
    const A = this.policy.nActions;
    f.kernels.f32.set(mb.obs, f.obsOff);
    f.kernels.f32.set(mb.nextObs, f.nextObsOff);

    // TD targets first: the online net's forward on s' (double DQN) must come before its forward on
    // s, whose activations backward uses. The target net has buffers of its own.
    const qNextTarget = f.target.forward(f.nextObsOff, B);
    const qNextOnline = hp.double_q ? f.online.forward(f.nextObsOff, B) : -1;
    let H = f.kernels.f32; // re-read after gemm (a grown wasm memory detaches views)
    const y = f.targets;
    for (let i = 0; i < B; i++) {
      const row = qNextTarget + i * A;
      const next = H[row + argmaxRow(H, qNextOnline >= 0 ? qNextOnline + i * A : row, A)];
      y[i] = mb.rewards[i] + (1 - mb.dones[i]) * hp.gamma * next;
    }

    // Q(s, a), the mean Huber loss, and dL/dQ(s, ·) (zero but at the action taken).
    const q = f.online.forward(f.obsOff, B);
    H = f.kernels.f32;
    const dq = f.dqOff;
    H.fill(0, dq, dq + B * A);
    let loss = 0;
    let qSum = 0;
    for (let i = 0; i < B; i++) {
      const a = mb.actions[i];
      const qa = H[q + i * A + a];
      const x = qa - y[i];
      const ax = Math.abs(x);
      loss += ax < 1 ? 0.5 * x * x : ax - 0.5;
      qSum += qa;
      H[dq + i * A + a] = (x > 1 ? 1 : x < -1 ? -1 : x) / B;
    }
    const losses = { loss: loss / B, q_mean: qSum / B };
    checkFiniteLosses(losses);

    f.online.backward(dq, B);
    const gradNorm = fusedOptimizerStep(f.adam, lr, hp.max_grad_norm);
    return { losses, gradNorm };
  }

  dispose(): void {
    this.policy.dispose();
    this.target?.dispose();
    this.optimizer?.dispose();
    this.fused?.dispose();
  }

  /** The replay buffer, the target network, Adam, and the counters that pace exploration and target updates. */
  trainingState(): AlgorithmState {
    return {
      buffer: this.buffer.getState(),
      target: this.fused ? this.fused.target.getWeights() : this.target!.getWeights(),
      optimizer: this.fused ? fusedOptimizerState(this.fused.adam) : tfOptimizerState(this.optimizer!, this.policy.net.variables),
      numTimesteps: this.numTimesteps,
      nCalls: this.nCalls,
      nUpdates: this.nUpdates,
      epsilon: this.epsilon,
    };
  }

  restoreTrainingState(s: AlgorithmState): void {
    const counts = [s.numTimesteps, s.nCalls, s.nUpdates];
    if (!counts.every((c) => Number.isSafeInteger(c)) || typeof s.epsilon !== 'number') throw new Error('the saved state has no DQN counters');
    this.buffer.setState(s.buffer as ReturnType<ReplayBuffer['getState']>);
    const target = s.target as MlpWeights;
    if (!Array.isArray(target?.kernels) || !Array.isArray(target.biases)) throw new Error('the saved state has no target network');
    if (this.fused) {
      this.fused.target.setWeights(target);
      setFusedOptimizerState(this.fused.adam, s.optimizer as OptimizerState);
    } else {
      this.target!.setWeights(target);
      setTfOptimizerState(this.optimizer!, this.policy.net.variables, s.optimizer as OptimizerState);
    }
    [this.numTimesteps, this.nCalls, this.nUpdates] = counts as number[];
    this.epsilon = s.epsilon;
  }
}

/**
 * The fused engine's Q-networks (nn/fused/): the online net in one ParamSet trained by FusedAdam,
 * the target in a second ParamSet on the same heap, and the minibatch scratch. The online Mlp stays
 * what acts and saves: pullWeights() copies its weights in before an update (so a continued run's
 * or a test's setWeights is seen), pushWeights() hands the result back to its JS forward.
 */
class FusedQNetworks {
  readonly kernels: Kernels;
  readonly online: FusedMlp;
  readonly target: FusedMlp;
  readonly adam: FusedAdam;
  /** Minibatch scratch (heap offsets): observations, next observations, dL/dQ(s, ·). */
  readonly obsOff: number;
  readonly nextObsOff: number;
  readonly dqOff: number;
  /** The minibatch's TD targets. */
  readonly targets: Float64Array;
  private readonly onlineSet: ParamSet;
  private actObsOff = -1;
  private actCap = 0;
  private readonly targetSet: ParamSet;

  constructor(
    private readonly net: Mlp,
    batchSize: number,
    adamEpsilon: number,
  ) {
    const k = (this.kernels = createKernels());
    // Both sets keep their packed weights until written: the online net's serve a double-DQN step's two
    // forwards and every acting step between bursts of updates; the target's, every step between syncs.
    this.onlineSet = new ParamSet(k).cacheWeights();
    this.online = this.onlineSet.mlp(net.spec);
    this.onlineSet.build();
    this.targetSet = new ParamSet(k).cacheWeights();
    this.target = this.targetSet.mlp(net.spec);
    this.targetSet.build();
    this.adam = new FusedAdam(this.onlineSet, adamEpsilon);
    const { inputDim, outputDim } = net.spec;
    this.obsOff = k.alloc(batchSize * inputDim);
    this.nextObsOff = k.alloc(batchSize * inputDim);
    this.dqOff = k.alloc(batchSize * outputDim);
    this.targets = new Float64Array(batchSize);
    this.online.reserve(batchSize);
    this.target.reserve(batchSize);
    this.pullWeights();
    this.targetSet.copyFrom(this.onlineSet);
  }

  /** Q(s, ·) for n observations from the online net: a heap view, valid until the next forward. */
  qValues(obs: Float32Array, n: number): Float32Array {
    if (n > this.actCap) {
      this.actObsOff = this.kernels.alloc(n * this.online.inputDim);
      this.actCap = n;
    }
    this.kernels.f32.set(obs.subarray(0, n * this.online.inputDim), this.actObsOff);
    const off = this.online.forward(this.actObsOff, n);
    return this.kernels.f32.subarray(off, off + n * this.online.outputDim);
  }

  /** θ⁻ ← τ·θ + (1 − τ)·θ⁻ (τ = 1 copies). */
  syncTarget(tau: number): void {
    if (tau === 1) this.targetSet.copyFrom(this.onlineSet);
    else this.targetSet.polyakFrom(this.onlineSet, tau);
  }

  pullWeights(): void {
    this.online.setWeights(this.net.getWeights());
  }

  pushWeights(): void {
    this.net.setJsWeights(this.online.getWeights());
  }

  dispose(): void {
    this.kernels.dispose();
  }
}

function supports(observationSpace: Space, actionSpace: Space): string | null {
  if (actionSpace.kind !== 'discrete') return 'DQN needs a Discrete action space (use the discrete env, e.g. LunarLander-v3 without continuous)';
  if (observationSpace.kind !== 'box') return 'DQN needs a Box observation space';
  return null;
}

// ---------- definition (its rules and presets: dqn-hyperparameters.ts) ----------

export const dqnDef: AlgorithmDef = {
  id: 'dqn',
  name: 'DQN',
  description: 'Deep Q-Network (Mnih et al. 2015): replay buffer, target network, ε-greedy exploration, Huber TD loss; optional double DQN.',
  rules: DQN_RULES,
  presets: DQN_PRESETS,
  defaultSteps: { 'CartPole-v1': 100_000, 'LunarLander-v3': 500_000 },
  // Whole train_freq cycles, never more than the budget needs.
  iteration: { perEnv: 'train_freq' },
  supports,
  create: (opts) => new Dqn(opts),
};
