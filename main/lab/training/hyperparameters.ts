/**
 * Hyperparameter specs, validation, schedules and presets for each algorithm — all as data.
 * Names follow Stable-Baselines3 where one exists; defaults are SB3's (PPO) or the classic
 * REINFORCE setup (Williams 1992, as in PyTorch's examples/reinforcement_learning).
 */
import type { AlgoId, AlgoInfo, EnvId, HyperValue, HyperparameterSpec } from '../../../preload/contract.ts';
import { ACTIVATIONS, type Activation } from '../nn/mlp.ts';

type Values = Record<string, HyperValue>;

/** The contract's spec plus an exclusive lower bound (for "> 0" rules), stripped before it is sent. */
interface Rule extends HyperparameterSpec {
  exclusiveMin?: boolean;
}

const NET_ARCH_MAX_LAYERS = 8;
const NET_ARCH_MAX_UNITS = 4096;

const common = {
  gamma: { key: 'gamma', type: 'float', default: 0.99, min: 0, max: 1, description: 'Discount factor γ.' },
  net_arch: {
    key: 'net_arch',
    type: 'int[]',
    default: [64, 64],
    min: 1,
    max: NET_ARCH_MAX_UNITS,
    description: 'Hidden layer widths of the policy (and value) network, e.g. 64,64.',
  },
  activation_fn: { key: 'activation_fn', type: 'enum', default: 'tanh', choices: [...ACTIVATIONS], description: 'Hidden-layer activation.' },
  n_envs: { key: 'n_envs', type: 'int', default: 1, min: 1, max: 256, description: 'Environment copies stepped together.' },
  ortho_init: { key: 'ortho_init', type: 'bool', default: true, description: 'Orthogonal weight init (gains √2 hidden, 0.01 policy head, 1 value head); otherwise Glorot uniform.' },
} satisfies Record<string, Rule>;

const PPO_SPECS: Rule[] = [
  {
    key: 'learning_rate',
    type: 'schedule',
    default: 3e-4,
    min: 0,
    exclusiveMin: true,
    description: 'Adam step size; "lin_<x>" decays linearly from x to 0 over the run.',
  },
  { key: 'n_steps', type: 'int', default: 2048, min: 1, max: 1_000_000, description: 'Steps per env per rollout (rollout size = n_steps × n_envs).' },
  { key: 'batch_size', type: 'int', default: 64, min: 1, max: 10_000_000, description: 'Minibatch size.' },
  { key: 'n_epochs', type: 'int', default: 10, min: 1, max: 1000, description: 'Passes over each rollout.' },
  common.gamma,
  { key: 'gae_lambda', type: 'float', default: 0.95, min: 0, max: 1, description: 'GAE λ: bias/variance trade-off of the advantage estimate.' },
  {
    key: 'clip_range',
    type: 'schedule',
    default: 0.2,
    min: 0,
    exclusiveMin: true,
    description: 'PPO ratio clip ε; "lin_<x>" decays linearly to 0.',
  },
  { key: 'normalize_advantage', type: 'bool', default: true, description: 'Normalise advantages per minibatch.' },
  { key: 'ent_coef', type: 'float', default: 0.0, min: 0, max: 10, description: 'Entropy bonus coefficient.' },
  { key: 'vf_coef', type: 'float', default: 0.5, min: 0, max: 100, description: 'Value loss coefficient.' },
  { key: 'max_grad_norm', type: 'float', default: 0.5, min: 0, exclusiveMin: true, max: 1e6, description: 'Global gradient-norm clip.' },
  common.net_arch,
  common.activation_fn,
  common.ortho_init,
  {
    key: 'log_std_init',
    type: 'float',
    default: 0.0,
    max: 5, // σ ≤ e⁵ ≈ 148; no lower bound, like SB3 (zoo presets use down to −3.29)
    description: 'Initial log σ of the diagonal Gaussian policy (Box action spaces only; state-independent, learned).',
  },
  common.n_envs,
];

const REINFORCE_SPECS: Rule[] = [
  { key: 'learning_rate', type: 'schedule', default: 0.01, min: 0, exclusiveMin: true, description: 'Adam step size; "lin_<x>" decays linearly to 0.' },
  common.gamma,
  { ...common.net_arch, default: [32] },
  { ...common.activation_fn, default: 'relu' },
  { ...common.ortho_init, default: false },
  { key: 'baseline', type: 'bool', default: true, description: 'Subtract the batch mean of the returns-to-go (a constant baseline).' },
  { key: 'normalize_advantage', type: 'bool', default: false, description: 'Also divide the (baselined) returns by their standard deviation.' },
  { key: 'episodes_per_update', type: 'int', default: 1, min: 1, max: 10_000, description: 'Complete episodes per gradient step.' },
  { key: 'ent_coef', type: 'float', default: 0.0, min: 0, max: 10, description: 'Entropy bonus coefficient.' },
  { ...common.n_envs, description: 'Environment copies collecting episodes together.' },
];

const SPECS: Record<AlgoId, Rule[]> = { ppo: PPO_SPECS, reinforce: REINFORCE_SPECS };

export interface Preset {
  name: string;
  env: EnvId;
  description: string;
  values: Values;
  steps: number;
  /** Env options the preset is for (e.g. {continuous: true}); the run's own envOptions win over these. */
  envOptions?: Record<string, boolean | number>;
}

export const PRESETS: Record<AlgoId, Preset[]> = {
  ppo: [
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
      values: { n_envs: 16, n_steps: 1024, batch_size: 64, gae_lambda: 0.98, gamma: 0.999, n_epochs: 4, ent_coef: 0.01 },
    },
    {
      name: 'zoo-continuous',
      env: 'LunarLander-v3',
      envOptions: { continuous: true },
      description:
        'rl-baselines3-zoo LunarLanderContinuous-v2 entry (hyperparams/ppo.yml), applied to LunarLander-v3 with continuous: true; diagonal Gaussian policy, log_std_init 0 (SB3 default).',
      steps: 1_000_000,
      values: { n_envs: 16, n_steps: 1024, batch_size: 64, gae_lambda: 0.98, gamma: 0.999, n_epochs: 4, ent_coef: 0.01 },
    },
  ],
  reinforce: [
    {
      name: 'classic',
      env: 'CartPole-v1',
      description: 'Vanilla REINFORCE: Adam lr 0.01, one hidden layer of 32 ReLU units, γ 0.99, one episode per update, no baseline.',
      steps: 500_000,
      values: { learning_rate: 0.01, net_arch: [32], activation_fn: 'relu', gamma: 0.99, baseline: false, episodes_per_update: 1 },
    },
    {
      name: 'classic-baseline',
      env: 'CartPole-v1',
      description: 'As "classic", with a mean-return baseline.',
      steps: 500_000,
      values: { learning_rate: 0.01, net_arch: [32], activation_fn: 'relu', gamma: 0.99, baseline: true, episodes_per_update: 1 },
    },
  ],
};

/** Step budget when no preset is chosen. */
const DEFAULT_STEPS: Record<AlgoId, Record<EnvId, number>> = {
  ppo: { 'CartPole-v1': 100_000, 'LunarLander-v3': 1_000_000 },
  reinforce: { 'CartPole-v1': 500_000, 'LunarLander-v3': 2_000_000 },
};

const DESCRIPTIONS: Record<AlgoId, { name: string; description: string }> = {
  ppo: {
    name: 'PPO',
    description: 'Proximal Policy Optimization (Schulman et al. 2017): clipped surrogate objective, GAE(λ), separate actor and critic MLPs, minibatch epochs over each rollout.',
  },
  reinforce: {
    name: 'REINFORCE',
    description: 'Monte-Carlo policy gradient (Williams 1992): complete episodes, discounted reward-to-go, optional mean-return baseline.',
  },
};

function toContractSpec(r: Rule): HyperparameterSpec {
  const { exclusiveMin: _x, ...spec } = r;
  return { ...spec, default: Array.isArray(spec.default) ? [...spec.default] : spec.default, choices: spec.choices ? [...spec.choices] : undefined };
}

export function hyperparameterSpecs(algo: AlgoId): HyperparameterSpec[] {
  return specsOf(algo).map(toContractSpec);
}

export function algoInfos(): AlgoInfo[] {
  return (Object.keys(SPECS) as AlgoId[]).map((id) => ({
    id,
    name: DESCRIPTIONS[id].name,
    description: DESCRIPTIONS[id].description,
    hyperparameters: hyperparameterSpecs(id),
    presets: PRESETS[id].map((p) => ({ ...p, values: structuredClone(p.values), ...(p.envOptions ? { envOptions: { ...p.envOptions } } : {}) })),
  }));
}

function specsOf(algo: AlgoId): Rule[] {
  const s = SPECS[algo];
  if (!s) throw new Error(`unknown algorithm "${String(algo)}" (expected ${Object.keys(SPECS).join(' or ')})`);
  return s;
}

// ---------- schedules ----------

/** progressRemaining goes 1 → 0 over training (SB3's convention). */
export type Schedule = (progressRemaining: number) => number;

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number is constant; "lin_<x>" is x·progressRemaining (rl-baselines3-zoo's linear_schedule). */
export function parseSchedule(v: HyperValue): Schedule {
  if (typeof v === 'number' && Number.isFinite(v)) return () => v;
  if (typeof v === 'string') {
    const m = /^lin_(.+)$/.exec(v.trim());
    if (m && NUMBER_RE.test(m[1])) {
      const x = Number(m[1]);
      if (Number.isFinite(x)) return (p) => x * Math.min(1, Math.max(0, p));
    }
    if (NUMBER_RE.test(v.trim())) {
      const x = Number(v);
      if (Number.isFinite(x)) return () => x;
    }
  }
  throw new Error(`not a schedule: ${JSON.stringify(v)} (expected a number or "lin_<number>")`);
}

/** The initial value of a schedule (what it is at progressRemaining = 1). */
function scheduleStart(v: HyperValue): number | null {
  try {
    return parseSchedule(v)(1);
  } catch {
    return null;
  }
}

// ---------- validation ----------

function got(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function rangeText(r: Rule): string {
  const lo = r.min !== undefined ? (r.exclusiveMin ? `> ${r.min}` : `≥ ${r.min}`) : '';
  if (r.min !== undefined && r.max !== undefined && !r.exclusiveMin) return `in [${r.min}, ${r.max}]`;
  if (r.max !== undefined) return lo ? `${lo} and ≤ ${r.max}` : `≤ ${r.max}`;
  return lo;
}

function inRange(r: Rule, x: number): boolean {
  if (r.min !== undefined && (r.exclusiveMin ? !(x > r.min) : !(x >= r.min))) return false;
  if (r.max !== undefined && !(x <= r.max)) return false;
  return true;
}

/** Numbers may arrive as numeric strings from a CLI or form; accept those, nothing looser. */
function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMBER_RE.test(v.trim())) return Number(v);
  return null;
}

function checkOne(r: Rule, v: unknown): HyperValue {
  const k = r.key;
  switch (r.type) {
    case 'float': {
      const x = asNumber(v);
      if (x === null || !Number.isFinite(x) || !inRange(r, x)) throw new Error(`${k} must be a finite number ${rangeText(r)}, got ${got(v)}`);
      return x;
    }
    case 'int': {
      const x = asNumber(v);
      if (x === null || !Number.isSafeInteger(x) || !inRange(r, x)) throw new Error(`${k} must be an integer ${rangeText(r)}, got ${got(v)}`);
      return x;
    }
    case 'bool': {
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw new Error(`${k} must be true or false, got ${got(v)}`);
    }
    case 'enum': {
      if (typeof v === 'string' && r.choices?.includes(v)) return v;
      throw new Error(`${k} must be one of ${r.choices?.join(', ')}, got ${got(v)}`);
    }
    case 'int[]': {
      let arr: unknown = v;
      if (typeof v === 'string') arr = v.trim() === '' ? [] : v.split(',').map((s) => asNumber(s.trim()) ?? NaN);
      const ok =
        Array.isArray(arr) &&
        arr.length <= NET_ARCH_MAX_LAYERS &&
        arr.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && inRange(r, n));
      if (!ok) throw new Error(`${k} must be a list of at most ${NET_ARCH_MAX_LAYERS} integers ${rangeText(r)}, got ${got(v)}`);
      return [...(arr as number[])];
    }
    case 'schedule': {
      const x = typeof v === 'number' ? v : typeof v === 'string' && NUMBER_RE.test(v.trim()) ? Number(v) : null;
      if (x !== null) {
        if (!Number.isFinite(x) || !inRange(r, x)) throw new Error(`${k} must be a finite number ${rangeText(r)} (or "lin_<number>"), got ${got(v)}`);
        return x;
      }
      const start = typeof v === 'string' && v.trim().startsWith('lin_') ? scheduleStart(v) : null;
      if (start === null || !Number.isFinite(start) || !inRange(r, start)) throw new Error(`${k} must be a finite number ${rangeText(r)} (or "lin_<number>"), got ${got(v)}`);
      return v as string;
    }
  }
}

/**
 * Checks every given key (unknown key, type, range, finiteness) and cross-key rules; returns the
 * normalised values (numeric strings → numbers, "64,64" → [64, 64]). Throws an Error naming the key.
 * Keys not given are not filled in (see resolveHyperparameters).
 */
export function validateHyperparameters(algo: AlgoId, values: Record<string, unknown>): Values {
  const specs = specsOf(algo);
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error(`hyperparameters must be an object, got ${got(values)}`);
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) {
    const r = specs.find((s) => s.key === k);
    if (!r) throw new Error(`${k} is not a hyperparameter of ${algo} (known: ${specs.map((s) => s.key).join(', ')})`);
    out[k] = checkOne(r, v);
  }
  crossCheck(algo, out);
  return out;
}

/** Rules across keys, applied when all their keys are present (always, for a resolved set). */
function crossCheck(algo: AlgoId, v: Values): void {
  if (algo === 'ppo') {
    // Advantage normalisation divides by a std over the minibatch: one sample has none (SB3 asserts the same).
    if (v.normalize_advantage === true && typeof v.batch_size === 'number' && v.batch_size < 2) {
      throw new Error(`batch_size must be ≥ 2 when normalize_advantage is true, got ${v.batch_size}`);
    }
    if (typeof v.n_steps === 'number' && typeof v.n_envs === 'number' && v.n_steps * v.n_envs < 2) {
      throw new Error(`n_steps × n_envs must be ≥ 2, got ${v.n_steps} × ${v.n_envs}`);
    }
  }
}

export function defaultHyperparameters(algo: AlgoId): Values {
  const out: Values = {};
  for (const r of specsOf(algo)) out[r.key] = Array.isArray(r.default) ? [...r.default] : r.default;
  return out;
}

export function findPreset(algo: AlgoId, env: EnvId, name: string): Preset {
  const p = PRESETS[algo]?.find((q) => q.name === name && q.env === env);
  if (!p) {
    const avail = (PRESETS[algo] ?? []).filter((q) => q.env === env).map((q) => q.name);
    throw new Error(`preset "${name}" does not exist for ${algo} on ${env}${avail.length ? ` (available: ${avail.join(', ')})` : ' (none available)'}`);
  }
  return p;
}

export interface ResolvedHyperparameters {
  /** Complete and validated: defaults ← preset ← overrides. */
  hyperparameters: Values;
  /** The preset's step budget, else a per-env default. */
  steps: number;
  preset: string | null;
  /** The preset's env options ({} without a preset or when it sets none); merge them under the run's own. */
  envOptions: Record<string, boolean | number>;
}

export function resolveHyperparameters(algo: AlgoId, env: EnvId, preset: string | null | undefined, overrides: Record<string, unknown> = {}): ResolvedHyperparameters {
  const p = preset ? findPreset(algo, env, preset) : null;
  const merged: Record<string, unknown> = { ...defaultHyperparameters(algo), ...(p ? structuredClone(p.values) : {}), ...overrides };
  const hyperparameters = validateHyperparameters(algo, merged);
  return { hyperparameters, steps: p?.steps ?? DEFAULT_STEPS[algo][env], preset: p ? p.name : null, envOptions: { ...(p?.envOptions ?? {}) } };
}

// ---------- typed views for the algorithms ----------

export interface PpoHyperparameters {
  learning_rate: number | string;
  n_steps: number;
  batch_size: number;
  n_epochs: number;
  gamma: number;
  gae_lambda: number;
  clip_range: number | string;
  normalize_advantage: boolean;
  ent_coef: number;
  vf_coef: number;
  max_grad_norm: number;
  net_arch: number[];
  activation_fn: Activation;
  ortho_init: boolean;
  log_std_init: number;
  n_envs: number;
}

export interface ReinforceHyperparameters {
  learning_rate: number | string;
  gamma: number;
  net_arch: number[];
  activation_fn: Activation;
  ortho_init: boolean;
  baseline: boolean;
  normalize_advantage: boolean;
  episodes_per_update: number;
  ent_coef: number;
  n_envs: number;
}

/** Validated, defaults filled, typed. */
export function ppoHyperparameters(values: Record<string, unknown>): PpoHyperparameters {
  return validateHyperparameters('ppo', { ...defaultHyperparameters('ppo'), ...values }) as unknown as PpoHyperparameters;
}

export function reinforceHyperparameters(values: Record<string, unknown>): ReinforceHyperparameters {
  return validateHyperparameters('reinforce', { ...defaultHyperparameters('reinforce'), ...values }) as unknown as ReinforceHyperparameters;
}
