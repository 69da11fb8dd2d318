/**
 * PPO with the clipped surrogate objective (Schulman et al. 2017), following SB3's PPO:
 * separate actor and critic MLPs, GAE(λ) advantages with time-limit bootstrapping, n_epochs passes
 * of shuffled minibatches, per-minibatch advantage normalisation, loss =
 * policy_loss − ent_coef·entropy + vf_coef·value_loss, one Adam (eps 1e-5) over both nets with
 * global gradient-norm clipping, and linear schedules for the learning rate and clip range.
 * On the fused engine the critic's half of each minibatch (nn/fused/critic.ts) runs on the second core
 * when the run trains alone (IterationContext.threads), meeting the actor's half at the global clip.
 * Discrete actions use a Categorical policy; Box actions a diagonal Gaussian with a state-independent
 * learned log σ (SB3's default, log_std_init): the rollout buffer keeps the unclipped samples (their
 * log-probs are the ones the ratio needs) while the env receives them clipped to the Box bounds.
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import type { ActionDistribution } from '../nn/distributions.ts';
import type { Mlp } from '../nn/mlp.ts';
import { withDefaults, parseSchedule, type Schedule } from '../training/hyperparameters.ts';
import type { AlgorithmDef } from './definition.ts';
import { PPO_PRESETS, PPO_RULES, checkPpoHyperparameters, type PpoHyperparameters } from './ppo-hyperparameters.ts';
import { explainedVariance } from '../training/returns.ts';
import { FusedActorCritic, RolloutCollector, createActorCritic, meanActionStd } from './on-policy.ts';
import { FusedAdam, clipFactor } from '../nn/fused/optimizers.ts';
import { LocalCritic, type CriticTrainer } from '../nn/fused/critic.ts';
import { ThreadCritic } from '../nn/fused/thread-critic.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import { fusedOptimizerState, setFusedOptimizerState, setTfOptimizerState, tfOptimizerState, type OptimizerState } from '../nn/optimizer-state.ts';
import type { RolloutBuffer } from '../training/rollout-buffer.ts';
import {
  adam,
  checkNumEnvs,
  gradientStep,
  permutation,
  setLearningRate,
  type Algorithm,
  type AlgorithmOptions,
  type AlgorithmState,
  type IterationContext,
  type IterationResult,
  NonFiniteLossError,
  checkFiniteLosses,
  StepMeans,
  type StepResult,
  type MlpPolicy,
} from './algorithm.ts';

const LOSS_NAMES = ['loss', 'policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clip_fraction'] as const;
type LossName = (typeof LOSS_NAMES)[number];

export class Ppo implements Algorithm {
  readonly id = 'ppo' as const;
  readonly hp: PpoHyperparameters;
  readonly policy: MlpPolicy;
  readonly critic: Mlp;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;
  private readonly dist: ActionDistribution;
  readonly engine: EngineName;
  /** tfjs engine: Adam over the tf.Variables. */
  private readonly optimizer: tf.Optimizer | null = null;
  /** fused engine: the same nets as flat buffers, and Adam over them. */
  private readonly fused: FusedActorCritic | null = null;
  private readonly fusedAdam: FusedAdam | null = null;
  /** fused engine: the critic's half of a minibatch, here or on a second thread (useThreads). */
  private readonly localCritic: LocalCritic | null = null;
  private criticTrainer: CriticTrainer | null = null;
  private threadCritic: ThreadCritic | null = null;
  private threadUnavailable = false;
  private readonly rollout: RolloutCollector;
  private readonly lrSchedule: Schedule;
  private readonly clipSchedule: Schedule;

  constructor({ vecEnv, hyperparameters, rng, engine }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<PpoHyperparameters>(PPO_RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    this.vecEnv = vecEnv;
    this.rng = rng;
    const nets = createActorCritic(vecEnv, hp, rng);
    this.dist = nets.dist;
    this.policy = nets.policy;
    this.critic = nets.critic;
    this.lrSchedule = parseSchedule(hp.learning_rate);
    this.clipSchedule = parseSchedule(hp.clip_range);
    // SB3's ActorCriticPolicy gives Adam eps 1e-5 ("small values to avoid NaN"), not torch's 1e-8.
    this.engine = engine ?? 'tfjs';
    if (this.engine === 'fused') {
      // Actor (+ log σ) and critic in sets of their own, so the critic can move to another thread;
      // one global norm over both all the same (fusedMinibatch).
      this.fused = new FusedActorCritic(nets, { separateSets: true });
      this.fusedAdam = new FusedAdam(this.fused.actorSet, 1e-5);
      this.localCritic = new LocalCritic(this.fused.kernels, nets.critic.spec, 1e-5, { set: this.fused.criticSet, net: this.fused.critic });
      this.criticTrainer = this.localCritic;
    } else {
      this.optimizer = adam(this.lrSchedule(1), 1e-5);
    }
    this.rollout = new RolloutCollector(vecEnv, nets, hp.n_steps, rng, this.fused);
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    const { hp, dist } = this;
    const { buffer } = this.rollout;

    // ---- 1. collect n_steps × n_envs transitions with the current policy; GAE(λ) (on-policy.ts) ----
    this.fused?.pullWeights(); // weights set on the Mlps since (a continued run's) are seen
    const steps = this.rollout.collect(ctx, hp.gamma, hp.gae_lambda);
    if (this.fused) await this.useThreads(ctx.threads ?? 1);

    // ---- 2. schedules: SB3 evaluates them at progress_remaining after this rollout ----
    const progress = 1 - (ctx.stepsDone + steps) / ctx.totalSteps;
    const lr = this.lrSchedule(progress);
    const clip = this.clipSchedule(progress);

    // ---- 3. n_epochs over shuffled minibatches, one optimizer step each ----
    const means = new StepMeans();
    const perm = new Int32Array(buffer.size);
    if (this.optimizer) setLearningRate(this.optimizer, lr);
    try {
      for (let epoch = 0; epoch < hp.n_epochs; epoch++) {
        permutation(buffer.size, this.rng, perm);
        for (let start = 0; start < buffer.size; start += hp.batch_size) {
          const mb = buffer.gather(perm.subarray(start, Math.min(start + hp.batch_size, buffer.size)));
          if (hp.normalize_advantage && mb.advantages.length > 1) normalizeInPlace(mb.advantages);
          means.add(this.fused ? this.fusedMinibatch(mb, lr, clip) : this.tfjsMinibatch(mb, clip));
        }
      }
    } finally {
      // Weights changed (even if a later minibatch threw): acting and saving must see them.
      if (this.criticTrainer?.threaded) this.fused!.critic.setWeights(this.criticTrainer.getWeights());
      if (this.fused) this.fused.pushWeights();
      else {
        this.policy.invalidate();
        this.critic.invalidate();
      }
    }

    const metrics: Record<string, number> = means.means();
    const ev = explainedVariance(buffer.values, buffer.returns);
    if (Number.isFinite(ev)) metrics.explained_variance = ev;
    metrics.learning_rate = lr;
    metrics.clip_range = clip;
    const std = meanActionStd(dist);
    if (std !== null) metrics.std = std;
    return { steps, metrics };
  }

  /** One minibatch on the tfjs engine: the loss as tf ops, tf.variableGrads, clip, Adam. */
  private tfjsMinibatch(mb: Minibatch, clip: number): StepResult<LossName> {
    const { hp, dist, critic } = this;
    const actor = this.policy.net;
    const m = mb.logProbs.length;
    const discrete = dist.kind === 'categorical';
    return tf.tidy(() => {
      const obsT = tf.tensor2d(mb.obs, [m, actor.spec.inputDim]);
      const actT = discrete ? tf.tensor1d(mb.actions as Int32Array, 'int32') : tf.tensor2d(mb.actions as Float32Array, [m, dist.actionDim]);
      const oldLogpT = tf.tensor1d(mb.logProbs);
      const advT = tf.tensor1d(mb.advantages);
      const retT = tf.tensor1d(mb.returns);
      return gradientStep(
        this.optimizer!,
        [...this.policy.variables, ...critic.variables],
        () => {
          const params = actor.apply(obsT); // logits, or Gaussian means
          const logp = dist.logProb(params, actT);
          const entropy = tf.mean(dist.entropy(params));
          const logRatio = tf.sub(logp, oldLogpT);
          const ratio = tf.exp(logRatio);
          // Clipped surrogate: pessimistic minimum of the unclipped and clipped objectives.
          const surr1 = tf.mul(advT, ratio);
          const surr2 = tf.mul(advT, tf.clipByValue(ratio, 1 - clip, 1 + clip));
          const policyLoss = tf.neg(tf.mean(tf.minimum(surr1, surr2)));
          const vPred = tf.reshape(critic.apply(obsT), [-1]);
          const valueLoss = tf.mean(tf.square(tf.sub(retT, vPred)));
          const loss = tf.add(tf.add(policyLoss, tf.mul(-hp.ent_coef, entropy)), tf.mul(hp.vf_coef, valueLoss)) as tf.Scalar;
          // Diagnostics (no gradient): KL estimate k3 = E[(r − 1) − log r] (Schulman's blog), clip rate.
          const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
          const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clip), 'float32'));
          return [loss, policyLoss, valueLoss, entropy, approxKl, clipFrac] as tf.Scalar[];
        },
        LOSS_NAMES,
        hp.max_grad_norm,
      );
    });
  }

  /**
   * The same minibatch step on the fused engine: forward both nets, the loss and its gradient with
   * respect to the network outputs written out below, backward, clip + Adam — no tfjs ops. Each
   * gradient is the one tfjs' autodiff takes through the ops of tfjsMinibatch (e.g. tf.minimum
   * passes it to the first operand on ties, tf.clipByValue inside [lo, hi] inclusive).
   */
  private fusedMinibatch(mb: Minibatch, lr: number, clip: number): StepResult<LossName> {
    const { hp, dist } = this;
    const f = this.fused!;
    const m = mb.logProbs.length;
    const critic = this.criticTrainer!;
    // The critic's half — value loss vf_coef · mean((V − R)²), its gradient, backward (critic.ts) — starts
    // first: on a second thread it runs while this one does the actor's half below.
    critic.begin(mb.obs, mb.returns, m, hp.vf_coef);
    f.reserve(m);
    f.kernels.f32.set(mb.obs, f.obsOff);
    const pOff = f.actor.forward(f.obsOff, m); // logits, or Gaussian means
    const H = f.kernels.f32;
    const P = dist.paramDim;
    const dP = f.dParamsOff;
    let policyLoss = 0;
    let entropy = 0;
    let kl = 0;
    let clipped = 0;
    // Gaussian: σ per dimension from the flat log σ, and dL/d log σ accumulated over rows.
    const gauss = f.logStd;
    const d = dist.actionDim;
    const logSd = gauss ? gauss.get() : null;
    const logSdGrad = gauss ? new Float64Array(d) : null;
    let rowEntropy = 0;
    if (logSd) {
      for (let j = 0; j < d; j++) rowEntropy += logSd[j] + 0.5 + HALF_LOG_2PI;
    }
    const probs = new Float64Array(P);

    for (let i = 0; i < m; i++) {
      const row = pOff + i * P;
      // log π(a|s) and the row's entropy.
      let logp: number;
      let lse = 0;
      if (!logSd) {
        let max = -Infinity;
        for (let j = 0; j < P; j++) if (H[row + j] > max) max = H[row + j];
        let sum = 0;
        for (let j = 0; j < P; j++) sum += probs[j] = Math.exp(H[row + j] - max);
        lse = max + Math.log(sum);
        rowEntropy = 0;
        for (let j = 0; j < P; j++) {
          probs[j] /= sum;
          rowEntropy -= probs[j] * (H[row + j] - lse);
        }
        logp = H[row + (mb.actions as Int32Array)[i]] - lse;
      } else {
        logp = 0;
        for (let j = 0; j < d; j++) {
          const z = (mb.actions[i * d + j] - H[row + j]) / Math.exp(logSd[j]);
          logp += -0.5 * z * z - logSd[j] - HALF_LOG_2PI;
        }
      }
      entropy += rowEntropy;

      // Clipped surrogate and its gradient with respect to log π(a|s).
      const adv = mb.advantages[i];
      const logRatio = logp - mb.logProbs[i];
      const ratio = Math.exp(logRatio);
      const surr1 = adv * ratio;
      const inside = ratio >= 1 - clip && ratio <= 1 + clip;
      const surr2 = adv * (inside ? ratio : ratio < 1 - clip ? 1 - clip : 1 + clip);
      policyLoss -= Math.min(surr1, surr2);
      const dSurrDRatio = surr1 <= surr2 || inside ? adv : 0;
      const dLogp = (-dSurrDRatio * ratio) / m;
      kl += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > clip) clipped++;

      // dL/d(network outputs): through log π(a|s), and −ent_coef·H for Categorical.
      if (!logSd) {
        const a = (mb.actions as Int32Array)[i];
        for (let j = 0; j < P; j++) {
          const logPj = H[row + j] - lse;
          H[dP + i * P + j] = dLogp * ((j === a ? 1 : 0) - probs[j]) + (hp.ent_coef / m) * probs[j] * (logPj + rowEntropy);
        }
      } else {
        for (let j = 0; j < d; j++) {
          const sd = Math.exp(logSd[j]);
          const z = (mb.actions[i * d + j] - H[row + j]) / sd;
          H[dP + i * d + j] = (dLogp * z) / sd;
          logSdGrad![j] += dLogp * (z * z - 1);
        }
      }
    }
    f.actor.backward(dP, m);
    if (gauss) {
      // The entropy term's gradient: d(−ent_coef · mean H)/d log σ_j = −ent_coef.
      for (let j = 0; j < d; j++) f.kernels.f32[gauss.gradOff + j] = logSdGrad![j] - hp.ent_coef;
    }
    const { valueLoss, gradSquared: criticSq } = critic.end();

    policyLoss /= m;
    entropy /= m;
    const loss = policyLoss - hp.ent_coef * entropy + hp.vf_coef * valueLoss;
    const losses = { loss, policy_loss: policyLoss, value_loss: valueLoss, entropy, approx_kl: kl / m, clip_fraction: clipped / m };
    checkFiniteLosses(losses);
    // clip_grad_norm_ over both nets, then each half takes its Adam step with the same factor.
    const gradNorm = Math.sqrt(f.actorSet.gradSquaredSum() + criticSq);
    if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError('grad_norm', gradNorm);
    const scale = clipFactor(gradNorm, hp.max_grad_norm);
    this.fusedAdam!.stepScaled(lr, scale);
    critic.apply(lr, scale);
    return { losses, gradNorm };
  }

  /**
   * The critic's half on a second thread when `threads` ≥ 2, else here; the Adam state moves along,
   * and weights are synced per iteration, so switching changes nothing but speed.
   */
  private async useThreads(threads: number): Promise<void> {
    const local = this.localCritic!;
    if (threads >= 2 && !this.threadCritic && !this.threadUnavailable) {
      this.threadCritic = await ThreadCritic.start(this.critic.spec, 1e-5, this.hp.batch_size);
      if (!this.threadCritic) this.threadUnavailable = true;
    }
    const next: CriticTrainer = threads >= 2 && this.threadCritic ? this.threadCritic : local;
    if (next !== this.criticTrainer) {
      next.setAdamState(this.criticTrainer!.getAdamState());
      this.criticTrainer = next;
    }
    if (next.threaded) next.setWeights(this.fused!.critic.getWeights());
  }

  /** Adam's state (tfjs: one over both nets; fused: the actor's and the critic's, wherever it trains). */
  trainingState(): AlgorithmState {
    if (this.fusedAdam) return { optimizer: fusedOptimizerState(this.fusedAdam), critic: { kind: 'fused-adam', ...this.criticTrainer!.getAdamState() } };
    return { optimizer: tfOptimizerState(this.optimizer!, [...this.policy.variables, ...this.critic.variables]) };
  }

  restoreTrainingState(s: AlgorithmState): void {
    const opt = s.optimizer as OptimizerState;
    if (this.fusedAdam) {
      setFusedOptimizerState(this.fusedAdam, opt);
      const c = s.critic as OptimizerState | undefined;
      if (c?.kind !== 'fused-adam') throw new Error('the saved state has no Adam state for the critic (saved by the other engine?)');
      this.criticTrainer!.setAdamState(c);
    } else setTfOptimizerState(this.optimizer!, [...this.policy.variables, ...this.critic.variables], opt);
  }

  dispose(): void {
    this.policy.dispose();
    this.critic.dispose();
    this.optimizer?.dispose();
    this.threadCritic?.dispose();
    this.fused?.dispose();
  }
}

type Minibatch = ReturnType<RolloutBuffer['gather']>;

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** (x − mean) / (std + 1e-8), std with Bessel's correction as torch.std (SB3's choice). */
function normalizeInPlace(x: Float32Array): void {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  for (let i = 0; i < n; i++) x[i] = (x[i] - m) / (sd + 1e-8);
}

// ---------- definition (its rules and presets: ppo-hyperparameters.ts) ----------

export const ppoDef: AlgorithmDef = {
  id: 'ppo',
  name: 'PPO',
  description:
    'Proximal Policy Optimization (Schulman et al. 2017): clipped surrogate objective, GAE(λ), separate actor and critic MLPs, minibatch epochs over each rollout.',
  rules: PPO_RULES,
  presets: PPO_PRESETS,
  defaultSteps: { 'CartPole-v1': 100_000, 'LunarLander-v3': 1_000_000 },
  iteration: { perEnv: 'n_steps' },
  crossCheck: checkPpoHyperparameters,
  create: (opts) => new Ppo(opts),
};
