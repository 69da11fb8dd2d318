/**
 * Hyperparameters as they travel, each rule as data, and the one check of a value against its rule
 * (the lab's validation and the Train form's fields both call checkHyperValue), and defineRules, which
 * types an algorithm's values from its rule list. The rules themselves: each algorithm's; the shared
 * ones in main/lab/training/hyperparameters.ts.
 */
import { z } from 'zod';

/** Hyperparameter values as they travel: JSON scalars or small arrays (net_arch). */
export const HyperValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);
export type HyperValue = z.infer<typeof HyperValue>;
export const Hyperparameters = z.record(z.string().max(64), HyperValue);
export type Hyperparameters = z.infer<typeof Hyperparameters>;

export interface HyperparameterSpec {
  key: string;
  type: 'int' | 'float' | 'bool' | 'enum' | 'int[]' | 'schedule';
  default: HyperValue;
  min?: number;
  /** min itself is not allowed ("> 0" rules). */
  exclusiveMin?: boolean;
  max?: number;
  /** Values above max are refused unless the run is forced (StartRunRequest.force); forced, up to this. */
  forcedMax?: number;
  choices?: string[];
  description: string;
}

/** Hidden layers a net_arch may list. */
export const NET_ARCH_MAX_LAYERS = 8;

// ---------- rule lists that carry their value types ----------

/** What a value of each rule type is once checked (checkHyperValue's result); an enum's, one of its choices. */
interface ValueOfType {
  int: number;
  float: number;
  bool: boolean;
  enum: string;
  'int[]': number[];
  schedule: number | string;
}

type Body<T extends HyperparameterSpec['type'], D> = Omit<HyperparameterSpec, 'key' | 'type' | 'default' | 'choices'> & {
  /** Replaced by the rule's name in its list (a shared rule spread in brings its own). */
  key?: string;
  type: T;
  default: D;
  choices?: readonly string[];
};

/** A rule as an algorithm writes it in its list, named by its property there; readonly defaults and choices let the list be `const`. */
export type RuleBody =
  | Body<'int' | 'float', number>
  | Body<'bool', boolean>
  | (Body<'enum', string> & { choices: readonly string[] })
  | Body<'int[]', readonly number[]>
  | Body<'schedule', number | string>;

/** The value type a rule admits: its enum choices as a union of literals, else by its type. */
export type HyperValueOf<B extends RuleBody> = B extends { type: 'enum'; choices: readonly (infer C)[] } ? C : ValueOfType[B['type']];

/** The values a set of named rules admits, one property per rule. */
export type ValuesOf<B extends Record<string, RuleBody>> = { -readonly [K in keyof B]: HyperValueOf<B[K]> };

declare const VALUE_TYPES: unique symbol;

/** Rules as the lab sends and checks them, whose type also remembers each name's value type (for HyperparamsOf). */
export type RuleList<B extends Record<string, RuleBody>> = readonly HyperparameterSpec[] & { readonly [VALUE_TYPES]?: B };

/** An algorithm's hyperparameter values typed from its rule list: `type PpoHyperparameters = HyperparamsOf<typeof PPO_RULES>`. */
export type HyperparamsOf<L> = L extends RuleList<infer B> ? ValuesOf<B> : never;

/**
 * A rule list in the order written, each rule's key its name: `defineRules({ gamma: common.gamma, n_steps: { type: 'int', … } })`.
 * The names and value types are inferred from the literal, so the algorithm's typed view (HyperparamsOf) is never written beside it.
 */
export function defineRules<const B extends Record<string, RuleBody>>(rules: B): RuleList<B> {
  return Object.entries(rules).map(([key, body]) => {
    const { key: _replaced, ...rule } = body;
    return { key, ...rule } as HyperparameterSpec;
  });
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

export function got(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function rangeText(r: HyperparameterSpec): string {
  const lo = r.min !== undefined ? (r.exclusiveMin ? `> ${r.min}` : `≥ ${r.min}`) : '';
  if (r.min !== undefined && r.max !== undefined && !r.exclusiveMin) return `in [${r.min}, ${r.max}]`;
  if (r.max !== undefined) return lo ? `${lo} and ≤ ${r.max}` : `≤ ${r.max}`;
  return lo;
}

function inRange(r: HyperparameterSpec, x: number): boolean {
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

/**
 * One value against its rule: the check the lab runs on every run request and the Train form runs on
 * every field. Returns the normalised value (numeric strings → numbers, "64,64" → [64, 64]); throws an
 * Error that names the key. `max` is raised to `forcedMax` when forced; unforced, a value only forcing
 * allows says so.
 */
export function checkHyperValue(r: HyperparameterSpec, v: unknown, force = false): HyperValue {
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

function checkValue(r: HyperparameterSpec, v: unknown): HyperValue {
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
      const ok = Array.isArray(arr) && arr.length <= NET_ARCH_MAX_LAYERS && arr.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && inRange(r, n));
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
      if (start === null || !Number.isFinite(start) || !inRange(r, start))
        throw new Error(`${k} must be a finite number ${rangeText(r)} (or "lin_<number>"), got ${got(v)}`);
      return v as string;
    }
  }
}
