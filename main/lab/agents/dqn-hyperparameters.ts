/**
 * DQN's hyperparameters as data: the rules (SB3's names and defaults), the type of their values derived
 * from them, and the presets with their sources (rl-baselines3-zoo). A file apart from dqn.ts, so that
 * one holds the algorithm alone, its update read top to bottom.
 */
import { defineRules, type HyperparamsOf } from '../domain/hyperparameters.ts';
import { common } from '../training/hyperparameters.ts';
import type { PresetOf } from './definition.ts';

export const DQN_RULES = defineRules({
  learning_rate: { ...common.learning_rate, default: 1e-4 },
  buffer_size: {
    type: 'int',
    default: 1_000_000,
    min: 1,
    max: 10_000_000,
    description: 'Replay buffer capacity (transitions; 8 bytes per observation value, twice).',
  },
  learning_starts: { type: 'int', default: 100, min: 0, max: 100_000_000, description: 'Env steps of uniform random actions before learning starts.' },
  batch_size: { type: 'int', default: 32, min: 1, max: 100_000, description: 'Minibatch size of each gradient step.' },
  tau: {
    type: 'float',
    default: 1.0,
    min: 0,
    exclusiveMin: true,
    max: 1,
    description: 'Target update coefficient: 1 = hard copy, < 1 = soft (Polyak) update.',
  },
  gamma: common.gamma,
  train_freq: { type: 'int', default: 4, min: 1, max: 1_000_000, description: 'Env steps (per env) between training rounds.' },
  gradient_steps: {
    type: 'int',
    default: 1,
    min: 1,
    max: 100_000,
    description: "Gradient steps per training round (SB3's −1, as many as env steps collected, is train_freq × n_envs here).",
  },
  target_update_interval: { type: 'int', default: 10_000, min: 1, max: 100_000_000, description: 'Env steps between target network updates.' },
  exploration_fraction: { type: 'float', default: 0.1, min: 0, max: 1, description: 'Fraction of the step budget over which ε decays linearly.' },
  exploration_initial_eps: { type: 'float', default: 1.0, min: 0, max: 1, description: 'Initial ε of ε-greedy exploration.' },
  exploration_final_eps: {
    type: 'float',
    default: 0.05,
    min: 0,
    max: 1,
    description: 'Final ε (also the ε of stochastic acting with the saved policy).',
  },
  max_grad_norm: { ...common.max_grad_norm, default: 10 },
  double_q: { type: 'bool', default: false, description: 'Double DQN: the online network picks the next action, the target network values it.' },
  net_arch: { ...common.net_arch, description: 'Hidden layer widths of the Q-network, e.g. 64,64.' },
  activation_fn: { ...common.activation_fn, default: 'relu' },
  n_envs: common.n_envs,
});

export type DqnHyperparameters = HyperparamsOf<typeof DQN_RULES>;

export const DQN_PRESETS: PresetOf<DqnHyperparameters>[] = [
  {
    name: 'zoo',
    env: 'CartPole-v1',
    description: 'rl-baselines3-zoo CartPole-v1 (hyperparams/dqn.yml, "almost tuned"): Q-network 256,256 ReLU, 50k steps.',
    steps: 50_000,
    values: {
      learning_rate: 2.3e-3,
      batch_size: 64,
      buffer_size: 100_000,
      learning_starts: 1000,
      gamma: 0.99,
      target_update_interval: 10,
      train_freq: 256,
      gradient_steps: 128,
      exploration_fraction: 0.16,
      exploration_final_eps: 0.04,
      net_arch: [256, 256],
    },
  },
  {
    name: 'zoo',
    env: 'LunarLander-v3',
    description:
      'rl-baselines3-zoo LunarLander-v3 (hyperparams/dqn.yml, tuned; the former v2 entry): Q-network 256,256 ReLU, 100k steps; gradient_steps −1 = 4 with one env.',
    steps: 100_000,
    values: {
      learning_rate: 6.3e-4,
      batch_size: 128,
      buffer_size: 50_000,
      learning_starts: 0,
      gamma: 0.99,
      target_update_interval: 250,
      train_freq: 4,
      gradient_steps: 4,
      exploration_fraction: 0.12,
      exploration_final_eps: 0.1,
      net_arch: [256, 256],
    },
  },
];
