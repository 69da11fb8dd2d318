/**
 * What PPO and A2C share (SB3's OnPolicyAlgorithm): a separate actor and critic MLP, and the
 * collection of n_steps × n_envs transitions into a RolloutBuffer followed by GAE(λ). Each
 * algorithm's update (its loss and gradient steps) stays in its own file.
 */
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { DiagGaussian, clipToBox, distributionFor, type ActionArray, type ActionDistribution } from '../nn/distributions.ts';
import { Mlp } from '../nn/mlp.ts';
import { createKernels, type Kernels } from '../nn/fused/kernels.ts';
import { ParamSet, type FusedMlp, type ParamVector } from '../nn/fused/fused-mlp.ts';
import type { RuleBody, ValuesOf } from '../domain/hyperparameters.ts';
import type { common } from '../training/hyperparameters.ts';
import { RolloutBuffer } from '../training/rollout-buffer.ts';
import { MlpPolicy, type IterationContext } from './algorithm.ts';

/** The log_std_init rule both algorithms list (createActorCritic reads it). */
export const logStdInitRule = {
  type: 'float',
  default: 0.0,
  max: 5, // σ ≤ e⁵ ≈ 148; no lower bound, like SB3 (zoo presets use down to −3.29)
  description: 'Initial log σ of the diagonal Gaussian policy (Box action spaces only; state-independent, learned).',
} satisfies RuleBody;

/** The hyperparameters (SB3 names) that shape the two networks and the action distribution, typed by their rules. */
export type ActorCriticNetHyperparameters = ValuesOf<{
  net_arch: typeof common.net_arch;
  activation_fn: typeof common.activation_fn;
  ortho_init: typeof common.ortho_init;
  log_std_init: typeof logStdInitRule;
}>;

export interface ActorCriticNets {
  dist: ActionDistribution;
  policy: MlpPolicy;
  critic: Mlp;
}

/**
 * Actor, then critic, from rng (that order is part of a seed's result). SB3 gains: √2 hidden
 * layers, 0.01 policy head (near-uniform initial policy), 1 value head.
 */
export function createActorCritic(vecEnv: VecEnv, hp: ActorCriticNetHyperparameters, rng: Generator): ActorCriticNets {
  const dist = distributionFor(vecEnv.actionSpace, { logStdInit: hp.log_std_init });
  const scheme = hp.ortho_init ? 'orthogonal' : 'glorot';
  const spec = { inputDim: vecEnv.obsDim, netArch: hp.net_arch, activation: hp.activation_fn };
  const actor = Mlp.create({ ...spec, outputDim: dist.paramDim }, { scheme, rng, outputGain: 0.01 });
  const critic = Mlp.create({ ...spec, outputDim: 1 }, { scheme, rng, outputGain: 1 });
  return { dist, policy: new MlpPolicy(actor, dist, vecEnv.observationSpace, vecEnv.actionSpace), critic };
}

/** Box policies: σ averaged over action dimensions (SB3 logs it as train/std); null for Categorical. */
export function meanActionStd(dist: ActionDistribution): number | null {
  if (!(dist instanceof DiagGaussian)) return null;
  const sd = dist.std();
  return sd.reduce((a, b) => a + b, 0) / sd.length;
}

/** Fills a RolloutBuffer with the current policy, reusing its per-step scratch arrays. */
export class RolloutCollector {
  readonly buffer: RolloutBuffer;
  // Sampled actions (stored, so their log-probs match), what the env gets (clipped, Box only).
  private readonly actions: ActionArray;
  private readonly envActions: ActionArray;
  private readonly logProbs: Float32Array;
  private readonly values: Float32Array;

  constructor(
    private readonly vecEnv: VecEnv,
    private readonly nets: ActorCriticNets,
    readonly nSteps: number,
    private readonly rng: Generator,
    /** Fused engine: act from its flat weights (pulled in before collect). */
    private readonly fused: FusedActorCritic | null = null,
  ) {
    const N = vecEnv.numEnvs;
    const discrete = vecEnv.actionSpace.kind === 'discrete';
    const ad = nets.dist.actionDim;
    this.buffer = new RolloutBuffer(nSteps, N, vecEnv.obsDim, ad, discrete);
    this.actions = discrete ? new Int32Array(N) : new Float32Array(N * ad);
    this.envActions = discrete ? this.actions : new Float32Array(this.actions.length);
    this.logProbs = new Float32Array(N);
    this.values = new Float32Array(N);
  }

  /**
   * Collects nSteps vector steps (ctx.onEnvStep after each), then GAE(λ) advantages and λ-returns
   * bootstrapped from V(s_T) for the episodes still running. Returns the env steps consumed.
   */
  collect(ctx: IterationContext, gamma: number, gaeLambda: number): number {
    const { vecEnv, buffer, rng } = this;
    const { dist, critic } = this.nets;
    const actor = this.nets.policy.net;
    const N = vecEnv.numEnvs;
    const D = vecEnv.obsDim;

    // The fused engine acts from its own flat weights (XNNPACK for these row counts beats JS loops).
    const fused = this.fused;
    const actorOut = fused ? (x: Float32Array, n: number) => fused.actorForward(x, n) : (x: Float32Array, n: number) => actor.forward(x, n);
    const criticOut = fused
      ? (x: Float32Array, n: number, out?: Float32Array) => fused.criticForward(x, n, out)
      : (x: Float32Array, n: number, out?: Float32Array) => critic.forward(x, n, out);
    buffer.reset();
    for (let t = 0; t < this.nSteps; t++) {
      const obs = vecEnv.obs;
      dist.sample(actorOut(obs, N), N, rng, this.actions, this.logProbs);
      criticOut(obs, N, this.values);
      buffer.addStep(obs, this.actions, this.values, this.logProbs);
      if (vecEnv.actionSpace.kind === 'box') clipToBox(this.actions as Float32Array, N, vecEnv.actionSpace, this.envActions as Float32Array);
      vecEnv.step(this.envActions);
      buffer.addOutcome(vecEnv.rewards, vecEnv.terminated, vecEnv.truncated);
      // Time-limit truncation is not a terminal state: bootstrap from V(final observation).
      for (let i = 0; i < N; i++) {
        if (vecEnv.truncated[i] && !vecEnv.terminated[i]) buffer.setFinalValue(i, criticOut(vecEnv.finalObs.subarray(i * D, (i + 1) * D), 1)[0]);
      }
      ctx.onEnvStep();
    }
    const lastValues = new Float32Array(N);
    criticOut(vecEnv.obs, N, lastValues);
    buffer.computeReturnsAndAdvantages(lastValues, gamma, gaeLambda);
    return this.nSteps * N;
  }
}

/**
 * The fused engine's copy of an actor and critic (nn/fused/): flat parameters in one ParamSet over
 * both nets (+ a Gaussian's log σ) when they share one optimizer, or one set each. The Mlp/
 * distribution objects stay what acts and saves: pullWeights() copies their weights in before an
 * update (so a continued run or a test's setWeights is seen), pushWeights() hands the result back.
 */
export class FusedActorCritic {
  readonly kernels: Kernels;
  readonly actorSet: ParamSet;
  readonly criticSet: ParamSet;
  readonly actor: FusedMlp;
  readonly critic: FusedMlp;
  readonly logStd: ParamVector | null;
  private cap = 0;
  /** Minibatch scratch (heap offsets): observations, dL/d(actor outputs), dL/d(values). */
  obsOff = -1;
  dParamsOff = -1;
  dValuesOff = -1;

  constructor(
    private readonly nets: ActorCriticNets,
    opts: { separateSets: boolean },
  ) {
    this.kernels = createKernels();
    this.actorSet = new ParamSet(this.kernels);
    this.criticSet = opts.separateSets ? new ParamSet(this.kernels) : this.actorSet;
    this.actor = this.actorSet.mlp(nets.policy.net.spec);
    this.logStd = nets.dist instanceof DiagGaussian ? this.actorSet.vector(nets.dist.dim) : null;
    this.critic = this.criticSet.mlp(nets.critic.spec);
    this.actorSet.build();
    if (this.criticSet !== this.actorSet) this.criticSet.build();
    this.pullWeights();
  }

  /** Room for minibatches of m rows. */
  reserve(m: number): void {
    if (m <= this.cap) return;
    const k = this.kernels;
    this.obsOff = k.alloc(m * this.actor.inputDim);
    this.dParamsOff = k.alloc(m * this.actor.outputDim);
    this.dValuesOff = k.alloc(m);
    this.actor.reserve(m);
    this.critic.reserve(m);
    this.cap = m;
  }

  /** Actor outputs for n observations from the flat weights: a heap view, valid until the next call. */
  actorForward(obs: Float32Array, n: number): Float32Array {
    const off = this.actor.forward(this.stage(obs, n), n);
    return this.kernels.f32.subarray(off, off + n * this.actor.outputDim);
  }

  /** V(s) for n observations from the flat weights, into out (a new array if absent). */
  criticForward(obs: Float32Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
    const off = this.critic.forward(this.stage(obs, n), n);
    out.set(this.kernels.f32.subarray(off, off + n));
    return out;
  }

  /** Copies n observations into the heap's minibatch slot. */
  private stage(obs: Float32Array, n: number): number {
    this.reserve(n);
    const D = this.actor.inputDim;
    this.kernels.f32.set(obs.subarray(0, n * D), this.obsOff);
    return this.obsOff;
  }

  pullWeights(): void {
    this.actor.setWeights(this.nets.policy.net.getWeights());
    this.critic.setWeights(this.nets.critic.getWeights());
    if (this.logStd) this.logStd.set((this.nets.dist as DiagGaussian).getLogStd());
  }

  pushWeights(): void {
    this.nets.policy.net.setJsWeights(this.actor.getWeights());
    this.nets.critic.setJsWeights(this.critic.getWeights());
    if (this.logStd) (this.nets.dist as DiagGaussian).setLogStd(this.logStd.get());
  }

  dispose(): void {
    this.kernels.dispose();
  }
}
