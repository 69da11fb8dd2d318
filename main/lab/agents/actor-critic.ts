/**
 * Actor-critic in its three textbook forms, chosen by `variant`:
 *
 *   td      One-step actor-critic (Sutton & Barto §13.5, without the γ^t factor, as tutorials do),
 *           an update after every env step:
 *             δ = r + γ·V(s')·(1 − terminated) − V(s)
 *             critic: minimise (y − V(s))², y = r + γ·V(s')·(1 − terminated) held fixed (stop-gradient)
 *             actor:  minimise −log π(a|s)·δ (δ detached) − ent_coef·H
 *           Separate actor and critic networks with their own Adam (learning_rate, vf_learning_rate).
 *           At a time-limit truncation s' is the episode's final observation (bootstrap: the state is
 *           not terminal); the autoreset observation belongs to the next episode and is never used.
 *   mc      Monte-Carlo advantage on complete episodes: A_t = G_t − V(s_t) (normalised), critic
 *           regresses G_t; separate networks as in `td`. A truncated episode's G bootstraps from
 *           V(final observation).
 *   shared  One trunk with a policy head and a value head and one optimizer (the TensorFlow / Keras
 *           actor-critic tutorial): per episode, returns standardised to Ĝ, loss =
 *           −mean(log π·(Ĝ − V)) + vf_coef·Huber(V, Ĝ) − ent_coef·H (the advantage is detached; the
 *           tutorial lets it backpropagate into V, which is not the policy gradient).
 *           Shared trunk: the trunk + policy head is an ordinary Mlp (so the acting policy is an
 *           MlpPolicy and saves/loads as a plain Dense stack); the value head is one extra Dense
 *           layer (kernel + bias variables here) on the trunk's last hidden activations, applied by
 *           sharedForward below. For saving, `critic` copies trunk + value head into one Dense
 *           stack, so the policy folder's critic/ holds V(s) as for the other variants.
 *
 * mc and shared share episode collection and returns; they differ in networks and loss. With
 * normalize_returns the critic learns standardised returns, whose scale changes every batch, so
 * truncated episodes are then not bootstrapped (their tail counts as 0, as in the tutorial).
 * Discrete action spaces only.
 *
 * Two engines take the same updates (AlgorithmOptions.engine): 'tfjs' (the reference) and 'fused'
 * (flat buffers, the loss gradients written out by hand: categoricalPolicyGrad, valueLossGrad;
 * nn/fused/). On the fused engine td also acts from the fused actor and reuses that forward pass
 * for the actor's step; mc and shared act with the JS forward, as on tfjs.
 */
import { EpisodeCollector } from './episodes.ts';
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { Categorical } from '../nn/distributions.ts';
import { Mlp, initMlpWeights } from '../nn/mlp.ts';
import { common, withDefaults, parseSchedule, type Schedule } from '../training/hyperparameters.ts';
import { defineRules, type HyperparamsOf } from '../domain/hyperparameters.ts';
import { explainedVariance, meanStd, rewardToGo } from '../training/returns.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import { createKernels, type Kernels } from '../nn/fused/kernels.ts';
import { ParamSet, type FusedMlp } from '../nn/fused/fused-mlp.ts';
import { FusedAdam } from '../nn/fused/optimizers.ts';
import {
  MlpPolicy,
  adam,
  checkFiniteLosses,
  checkNumEnvs,
  fusedOptimizerStep,
  gradientStep,
  setLearningRate,
  type Algorithm,
  type AlgorithmOptions,
  type IterationContext,
  type IterationResult,
} from './algorithm.ts';
import type { AlgorithmDef, PresetOf } from './definition.ts';
import { FusedActorCritic } from './on-policy.ts';
import { categoricalPolicyGrad, policyGradientLoss, valueLoss, valueLossGrad, VALUE_LOSS_KINDS } from './pg-losses.ts';

export { policyGradientLoss, valueLoss } from './pg-losses.ts';

export type Variant = ActorCriticHyperparameters['variant'];

/** The td variant reports one UpdateRecord per finished episode, or after this many vector steps. */
const TD_REPORT_STEPS = 1000;
/** float32 machine ε, the tutorial's guard when standardising returns. */
const F32_EPS = 1.1920929e-7;

// ---------- the pieces of the losses (exported for the unit tests) ----------

/**
 * One-step TD targets y_i = r_i + γ·V(s'_i)·(1 − terminated_i). For a truncated row vNext must be
 * V(final observation); for a terminated row it is ignored.
 */
export function tdTargets(
  rewards: ArrayLike<number>,
  vNext: ArrayLike<number>,
  terminated: ArrayLike<number>,
  gamma: number,
  out?: Float32Array,
): Float32Array {
  const n = rewards.length;
  const y = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = rewards[i] + (terminated[i] ? 0 : gamma * vNext[i]);
  return y;
}

/**
 * s' per sub-env after a vector step: the final observation where the episode just ended (same-step
 * autoreset put the next episode's first observation in `obs`), else the current observation.
 */
export function nextObservations(
  vecEnv: Pick<VecEnv, 'numEnvs' | 'obsDim' | 'obs' | 'finalObs' | 'terminated' | 'truncated'>,
  out?: Float32Array,
): Float32Array {
  const { numEnvs: N, obsDim: D } = vecEnv;
  const next = out ?? new Float32Array(N * D);
  next.set(vecEnv.obs.subarray(0, N * D));
  for (let i = 0; i < N; i++) {
    if (vecEnv.terminated[i] || vecEnv.truncated[i]) next.set(vecEnv.finalObs.subarray(i * D, (i + 1) * D), i * D);
  }
  return next;
}

// ---------- shared trunk: the policy Mlp's hidden layers feed a second (value) head ----------

let valueHeadCounter = 0;

/** [n × obs] → policy logits (exactly net.apply) and V from the same last hidden activations. */
export function sharedForward(net: Mlp, valueKernel: tf.Variable, valueBias: tf.Variable, x: tf.Tensor2D): { logits: tf.Tensor2D; value: tf.Tensor1D } {
  const last = net.kernels.length - 1;
  let h: tf.Tensor2D = x;
  for (let l = 0; l < last; l++) {
    const z = tf.add(tf.matMul(h, net.kernels[l]), net.biases[l]) as tf.Tensor2D;
    h = net.spec.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
  }
  const logits = tf.add(tf.matMul(h, net.kernels[last]), net.biases[last]) as tf.Tensor2D;
  const value = tf.reshape(tf.add(tf.matMul(h, valueKernel), valueBias), [-1]) as tf.Tensor1D;
  return { logits, value };
}

/**
 * The fused engine's shared network: trunk + policy head as one FusedMlp (the acting Mlp's layout)
 * and the value head as a FusedMlp without hidden layers reading the trunk's last hidden activations
 * (the observations when there are no hidden layers), both in one ParamSet under one Adam. The head's
 * dL/d(input) joins the trunk's backward at that layer. pull()/push() copy to and from the Mlp and
 * the value-head variables, which acting and saving (`critic`) read.
 */
class FusedSharedNet {
  readonly kernels: Kernels;
  readonly trunk: FusedMlp;
  readonly head: FusedMlp;
  readonly adam: FusedAdam;
  private readonly hiddenLayers: number;
  private cap = 0;
  /** Batch scratch (heap offsets): observations, dL/dlogits, dL/dV, dL/d(last hidden) from the head. */
  obsOff = -1;
  dLogitsOff = -1;
  dValuesOff = -1;
  private dHiddenOff = -1;

  constructor(
    private readonly net: Mlp,
    private readonly valueKernel: tf.Variable,
    private readonly valueBias: tf.Variable,
  ) {
    this.kernels = createKernels();
    const set = new ParamSet(this.kernels);
    const { spec } = net;
    this.hiddenLayers = spec.netArch.length;
    this.trunk = set.mlp(spec);
    this.head = set.mlp({
      inputDim: this.hiddenLayers ? spec.netArch[this.hiddenLayers - 1] : spec.inputDim,
      outputDim: 1,
      netArch: [],
      activation: spec.activation,
    });
    set.build();
    this.adam = new FusedAdam(set, 1e-8);
    this.pull();
  }

  /** Room for m rows. Episode batches vary in length and the heap never frees, so it grows by doubling. */
  reserve(m: number): void {
    if (m <= this.cap) return;
    const cap = Math.max(m, 2 * this.cap);
    const k = this.kernels;
    this.obsOff = k.alloc(cap * this.trunk.inputDim);
    this.dLogitsOff = k.alloc(cap * this.trunk.outputDim);
    this.dValuesOff = k.alloc(cap);
    this.dHiddenOff = k.alloc(cap * this.head.inputDim);
    this.trunk.reserve(cap);
    this.head.reserve(cap);
    this.cap = cap;
  }

  /** Forward on m rows of obs (copied in): offsets of the logits [m × k] and of V [m]. */
  forward(obs: Float32Array, m: number): { logitsOff: number; valuesOff: number } {
    this.reserve(m);
    this.kernels.f32.set(obs.subarray(0, m * this.trunk.inputDim), this.obsOff);
    const logitsOff = this.trunk.forward(this.obsOff, m);
    const hidden = this.hiddenLayers ? this.trunk.activationOff(this.hiddenLayers - 1) : this.obsOff;
    return { logitsOff, valuesOff: this.head.forward(hidden, m) };
  }

  /** Backward through the last forward from dL/dlogits and dL/dV at their scratch offsets. */
  backward(m: number): void {
    if (!this.hiddenLayers) {
      this.head.backward(this.dValuesOff, m);
      this.trunk.backward(this.dLogitsOff, m);
      return;
    }
    this.head.backward(this.dValuesOff, m, { dxOff: this.dHiddenOff });
    this.trunk.backward(this.dLogitsOff, m, { hiddenGradOff: this.dHiddenOff });
  }

  /** V(s) for n rows from the flat weights. */
  values(obs: Float32Array, n: number): Float32Array {
    const { valuesOff } = this.forward(obs, n);
    return this.kernels.f32.slice(valuesOff, valuesOff + n);
  }

  pull(): void {
    this.trunk.setWeights(this.net.getWeights());
    this.head.setWeights({ kernels: [new Float32Array(this.valueKernel.dataSync())], biases: [new Float32Array(this.valueBias.dataSync())] });
  }

  push(): void {
    this.net.setJsWeights(this.trunk.getWeights());
    const w = this.head.getWeights();
    tf.tidy(() => {
      this.valueKernel.assign(tf.tensor2d(w.kernels[0], [this.head.inputDim, 1]));
      this.valueBias.assign(tf.tensor1d(w.biases[0]));
    });
  }

  dispose(): void {
    this.kernels.dispose();
  }
}

/** One env's episode in progress. */
export class ActorCritic implements Algorithm {
  readonly id = 'actor-critic' as const;
  readonly hp: ActorCriticHyperparameters;
  /** The actor (td, mc) or trunk + policy head (shared). */
  readonly policy: MlpPolicy;
  /** shared: the value head on the trunk's last hidden layer. */
  readonly valueKernel: tf.Variable | null = null;
  readonly valueBias: tf.Variable | null = null;
  /** td, mc: the separate critic network. */
  private readonly separateCritic: Mlp | null = null;
  /** shared: trunk + value head copied into one Dense stack when `critic` is read (saving). */
  private readonly sharedValueNet: Mlp | null = null;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;
  private readonly dist: Categorical;
  readonly engine: EngineName;
  /** tfjs engine: Adam over the actor (td, mc) or everything (shared), and over the critic. */
  private readonly optimizer: tf.Optimizer | null = null;
  private readonly vfOptimizer: tf.Optimizer | null = null;
  /** fused engine, td and mc: actor and critic as flat buffers, each set under its own Adam. */
  private readonly fusedAc: FusedActorCritic | null = null;
  private readonly fusedAdam: FusedAdam | null = null;
  private readonly fusedVfAdam: FusedAdam | null = null;
  /** fused engine, td: s′ rows in the heap. */
  private readonly fusedNextOff: number = -1;
  /** fused engine, shared: trunk and both heads in one set under one Adam. */
  private readonly fusedShared: FusedSharedNet | null = null;
  private readonly lrSchedule: Schedule;
  private readonly vfLrSchedule: Schedule;
  private readonly actions: Int32Array;
  private readonly episodes: EpisodeCollector;

  constructor({ vecEnv, hyperparameters, rng, engine }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<ActorCriticHyperparameters>(RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    if (vecEnv.actionSpace.kind !== 'discrete') throw new Error('actor-critic here supports Discrete action spaces only');
    this.vecEnv = vecEnv;
    this.rng = rng;
    this.dist = new Categorical(vecEnv.actionSpace.n);
    const D = vecEnv.obsDim;
    const scheme = hp.ortho_init ? 'orthogonal' : 'glorot';
    const spec = { inputDim: D, netArch: hp.net_arch, activation: hp.activation_fn };
    const actor = Mlp.create({ ...spec, outputDim: this.dist.paramDim }, { scheme, rng, outputGain: 0.01 });
    this.policy = new MlpPolicy(actor, this.dist, vecEnv.observationSpace, vecEnv.actionSpace);
    this.lrSchedule = parseSchedule(hp.learning_rate);
    this.vfLrSchedule = parseSchedule(hp.vf_learning_rate);
    this.engine = engine ?? 'tfjs';
    const fused = this.engine === 'fused';
    // ε 1e-8 for actor and critic: torch's Adam default, as the PyTorch tutorials (Keras' would be 1e-7).
    if (!fused) this.optimizer = adam(this.lrSchedule(1), 1e-8);
    if (hp.variant === 'shared') {
      const hidden = hp.net_arch.length ? hp.net_arch[hp.net_arch.length - 1] : D;
      const w = initMlpWeights({ inputDim: hidden, outputDim: 1, netArch: [], activation: hp.activation_fn }, { scheme, rng, outputGain: 1 });
      const id = `acvalue${++valueHeadCounter}`;
      this.valueKernel = tf.tidy(() => tf.variable(tf.tensor2d(w.kernels[0], [hidden, 1]), true, `${id}_kernel`));
      this.valueBias = tf.tidy(() => tf.variable(tf.tensor1d(w.biases[0]), true, `${id}_bias`));
      const trunk = actor.getWeights();
      this.sharedValueNet = new Mlp(
        { ...spec, outputDim: 1 },
        { kernels: [...trunk.kernels.slice(0, -1), w.kernels[0]], biases: [...trunk.biases.slice(0, -1), w.biases[0]] },
      );
      if (fused) this.fusedShared = new FusedSharedNet(actor, this.valueKernel, this.valueBias);
    } else {
      this.separateCritic = Mlp.create({ ...spec, outputDim: 1 }, { scheme, rng, outputGain: 1 });
      if (fused) {
        this.fusedAc = new FusedActorCritic({ dist: this.dist, policy: this.policy, critic: this.separateCritic }, { separateSets: true });
        this.fusedAdam = new FusedAdam(this.fusedAc.actorSet, 1e-8);
        this.fusedVfAdam = new FusedAdam(this.fusedAc.criticSet, 1e-8);
        if (hp.variant === 'td') {
          this.fusedAc.reserve(vecEnv.numEnvs);
          this.fusedNextOff = this.fusedAc.kernels.alloc(vecEnv.numEnvs * D);
        }
      } else {
        this.vfOptimizer = adam(this.vfLrSchedule(1), 1e-8);
      }
    }
    this.actions = new Int32Array(vecEnv.numEnvs);
    this.episodes = new EpisodeCollector(vecEnv);
  }

  /**
   * V(s) as one Dense stack (the trainer saves it beside the policy for the X-ray): the separate
   * critic, or for shared the trunk's current weights topped by the value head.
   */
  get critic(): Mlp | null {
    if (this.separateCritic) return this.separateCritic;
    const trunk = this.policy.net.getWeights();
    this.sharedValueNet!.setWeights({
      kernels: [...trunk.kernels.slice(0, -1), new Float32Array(this.valueKernel!.dataSync())],
      biases: [...trunk.biases.slice(0, -1), new Float32Array(this.valueBias!.dataSync())],
    });
    return this.sharedValueNet;
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    return this.hp.variant === 'td' ? this.iterateTd(ctx) : this.iterateEpisodes(ctx);
  }

  // ---------- td: one-step actor-critic, an update after every env step ----------

  private iterateTd(ctx: IterationContext): IterationResult {
    const { hp, vecEnv, dist } = this;
    const actor = this.policy.net;
    const critic = this.separateCritic!;
    const f = this.fusedAc;
    const N = vecEnv.numEnvs;
    const D = vecEnv.obsDim;
    const progress = 1 - ctx.stepsDone / ctx.totalSteps;
    const lr = this.lrSchedule(progress);
    const vfLr = this.vfLrSchedule(progress);
    if (!f) {
      setLearningRate(this.optimizer!, lr);
      setLearningRate(this.vfOptimizer!, vfLr);
    }

    const obs = new Float32Array(N * D);
    const next = new Float32Array(N * D);
    const vNow = new Float32Array(N);
    const vNext = new Float32Array(N);
    const target = new Float32Array(N);
    const delta = new Float32Array(N);
    const sums = { policy_loss: 0, value_loss: 0, entropy: 0, grad_norm: 0, vf_grad_norm: 0, td_error: 0 };
    let steps = 0;
    let updates = 0;
    f?.pullWeights(); // weights set on the Mlps since (a continued run's) are seen
    try {
      while (updates < TD_REPORT_STEPS && ctx.stepsDone + steps < ctx.totalSteps) {
        // ---- 1. act, step (fused: from the flat actor; its step below reuses this forward) ----
        obs.set(vecEnv.obs.subarray(0, N * D));
        dist.sample(f ? f.actorForward(obs, N) : actor.forward(obs, N), N, this.rng, this.actions);
        vecEnv.step(this.actions);
        steps += N;
        ctx.onEnvStep();

        // ---- 2. TD target y = r + γ·V(s')·(1 − terminated) and error δ = y − V(s), before any update ----
        nextObservations(vecEnv, next);
        if (f) this.fusedTdValues(next, vNow, vNext);
        else {
          critic.forward(obs, N, vNow);
          critic.forward(next, N, vNext);
        }
        tdTargets(vecEnv.rewards, vNext, vecEnv.terminated, hp.gamma, target);
        for (let i = 0; i < N; i++) delta[i] = target[i] - vNow[i];

        // ---- 3. critic step on (y − V(s))², actor step on −log π(a|s)·δ − ent_coef·H ----
        const r = f ? this.fusedTdSteps(target, delta, lr, vfLr) : this.tfjsTdSteps(obs, target, delta);
        sums.value_loss += r.valueLoss;
        sums.vf_grad_norm += r.vfGradNorm;
        sums.policy_loss += r.policyLoss;
        sums.entropy += r.entropy;
        sums.grad_norm += r.gradNorm;
        let absDelta = 0;
        for (let i = 0; i < N; i++) absDelta += Math.abs(delta[i]);
        sums.td_error += absDelta / N;
        updates++;
        if (vecEnv.finishedEpisodes.length > 0) break;
      }
    } finally {
      f?.pushWeights(); // acting (the JS forward elsewhere) and saving must see the weights
    }
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) metrics[k] = v / updates;
    metrics.learning_rate = lr;
    metrics.vf_learning_rate = vfLr;
    metrics.updates = updates;
    return { steps, metrics };
  }

  /** td step 3 on the tfjs engine. */
  private tfjsTdSteps(obs: Float32Array, target: Float32Array, delta: Float32Array): TdStepResult {
    const { hp, dist } = this;
    const actor = this.policy.net;
    const critic = this.separateCritic!;
    const N = this.vecEnv.numEnvs;
    const r = tf.tidy(() => {
      const obsT = tf.tensor2d(obs, [N, this.vecEnv.obsDim]);
      const c = gradientStep(
        this.vfOptimizer!,
        critic.variables,
        () => [valueLoss(hp.value_loss, tf.tensor1d(target), tf.reshape(critic.apply(obsT), [-1]) as tf.Tensor1D)],
        ['value_loss'],
        hp.max_grad_norm,
      );
      const a = gradientStep(
        this.optimizer!,
        actor.variables,
        () => {
          const logits = actor.apply(obsT);
          const entropy = tf.mean(dist.entropy(logits));
          const policyLoss = policyGradientLoss(dist.logProb(logits, tf.tensor1d(this.actions, 'int32')), tf.tensor1d(delta));
          return [tf.sub(policyLoss, tf.mul(hp.ent_coef, entropy)), policyLoss, entropy] as tf.Scalar[];
        },
        ['loss', 'policy_loss', 'entropy'],
        hp.max_grad_norm,
      );
      return { c, a };
    });
    critic.invalidate();
    actor.invalidate();
    return {
      valueLoss: r.c.losses.value_loss,
      vfGradNorm: r.c.gradNorm,
      policyLoss: r.a.losses.policy_loss,
      entropy: r.a.losses.entropy,
      gradNorm: r.a.gradNorm,
    };
  }

  /**
   * td step 2 on the fused engine: V(s′), then V(s) from the flat critic (s staged by the acting
   * forward) — V(s) last, so its activations are the ones the critic's step backpropagates.
   */
  private fusedTdValues(next: Float32Array, vNow: Float32Array, vNext: Float32Array): void {
    const f = this.fusedAc!;
    const N = this.vecEnv.numEnvs;
    f.kernels.f32.set(next, this.fusedNextOff);
    const nextOff = f.critic.forward(this.fusedNextOff, N);
    vNext.set(f.kernels.f32.subarray(nextOff, nextOff + N));
    const nowOff = f.critic.forward(f.obsOff, N);
    vNow.set(f.kernels.f32.subarray(nowOff, nowOff + N));
  }

  /**
   * td step 3 on the fused engine, through the last forwards: the critic's on s (fusedTdValues) and
   * the actor's acting one on s (same weights, same rows). y and δ are constants.
   */
  private fusedTdSteps(target: Float32Array, delta: Float32Array, lr: number, vfLr: number): TdStepResult {
    const { hp } = this;
    const f = this.fusedAc!;
    const N = this.vecEnv.numEnvs;
    const vOff = outputOff(f.critic);
    const valueLoss = valueLossGrad(hp.value_loss, target, f.kernels.f32, vOff, N, 1, f.dValuesOff);
    checkFiniteLosses({ value_loss: valueLoss });
    f.critic.backward(f.dValuesOff, N);
    const vfGradNorm = fusedOptimizerStep(this.fusedVfAdam!, vfLr, hp.max_grad_norm);

    const zOff = outputOff(f.actor);
    const { policyLoss, entropy } = categoricalPolicyGrad(f.kernels.f32, zOff, N, this.dist.paramDim, this.actions, delta, hp.ent_coef, f.dParamsOff);
    checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy, policy_loss: policyLoss, entropy });
    f.actor.backward(f.dParamsOff, N);
    const gradNorm = fusedOptimizerStep(this.fusedAdam!, lr, hp.max_grad_norm);
    return { valueLoss, vfGradNorm, policyLoss, entropy, gradNorm };
  }

  // ---------- mc, shared: complete episodes, returns-to-go ----------

  /** V(s) for n rows, read back to JS (no gradient): the critic, or the shared trunk's value head. */
  private values(obs: Float32Array, n: number): Float32Array {
    if (this.separateCritic) return this.separateCritic.forward(obs, n, new Float32Array(n));
    if (this.fusedShared) return this.fusedShared.values(obs, n);
    return tf.tidy(
      () => new Float32Array(sharedForward(this.policy.net, this.valueKernel!, this.valueBias!, tf.tensor2d(obs, [n, this.vecEnv.obsDim])).value.dataSync()),
    );
  }

  private iterateEpisodes(ctx: IterationContext): IterationResult {
    const { hp, vecEnv, dist } = this;
    const net = this.policy.net;
    const D = vecEnv.obsDim;
    // Both engines act with the Mlp's JS forward (fused: on the weights pushed after its last update).
    this.fusedAc?.pullWeights(); // weights set on the Mlps since (a continued run's) are seen
    this.fusedShared?.pull();

    // ---- 1. act until episodes_per_update episodes have finished ----
    const { done, steps } = this.episodes.collect(
      hp.episodes_per_update,
      (obs, n, out) => dist.sample(net.forward(obs, n), n, this.rng, out),
      () => ctx.onEnvStep(),
      hp.normalize_returns ? undefined : (finalObs) => this.values(finalObs, 1)[0],
    );

    // ---- 2. G_t per episode (optionally standardised), V(s_t), advantages A_t = G_t − V(s_t) ----
    let T = 0;
    for (const ep of done) T += ep.rewards.length;
    const obsBatch = new Float32Array(T * D);
    const actBatch = new Int32Array(T);
    const returns = new Float32Array(T);
    let off = 0;
    for (const ep of done) {
      obsBatch.set(ep.obs, off * D);
      actBatch.set(ep.actions, off);
      returns.set(rewardToGo(ep.rewards, hp.gamma, ep.bootstrap), off);
      off += ep.rewards.length;
    }
    if (hp.normalize_returns) {
      const { mean, std } = meanStd(returns);
      for (let t = 0; t < T; t++) returns[t] = (returns[t] - mean) / (std + F32_EPS);
    }
    const v = this.values(obsBatch, T);
    const adv = new Float32Array(T);
    for (let t = 0; t < T; t++) adv[t] = returns[t] - v[t];
    if (hp.normalize_advantage) {
      const { mean, std } = meanStd(adv);
      for (let t = 0; t < T; t++) adv[t] = (adv[t] - mean) / (std + 1e-8);
    }

    // ---- 3. gradient steps ----
    const progress = 1 - (ctx.stepsDone + steps) / ctx.totalSteps;
    const lr = this.lrSchedule(progress);
    const metrics: Record<string, number> = { learning_rate: lr };
    const batch: EpisodeBatch = { obs: obsBatch, actions: actBatch, adv, returns, T };
    try {
      if (this.fusedAc || this.fusedShared) this.fusedEpisodeSteps(batch, lr, progress, metrics);
      else this.tfjsEpisodeSteps(batch, lr, progress, metrics);
    } finally {
      // Weights changed (even if a later step threw): acting and saving must see them.
      this.fusedAc?.pushWeights();
      this.fusedShared?.push();
      if (this.optimizer) {
        net.invalidate();
        this.separateCritic?.invalidate();
      }
    }

    const ev = explainedVariance(v, returns);
    if (Number.isFinite(ev)) metrics.explained_variance = ev;
    metrics.batch_episodes = done.length;
    metrics.batch_steps = T;
    return { steps, metrics };
  }

  /** mc / shared step 3 on the tfjs engine: the losses as tf ops, tf.variableGrads, clip, Adam. */
  private tfjsEpisodeSteps(b: EpisodeBatch, lr: number, progress: number, metrics: Record<string, number>): void {
    const { hp, dist } = this;
    const net = this.policy.net;
    setLearningRate(this.optimizer!, lr);
    tf.tidy(() => {
      const obsT = tf.tensor2d(b.obs, [b.T, this.vecEnv.obsDim]);
      const actT = tf.tensor1d(b.actions, 'int32');
      const advT = tf.tensor1d(b.adv);
      const retT = tf.tensor1d(b.returns);
      if (this.separateCritic) {
        // mc: separate critic regresses G_t; actor step on −mean(log π·A) − ent_coef·H.
        const critic = this.separateCritic;
        const vfLr = this.vfLrSchedule(progress);
        setLearningRate(this.vfOptimizer!, vfLr);
        const c = gradientStep(
          this.vfOptimizer!,
          critic.variables,
          () => [valueLoss(hp.value_loss, retT, tf.reshape(critic.apply(obsT), [-1]) as tf.Tensor1D)],
          ['value_loss'],
          hp.max_grad_norm,
        );
        const a = gradientStep(
          this.optimizer!,
          net.variables,
          () => {
            const logits = net.apply(obsT);
            const entropy = tf.mean(dist.entropy(logits));
            const policyLoss = policyGradientLoss(dist.logProb(logits, actT), advT);
            return [tf.sub(policyLoss, tf.mul(hp.ent_coef, entropy)), policyLoss, entropy] as tf.Scalar[];
          },
          ['loss', 'policy_loss', 'entropy'],
          hp.max_grad_norm,
        );
        Object.assign(metrics, {
          value_loss: c.losses.value_loss,
          vf_grad_norm: c.gradNorm,
          policy_loss: a.losses.policy_loss,
          entropy: a.losses.entropy,
          grad_norm: a.gradNorm,
          vf_learning_rate: vfLr,
        });
      } else {
        // shared: one step on −mean(log π·A) + vf_coef·L(V, G) − ent_coef·H over trunk and both heads.
        const s = gradientStep(
          this.optimizer!,
          [...net.variables, this.valueKernel!, this.valueBias!],
          () => {
            const { logits, value } = sharedForward(net, this.valueKernel!, this.valueBias!, obsT);
            const entropy = tf.mean(dist.entropy(logits));
            const policyLoss = policyGradientLoss(dist.logProb(logits, actT), advT);
            const vLoss = valueLoss(hp.value_loss, retT, value);
            const loss = tf.add(tf.sub(policyLoss, tf.mul(hp.ent_coef, entropy)), tf.mul(hp.vf_coef, vLoss));
            return [loss, policyLoss, vLoss, entropy] as tf.Scalar[];
          },
          ['loss', 'policy_loss', 'value_loss', 'entropy'],
          hp.max_grad_norm,
        );
        Object.assign(metrics, { policy_loss: s.losses.policy_loss, value_loss: s.losses.value_loss, entropy: s.losses.entropy, grad_norm: s.gradNorm });
      }
    });
  }

  /**
   * The same steps on the fused engine: forward, the losses and their gradients with respect to the
   * network outputs (categoricalPolicyGrad, valueLossGrad), backward, clip + Adam — no tfjs ops. The
   * advantages and returns are constants, as in the tfjs losses.
   */
  private fusedEpisodeSteps(b: EpisodeBatch, lr: number, progress: number, metrics: Record<string, number>): void {
    const { hp } = this;
    const K = this.dist.paramDim;
    const T = b.T;
    if (this.fusedAc) {
      // mc: critic step on L(V(s), G), then actor step on −mean(log π·A) − ent_coef·H.
      const f = this.fusedAc;
      f.reserve(2 ** Math.ceil(Math.log2(T))); // episode batches vary in length; the heap never frees
      f.kernels.f32.set(b.obs, f.obsOff);
      const vfLr = this.vfLrSchedule(progress);
      const vOff = f.critic.forward(f.obsOff, T);
      const vLoss = valueLossGrad(hp.value_loss, b.returns, f.kernels.f32, vOff, T, 1, f.dValuesOff);
      checkFiniteLosses({ value_loss: vLoss });
      f.critic.backward(f.dValuesOff, T);
      const vfGradNorm = fusedOptimizerStep(this.fusedVfAdam!, vfLr, hp.max_grad_norm);
      const zOff = f.actor.forward(f.obsOff, T);
      const { policyLoss, entropy } = categoricalPolicyGrad(f.kernels.f32, zOff, T, K, b.actions, b.adv, hp.ent_coef, f.dParamsOff);
      checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy, policy_loss: policyLoss, entropy });
      f.actor.backward(f.dParamsOff, T);
      const gradNorm = fusedOptimizerStep(this.fusedAdam!, lr, hp.max_grad_norm);
      Object.assign(metrics, { value_loss: vLoss, vf_grad_norm: vfGradNorm, policy_loss: policyLoss, entropy, grad_norm: gradNorm, vf_learning_rate: vfLr });
      return;
    }
    // shared: one step on −mean(log π·A) + vf_coef·L(V, G) − ent_coef·H over trunk and both heads.
    const s = this.fusedShared!;
    const { logitsOff, valuesOff } = s.forward(b.obs, T);
    const { policyLoss, entropy } = categoricalPolicyGrad(s.kernels.f32, logitsOff, T, K, b.actions, b.adv, hp.ent_coef, s.dLogitsOff);
    const vLoss = valueLossGrad(hp.value_loss, b.returns, s.kernels.f32, valuesOff, T, hp.vf_coef, s.dValuesOff);
    checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy + hp.vf_coef * vLoss, policy_loss: policyLoss, value_loss: vLoss, entropy });
    s.backward(T);
    const gradNorm = fusedOptimizerStep(s.adam, lr, hp.max_grad_norm);
    Object.assign(metrics, { policy_loss: policyLoss, value_loss: vLoss, entropy, grad_norm: gradNorm });
  }

  dispose(): void {
    this.policy.dispose();
    this.separateCritic?.dispose();
    this.sharedValueNet?.dispose();
    this.valueKernel?.dispose();
    this.valueBias?.dispose();
    this.optimizer?.dispose();
    this.vfOptimizer?.dispose();
    this.fusedAc?.dispose();
    this.fusedShared?.dispose();
  }
}

interface TdStepResult {
  valueLoss: number;
  vfGradNorm: number;
  policyLoss: number;
  entropy: number;
  gradNorm: number;
}

/** mc / shared: one update's rows (A and G are constants of the losses). */
interface EpisodeBatch {
  obs: Float32Array;
  actions: Int32Array;
  adv: Float32Array;
  returns: Float32Array;
  T: number;
}

/** Offset of a FusedMlp's outputs from its last forward. */
function outputOff(net: FusedMlp): number {
  return net.activationOff(net.dims.length - 2);
}

// ---------- definition: hyperparameters and presets ----------

const RULES = defineRules({
  variant: {
    type: 'enum',
    default: 'td',
    choices: ['td', 'mc', 'shared'],
    description:
      'td: one-step TD(0) actor-critic updating every step; mc: Monte-Carlo advantage G − V per episode; shared: one trunk with policy and value heads, combined loss.',
  },
  learning_rate: {
    ...common.learning_rate,
    default: 0.0005,
    description: 'Adam step size of the actor (shared: of the whole network); "lin_<x>" decays linearly to 0.',
  },
  vf_learning_rate: { ...common.learning_rate, default: 0.002, description: 'Adam step size of the separate critic (td, mc; unused by shared).' },
  gamma: common.gamma,
  net_arch: { ...common.net_arch, default: [128], description: 'Hidden layer widths of the actor and of the critic (shared: of the common trunk).' },
  activation_fn: { ...common.activation_fn, default: 'relu' },
  ortho_init: { ...common.ortho_init, default: false },
  value_loss: {
    type: 'enum',
    default: 'mse',
    choices: VALUE_LOSS_KINDS,
    description: 'Critic loss: squared error, or Huber (δ = 1: quadratic within ±1, linear beyond).',
  },
  vf_coef: { type: 'float', default: 1.0, min: 0, max: 100, description: 'Value loss weight in the combined loss (shared only).' },
  ent_coef: common.ent_coef,
  normalize_returns: {
    type: 'bool',
    default: false,
    description: 'Standardise each batch of returns G (mc, shared); the critic then learns standardised returns and truncations are not bootstrapped.',
  },
  normalize_advantage: { type: 'bool', default: true, description: 'Standardise each batch of advantages G − V (mc, shared).' },
  episodes_per_update: { type: 'int', default: 1, min: 1, max: 10_000, description: 'Complete episodes per update (mc, shared).' },
  max_grad_norm: { ...common.max_grad_norm, default: 0, exclusiveMin: false, description: 'Global gradient-norm clip per network update; 0 = no clipping.' },
  n_envs: common.n_envs,
});

export type ActorCriticHyperparameters = HyperparamsOf<typeof RULES>;

const PRESETS: PresetOf<ActorCriticHyperparameters>[] = [
  {
    name: 'classic-td',
    env: 'CartPole-v1',
    description:
      'One-step actor-critic, an update every step: separate actor and critic (128 ReLU), Adam, γ 0.99. Tuned here: 4 envs (each update a batch of 4 transitions), actor lr 5e-4, critic lr 2e-3; with 1 env, lr 1e-3 / 5e-3 collapsed to a deterministic policy and 2e-4 / 1e-3 needed ~950 episodes.',
    steps: 500_000,
    values: {
      variant: 'td',
      n_envs: 4,
      learning_rate: 0.0005,
      vf_learning_rate: 0.002,
      net_arch: [128],
      activation_fn: 'relu',
      gamma: 0.99,
      value_loss: 'mse',
      ent_coef: 0,
    },
  },
  {
    name: 'classic-mc',
    env: 'CartPole-v1',
    description:
      "Monte-Carlo advantage actor-critic, one update per episode: separate actor and critic of 128 ReLU units, normalised G − V, Adam lr 0.01 for both, γ 0.99 (the tutorials' network and step size; the split into two networks is ours).",
    steps: 500_000,
    values: {
      variant: 'mc',
      learning_rate: 0.01,
      vf_learning_rate: 0.01,
      net_arch: [128],
      activation_fn: 'relu',
      gamma: 0.99,
      normalize_advantage: true,
      normalize_returns: false,
      value_loss: 'mse',
    },
  },
  {
    name: 'classic-shared',
    env: 'CartPole-v1',
    description:
      'The TensorFlow / Keras actor-critic tutorial: one Dense(128, ReLU) trunk with policy and value heads, Adam lr 0.01, γ 0.99, standardised returns, loss = policy + Huber(V, G), one update per episode.',
    steps: 500_000,
    values: {
      variant: 'shared',
      learning_rate: 0.01,
      net_arch: [128],
      activation_fn: 'relu',
      gamma: 0.99,
      value_loss: 'huber',
      vf_coef: 1,
      normalize_returns: true,
      normalize_advantage: false,
    },
  },
];

export const actorCriticDef: AlgorithmDef = {
  id: 'actor-critic',
  name: 'Actor-Critic',
  description:
    'Classic actor-critic: one-step TD (update every step), Monte-Carlo advantage, or a shared trunk with policy and value heads (TensorFlow tutorial).',
  rules: RULES,
  presets: PRESETS,
  defaultSteps: { 'CartPole-v1': 500_000, 'LunarLander-v3': 1_000_000 },
  supports: (_obs, act) => (act.kind === 'discrete' ? null : 'actor-critic here supports Discrete action spaces only'),
  create: (opts) => new ActorCritic(opts),
};
