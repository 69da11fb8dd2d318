/**
 * Actor-critic's td variant: one-step actor-critic (Sutton & Barto §13.5, without the γ^t factor, as
 * tutorials do), an update after every env step:
 *   δ = r + γ·V(s')·(1 − terminated) − V(s)
 *   critic: minimise (y − V(s))², y = r + γ·V(s')·(1 − terminated) held fixed (stop-gradient)
 *   actor:  minimise −log π(a|s)·δ (δ detached) − ent_coef·H
 * Separate actor and critic networks with their own Adam (learning_rate, vf_learning_rate; networks.ts).
 * At a time-limit truncation s' is the episode's final observation (bootstrap: the state is not
 * terminal); the autoreset observation belongs to the next episode and is never used. On the fused
 * engine td also acts from the fused actor and reuses that forward pass for the actor's step.
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../../envs/env.ts';
import type { Generator } from '../../envs/numpy-rng.ts';
import type { FusedMlp } from '../../nn/fused/fused-mlp.ts';
import { parseSchedule, type Schedule } from '../../training/hyperparameters.ts';
import {
  checkFiniteLosses,
  fusedOptimizerStep,
  gradientStep,
  setLearningRate,
  type IterationContext,
  type IterationResult,
  type MlpPolicy,
} from '../algorithm.ts';
import { categoricalPolicyGrad, policyGradientLoss, valueLoss, valueLossGrad } from '../pg-losses.ts';
import type { ActorCriticHyperparameters } from './hyperparameters.ts';
import { SeparateNets } from './networks.ts';

/** One UpdateRecord per finished episode, or after this many vector steps. */
const TD_REPORT_STEPS = 1000;

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

export class TdActorCritic {
  readonly nets: SeparateNets;
  private readonly lrSchedule: Schedule;
  private readonly vfLrSchedule: Schedule;
  private readonly actions: Int32Array;
  /** fused engine: s′ rows in the heap. */
  private readonly fusedNextOff: number = -1;

  constructor(
    private readonly hp: ActorCriticHyperparameters,
    private readonly vecEnv: VecEnv,
    private readonly policy: MlpPolicy,
    private readonly rng: Generator,
    fused: boolean,
  ) {
    this.lrSchedule = parseSchedule(hp.learning_rate);
    this.vfLrSchedule = parseSchedule(hp.vf_learning_rate);
    this.nets = new SeparateNets(hp, policy, rng, fused, this.lrSchedule(1), this.vfLrSchedule(1));
    const f = this.nets.fused;
    if (f) {
      f.reserve(vecEnv.numEnvs);
      this.fusedNextOff = f.kernels.alloc(vecEnv.numEnvs * vecEnv.obsDim);
    }
    this.actions = new Int32Array(vecEnv.numEnvs);
  }

  iterate(ctx: IterationContext): IterationResult {
    const { hp, vecEnv, nets } = this;
    const dist = this.policy.distribution;
    const actor = this.policy.net;
    const critic = nets.critic;
    const f = nets.fused;
    const N = vecEnv.numEnvs;
    const D = vecEnv.obsDim;
    const progress = 1 - ctx.stepsDone / ctx.totalSteps;
    const lr = this.lrSchedule(progress);
    const vfLr = this.vfLrSchedule(progress);
    if (!f) {
      setLearningRate(nets.optimizer!, lr);
      setLearningRate(nets.vfOptimizer!, vfLr);
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
        if (f) this.fusedValues(next, vNow, vNext);
        else {
          critic.forward(obs, N, vNow);
          critic.forward(next, N, vNext);
        }
        tdTargets(vecEnv.rewards, vNext, vecEnv.terminated, hp.gamma, target);
        for (let i = 0; i < N; i++) delta[i] = target[i] - vNow[i];

        // ---- 3. critic step on (y − V(s))², actor step on −log π(a|s)·δ − ent_coef·H ----
        const r = f ? this.fusedSteps(target, delta, lr, vfLr) : this.tfjsSteps(obs, target, delta);
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

  /** Step 3 on the tfjs engine. */
  private tfjsSteps(obs: Float32Array, target: Float32Array, delta: Float32Array): StepLosses {
    const { hp, nets } = this;
    const dist = this.policy.distribution;
    const actor = this.policy.net;
    const critic = nets.critic;
    const N = this.vecEnv.numEnvs;
    const r = tf.tidy(() => {
      const obsT = tf.tensor2d(obs, [N, this.vecEnv.obsDim]);
      const c = gradientStep(
        nets.vfOptimizer!,
        critic.variables,
        () => [valueLoss(hp.value_loss, tf.tensor1d(target), tf.reshape(critic.apply(obsT), [-1]) as tf.Tensor1D)],
        ['value_loss'],
        hp.max_grad_norm,
      );
      const a = gradientStep(
        nets.optimizer!,
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
   * Step 2 on the fused engine: V(s′), then V(s) from the flat critic (s staged by the acting
   * forward) — V(s) last, so its activations are the ones the critic's step backpropagates.
   */
  private fusedValues(next: Float32Array, vNow: Float32Array, vNext: Float32Array): void {
    const f = this.nets.fused!;
    const N = this.vecEnv.numEnvs;
    f.kernels.f32.set(next, this.fusedNextOff);
    const nextOff = f.critic.forward(this.fusedNextOff, N);
    vNext.set(f.kernels.f32.subarray(nextOff, nextOff + N));
    const nowOff = f.critic.forward(f.obsOff, N);
    vNow.set(f.kernels.f32.subarray(nowOff, nowOff + N));
  }

  /**
   * Step 3 on the fused engine, through the last forwards: the critic's on s (fusedValues) and
   * the actor's acting one on s (same weights, same rows). y and δ are constants.
   */
  private fusedSteps(target: Float32Array, delta: Float32Array, lr: number, vfLr: number): StepLosses {
    const { hp, nets } = this;
    const f = nets.fused!;
    const N = this.vecEnv.numEnvs;
    const vOff = outputOff(f.critic);
    const valueLoss = valueLossGrad(hp.value_loss, target, f.kernels.f32, vOff, N, 1, f.dValuesOff);
    checkFiniteLosses({ value_loss: valueLoss });
    f.critic.backward(f.dValuesOff, N);
    const vfGradNorm = fusedOptimizerStep(nets.fusedVfAdam!, vfLr, hp.max_grad_norm);

    const zOff = outputOff(f.actor);
    const { policyLoss, entropy } = categoricalPolicyGrad(
      f.kernels.f32,
      zOff,
      N,
      this.policy.distribution.paramDim,
      this.actions,
      delta,
      hp.ent_coef,
      f.dParamsOff,
    );
    checkFiniteLosses({ loss: policyLoss - hp.ent_coef * entropy, policy_loss: policyLoss, entropy });
    f.actor.backward(f.dParamsOff, N);
    const gradNorm = fusedOptimizerStep(nets.fusedAdam!, lr, hp.max_grad_norm);
    return { valueLoss, vfGradNorm, policyLoss, entropy, gradNorm };
  }

  /** The two Adams (nothing else carries over between steps: each reads the envs' current observations). */
  trainingState(): Record<string, unknown> {
    return { nets: this.nets.getState() };
  }

  restoreTrainingState(s: Record<string, unknown>): void {
    this.nets.setState(s.nets as Record<string, unknown>);
  }

  dispose(): void {
    this.nets.dispose();
  }
}

interface StepLosses {
  valueLoss: number;
  vfGradNorm: number;
  policyLoss: number;
  entropy: number;
  gradNorm: number;
}

/** Offset of a FusedMlp's outputs from its last forward. */
function outputOff(net: FusedMlp): number {
  return net.activationOff(net.dims.length - 2);
}
