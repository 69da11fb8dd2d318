/**
 * PPO's hyperparameters as data: the rules (SB3's names and defaults), the type of their values derived
 * from them, the check across keys, and the presets with their sources. A file apart from ppo.ts, so
 * that one holds the algorithm alone, its update read top to bottom.
 */
import { defineRules, type HyperparamsOf } from '../domain/hyperparameters.ts';
import { common, type Values } from '../training/hyperparameters.ts';
import type { PresetOf } from './definition.ts';
import { logStdInitRule } from './on-policy.ts';

export const PPO_RULES = defineRules({
  learning_rate: common.learning_rate,
  n_steps: { type: 'int', default: 2048, min: 1, max: 1_000_000, description: 'Steps per env per rollout (rollout size = n_steps × n_envs).' },
  batch_size: { type: 'int', default: 64, min: 1, max: 10_000_000, description: 'Minibatch size.' },
  n_epochs: { type: 'int', default: 10, min: 1, max: 1000, description: 'Passes over each rollout.' },
  gamma: common.gamma,
  gae_lambda: { type: 'float', default: 0.95, min: 0, max: 1, description: 'GAE λ: bias/variance trade-off of the advantage estimate.' },
  clip_range: {
    type: 'schedule',
    default: 0.2,
    min: 0,
    exclusiveMin: true,
    description: 'PPO ratio clip ε; "lin_<x>" decays linearly to 0.',
  },
  normalize_advantage: { type: 'bool', default: true, description: 'Normalise advantages per minibatch.' },
  ent_coef: common.ent_coef,
  vf_coef: { type: 'float', default: 0.5, min: 0, max: 100, description: 'Value loss coefficient.' },
  max_grad_norm: common.max_grad_norm,
  net_arch: common.net_arch,
  activation_fn: common.activation_fn,
  ortho_init: common.ortho_init,
  log_std_init: logStdInitRule,
  n_envs: common.n_envs,
});

export type PpoHyperparameters = HyperparamsOf<typeof PPO_RULES>;

/** Rules across keys (AlgorithmDef.crossCheck). */
export function checkPpoHyperparameters(v: Values): void {
  // Advantage normalisation divides by a std over the minibatch: one sample has none (SB3 asserts the same).
  if (v.normalize_advantage === true && typeof v.batch_size === 'number' && v.batch_size < 2) {
    throw new Error(`batch_size must be ≥ 2 when normalize_advantage is true, got ${v.batch_size}`);
  }
  if (typeof v.n_steps === 'number' && typeof v.n_envs === 'number' && v.n_steps * v.n_envs < 2) {
    throw new Error(`n_steps × n_envs must be ≥ 2, got ${v.n_steps} × ${v.n_envs}`);
  }
}

/** rl-baselines3-zoo's LunarLander-v2 and LunarLanderContinuous-v2 PPO entries are the same values. */
const ZOO_LUNAR: Partial<PpoHyperparameters> = { n_envs: 16, n_steps: 1024, batch_size: 64, gae_lambda: 0.98, gamma: 0.999, n_epochs: 4, ent_coef: 0.01 };

export const PPO_PRESETS: PresetOf<PpoHyperparameters>[] = [
  {
    name: 'zoo',
    env: 'CartPole-v1',
    description: 'rl-baselines3-zoo tuned CartPole-v1 (hyperparams/ppo.yml); network is SB3 MlpPolicy default (64,64 tanh, separate actor/critic).',
    steps: 100_000,
    values: {
      n_envs: 8,
      n_steps: 32,
      batch_size: 256,
      gae_lambda: 0.8,
      gamma: 0.98,
      n_epochs: 20,
      ent_coef: 0.0,
      learning_rate: 'lin_0.001',
      clip_range: 'lin_0.2',
    },
  },
  {
    name: 'zoo',
    env: 'LunarLander-v3',
    description: 'rl-baselines3-zoo LunarLander-v2 entry (hyperparams/ppo.yml), applied to v3.',
    steps: 1_000_000,
    values: ZOO_LUNAR,
  },
  {
    name: 'tuned',
    env: 'LunarLander-v3',
    description:
      "Policy Lab's variant of the zoo entry with no entropy bonus (ent_coef 0): the zoo's 0.01 keeps the training policy exploratory, so its 100-episode training mean stays near 150 at 1M steps while its greedy policy already scores ~250; without it the training mean passes 200 on seeds 0–2 (BENCHMARKS.md).",
    steps: 1_000_000,
    values: { ...ZOO_LUNAR, ent_coef: 0.0 },
  },
  {
    name: 'zoo-continuous',
    env: 'LunarLander-v3',
    envOptions: { continuous: true },
    description:
      'rl-baselines3-zoo LunarLanderContinuous-v2 entry (hyperparams/ppo.yml), applied to LunarLander-v3 with continuous: true; diagonal Gaussian policy, log_std_init 0 (SB3 default).',
    steps: 1_000_000,
    values: ZOO_LUNAR,
  },
  {
    name: 'tuned-continuous',
    env: 'LunarLander-v3',
    envOptions: { continuous: true },
    description:
      "Policy Lab's variant of the zoo's continuous entry: no entropy bonus, initial σ e⁻¹ (log_std_init −1) and 10 epochs per rollout, so the Gaussian's exploration noise shrinks sooner and the training mean passes 200 within 1M steps (seed 0; BENCHMARKS.md). Its greedy (mean-action) policy is less reliable than the zoo preset's.",
    steps: 1_000_000,
    values: { ...ZOO_LUNAR, n_epochs: 10, ent_coef: 0.0, log_std_init: -1 },
  },
];
