/**
 * Actor-critic's mc and shared variants, and td per episode: one update per episodes_per_update
 * complete episodes.
 *   mc      Monte-Carlo advantage A_t = G_t − V(s_t) (normalised), the critic regressing G_t; separate
 *           actor and critic as in td (networks.ts: SeparateNets). A truncated episode's G bootstraps
 *           from V(final observation).
 *   td      (td_update 'episode') the same networks and steps as mc on one-step targets instead:
 *           y_t = r_t + γ·V(s_{t+1}) (V(final observation) at a truncation, 0 at termination) and
 *           δ_t = y_t − V(s_t), every V from the critic before the update — TD(0) batched over the
 *           episode, as the one-step actor-critic tutorials that update once per episode do.
 *   shared  One trunk with a policy head and a value head and one optimizer (the TensorFlow / Keras
 *           actor-critic tutorial; networks.ts: SharedTrunk): per episode, returns standardised to Ĝ,
 *           loss = −mean(log π·(Ĝ − V)) + vf_coef·Huber(V, Ĝ) − ent_coef·H (the advantage is detached;
 *           the tutorial lets it backpropagate into V, which is not the policy gradient).
 * The two share episode collection and returns, and differ in networks and loss, so one file holds
 * both updates, each read top to bottom. With normalize_returns the critic learns standardised returns,
 * whose scale changes every batch, so truncated episodes are then not bootstrapped (their tail counts as
 * 0, as in the tutorial). Both engines act with the Mlp's JS forward.
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../../envs/env.ts';
import type { Generator } from '../../envs/numpy-rng.ts';
import { parseSchedule, type Schedule } from '../../training/hyperparameters.ts';
import { explainedVariance, meanStd, rewardToGo } from '../../training/returns.ts';
import {
  checkFiniteLosses,
  fusedOptimizerStep,
  gradientStep,
  setLearningRate,
  type IterationContext,
  type IterationResult,
  type MlpPolicy,
} from '../algorithm.ts';
import { EpisodeCollector } from '../episodes.ts';
import { categoricalPolicyGrad, policyGradientLoss, valueLoss, valueLossGrad } from '../pg-losses.ts';
import type { ActorCriticHyperparameters } from './hyperparameters.ts';
import { SeparateNets, SharedTrunk, sharedForward } from './networks.ts';

/** float32 machine ε, the tutorial's guard when standardising returns. */
const F32_EPS = 1.1920929e-7;

/**
 * One episode's TD(0) targets y_t = r_t + γ·V(s_{t+1}): v holds V(s_0 … s_{T−1}) of the episode, so
 * V(s_{t+1}) is v[t + 1], and after the last step it is `last` (V(final observation) when the time
 * limit cut the episode, 0 when it terminated).
 */
export function episodeTdTargets(rewards: ArrayLike<number>, v: ArrayLike<number>, last: number, gamma: number, out?: Float32Array): Float32Array {
  const T = rewards.length;
  const y = out ?? new Float32Array(T);
  for (let t = 0; t < T; t++) y[t] = rewards[t] + gamma * (t + 1 < T ? v[t + 1] : last);
  return y;
}

export class EpisodicActorCritic {
  /** mc, td: actor and critic; shared: trunk and two heads. */
  readonly nets: SeparateNets | SharedTrunk;
  /** td per episode: one-step targets in place of the returns. */
  private readonly td: boolean;
  private readonly lrSchedule: Schedule;
  private readonly vfLrSchedule: Schedule;
  private readonly episodes: EpisodeCollector;

  constructor(
    private readonly hp: ActorCriticHyperparameters,
    private readonly vecEnv: VecEnv,
    private readonly policy: MlpPolicy,
    private readonly rng: Generator,
    fused: boolean,
  ) {
    this.lrSchedule = parseSchedule(hp.learning_rate);
    this.vfLrSchedule = parseSchedule(hp.vf_learning_rate);
    this.td = hp.variant === 'td';
    this.nets =
      hp.variant === 'shared'
        ? new SharedTrunk(hp, policy, rng, fused, this.lrSchedule(1))
        : new SeparateNets(hp, policy, rng, fused, this.lrSchedule(1), this.vfLrSchedule(1));
    this.episodes = new EpisodeCollector(vecEnv);
  }

  iterate(ctx: IterationContext): IterationResult {
    const { hp, vecEnv, nets } = this;
    const dist = this.policy.distribution;
    const net = this.policy.net;
    const D = vecEnv.obsDim;
    // Both engines act with the Mlp's JS forward (fused: on the weights pushed after its last update).
    nets.pull(); // weights set on the Mlps since (a continued run's) are seen

    // ---- 1. act until episodes_per_update episodes have finished ----
    const { done, steps } = this.episodes.collect(
      hp.episodes_per_update,
      (obs, n, out) => dist.sample(net.forward(obs, n), n, this.rng, out),
      () => ctx.onEnvStep(),
      hp.normalize_returns && !this.td ? undefined : (finalObs) => nets.values(finalObs, 1)[0],
    );

    // ---- 2. G_t per episode (optionally standardised) or, td, y_t = r_t + γ·V(s_{t+1}); V(s_t);
    // advantages A_t = G_t − V(s_t) (td: δ_t = y_t − V(s_t)) ----
    let T = 0;
    for (const ep of done) T += ep.rewards.length;
    const obsBatch = new Float32Array(T * D);
    const actBatch = new Int32Array(T);
    const returns = new Float32Array(T);
    let off = 0;
    for (const ep of done) {
      obsBatch.set(ep.obs, off * D);
      actBatch.set(ep.actions, off);
      if (!this.td) returns.set(rewardToGo(ep.rewards, hp.gamma, ep.bootstrap), off);
      off += ep.rewards.length;
    }
    if (hp.normalize_returns && !this.td) {
      const { mean, std } = meanStd(returns);
      for (let t = 0; t < T; t++) returns[t] = (returns[t] - mean) / (std + F32_EPS);
    }
    const v = nets.values(obsBatch, T);
    if (this.td) {
      off = 0;
      for (const ep of done) {
        const n = ep.rewards.length;
        episodeTdTargets(ep.rewards, v.subarray(off, off + n), ep.bootstrap, hp.gamma, returns.subarray(off, off + n));
        off += n;
      }
    }
    const adv = new Float32Array(T);
    let absDelta = 0;
    for (let t = 0; t < T; t++) {
      adv[t] = returns[t] - v[t];
      absDelta += Math.abs(adv[t]);
    }
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
      if (nets.fused) this.fusedSteps(batch, lr, progress, metrics);
      else this.tfjsSteps(batch, lr, progress, metrics);
    } finally {
      nets.push(); // weights changed (even if a later step threw): acting and saving must see them
    }

    const ev = explainedVariance(v, returns);
    if (Number.isFinite(ev)) metrics.explained_variance = ev;
    metrics.batch_episodes = done.length;
    metrics.batch_steps = T;
    if (this.td) metrics.td_error = absDelta / T; // mean |δ| before the update, as td per step reports
    return { steps, metrics };
  }

  /** Step 3 on the tfjs engine: the losses as tf ops, tf.variableGrads, clip, Adam. */
  private tfjsSteps(b: EpisodeBatch, lr: number, progress: number, metrics: Record<string, number>): void {
    const { hp, nets } = this;
    const dist = this.policy.distribution;
    const net = this.policy.net;
    setLearningRate(nets.optimizer!, lr);
    tf.tidy(() => {
      const obsT = tf.tensor2d(b.obs, [b.T, this.vecEnv.obsDim]);
      const actT = tf.tensor1d(b.actions, 'int32');
      const advT = tf.tensor1d(b.adv);
      const retT = tf.tensor1d(b.returns);
      if (nets instanceof SeparateNets) {
        // mc, td: separate critic regresses G_t (td: y_t); actor step on −mean(log π·A) − ent_coef·H.
        const critic = nets.critic;
        const vfLr = this.vfLrSchedule(progress);
        setLearningRate(nets.vfOptimizer!, vfLr);
        const c = gradientStep(
          nets.vfOptimizer!,
          critic.variables,
          () => [valueLoss(hp.value_loss, retT, tf.reshape(critic.apply(obsT), [-1]) as tf.Tensor1D)],
          ['value_loss'],
          hp.max_grad_norm,
        );
        const a = gradientStep(
          nets.optimizer!,
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
          nets.optimizer!,
          [...net.variables, nets.valueKernel, nets.valueBias],
          () => {
            const { logits, value } = sharedForward(net, nets.valueKernel, nets.valueBias, obsT);
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
  private fusedSteps(b: EpisodeBatch, lr: number, progress: number, metrics: Record<string, number>): void {
    const { hp, nets } = this;
    const K = this.policy.distribution.paramDim;
    const T = b.T;
    if (nets instanceof SeparateNets) {
      // mc, td: critic step on L(V(s), G) (td: y), then actor step on −mean(log π·A) − ent_coef·H.
      const f = nets.fused!;
      f.reserve(2 ** Math.ceil(Math.log2(T))); // episode batches vary in length; the heap never frees
      f.kernels.f32.set(b.obs, f.obsOff);
      const vfLr = this.vfLrSchedule(progress);
      const vOff = f.critic.forward(f.obsOff, T);
      const vLoss = valueLossGrad(hp.value_loss, b.returns, f.kernels.f32, vOff, T, 1, f.dValuesOff);
      checkFiniteLosses({ value_loss: vLoss });
      f.critic.backward(f.dValuesOff, T);
      const vfGradNorm = fusedOptimizerStep(nets.fusedVfAdam!, vfLr, hp.max_grad_norm);
      const zOff = f.actor.forward(f.obsOff, T);
      const { policyLoss, entropy } = categoricalPolicyGrad(f.kernels.f32, zOff, T, K, b.actions, b.adv, hp.ent_coef, f.dParamsOff);
      checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy, policy_loss: policyLoss, entropy });
      f.actor.backward(f.dParamsOff, T);
      const gradNorm = fusedOptimizerStep(nets.fusedAdam!, lr, hp.max_grad_norm);
      Object.assign(metrics, { value_loss: vLoss, vf_grad_norm: vfGradNorm, policy_loss: policyLoss, entropy, grad_norm: gradNorm, vf_learning_rate: vfLr });
      return;
    }
    // shared: one step on −mean(log π·A) + vf_coef·L(V, G) − ent_coef·H over trunk and both heads.
    const s = nets.fused!;
    const { logitsOff, valuesOff } = s.forward(b.obs, T);
    const { policyLoss, entropy } = categoricalPolicyGrad(s.kernels.f32, logitsOff, T, K, b.actions, b.adv, hp.ent_coef, s.dLogitsOff);
    const vLoss = valueLossGrad(hp.value_loss, b.returns, s.kernels.f32, valuesOff, T, hp.vf_coef, s.dValuesOff);
    checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy + hp.vf_coef * vLoss, policy_loss: policyLoss, value_loss: vLoss, entropy });
    s.backward(T);
    const gradNorm = fusedOptimizerStep(s.adam, lr, hp.max_grad_norm);
    Object.assign(metrics, { policy_loss: policyLoss, value_loss: vLoss, entropy, grad_norm: gradNorm });
  }

  /** The optimizers (and shared's value head) and the episodes still running. */
  trainingState(): Record<string, unknown> {
    return { nets: this.nets.getState(), running: this.episodes.getState() };
  }

  restoreTrainingState(s: Record<string, unknown>, opts: { freshEpisodes: boolean }): void {
    this.nets.setState(s.nets as Record<string, unknown>);
    if (!opts.freshEpisodes) this.episodes.setState(s.running);
  }

  dispose(): void {
    this.nets.dispose();
  }
}

/** One update's rows (A and G, or td's δ and y, are constants of the losses). */
interface EpisodeBatch {
  obs: Float32Array;
  actions: Int32Array;
  adv: Float32Array;
  returns: Float32Array;
  T: number;
}
