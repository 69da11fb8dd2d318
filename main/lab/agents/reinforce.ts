/**
 * REINFORCE (Williams 1992): Monte-Carlo policy gradient on complete episodes.
 *   ∇J ≈ mean_t [ ∇log π(a_t|s_t) · (G_t − b) ],  G_t = Σ_k γ^k r_{t+k}  (reward-to-go)
 * with b = the batch mean of G_t when `baseline` is on (a constant baseline keeps the estimate
 * unbiased and cuts its variance), optionally scaled by 1/std (`normalize_advantage`).
 *
 * One update per `episodes_per_update` finished episodes. With n_envs > 1, episodes still running
 * at an update carry over to the next batch (their early actions come from the previous policy:
 * slightly off-policy, the usual trade-off for not throwing away or biasing toward short episodes).
 * There is no critic, so a time-limit truncation cannot be bootstrapped: its tail counts as 0.
 * Two engines take the same step (AlgorithmOptions.engine): 'tfjs' (tfjsStep, the reference) and
 * 'fused' (fusedStep: flat buffers, the loss gradient written out by hand; nn/fused/).
 */
import { EpisodeCollector } from './episodes.ts';
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { distributionFor, type ActionDistribution } from '../nn/distributions.ts';
import { Mlp } from '../nn/mlp.ts';
import { common, withDefaults, parseSchedule, type Schedule } from '../training/hyperparameters.ts';
import { defineRules, type HyperparamsOf } from '../domain/hyperparameters.ts';
import { categoricalPolicyGrad } from './pg-losses.ts';
import type { AlgorithmDef, PresetOf } from './definition.ts';
import { meanStd, rewardToGo } from '../training/returns.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import { createKernels, type Kernels } from '../nn/fused/kernels.ts';
import { ParamSet, type FusedMlp } from '../nn/fused/fused-mlp.ts';
import { FusedAdam } from '../nn/fused/optimizers.ts';
import { fusedOptimizerState, setFusedOptimizerState, setTfOptimizerState, tfOptimizerState, type OptimizerState } from '../nn/optimizer-state.ts';
import {
  MlpPolicy,
  adam,
  checkFiniteLosses,
  type StepResult,
  checkNumEnvs,
  fusedOptimizerStep,
  gradientStep,
  setLearningRate,
  type Algorithm,
  type AlgorithmOptions,
  type AlgorithmState,
  type IterationContext,
  type IterationResult,
} from './algorithm.ts';

const LOSS_NAMES = ['loss', 'policy_loss', 'entropy'] as const;
type LossName = (typeof LOSS_NAMES)[number];

/** One env's episode in progress: flat observations, actions, rewards. */
export class Reinforce implements Algorithm {
  readonly id = 'reinforce' as const;
  readonly hp: ReinforceHyperparameters;
  readonly policy: MlpPolicy;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;
  private readonly dist: ActionDistribution;
  readonly engine: EngineName;
  /** tfjs engine: Adam over the tf.Variables. */
  private readonly optimizer: tf.Optimizer | null = null;
  /** fused engine: the policy net as flat buffers, with its Adam. */
  private readonly fused: FusedPolicyNet | null = null;
  private readonly lrSchedule: Schedule;
  private readonly episodes: EpisodeCollector;

  constructor({ vecEnv, hyperparameters, rng, engine }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<ReinforceHyperparameters>(RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    if (vecEnv.actionSpace.kind !== 'discrete') throw new Error('REINFORCE here supports Discrete action spaces only');
    this.vecEnv = vecEnv;
    this.rng = rng;
    this.dist = distributionFor(vecEnv.actionSpace);
    const net = Mlp.create(
      { inputDim: vecEnv.obsDim, outputDim: this.dist.paramDim, netArch: hp.net_arch, activation: hp.activation_fn },
      { scheme: hp.ortho_init ? 'orthogonal' : 'glorot', rng, outputGain: 0.01 },
    );
    this.policy = new MlpPolicy(net, this.dist, vecEnv.observationSpace, vecEnv.actionSpace);
    this.lrSchedule = parseSchedule(hp.learning_rate);
    // torch's Adam default ε 1e-8 (the classic setup is plain torch.optim.Adam).
    this.engine = engine ?? 'tfjs';
    if (this.engine === 'fused') this.fused = new FusedPolicyNet(net, 1e-8);
    else this.optimizer = adam(this.lrSchedule(1), 1e-8);
    this.episodes = new EpisodeCollector(vecEnv);
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    const { hp, vecEnv, dist } = this;
    const net = this.policy.net;
    const D = vecEnv.obsDim;
    // Both engines act with the Mlp's JS forward (fused: on the weights pushed after its last step).
    this.fused?.pull(); // weights set on the Mlp since (a continued run's) are seen

    // ---- 1. act until episodes_per_update episodes have finished ----
    const { done, steps } = this.episodes.collect(
      hp.episodes_per_update,
      (obs, n, out) => dist.sample(net.forward(obs, n), n, this.rng, out),
      () => ctx.onEnvStep(),
    );

    // ---- 2. weights: reward-to-go per episode, then the optional baseline / scaling ----
    let T = 0;
    for (const tr of done) T += tr.rewards.length;
    const obsBatch = new Float32Array(T * D);
    const actBatch = new Int32Array(T);
    const weights = new Float32Array(T);
    let off = 0;
    let returnSum = 0;
    for (const tr of done) {
      const g = rewardToGo(tr.rewards, hp.gamma, 0);
      obsBatch.set(tr.obs, off * D);
      actBatch.set(tr.actions, off);
      weights.set(g, off);
      off += tr.rewards.length;
      returnSum += tr.rewards.reduce((a, b) => a + b, 0);
    }
    if (hp.baseline || hp.normalize_advantage) {
      const { mean, std } = meanStd(weights);
      for (let t = 0; t < T; t++) {
        let w = weights[t];
        if (hp.baseline) w -= mean;
        if (hp.normalize_advantage) w /= std + 1e-8;
        weights[t] = w;
      }
    }

    // ---- 3. one gradient step on −mean(log π(a|s)·w) − ent_coef·H ----
    const lr = this.lrSchedule(1 - (ctx.stepsDone + steps) / ctx.totalSteps);
    const { losses, gradNorm } = this.fused ? this.fusedStep(obsBatch, actBatch, weights, T, lr) : this.tfjsStep(obsBatch, actBatch, weights, T, lr);
    if (this.fused) this.fused.push();
    else net.invalidate(); // the JS mirror must re-read the new weights

    const metrics: Record<string, number> = { ...losses, grad_norm: gradNorm };
    metrics.learning_rate = lr;
    metrics.batch_episodes = done.length;
    metrics.batch_steps = T;
    metrics.batch_return_mean = returnSum / done.length;
    return { steps, metrics };
  }

  /** The step on the tfjs engine: the loss as tf ops, tf.variableGrads, Adam (no clipping). */
  private tfjsStep(obsBatch: Float32Array, actBatch: Int32Array, weights: Float32Array, T: number, lr: number): StepResult<LossName> {
    const { hp, dist } = this;
    const net = this.policy.net;
    const D = this.vecEnv.obsDim;
    setLearningRate(this.optimizer!, lr);
    return tf.tidy(() => {
      const obsT = tf.tensor2d(obsBatch, [T, D]);
      const actT = tf.tensor1d(actBatch, 'int32');
      const wT = tf.tensor1d(weights);
      return gradientStep(
        this.optimizer!,
        net.variables,
        () => {
          const logits = net.apply(obsT);
          const logp = dist.logProb(logits, actT);
          const entropy = tf.mean(dist.entropy(logits));
          const policyLoss = tf.neg(tf.mean(tf.mul(logp, wT)));
          const loss = tf.sub(policyLoss, tf.mul(hp.ent_coef, entropy)) as tf.Scalar;
          return [loss, policyLoss, entropy] as tf.Scalar[];
        },
        LOSS_NAMES,
        0,
      );
    });
  }

  /**
   * The same step on the fused engine: forward, the loss and its gradient with respect to the logits
   * written out below (the weights w are constants), backward, Adam — no tfjs ops.
   *   ∂log π_a/∂z_j = 1[j = a] − π_j,   ∂H/∂z_j = −π_j (log π_j + H)   (π = softmax of the logits z)
   */
  private fusedStep(obsBatch: Float32Array, actBatch: Int32Array, weights: Float32Array, T: number, lr: number): StepResult<LossName> {
    const { hp } = this;
    const f = this.fused!;
    const K = this.dist.paramDim;
    f.reserve(T);
    f.kernels.f32.set(obsBatch, f.obsOff);
    const zOff = f.net.forward(f.obsOff, T);
    const H = f.kernels.f32;
    const dz = f.dLogitsOff;
    // dL/dlogits of the policy-gradient loss, with the returns-to-go (or advantages) as weights.
    const { policyLoss, entropy } = categoricalPolicyGrad(H, zOff, T, K, actBatch, weights, hp.ent_coef, dz);
    const losses = { loss: policyLoss - hp.ent_coef * entropy, policy_loss: policyLoss, entropy };
    checkFiniteLosses(losses);
    f.net.backward(dz, T);
    const gradNorm = fusedOptimizerStep(f.adam, lr, 0);
    return { losses, gradNorm };
  }

  /** Adam's state and the episodes still running (their steps so far). */
  trainingState(): AlgorithmState {
    return {
      optimizer: this.fused ? fusedOptimizerState(this.fused.adam) : tfOptimizerState(this.optimizer!, this.policy.net.variables),
      running: this.episodes.getState(),
    };
  }

  restoreTrainingState(s: AlgorithmState, opts: { freshEpisodes: boolean }): void {
    if (this.fused) setFusedOptimizerState(this.fused.adam, s.optimizer as OptimizerState);
    else setTfOptimizerState(this.optimizer!, this.policy.net.variables, s.optimizer as OptimizerState);
    if (!opts.freshEpisodes) this.episodes.setState(s.running);
  }

  dispose(): void {
    this.policy.net.dispose();
    this.optimizer?.dispose();
    this.fused?.dispose();
  }
}

/**
 * The fused engine's copy of the policy net (nn/fused/): flat parameters under one Adam, and scratch
 * for a batch. The Mlp stays what acts and saves: pull() copies its weights in, push() hands them back.
 */
class FusedPolicyNet {
  readonly kernels: Kernels;
  readonly net: FusedMlp;
  readonly adam: FusedAdam;
  private cap = 0;
  /** Batch scratch (heap offsets): observations, dL/d(logits). */
  obsOff = -1;
  dLogitsOff = -1;

  constructor(
    private readonly mlp: Mlp,
    adamEps: number,
  ) {
    this.kernels = createKernels();
    const set = new ParamSet(this.kernels);
    this.net = set.mlp(mlp.spec);
    set.build();
    this.adam = new FusedAdam(set, adamEps);
    this.pull();
  }

  /** Room for T rows. Episode batches vary in length and the heap never frees, so it grows by doubling. */
  reserve(T: number): void {
    if (T <= this.cap) return;
    const cap = Math.max(T, 2 * this.cap);
    this.obsOff = this.kernels.alloc(cap * this.net.inputDim);
    this.dLogitsOff = this.kernels.alloc(cap * this.net.outputDim);
    this.net.reserve(cap);
    this.cap = cap;
  }

  pull(): void {
    this.net.setWeights(this.mlp.getWeights());
  }

  push(): void {
    this.mlp.setJsWeights(this.net.getWeights());
  }

  dispose(): void {
    this.kernels.dispose();
  }
}

// ---------- definition: hyperparameters and presets ----------

const RULES = defineRules({
  learning_rate: { ...common.learning_rate, default: 0.01, description: 'Adam step size; "lin_<x>" decays linearly to 0.' },
  gamma: common.gamma,
  net_arch: { ...common.net_arch, default: [32] },
  activation_fn: { ...common.activation_fn, default: 'relu' },
  ortho_init: { ...common.ortho_init, default: false },
  baseline: { type: 'bool', default: true, description: 'Subtract the batch mean of the returns-to-go (a constant baseline).' },
  normalize_advantage: { type: 'bool', default: false, description: 'Also divide the (baselined) returns by their standard deviation.' },
  episodes_per_update: { type: 'int', default: 1, min: 1, max: 10_000, description: 'Complete episodes per gradient step.' },
  ent_coef: common.ent_coef,
  n_envs: { ...common.n_envs, description: 'Environment copies collecting episodes together.' },
});

export type ReinforceHyperparameters = HyperparamsOf<typeof RULES>;

const PRESETS: PresetOf<ReinforceHyperparameters>[] = [
  {
    name: 'classic',
    env: 'CartPole-v1',
    description:
      'Vanilla REINFORCE: Adam lr 0.01, one hidden layer of 32 ReLU units, γ 0.99, one episode per update, no baseline. Not quick: solved within 1,000 episodes on 2/3 seeds (0–2), at episodes 875 and 1,000; seed 1 ends at a training mean of 187 (BENCHMARKS.md, "Tutorial presets").',
    steps: 500_000,
    values: { learning_rate: 0.01, net_arch: [32], activation_fn: 'relu', gamma: 0.99, baseline: false, episodes_per_update: 1 },
  },
  {
    name: 'classic-baseline',
    env: 'CartPole-v1',
    description: 'As "classic", with a mean-return baseline. Measured here: solved on 3/3 seeds (0–2) at episodes 270–589 (BENCHMARKS.md, "Tutorial presets").',
    steps: 500_000,
    values: { learning_rate: 0.01, net_arch: [32], activation_fn: 'relu', gamma: 0.99, baseline: true, episodes_per_update: 1 },
  },
];

export const reinforceDef: AlgorithmDef = {
  id: 'reinforce',
  name: 'REINFORCE',
  description: 'Monte-Carlo policy gradient (Williams 1992): complete episodes, discounted reward-to-go, optional mean-return baseline.',
  rules: RULES,
  presets: PRESETS,
  defaultSteps: { 'CartPole-v1': 500_000, 'LunarLander-v3': 2_000_000 },
  iteration: { episodes: true },
  create: (opts) => new Reinforce(opts),
};
