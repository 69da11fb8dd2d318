/**
 * The hyperparameter machinery shared by every algorithm: rules (type, range, default, description)
 * as data, validation with messages that name the key, schedules, and presets. Each algorithm declares
 * its own rules and presets (agents/<algo>-hyperparameters.ts, or its own file for the small ones);
 * agents/registry.ts puts them together.
 * Names follow Stable-Baselines3 where one exists.
 */
import type { EnvId } from '../domain/envs.ts';
import { checkHyperValue, got, type HyperValue, type HyperparameterSpec } from '../domain/hyperparameters.ts';

export { FORCE_HINT, parseSchedule, type Schedule } from '../domain/hyperparameters.ts';
import { ACTIVATIONS } from '../nn/mlp.ts';

export type Values = Record<string, HyperValue>;

/** A rule is what the Train form is sent: the same data, checked by the same function (checkHyperValue). */
export type Rule = HyperparameterSpec;

const NET_ARCH_MAX_UNITS = 4096;

/** Rules several algorithms share; spread and override (`{ ...common.net_arch, default: [32] }`). */
export const common = {
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
  ortho_init: {
    key: 'ortho_init',
    type: 'bool',
    default: true,
    description: 'Orthogonal weight init (gains √2 hidden, 0.01 policy head, 1 value head); otherwise Glorot uniform.',
  },
  // Above 1 an optimizer step overshoots on any scale these nets train at: refused unless the run is forced.
  learning_rate: {
    key: 'learning_rate',
    type: 'schedule',
    default: 3e-4,
    min: 0,
    exclusiveMin: true,
    max: 1,
    forcedMax: 1e6,
    description: 'Adam step size; "lin_<x>" decays linearly from x to 0 over the run.',
  },
  ent_coef: { key: 'ent_coef', type: 'float', default: 0.0, min: 0, max: 10, description: 'Entropy bonus coefficient.' },
  max_grad_norm: { key: 'max_grad_norm', type: 'float', default: 0.5, min: 0, exclusiveMin: true, max: 1e6, description: 'Global gradient-norm clip.' },
} satisfies Record<string, Rule>;

export interface Preset {
  name: string;
  env: EnvId;
  description: string;
  values: Values;
  steps: number;
  /** Env options the preset is for (e.g. {continuous: true}); the run's own envOptions win over these. */
  envOptions?: Record<string, boolean | number>;
}

/** A copy of a rule to send (rules are shared constants). */
export function toContractSpec(r: Rule): HyperparameterSpec {
  return { ...r, default: Array.isArray(r.default) ? [...r.default] : r.default, choices: r.choices ? [...r.choices] : undefined };
}

export interface RuleOptions {
  /** Allow values up to each rule's forcedMax (the run was started with force). */
  force?: boolean;
}

/**
 * Checks every given key (unknown key, type, range, finiteness) against `rules`, then the
 * algorithm's cross-key rules; returns the normalised values (numeric strings → numbers, "64,64" →
 * [64, 64]). Throws an Error naming the key. Keys not given are not filled in.
 */
export function validateRules(
  algo: string,
  rules: readonly Rule[],
  values: Record<string, unknown>,
  crossCheck?: (v: Values) => void,
  opts: RuleOptions = {},
): Values {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error(`hyperparameters must be an object, got ${got(values)}`);
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) {
    const r = rules.find((s) => s.key === k);
    if (!r) throw new Error(`${k} is not a hyperparameter of ${algo} (known: ${rules.map((s) => s.key).join(', ')})`);
    out[k] = checkHyperValue(r, v, opts.force ?? false);
  }
  crossCheck?.(out);
  return out;
}

export function defaultsOf(rules: readonly Rule[]): Values {
  const out: Values = {};
  for (const r of rules) out[r.key] = Array.isArray(r.default) ? [...r.default] : r.default;
  return out;
}

/**
 * An algorithm's typed view of its hyperparameters (e.g. PpoHyperparameters): defaults for the keys
 * not given. The values are trusted: they were checked once, where the run's configuration was built
 * (validateRules through agents/registry.ts's resolveHyperparameters).
 */
export function withDefaults<T>(rules: readonly Rule[], values: Record<string, unknown>): T {
  return { ...defaultsOf(rules), ...values } as unknown as T;
}
