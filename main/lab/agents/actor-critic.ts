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
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { Categorical } from '../nn/distributions.ts';
import { Mlp, initMlpWeights, type Activation } from '../nn/mlp.ts';
import { common, completeRules, parseSchedule, type Preset, type Rule, type Schedule } from '../training/hyperparameters.ts';
import { explainedVariance, meanStd, rewardToGo } from '../training/returns.ts';
import { MlpPolicy, adam, checkNumEnvs, gradientStep, setLearningRate, type Algorithm, type AlgorithmOptions, type IterationContext, type IterationResult } from './algorithm.ts';
import type { AlgorithmDef } from './definition.ts';

export type Variant = 'td' | 'mc' | 'shared';
export type ValueLossKind = 'mse' | 'huber';

/** The td variant reports one UpdateRecord per finished episode, or after this many vector steps. */
const TD_REPORT_STEPS = 1000;
/** float32 machine ε, the tutorial's guard when standardising returns. */
const F32_EPS = 1.1920929e-7;

// ---------- the pieces of the losses (exported for the unit tests) ----------

/**
 * One-step TD targets y_i = r_i + γ·V(s'_i)·(1 − terminated_i). For a truncated row vNext must be
 * V(final observation); for a terminated row it is ignored.
 */
export function tdTargets(rewards: ArrayLike<number>, vNext: ArrayLike<number>, terminated: ArrayLike<number>, gamma: number, out?: Float32Array): Float32Array {
  const n = rewards.length;
  const y = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = rewards[i] + (terminated[i] ? 0 : gamma * vNext[i]);
  return y;
}

/**
 * s' per sub-env after a vector step: the final observation where the episode just ended (same-step
 * autoreset put the next episode's first observation in `obs`), else the current observation.
 */
export function nextObservations(vecEnv: Pick<VecEnv, 'numEnvs' | 'obsDim' | 'obs' | 'finalObs' | 'terminated' | 'truncated'>, out?: Float32Array): Float32Array {
  const { numEnvs: N, obsDim: D } = vecEnv;
  const next = out ?? new Float32Array(N * D);
  next.set(vecEnv.obs.subarray(0, N * D));
  for (let i = 0; i < N; i++) {
    if (vecEnv.terminated[i] || vecEnv.truncated[i]) next.set(vecEnv.finalObs.subarray(i * D, (i + 1) * D), i * D);
  }
  return next;
}

/** Policy-gradient loss −mean(log π(a|s)·A); A must carry no gradient. */
export function policyGradientLoss(logp: tf.Tensor1D, advantages: tf.Tensor1D): tf.Scalar {
  return tf.neg(tf.mean(tf.mul(logp, advantages))) as tf.Scalar;
}

/** mse: mean((y − v)²) (SB3's F.mse_loss). huber: mean of ½e² for |e| ≤ 1, |e| − ½ beyond (δ = 1, Keras' Huber). */
export function valueLoss(kind: ValueLossKind, target: tf.Tensor1D, pred: tf.Tensor1D): tf.Scalar {
  const err = tf.sub(target, pred);
  if (kind === 'mse') return tf.mean(tf.square(err)) as tf.Scalar;
  const abs = tf.abs(err);
  const quad = tf.minimum(abs, 1);
  return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(abs, quad))) as tf.Scalar;
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

/** One env's episode in progress. */
class Episode {
  obs: number[] = [];
  actions: number[] = [];
  rewards: number[] = [];
  /** V(final observation) of a truncated episode (0 if it terminated). */
  bootstrap = 0;
}

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
  private readonly optimizer: tf.Optimizer; // actor (td, mc) or everything (shared)
  private readonly vfOptimizer: tf.Optimizer | null = null;
  private readonly lrSchedule: Schedule;
  private readonly vfLrSchedule: Schedule;
  private readonly actions: Int32Array;
  private running: Episode[];

  constructor({ vecEnv, hyperparameters, rng }: AlgorithmOptions) {
    const hp = (this.hp = completeRules<ActorCriticHyperparameters>('actor-critic', RULES, hyperparameters));
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
    // ε 1e-8 for actor and critic: torch's Adam default, as the PyTorch tutorials (Keras' would be 1e-7).
    this.optimizer = adam(this.lrSchedule(1), 1e-8);
    if (hp.variant === 'shared') {
      const hidden = hp.net_arch.length ? hp.net_arch[hp.net_arch.length - 1] : D;
      const w = initMlpWeights({ inputDim: hidden, outputDim: 1, netArch: [], activation: hp.activation_fn }, { scheme, rng, outputGain: 1 });
      const id = `acvalue${++valueHeadCounter}`;
      this.valueKernel = tf.tidy(() => tf.variable(tf.tensor2d(w.kernels[0], [hidden, 1]), true, `${id}_kernel`));
      this.valueBias = tf.tidy(() => tf.variable(tf.tensor1d(w.biases[0]), true, `${id}_bias`));
      const trunk = actor.getWeights();
      this.sharedValueNet = new Mlp({ ...spec, outputDim: 1 }, { kernels: [...trunk.kernels.slice(0, -1), w.kernels[0]], biases: [...trunk.biases.slice(0, -1), w.biases[0]] });
    } else {
      this.separateCritic = Mlp.create({ ...spec, outputDim: 1 }, { scheme, rng, outputGain: 1 });
      this.vfOptimizer = adam(this.vfLrSchedule(1), 1e-8);
    }
    this.actions = new Int32Array(vecEnv.numEnvs);
    this.running = Array.from({ length: vecEnv.numEnvs }, () => new Episode());
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
    const N = vecEnv.numEnvs;
    const D = vecEnv.obsDim;
    const progress = 1 - ctx.stepsDone / ctx.totalSteps;
    const lr = this.lrSchedule(progress);
    const vfLr = this.vfLrSchedule(progress);
    setLearningRate(this.optimizer, lr);
    setLearningRate(this.vfOptimizer!, vfLr);

    const obs = new Float32Array(N * D);
    const next = new Float32Array(N * D);
    const vNow = new Float32Array(N);
    const vNext = new Float32Array(N);
    const target = new Float32Array(N);
    const delta = new Float32Array(N);
    const sums = { policy_loss: 0, value_loss: 0, entropy: 0, grad_norm: 0, vf_grad_norm: 0, td_error: 0 };
    let steps = 0;
    let updates = 0;
    while (updates < TD_REPORT_STEPS && ctx.stepsDone + steps < ctx.totalSteps) {
      // ---- 1. act, step ----
      obs.set(vecEnv.obs.subarray(0, N * D));
      dist.sample(actor.forward(obs, N), N, this.rng, this.actions);
      vecEnv.step(this.actions);
      steps += N;
      ctx.onEnvStep();

      // ---- 2. TD target y = r + γ·V(s')·(1 − terminated) and error δ = y − V(s), before any update ----
      nextObservations(vecEnv, next);
      critic.forward(obs, N, vNow);
      critic.forward(next, N, vNext);
      tdTargets(vecEnv.rewards, vNext, vecEnv.terminated, hp.gamma, target);
      for (let i = 0; i < N; i++) delta[i] = target[i] - vNow[i];

      // ---- 3. critic step on (y − V(s))², actor step on −log π(a|s)·δ − ent_coef·H ----
      const r = tf.tidy(() => {
        const obsT = tf.tensor2d(obs, [N, D]);
        const c = gradientStep(this.vfOptimizer!, critic.variables, () => [valueLoss(hp.value_loss, tf.tensor1d(target), tf.reshape(critic.apply(obsT), [-1]) as tf.Tensor1D)], ['value_loss'], hp.max_grad_norm);
        const a = gradientStep(
          this.optimizer,
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
      sums.value_loss += r.c.values[0];
      sums.vf_grad_norm += r.c.gradNorm;
      sums.policy_loss += r.a.values[1];
      sums.entropy += r.a.values[2];
      sums.grad_norm += r.a.gradNorm;
      let absDelta = 0;
      for (let i = 0; i < N; i++) absDelta += Math.abs(delta[i]);
      sums.td_error += absDelta / N;
      updates++;
      if (vecEnv.finishedEpisodes.length > 0) break;
    }
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) metrics[k] = v / updates;
    metrics.learning_rate = lr;
    metrics.vf_learning_rate = vfLr;
    metrics.updates = updates;
    return { steps, metrics };
  }

  // ---------- mc, shared: complete episodes, returns-to-go ----------

  /** V(s) for n rows, read back to JS (no gradient): the critic, or the shared trunk's value head. */
  private values(obs: Float32Array, n: number): Float32Array {
    if (this.separateCritic) return this.separateCritic.forward(obs, n, new Float32Array(n));
    return tf.tidy(() => new Float32Array(sharedForward(this.policy.net, this.valueKernel!, this.valueBias!, tf.tensor2d(obs, [n, this.vecEnv.obsDim])).value.dataSync()));
  }

  private iterateEpisodes(ctx: IterationContext): IterationResult {
    const { hp, vecEnv, dist } = this;
    const net = this.policy.net;
    const N = vecEnv.numEnvs;
    const D = vecEnv.obsDim;

    // ---- 1. act until episodes_per_update episodes have finished ----
    const done: Episode[] = [];
    let steps = 0;
    while (done.length < hp.episodes_per_update) {
      const obs = vecEnv.obs;
      dist.sample(net.forward(obs, N), N, this.rng, this.actions);
      for (let i = 0; i < N; i++) {
        const ep = this.running[i];
        for (let j = 0; j < D; j++) ep.obs.push(obs[i * D + j]);
        ep.actions.push(this.actions[i]);
      }
      vecEnv.step(this.actions);
      steps += N;
      for (let i = 0; i < N; i++) {
        const ep = this.running[i];
        ep.rewards.push(vecEnv.rewards[i]);
        if (vecEnv.terminated[i] || vecEnv.truncated[i]) {
          // Time-limit truncation: the final state is not terminal, so its value is the return's tail.
          if (!vecEnv.terminated[i] && !hp.normalize_returns) ep.bootstrap = this.values(vecEnv.finalObs.slice(i * D, (i + 1) * D), 1)[0];
          done.push(ep);
          this.running[i] = new Episode();
        }
      }
      ctx.onEnvStep();
    }

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
    setLearningRate(this.optimizer, lr);
    const metrics: Record<string, number> = { learning_rate: lr };
    tf.tidy(() => {
      const obsT = tf.tensor2d(obsBatch, [T, D]);
      const actT = tf.tensor1d(actBatch, 'int32');
      const advT = tf.tensor1d(adv);
      const retT = tf.tensor1d(returns);
      if (this.separateCritic) {
        // mc: separate critic regresses G_t; actor step on −mean(log π·A) − ent_coef·H.
        const critic = this.separateCritic;
        const vfLr = this.vfLrSchedule(progress);
        setLearningRate(this.vfOptimizer!, vfLr);
        const c = gradientStep(this.vfOptimizer!, critic.variables, () => [valueLoss(hp.value_loss, retT, tf.reshape(critic.apply(obsT), [-1]) as tf.Tensor1D)], ['value_loss'], hp.max_grad_norm);
        const a = gradientStep(
          this.optimizer,
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
        Object.assign(metrics, { value_loss: c.values[0], vf_grad_norm: c.gradNorm, policy_loss: a.values[1], entropy: a.values[2], grad_norm: a.gradNorm, vf_learning_rate: vfLr });
      } else {
        // shared: one step on −mean(log π·A) + vf_coef·L(V, G) − ent_coef·H over trunk and both heads.
        const s = gradientStep(
          this.optimizer,
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
        Object.assign(metrics, { policy_loss: s.values[1], value_loss: s.values[2], entropy: s.values[3], grad_norm: s.gradNorm });
      }
    });
    net.invalidate();
    this.separateCritic?.invalidate();

    const ev = explainedVariance(v, returns);
    if (Number.isFinite(ev)) metrics.explained_variance = ev;
    metrics.batch_episodes = done.length;
    metrics.batch_steps = T;
    return { steps, metrics };
  }

  dispose(): void {
    this.policy.dispose();
    this.separateCritic?.dispose();
    this.sharedValueNet?.dispose();
    this.valueKernel?.dispose();
    this.valueBias?.dispose();
    this.optimizer.dispose();
    this.vfOptimizer?.dispose();
  }
}

// ---------- definition: hyperparameters and presets ----------

export interface ActorCriticHyperparameters {
  variant: Variant;
  learning_rate: number | string;
  vf_learning_rate: number | string;
  gamma: number;
  net_arch: number[];
  activation_fn: Activation;
  ortho_init: boolean;
  value_loss: ValueLossKind;
  vf_coef: number;
  ent_coef: number;
  normalize_returns: boolean;
  normalize_advantage: boolean;
  episodes_per_update: number;
  max_grad_norm: number;
  n_envs: number;
}

const RULES: Rule[] = [
  {
    key: 'variant',
    type: 'enum',
    default: 'td',
    choices: ['td', 'mc', 'shared'],
    description: 'td: one-step TD(0) actor-critic updating every step; mc: Monte-Carlo advantage G − V per episode; shared: one trunk with policy and value heads, combined loss.',
  },
  { key: 'learning_rate', type: 'schedule', default: 0.0005, min: 0, exclusiveMin: true, description: 'Adam step size of the actor (shared: of the whole network); "lin_<x>" decays linearly to 0.' },
  { key: 'vf_learning_rate', type: 'schedule', default: 0.002, min: 0, exclusiveMin: true, description: 'Adam step size of the separate critic (td, mc; unused by shared).' },
  common.gamma,
  { ...common.net_arch, default: [128], description: 'Hidden layer widths of the actor and of the critic (shared: of the common trunk).' },
  { ...common.activation_fn, default: 'relu' },
  { ...common.ortho_init, default: false },
  { key: 'value_loss', type: 'enum', default: 'mse', choices: ['mse', 'huber'], description: 'Critic loss: squared error, or Huber (δ = 1: quadratic within ±1, linear beyond).' },
  { key: 'vf_coef', type: 'float', default: 1.0, min: 0, max: 100, description: 'Value loss weight in the combined loss (shared only).' },
  common.ent_coef,
  { key: 'normalize_returns', type: 'bool', default: false, description: 'Standardise each batch of returns G (mc, shared); the critic then learns standardised returns and truncations are not bootstrapped.' },
  { key: 'normalize_advantage', type: 'bool', default: true, description: 'Standardise each batch of advantages G − V (mc, shared).' },
  { key: 'episodes_per_update', type: 'int', default: 1, min: 1, max: 10_000, description: 'Complete episodes per update (mc, shared).' },
  { ...common.max_grad_norm, default: 0, exclusiveMin: false, description: 'Global gradient-norm clip per network update; 0 = no clipping.' },
  common.n_envs,
];

const PRESETS: Preset[] = [
  {
    name: 'classic-td',
    env: 'CartPole-v1',
    description:
      'One-step actor-critic, an update every step: separate actor and critic (128 ReLU), Adam, γ 0.99. Tuned here: 4 envs (each update a batch of 4 transitions), actor lr 5e-4, critic lr 2e-3; with 1 env, lr 1e-3 / 5e-3 collapsed to a deterministic policy and 2e-4 / 1e-3 needed ~950 episodes.',
    steps: 500_000,
    values: { variant: 'td', n_envs: 4, learning_rate: 0.0005, vf_learning_rate: 0.002, net_arch: [128], activation_fn: 'relu', gamma: 0.99, value_loss: 'mse', ent_coef: 0 },
  },
  {
    name: 'classic-mc',
    env: 'CartPole-v1',
    description:
      'Monte-Carlo advantage actor-critic, one update per episode: separate actor and critic of 128 ReLU units, normalised G − V, Adam lr 0.01 for both, γ 0.99 (the tutorials\' network and step size; the split into two networks is ours).',
    steps: 500_000,
    values: { variant: 'mc', learning_rate: 0.01, vf_learning_rate: 0.01, net_arch: [128], activation_fn: 'relu', gamma: 0.99, normalize_advantage: true, normalize_returns: false, value_loss: 'mse' },
  },
  {
    name: 'classic-shared',
    env: 'CartPole-v1',
    description:
      'The TensorFlow / Keras actor-critic tutorial: one Dense(128, ReLU) trunk with policy and value heads, Adam lr 0.01, γ 0.99, standardised returns, loss = policy + Huber(V, G), one update per episode.',
    steps: 500_000,
    values: { variant: 'shared', learning_rate: 0.01, net_arch: [128], activation_fn: 'relu', gamma: 0.99, value_loss: 'huber', vf_coef: 1, normalize_returns: true, normalize_advantage: false },
  },
];

export const actorCriticDef: AlgorithmDef = {
  id: 'actor-critic',
  name: 'Actor-Critic',
  description: 'Classic actor-critic: one-step TD (update every step), Monte-Carlo advantage, or a shared trunk with policy and value heads (TensorFlow tutorial).',
  rules: RULES,
  presets: PRESETS,
  defaultSteps: { 'CartPole-v1': 500_000, 'LunarLander-v3': 1_000_000 },
  supports: (_obs, act) => (act.kind === 'discrete' ? null : 'actor-critic here supports Discrete action spaces only'),
  create: (opts) => new ActorCritic(opts),
};
