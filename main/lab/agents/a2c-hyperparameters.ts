/**
 * A2C's hyperparameters as data: the rules (SB3's names where they exist), the type of their values
 * derived from them, the check across keys, and the presets with their sources (SB3's defaults, the zoo,
 * Spinning Up). A file apart from a2c.ts, so that one holds the algorithm alone, its update read top to bottom.
 */
import { defineRules, type HyperparamsOf } from '../domain/hyperparameters.ts';
import { common, type Values } from '../training/hyperparameters.ts';
import type { PresetOf } from './definition.ts';
import { logStdInitRule } from './on-policy.ts';

export const A2C_RULES = defineRules({
  learning_rate: {
    ...common.learning_rate,
    default: 3e-4,
    description: 'Policy step size (joint_update: of both networks); "lin_<x>" decays linearly to 0.',
  },
  vf_learning_rate: { ...common.learning_rate, default: 1e-3, description: 'Value-network step size (separate updates only).' },
  n_steps: { type: 'int', default: 4000, min: 1, max: 1_000_000, description: 'Steps per env per update (batch = n_steps × n_envs).' },
  gamma: common.gamma,
  gae_lambda: { type: 'float', default: 0.97, min: 0, max: 1, description: 'GAE λ; 1 = plain n-step returns (Monte-Carlo with bootstrap).' },
  normalize_advantage: { type: 'bool', default: true, description: 'Standardise the advantages over each batch.' },
  ent_coef: common.ent_coef,
  vf_coef: { type: 'float', default: 0.5, min: 0, max: 100, description: 'Value loss weight (joint_update only).' },
  max_grad_norm: { ...common.max_grad_norm, default: 0, exclusiveMin: false, description: 'Global gradient-norm clip per gradient step; 0 = no clipping.' },
  batch_size: {
    type: 'int',
    default: 0,
    min: 0,
    max: 10_000_000,
    description:
      'Policy minibatch size: 0 = one policy step on the whole rollout; else the rollout is shuffled into minibatches of this many rows, one policy step each (joint_update: one joint step each). Value iterations stay full-batch.',
  },
  train_v_iters: {
    type: 'int',
    default: 80,
    min: 1,
    max: 10_000,
    description: 'Full-batch value-network steps after each policy step (separate updates only).',
  },
  joint_update: {
    type: 'bool',
    default: false,
    description: "SB3's A2C update: one step on policy + vf_coef·value − ent_coef·entropy over both networks with one optimizer.",
  },
  optimizer: { type: 'enum', default: 'adam', choices: ['adam', 'rmsprop'], description: "Adam, or torch's RMSprop (α 0.99) as SB3's A2C uses." },
  optimizer_eps: {
    type: 'float',
    default: 1e-8,
    min: 0,
    exclusiveMin: true,
    max: 1,
    description: "Optimizer ε (Adam default 1e-8; SB3's rms_prop_eps 1e-5).",
  },
  net_arch: { ...common.net_arch, default: [64, 32] },
  activation_fn: common.activation_fn,
  ortho_init: { ...common.ortho_init, default: false },
  log_std_init: logStdInitRule,
  n_envs: common.n_envs,
});

export type A2cHyperparameters = HyperparamsOf<typeof A2C_RULES>;

/** Rules across keys (AlgorithmDef.crossCheck). */
export function checkA2cHyperparameters(v: Values): void {
  if (v.normalize_advantage === true && typeof v.n_steps === 'number' && typeof v.n_envs === 'number' && v.n_steps * v.n_envs < 2) {
    throw new Error(`n_steps × n_envs must be ≥ 2 when normalize_advantage is true, got ${v.n_steps} × ${v.n_envs}`);
  }
  if (typeof v.batch_size === 'number' && typeof v.n_steps === 'number' && typeof v.n_envs === 'number' && v.batch_size > v.n_steps * v.n_envs) {
    throw new Error(`batch_size must be ≤ n_steps × n_envs (the rollout), got ${v.batch_size} > ${v.n_steps} × ${v.n_envs}`);
  }
}

/** SB3's A2C defaults (MlpPolicy: 64,64 tanh, orthogonal init; RMSprop α 0.99 ε 1e-5; one joint step per rollout). */
const SB3_A2C: Partial<A2cHyperparameters> = {
  learning_rate: 7e-4,
  n_steps: 5,
  gamma: 0.99,
  gae_lambda: 1.0,
  ent_coef: 0.0,
  vf_coef: 0.5,
  max_grad_norm: 0.5,
  normalize_advantage: false,
  joint_update: true,
  optimizer: 'rmsprop',
  optimizer_eps: 1e-5,
  net_arch: [64, 64],
  activation_fn: 'tanh',
  ortho_init: true,
  n_envs: 1,
};

export const A2C_PRESETS: PresetOf<A2cHyperparameters>[] = [
  {
    name: 'classic',
    env: 'CartPole-v1',
    description:
      'The Spinning Up-style tutorial: 4,000-step epochs (one env), each shuffled into 10 minibatches of 400 for 10 policy steps (Adam lr 3e-4), then 80 full-batch value steps (lr 1e-3); γ 0.99, GAE λ 0.97, normalised advantages, 64,32 tanh. Measured here: solved (100-episode training mean ≥ 475) on 3/3 seeds (0–2) at 204k–227k steps, greedy evaluation 500 (BENCHMARKS.md, "Tutorial presets").',
    steps: 500_000,
    values: {
      n_envs: 1,
      n_steps: 4000,
      batch_size: 400,
      learning_rate: 3e-4,
      vf_learning_rate: 1e-3,
      train_v_iters: 80,
      gamma: 0.99,
      gae_lambda: 0.97,
      normalize_advantage: true,
      ent_coef: 0.0,
      max_grad_norm: 0,
      joint_update: false,
      optimizer: 'adam',
      optimizer_eps: 1e-8,
      net_arch: [64, 32],
      activation_fn: 'tanh',
      ortho_init: false,
    },
  },
  {
    name: 'zoo',
    env: 'CartPole-v1',
    description:
      "rl-baselines3-zoo CartPole-v1 (hyperparams/a2c.yml: n_envs 8, ent_coef 0) on SB3's A2C defaults: n_steps 5, RMSprop lr 7e-4, one joint step per rollout, λ 1, 64,64 tanh.",
    steps: 500_000,
    values: { ...SB3_A2C, n_envs: 8, ent_coef: 0.0 },
  },
  {
    name: 'zoo',
    env: 'LunarLander-v3',
    description:
      "rl-baselines3-zoo LunarLander-v2 entry (hyperparams/a2c.yml: n_envs 8, γ 0.995, n_steps 5, lr lin_0.00083, ent_coef 1e-5) on SB3's A2C defaults, applied to v3.",
    steps: 200_000,
    values: { ...SB3_A2C, n_envs: 8, gamma: 0.995, n_steps: 5, learning_rate: 'lin_0.00083', ent_coef: 0.00001 },
  },
  {
    name: 'tuned',
    env: 'LunarLander-v3',
    description:
      "Policy Lab's own LunarLander setting (not a published one; the zoo entry plateaus near 0 here): 16 envs × 64 steps, GAE λ 0.95, γ 0.99, normalised advantages, one Adam policy step (lr 1e-3, entropy 0.01) then 10 value steps (lr 1e-3), gradient clip 0.5, 64,64 tanh, orthogonal init. 100-episode training mean ≥ 100 within 1M steps on seeds 0 and 1 of 0–2 (BENCHMARKS.md).",
    steps: 1_000_000,
    values: {
      n_envs: 16,
      n_steps: 64,
      gamma: 0.99,
      gae_lambda: 0.95,
      normalize_advantage: true,
      learning_rate: 1e-3,
      vf_learning_rate: 1e-3,
      train_v_iters: 10,
      ent_coef: 0.01,
      max_grad_norm: 0.5,
      joint_update: false,
      optimizer: 'adam',
      optimizer_eps: 1e-8,
      net_arch: [64, 64],
      activation_fn: 'tanh',
      ortho_init: true,
    },
  },
];
