/**
 * Actor-critic's hyperparameters as data: the rules (the variant among them), the type of their values
 * derived from them, and the presets, one per variant, with their sources. Apart from the variants'
 * updates (td.ts, episodic.ts) so that those hold the algorithm alone.
 */
import { defineRules, type HyperparamsOf } from '../../domain/hyperparameters.ts';
import { common } from '../../training/hyperparameters.ts';
import type { PresetOf } from '../definition.ts';
import { VALUE_LOSS_KINDS } from '../pg-losses.ts';

export const ACTOR_CRITIC_RULES = defineRules({
  variant: {
    type: 'enum',
    default: 'td',
    choices: ['td', 'mc', 'shared'],
    description:
      'td: one-step TD(0) actor-critic (every step, or per episode: td_update); mc: Monte-Carlo advantage G − V per episode; shared: one trunk with policy and value heads, combined loss.',
  },
  td_update: {
    type: 'enum',
    default: 'step',
    choices: ['step', 'episode'],
    description:
      "td only. step: an update after every env step; episode: one batched update per episodes_per_update complete episodes on all their TD(0) targets r + γ·V(s') and errors δ, V from the networks before the update.",
  },
  learning_rate: {
    ...common.learning_rate,
    default: 0.0005,
    description: 'Adam step size of the actor (shared: of the whole network); "lin_<x>" decays linearly to 0.',
  },
  vf_learning_rate: { ...common.learning_rate, default: 0.002, description: 'Adam step size of the separate critic (td, mc; unused by shared).' },
  gamma: common.gamma,
  net_arch: {
    ...common.net_arch,
    default: [128],
    description: 'Hidden layer widths of the actor, and of the critic unless critic_net_arch says otherwise (shared: of the common trunk).',
  },
  critic_net_arch: {
    ...common.net_arch,
    key: 'critic_net_arch',
    default: [],
    description: "Hidden layer widths of the separate critic (td, mc), e.g. 32,32; empty = the actor's net_arch.",
  },
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
  normalize_advantage: { type: 'bool', default: true, description: 'Standardise each batch of advantages G − V (mc, shared; td per episode: of the δ).' },
  episodes_per_update: { type: 'int', default: 1, min: 1, max: 10_000, description: 'Complete episodes per update (mc, shared, td per episode).' },
  max_grad_norm: { ...common.max_grad_norm, default: 0, exclusiveMin: false, description: 'Global gradient-norm clip per network update; 0 = no clipping.' },
  n_envs: common.n_envs,
});

export type ActorCriticHyperparameters = HyperparamsOf<typeof ACTOR_CRITIC_RULES>;

export const ACTOR_CRITIC_PRESETS: PresetOf<ActorCriticHyperparameters>[] = [
  {
    name: 'classic-td',
    env: 'CartPole-v1',
    description:
      'One-step actor-critic, an update every step: separate actor and critic (128 ReLU), Adam, γ 0.99. Tuned here: 4 envs (each update a batch of 4 transitions), actor lr 5e-4, critic lr 2e-3; with 1 env, lr 1e-3 / 5e-3 collapsed to a deterministic policy and 2e-4 / 1e-3 needed ~950 episodes. Measured here: solved within 1,000 episodes on 2/3 seeds (0–2), at episodes 500 and 788; seed 1 ends at a training mean of 217. Slower than mc, not faster (BENCHMARKS.md, "Tutorial presets").',
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
    name: 'classic-td-episode',
    env: 'CartPole-v1',
    description:
      'The one-step (TD(0)) actor-critic tutorial that updates once per episode: after each episode, one critic step on (r + γ·V(s′) − V(s))² and one actor step on −log π·δ over all its transitions; actor 32 ReLU, critic 32-32 ReLU, Adam lr 1e-3 (actor) and 1e-2 (critic), γ 0.99, δ not normalised, one env. Measured here: solved on 3/3 seeds (0–2) at episodes 944–959, ~30k steps/s; with lr 1e-3 for both, 0/3 within 1,000 episodes (BENCHMARKS.md, "Tutorial presets").',
    steps: 500_000,
    values: {
      variant: 'td',
      td_update: 'episode',
      episodes_per_update: 1,
      n_envs: 1,
      learning_rate: 0.001,
      vf_learning_rate: 0.01,
      net_arch: [32],
      critic_net_arch: [32, 32],
      activation_fn: 'relu',
      gamma: 0.99,
      normalize_advantage: false,
      value_loss: 'mse',
      ent_coef: 0,
    },
  },
  {
    name: 'classic-mc',
    env: 'CartPole-v1',
    description:
      'Monte-Carlo advantage actor-critic, one update per episode: separate actor and critic of 128 ReLU units, normalised G − V, Adam lr 0.01 for both, γ 0.99 (the tutorials\' network and step size; the split into two networks is ours). Measured here: solved on 3/3 seeds (0–2) at episodes 205–440, about as fast as REINFORCE with a baseline (270–589), not significantly faster (BENCHMARKS.md, "Tutorial presets").',
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
      'The TensorFlow / Keras actor-critic tutorial: one Dense(128, ReLU) trunk with policy and value heads, Adam lr 0.01, γ 0.99, standardised returns, loss = policy + Huber(V, G), one update per episode. Measured here: solved on 3/3 seeds (0–2) at episodes 252–376; greedy evaluations 351–500 (BENCHMARKS.md, "Tutorial presets").',
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
