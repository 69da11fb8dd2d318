/**
 * Actor-critic in its three textbook forms, chosen by `variant`: td, one-step actor-critic with an
 * update after every env step (actor-critic/td.ts) or, td_update 'episode', one batched TD(0) update
 * per episode; mc, Monte-Carlo advantage on complete episodes; and shared, one trunk with policy and
 * value heads (the TensorFlow tutorial) — the last three in actor-critic/episodic.ts.
 * Their networks: actor-critic/networks.ts; the hyperparameters and presets: actor-critic/hyperparameters.ts.
 * This file is what the lab sees (the Algorithm: acting policy, the critic saved beside it) and the
 * definition; the folder splits the 800 lines of three updates so that each still reads top to bottom.
 * Discrete action spaces only.
 *
 * Two engines take the same updates (AlgorithmOptions.engine): 'tfjs' (the reference) and 'fused'
 * (flat buffers, the loss gradients written out by hand: categoricalPolicyGrad, valueLossGrad; nn/fused/).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Mlp } from '../nn/mlp.ts';
import type { EngineName } from '../nn/fused/engine-choice.ts';
import { withDefaults } from '../training/hyperparameters.ts';
import {
  checkNumEnvs,
  type Algorithm,
  type AlgorithmOptions,
  type AlgorithmState,
  type IterationContext,
  type IterationResult,
  type MlpPolicy,
} from './algorithm.ts';
import type { AlgorithmDef } from './definition.ts';
import { ACTOR_CRITIC_PRESETS, ACTOR_CRITIC_RULES, type ActorCriticHyperparameters } from './actor-critic/hyperparameters.ts';
import { SharedTrunk, createActor } from './actor-critic/networks.ts';
import { TdActorCritic } from './actor-critic/td.ts';
import { EpisodicActorCritic } from './actor-critic/episodic.ts';

export class ActorCritic implements Algorithm {
  readonly id = 'actor-critic' as const;
  readonly hp: ActorCriticHyperparameters;
  /** The actor (td, mc) or trunk + policy head (shared). */
  readonly policy: MlpPolicy;
  readonly engine: EngineName;
  private readonly update: TdActorCritic | EpisodicActorCritic;

  constructor({ vecEnv, hyperparameters, rng, engine }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<ActorCriticHyperparameters>(ACTOR_CRITIC_RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    this.policy = createActor(hp, vecEnv, rng);
    this.engine = engine ?? 'tfjs';
    const fused = this.engine === 'fused';
    this.update =
      hp.variant === 'td' && hp.td_update === 'step'
        ? new TdActorCritic(hp, vecEnv, this.policy, rng, fused)
        : new EpisodicActorCritic(hp, vecEnv, this.policy, rng, fused);
  }

  /**
   * V(s) as one Dense stack (the trainer saves it beside the policy for the X-ray): the separate
   * critic, or for shared the trunk's current weights topped by the value head.
   */
  get critic(): Mlp {
    return this.update.nets.critic;
  }

  /** shared: the value head on the trunk's last hidden layer (null for td, mc). */
  get valueKernel(): tf.Variable | null {
    const nets = this.update.nets;
    return nets instanceof SharedTrunk ? nets.valueKernel : null;
  }

  get valueBias(): tf.Variable | null {
    const nets = this.update.nets;
    return nets instanceof SharedTrunk ? nets.valueBias : null;
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    return this.update.iterate(ctx);
  }

  trainingState(): AlgorithmState {
    return this.update.trainingState();
  }

  restoreTrainingState(s: AlgorithmState, opts: { freshEpisodes: boolean }): void {
    this.update.restoreTrainingState(s, opts);
  }

  dispose(): void {
    this.policy.dispose();
    this.update.dispose();
  }
}

// ---------- definition (its rules and presets: actor-critic/hyperparameters.ts) ----------

export const actorCriticDef: AlgorithmDef = {
  id: 'actor-critic',
  name: 'Actor-Critic',
  description:
    'Classic actor-critic: one-step TD (an update every step, or one batched update per episode), Monte-Carlo advantage, or a shared trunk with policy and value heads (TensorFlow tutorial).',
  rules: ACTOR_CRITIC_RULES,
  presets: ACTOR_CRITIC_PRESETS,
  defaultSteps: { 'CartPole-v1': 500_000, 'LunarLander-v3': 1_000_000 },
  // td stops at the budget (one vector step at a time) unless it updates per episode; mc and shared update on whole episodes.
  iteration: {
    byKey: 'variant',
    cases: { td: { byKey: 'td_update', cases: { step: { perEnv: 1 }, episode: { episodes: true } } }, mc: { episodes: true }, shared: { episodes: true } },
  },
  supports: (_obs, act) => (act.kind === 'discrete' ? null : 'actor-critic here supports Discrete action spaces only'),
  create: (opts) => new ActorCritic(opts),
};
