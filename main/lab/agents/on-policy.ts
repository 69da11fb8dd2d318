/**
 * What PPO and A2C share (SB3's OnPolicyAlgorithm): a separate actor and critic MLP, and the
 * collection of n_steps × n_envs transitions into a RolloutBuffer followed by GAE(λ). Each
 * algorithm's update (its loss and gradient steps) stays in its own file.
 */
import type { VecEnv } from '../envs/env.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { DiagGaussian, clipToBox, distributionFor, type ActionArray, type ActionDistribution } from '../nn/distributions.ts';
import { Mlp, type Activation } from '../nn/mlp.ts';
import type { Rule } from '../training/hyperparameters.ts';
import { RolloutBuffer } from '../training/rollout-buffer.ts';
import { MlpPolicy, type IterationContext } from './algorithm.ts';

/** The hyperparameters (SB3 names) that shape the two networks and the action distribution. */
export interface ActorCriticNetHyperparameters {
  net_arch: number[];
  activation_fn: Activation;
  ortho_init: boolean;
  log_std_init: number;
}

/** The log_std_init rule both algorithms list (createActorCritic reads it). */
export const logStdInitRule: Rule = {
  key: 'log_std_init',
  type: 'float',
  default: 0.0,
  max: 5, // σ ≤ e⁵ ≈ 148; no lower bound, like SB3 (zoo presets use down to −3.29)
  description: 'Initial log σ of the diagonal Gaussian policy (Box action spaces only; state-independent, learned).',
};

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

    buffer.reset();
    for (let t = 0; t < this.nSteps; t++) {
      const obs = vecEnv.obs;
      dist.sample(actor.forward(obs, N), N, rng, this.actions, this.logProbs);
      critic.forward(obs, N, this.values);
      buffer.addStep(obs, this.actions, this.values, this.logProbs);
      if (vecEnv.actionSpace.kind === 'box') clipToBox(this.actions as Float32Array, N, vecEnv.actionSpace, this.envActions as Float32Array);
      vecEnv.step(this.envActions);
      buffer.addOutcome(vecEnv.rewards, vecEnv.terminated, vecEnv.truncated);
      // Time-limit truncation is not a terminal state: bootstrap from V(final observation).
      for (let i = 0; i < N; i++) {
        if (vecEnv.truncated[i] && !vecEnv.terminated[i]) buffer.setFinalValue(i, critic.forward(vecEnv.finalObs.subarray(i * D, (i + 1) * D), 1)[0]);
      }
      ctx.onEnvStep();
    }
    const lastValues = new Float32Array(N);
    critic.forward(vecEnv.obs, N, lastValues);
    buffer.computeReturnsAndAdvantages(lastValues, gamma, gaeLambda);
    return this.nSteps * N;
  }
}
