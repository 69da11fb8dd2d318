/**
 * A2C: synchronous advantage actor-critic on batched rollouts (Mnih et al. 2016, the synchronous
 * variant), written as Spinning Up's VPG epoch:
 *   1. collect n_steps × n_envs transitions with the current policy (separate policy and value MLPs);
 *   2. GAE(λ) advantages and λ-returns (computeGae; λ = 1 gives plain n-step / Monte-Carlo returns),
 *      bootstrapping from V(final observation) at a time-limit truncation, never at termination, and
 *      from V(s_T) for episodes still running at the end of the rollout;
 *   3. optionally normalise the advantages over the batch;
 *   4. one policy step on −mean(log π(a|s)·A) − ent_coef·H (optimizer at learning_rate) — or, with
 *      batch_size, one per minibatch of a shuffled rollout (the tutorials' minibatched epoch) —
 *      then train_v_iters full-batch steps of the value net on mean((R − V(s))²) (its own optimizer
 *      at vf_learning_rate).
 * With joint_update the update is SB3's A2C instead: a single gradient step (one per minibatch with
 * batch_size) on policy_loss − ent_coef·H + vf_coef·value_loss over both networks with one optimizer at
 * learning_rate (vf_learning_rate and train_v_iters unused); optimizer 'rmsprop' is torch's RMSprop
 * as SB3 uses it (α 0.99, ε outside the square root), implemented below because tfjs' RMSProp puts ε
 * inside the root.
 * Value targets are λ-returns A + V (SB3's choice); Spinning Up regresses on the discounted
 * reward-to-go (the λ = 1 return) instead.
 * Discrete actions use a Categorical policy, Box actions a diagonal Gaussian with a learned
 * state-independent log σ (the env receives the samples clipped to the bounds).
 * Two engines take the same update (AlgorithmOptions.engine): 'tfjs' (tfjsUpdate, the reference)
 * and 'fused' (fusedUpdate: flat buffers, the loss gradient written out by hand; nn/fused/).
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import type { ActionDistribution } from '../nn/distributions.ts';
import type { Mlp } from '../nn/mlp.ts';
import { withDefaults, parseSchedule, type Schedule } from '../training/hyperparameters.ts';
import { explainedVariance, meanStd } from '../training/returns.ts';
import type { RolloutBuffer } from '../training/rollout-buffer.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import type { ParamSet } from '../nn/fused/fused-mlp.ts';
import { FusedAdam, FusedRmsprop, type FusedOptimizer } from '../nn/fused/optimizers.ts';
import {
  adam,
  checkFiniteLosses,
  fusedOptimizerStep,
  checkNumEnvs,
  gradientStep,
  permutation,
  setLearningRate,
  StepMeans,
  type Algorithm,
  type AlgorithmOptions,
  type AlgorithmState,
  type IterationContext,
  type IterationResult,
  type MlpPolicy,
} from './algorithm.ts';
import { categoricalPolicyGrad, valueLossGrad } from './pg-losses.ts';
import type { AlgorithmDef } from './definition.ts';
import { A2C_PRESETS, A2C_RULES, checkA2cHyperparameters, type A2cHyperparameters } from './a2c-hyperparameters.ts';
import { TorchRmsprop } from '../nn/torch-rmsprop.ts';
import { fusedOptimizerState, setFusedOptimizerState, setTfOptimizerState, tfOptimizerState, type OptimizerState } from '../nn/optimizer-state.ts';
import { FusedActorCritic, RolloutCollector, createActorCritic, meanActionStd } from './on-policy.ts';

function makeOptimizer(kind: A2cHyperparameters['optimizer'], vars: tf.Variable[], lr: number, eps: number): tf.Optimizer {
  return kind === 'rmsprop' ? new TorchRmsprop(vars, lr, 0.99, eps) : adam(lr, eps);
}

/** The fused engine's twin of makeOptimizer (same α, β, ε). */
function makeFusedOptimizer(kind: A2cHyperparameters['optimizer'], set: ParamSet, eps: number): FusedOptimizer {
  return kind === 'rmsprop' ? new FusedRmsprop(set, eps, 0.99) : new FusedAdam(set, eps);
}

export class A2c implements Algorithm {
  readonly id = 'a2c' as const;
  readonly hp: A2cHyperparameters;
  readonly policy: MlpPolicy;
  readonly critic: Mlp;
  readonly buffer: RolloutBuffer;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;
  private readonly dist: ActionDistribution;
  private readonly rollout: RolloutCollector;
  readonly engine: EngineName;
  /** tfjs engine: the policy's optimizer, or (joint_update) the one over both networks; the value net's. */
  private readonly optimizer: tf.Optimizer | null = null;
  private readonly vfOptimizer: tf.Optimizer | null = null;
  /** fused engine: the nets as flat buffers (one set when joint_update, else one each) and their optimizers. */
  private readonly fused: FusedActorCritic | null = null;
  private readonly fusedOptimizer: FusedOptimizer | null = null;
  private readonly fusedVfOptimizer: FusedOptimizer | null = null;
  private readonly lrSchedule: Schedule;
  private readonly vfLrSchedule: Schedule;

  constructor({ vecEnv, hyperparameters, rng, engine }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<A2cHyperparameters>(A2C_RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    this.vecEnv = vecEnv;
    this.rng = rng;
    const nets = createActorCritic(vecEnv, hp, rng);
    this.dist = nets.dist;
    this.policy = nets.policy;
    this.critic = nets.critic;
    this.lrSchedule = parseSchedule(hp.learning_rate);
    this.vfLrSchedule = parseSchedule(hp.vf_learning_rate);
    this.engine = engine ?? 'tfjs';
    if (this.engine === 'fused') {
      this.fused = new FusedActorCritic(nets, { separateSets: !hp.joint_update });
      this.fusedOptimizer = makeFusedOptimizer(hp.optimizer, this.fused.actorSet, hp.optimizer_eps);
      if (!hp.joint_update) this.fusedVfOptimizer = makeFusedOptimizer(hp.optimizer, this.fused.criticSet, hp.optimizer_eps);
    } else if (hp.joint_update) {
      this.optimizer = makeOptimizer(hp.optimizer, [...this.policy.variables, ...this.critic.variables], this.lrSchedule(1), hp.optimizer_eps);
    } else {
      this.optimizer = makeOptimizer(hp.optimizer, this.policy.variables, this.lrSchedule(1), hp.optimizer_eps);
      this.vfOptimizer = makeOptimizer(hp.optimizer, this.critic.variables, this.vfLrSchedule(1), hp.optimizer_eps);
    }
    this.rollout = new RolloutCollector(vecEnv, nets, hp.n_steps, rng, this.fused);
    this.buffer = this.rollout.buffer;
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    const { hp, buffer, dist, critic } = this;

    // ---- 1–2. collect n_steps × n_envs transitions with the current policy; GAE(λ) advantages and
    // λ-returns, V(s_T) for the rows still running (on-policy.ts) ----
    this.fused?.pullWeights(); // weights set on the Mlps since (a continued run's) are seen
    const steps = this.rollout.collect(ctx, hp.gamma, hp.gae_lambda);
    const M = buffer.size;
    const adv = buffer.advantages.slice();
    if (hp.normalize_advantage) {
      // (A − mean) / (std + 1e-8) with the unbiased std, as SB3's advantages.std().
      const { mean, std } = meanStd(adv);
      const sd = std * Math.sqrt(M / (M - 1));
      for (let k = 0; k < M; k++) adv[k] = (adv[k] - mean) / (sd + 1e-8);
    }

    // ---- 3. schedules at progress_remaining after this rollout (as SB3) ----
    const progress = 1 - (ctx.stepsDone + steps) / ctx.totalSteps;
    const lr = this.lrSchedule(progress);
    const metrics: Record<string, number> = { learning_rate: lr };

    // ---- 4. policy step(s), then value iterations (or joint steps) ----
    const full: Rows = { obs: buffer.obs, actions: buffer.actions, adv, returns: buffer.returns, m: M };
    const batches = this.minibatches(full);
    try {
      if (this.fused) this.fusedUpdate(batches, full, lr, progress, metrics);
      else this.tfjsUpdate(batches, full, lr, progress, metrics);
    } finally {
      // Weights changed (even if a later step threw): acting and saving must see them.
      if (this.fused) this.fused.pushWeights();
      else {
        this.policy.invalidate();
        critic.invalidate();
      }
    }

    const ev = explainedVariance(buffer.values, buffer.returns);
    if (Number.isFinite(ev)) metrics.explained_variance = ev;
    const std = meanActionStd(dist);
    if (std !== null) metrics.std = std;
    return { steps, metrics };
  }

  /**
   * The rows of each policy step: the whole rollout, or (batch_size) a shuffled rollout cut into
   * minibatches of batch_size rows, the last one smaller when batch_size does not divide it.
   */
  private minibatches(full: Rows): Rows[] {
    const { batch_size: size } = this.hp;
    const M = full.m;
    if (size === 0 || size >= M) return [full];
    const perm = permutation(M, this.rng);
    const out: Rows[] = [];
    for (let start = 0; start < M; start += size) {
      const idx = perm.subarray(start, Math.min(start + size, M));
      const mb = this.buffer.gather(idx);
      const adv = new Float32Array(idx.length);
      for (let j = 0; j < idx.length; j++) adv[j] = full.adv[idx[j]];
      out.push({ obs: mb.obs, actions: mb.actions, adv, returns: mb.returns, m: idx.length });
    }
    return out;
  }

  /** The update on the tfjs engine: the losses as tf ops, tf.variableGrads, clip, optimizer steps. */
  private tfjsUpdate(batches: Rows[], full: Rows, lr: number, progress: number, metrics: Record<string, number>): void {
    const { hp, vecEnv, dist, critic } = this;
    const actor = this.policy.net;
    const D = vecEnv.obsDim;
    const discrete = dist.kind === 'categorical';
    setLearningRate(this.optimizer!, lr);
    const tensors = (r: Rows) => ({
      obsT: tf.tensor2d(r.obs, [r.m, D]),
      actT: discrete ? tf.tensor1d(r.actions as Int32Array, 'int32') : tf.tensor2d(r.actions as Float32Array, [r.m, dist.actionDim]),
      advT: tf.tensor1d(r.adv),
      retT: tf.tensor1d(r.returns),
    });
    const policyTerms = (t: ReturnType<typeof tensors>) => {
      const params = actor.apply(t.obsT);
      const entropy = tf.mean(dist.entropy(params));
      const policyLoss = tf.neg(tf.mean(tf.mul(dist.logProb(params, t.actT), t.advT))) as tf.Scalar;
      return { policyLoss, entropy };
    };
    const valueLoss = (t: ReturnType<typeof tensors>) => tf.mean(tf.square(tf.sub(t.retT, tf.reshape(critic.apply(t.obsT), [-1])))) as tf.Scalar;

    const means = new StepMeans();
    for (const rows of batches) {
      tf.tidy(() => {
        const t = tensors(rows);
        if (hp.joint_update) {
          const r = gradientStep(
            this.optimizer!,
            [...this.policy.variables, ...critic.variables],
            () => {
              const { policyLoss, entropy } = policyTerms(t);
              const vLoss = valueLoss(t);
              const loss = tf.add(tf.sub(policyLoss, tf.mul(hp.ent_coef, entropy)), tf.mul(hp.vf_coef, vLoss)) as tf.Scalar;
              return [loss, policyLoss, vLoss, entropy] as tf.Scalar[];
            },
            ['loss', 'policy_loss', 'value_loss', 'entropy'],
            hp.max_grad_norm,
          );
          means.add({ losses: { policy_loss: r.losses.policy_loss, value_loss: r.losses.value_loss, entropy: r.losses.entropy }, gradNorm: r.gradNorm });
        } else {
          const p = gradientStep(
            this.optimizer!,
            this.policy.variables,
            () => {
              const { policyLoss, entropy } = policyTerms(t);
              return [tf.sub(policyLoss, tf.mul(hp.ent_coef, entropy)), policyLoss, entropy] as tf.Scalar[];
            },
            ['loss', 'policy_loss', 'entropy'],
            hp.max_grad_norm,
          );
          means.add({ losses: { policy_loss: p.losses.policy_loss, entropy: p.losses.entropy }, gradNorm: p.gradNorm });
        }
      });
    }
    Object.assign(metrics, means.means());
    if (hp.joint_update) return;

    const vfLr = this.vfLrSchedule(progress);
    setLearningRate(this.vfOptimizer!, vfLr);
    tf.tidy(() => {
      const t = tensors(full);
      let vfGradNorm = 0;
      for (let k = 0; k < hp.train_v_iters; k++) {
        const v = gradientStep(this.vfOptimizer!, critic.variables, () => [valueLoss(t)], ['value_loss'], hp.max_grad_norm);
        // value_loss: before the first value step (comparable with the joint update); _final: before the last.
        if (k === 0) metrics.value_loss = v.losses.value_loss;
        metrics.value_loss_final = v.losses.value_loss;
        vfGradNorm += v.gradNorm;
      }
      metrics.vf_grad_norm = vfGradNorm / hp.train_v_iters;
    });
    metrics.vf_learning_rate = vfLr;
  }

  /**
   * The same update on the fused engine: forward, the losses and their gradients with respect to the
   * network outputs (policyLossGrad below; pg-losses.ts's valueLossGrad, mse), backward, clip + optimizer step — no tfjs
   * ops. Advantages and returns are constants, as in the tfjs loss.
   */
  private fusedUpdate(batches: Rows[], full: Rows, lr: number, progress: number, metrics: Record<string, number>): void {
    const { hp, dist } = this;
    const f = this.fused!;
    const H = f.kernels.f32;
    f.reserve(full.m);
    const means = new StepMeans();
    for (const rows of batches) {
      const m = rows.m;
      H.set(rows.obs, f.obsOff);
      const pOff = f.actor.forward(f.obsOff, m); // logits, or Gaussian means
      const { policyLoss, entropy } = policyLossGrad(f, dist, pOff, m, rows.actions, rows.adv, hp.ent_coef);
      if (hp.joint_update) {
        // One step on policy_loss − ent_coef·H + vf_coef·value_loss over both nets (one set).
        const vOff = f.critic.forward(f.obsOff, m);
        const vLoss = valueLossGrad('mse', rows.returns, H, vOff, m, hp.vf_coef, f.dValuesOff);
        checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy + hp.vf_coef * vLoss, policy_loss: policyLoss, value_loss: vLoss, entropy });
        f.actor.backward(f.dParamsOff, m);
        f.critic.backward(f.dValuesOff, m);
        const gradNorm = fusedOptimizerStep(this.fusedOptimizer!, lr, hp.max_grad_norm);
        means.add({ losses: { policy_loss: policyLoss, value_loss: vLoss, entropy }, gradNorm });
      } else {
        checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy, policy_loss: policyLoss, entropy });
        f.actor.backward(f.dParamsOff, m);
        const gradNorm = fusedOptimizerStep(this.fusedOptimizer!, lr, hp.max_grad_norm);
        means.add({ losses: { policy_loss: policyLoss, entropy }, gradNorm });
      }
    }
    Object.assign(metrics, means.means());
    if (hp.joint_update) return;

    // train_v_iters full-batch value steps with the critic's own optimizer.
    const M = full.m;
    if (batches[0] !== full) H.set(full.obs, f.obsOff);
    const vfLr = this.vfLrSchedule(progress);
    let vfGradNorm = 0;
    for (let k = 0; k < hp.train_v_iters; k++) {
      const vOff = f.critic.forward(f.obsOff, M);
      const vLoss = valueLossGrad('mse', full.returns, H, vOff, M, 1, f.dValuesOff);
      checkFiniteLosses({ value_loss: vLoss });
      f.critic.backward(f.dValuesOff, M);
      vfGradNorm += fusedOptimizerStep(this.fusedVfOptimizer!, vfLr, hp.max_grad_norm);
      // value_loss: before the first value step (comparable with the joint update); _final: before the last.
      if (k === 0) metrics.value_loss = vLoss;
      metrics.value_loss_final = vLoss;
    }
    metrics.vf_grad_norm = vfGradNorm / hp.train_v_iters;
    metrics.vf_learning_rate = vfLr;
  }

  /** The variables each tfjs optimizer trains, in the order it was given them (joint: both nets under one). */
  private optimizerVars(): { policy: tf.Variable[]; value: tf.Variable[] } {
    return this.hp.joint_update
      ? { policy: [...this.policy.variables, ...this.critic.variables], value: [] }
      : { policy: this.policy.variables, value: this.critic.variables };
  }

  /** The optimizers' states (the policy's, or the joint one; the value net's without joint_update). */
  trainingState(): AlgorithmState {
    if (this.fusedOptimizer) {
      return { optimizer: fusedOptimizerState(this.fusedOptimizer), vfOptimizer: this.fusedVfOptimizer ? fusedOptimizerState(this.fusedVfOptimizer) : null };
    }
    const vars = this.optimizerVars();
    return { optimizer: tfOptimizerState(this.optimizer!, vars.policy), vfOptimizer: this.vfOptimizer ? tfOptimizerState(this.vfOptimizer, vars.value) : null };
  }

  restoreTrainingState(s: AlgorithmState): void {
    const opt = s.optimizer as OptimizerState;
    const vf = s.vfOptimizer as OptimizerState | null;
    const hasVf = !!(this.fusedVfOptimizer ?? this.vfOptimizer);
    if (hasVf !== !!vf) throw new Error('the saved state is for a run with a different joint_update');
    if (this.fusedOptimizer) {
      setFusedOptimizerState(this.fusedOptimizer, opt);
      if (vf) setFusedOptimizerState(this.fusedVfOptimizer!, vf);
      return;
    }
    const vars = this.optimizerVars();
    setTfOptimizerState(this.optimizer!, vars.policy, opt);
    if (vf) setTfOptimizerState(this.vfOptimizer!, vars.value, vf);
  }

  dispose(): void {
    this.policy.dispose();
    this.critic.dispose();
    this.optimizer?.dispose();
    this.vfOptimizer?.dispose();
    this.fused?.dispose();
  }
}

/** One policy step's rows: observations, actions, (normalised) advantages, value targets. */
interface Rows {
  obs: Float32Array;
  actions: ArrayLike<number>;
  adv: Float32Array;
  returns: Float32Array;
  m: number;
}

// ---------- the fused engine's loss gradients (the tfjs losses are in tfjsUpdate) ----------

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * −mean(log π(a|s)·A) − ent_coef·mean H(π(·|s)) on the actor outputs [m × paramDim] at pOff; writes
 * dL/d(outputs) at f.dParamsOff and, Gaussian, dL/d log σ into the set's gradient buffer (backward
 * leaves that slot alone). Returns both terms.
 *   Categorical (logits z, π = softmax z):  ∂log π_a/∂z_j = 1[j = a] − π_j,  ∂H/∂z_j = −π_j (log π_j + H)
 *   Gaussian (means μ, log σ):  ∂log π/∂μ_j = z_j/σ_j,  ∂log π/∂log σ_j = z_j² − 1  (z = (a − μ)/σ),
 *                               H = Σ_j log σ_j + const, the same for every row
 */
function policyLossGrad(
  f: FusedActorCritic,
  dist: ActionDistribution,
  pOff: number,
  m: number,
  actions: ArrayLike<number>,
  adv: Float32Array,
  entCoef: number,
): { policyLoss: number; entropy: number } {
  const H = f.kernels.f32;
  const P = dist.paramDim;
  const dP = f.dParamsOff;
  // Categorical: the policy-gradient loss REINFORCE and actor-critic use too (pg-losses.ts).
  if (!f.logStd) return categoricalPolicyGrad(H, pOff, m, P, actions, adv, entCoef, dP);
  let policyLoss = 0;
  let entropy = 0;
  const logSd = f.logStd.get();
  const sd = Float64Array.from(logSd, Math.exp);
  const logSdGrad = new Float64Array(P);
  for (let i = 0; i < m; i++) {
    const row = pOff + i * P;
    let logp = 0;
    const dLogp = -adv[i] / m;
    for (let j = 0; j < P; j++) {
      const z = (actions[i * P + j] - H[row + j]) / sd[j];
      logp += -0.5 * z * z - logSd[j] - HALF_LOG_2PI;
      H[dP + i * P + j] = (dLogp * z) / sd[j];
      logSdGrad[j] += dLogp * (z * z - 1);
    }
    policyLoss -= logp * adv[i];
  }
  for (let j = 0; j < P; j++) {
    entropy += logSd[j] + 0.5 + HALF_LOG_2PI;
    H[f.logStd.gradOff + j] = logSdGrad[j] - entCoef; // d(−ent_coef·H)/d log σ_j = −ent_coef
  }
  return { policyLoss: policyLoss / m, entropy };
}

// ---------- definition (its rules and presets: a2c-hyperparameters.ts) ----------

export const a2cDef: AlgorithmDef = {
  id: 'a2c',
  name: 'A2C',
  description:
    'Advantage actor-critic on batched rollouts: GAE(λ), separate policy and value networks (one policy step, then value iterations), or SB3-style single joint step.',
  rules: A2C_RULES,
  presets: A2C_PRESETS,
  defaultSteps: { 'CartPole-v1': 500_000, 'LunarLander-v3': 1_000_000 },
  iteration: { perEnv: 'n_steps' },
  crossCheck: checkA2cHyperparameters,
  create: (opts) => new A2c(opts),
};
