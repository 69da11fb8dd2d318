/**
 * The hyperparameter machinery shared by every algorithm: rules (type, range, default, description)
 * as data, validation with messages that name the key, schedules, and presets. Each algorithm file
 * declares its own rules and presets (agents/<algo>.ts); agents/registry.ts puts them together.
 * Names follow Stable-Baselines3 where one exists.
 */
import type { EnvId } from '../domain/envs.ts';
import type { HyperValue, HyperparameterSpec } from '../domain/hyperparameters.ts';
import { ACTIVATIONS } from '../nn/mlp.ts';

export type Values = Record<string, HyperValue>;

/** The contract's spec plus an exclusive lower bound (for "> 0" rules), stripped before it is sent. */
export interface Rule extends HyperparameterSpec {
  exclusiveMin?: boolean;
}

const NET_ARCH_MAX_LAYERS = 8;
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
  ortho_init: { key: 'ortho_init', type: 'bool', default: true, description: 'Orthogonal weight init (gains √2 hidden, 0.01 policy head, 1 value head); otherwise Glorot uniform.' },
  // Above 1 an optimizer step overshoots on any scale these nets train at: refused unless the run is forced.
  learning_rate: { key: 'learning_rate', type: 'schedule', default: 3e-4, min: 0, exclusiveMin: true, max: 1, forcedMax: 1e6, description: 'Adam step size; "lin_<x>" decays linearly from x to 0 over the run.' },
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

export function toContractSpec(r: Rule): HyperparameterSpec {
  const { exclusiveMin: _x, ...spec } = r;
  return { ...spec, default: Array.isArray(spec.default) ? [...spec.default] : spec.default, choices: spec.choices ? [...spec.choices] : undefined };
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

/** How a run that needs a value beyond a rule's usual max asks for it, for messages. */
export const FORCE_HINT = '--force, or "Allow values beyond the usual limits" in the Train form';

/** checkValue, with `max` raised to `forcedMax` when forced; unforced, a value only forcing allows says so. */
function checkOne(r: Rule, v: unknown, force: boolean): HyperValue {
  if (r.forcedMax === undefined) return checkValue(r, v);
  const forced = { ...r, max: r.forcedMax };
  if (force) return checkValue(forced, v);
  try {
    return checkValue(r, v);
  } catch (err) {
    try {
      checkValue(forced, v);
    } catch {
      throw err;
    }
    throw new Error(`${(err as Error).message}; above ${r.max} only when forced (${FORCE_HINT})`);
  }
}

function checkValue(r: Rule, v: unknown): HyperValue {
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

export interface RuleOptions {
  /** Allow values up to each rule's forcedMax (the run was started with force). */
  force?: boolean;
}

/**
 * Checks every given key (unknown key, type, range, finiteness) against `rules`, then the
 * algorithm's cross-key rules; returns the normalised values (numeric strings → numbers, "64,64" →
 * [64, 64]). Throws an Error naming the key. Keys not given are not filled in.
 */
export function validateRules(algo: string, rules: readonly Rule[], values: Record<string, unknown>, crossCheck?: (v: Values) => void, opts: RuleOptions = {}): Values {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error(`hyperparameters must be an object, got ${got(values)}`);
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) {
    const r = rules.find((s) => s.key === k);
    if (!r) throw new Error(`${k} is not a hyperparameter of ${algo} (known: ${rules.map((s) => s.key).join(', ')})`);
    out[k] = checkOne(r, v, opts.force ?? false);
  }
  crossCheck?.(out);
  return out;
}

export function defaultsOf(rules: readonly Rule[]): Values {
  const out: Values = {};
  for (const r of rules) out[r.key] = Array.isArray(r.default) ? [...r.default] : r.default;
  return out;
}

/** Validated with every default filled in, as an algorithm's typed view (e.g. PpoHyperparameters). */
export function completeRules<T>(algo: string, rules: readonly Rule[], values: Record<string, unknown>, crossCheck?: (v: Values) => void, opts: RuleOptions = {}): T {
  return validateRules(algo, rules, { ...defaultsOf(rules), ...values }, crossCheck, opts) as unknown as T;
}
