/**
 * Gymnasium make() keyword options (EnvInfo.options) as form fields, shared by Train and Watch.
 * Like the hyperparameter fields, a form keeps only what the user edited, as typed; every other
 * field shows its base value (a preset's env option, else the env's default). The lab validates
 * again; the checks here exist so a bad value is flagged at the field before anything is sent.
 */
import type { EnvInfo, EnvOptionInfo } from '../../../main/lab/domain/envs.ts';
import { optionBoundsError, optionBoundsText } from '../../../main/lab/domain/env-def.ts';
import { formatNumber, parseNumber } from './hyperparams.ts';

export type EnvOptionValue = boolean | number;
export type EnvOptionValues = Record<string, EnvOptionValue>;
/** What the user changed: checkbox state, or the number field's text. */
export type EnvOptionEdits = Record<string, boolean | string>;

export interface EnvOptionRow {
  info: EnvOptionInfo;
  /** What the env uses when the option is not passed (max_episode_steps: the spec's limit). */
  envDefault: EnvOptionValue;
  /** What the field shows when not edited: the preset's value, else envDefault. */
  base: EnvOptionValue;
  fromPreset: boolean;
  /** Current field content (boolean for checkboxes, text for numbers). */
  input: boolean | string;
  value: EnvOptionValue | null;
  error: string | null;
  edited: boolean;
  /** The value's type and bounds when it has any ("integer ≥ 1", "in (−12, 0)"), for the hint line. */
  rule: string | null;
}

function formatSigned(n: number): string {
  return n < 0 ? `−${formatNumber(-n)}` : formatNumber(n);
}

/** max_episode_steps is "0 = the spec's limit" in the schema; the form shows the real limit instead. */
function isStepLimit(info: EnvOptionInfo): boolean {
  return info.key === 'max_episode_steps' && info.type === 'integer';
}

export function envDefaultOf(env: EnvInfo, info: EnvOptionInfo): EnvOptionValue {
  return isStepLimit(info) && info.default === 0 ? env.maxEpisodeSteps : info.default;
}

/** For an input's value (ASCII minus, so the number input can parse it). */
export function formatOptionValue(v: EnvOptionValue): string {
  return typeof v === 'boolean' ? String(v) : formatNumber(v);
}

/** For reading (a real minus sign). */
export function formatOptionDisplay(v: EnvOptionValue): string {
  return typeof v === 'boolean' ? String(v) : formatSigned(v);
}

function parse(info: EnvOptionInfo, input: boolean | string): { value: EnvOptionValue | null; error: string | null } {
  if (info.type === 'boolean') return { value: input === true, error: null };
  const t = String(input).trim();
  if (t === '') return { value: null, error: 'enter a number' };
  const n = parseNumber(t);
  if (n === null) return { value: null, error: 'must be a number' };
  if (!Number.isFinite(n)) return { value: null, error: 'must be a finite number' };
  if (info.type === 'integer' && !Number.isSafeInteger(n)) return { value: null, error: 'must be an integer' };
  const error = optionBoundsError(info, n);
  return error ? { value: null, error } : { value: n, error: null };
}

export function optionRows(env: EnvInfo | undefined, edits: EnvOptionEdits, preset: EnvOptionValues = {}): EnvOptionRow[] {
  if (!env) return [];
  return env.options.map((info): EnvOptionRow => {
    const envDefault = envDefaultOf(env, info);
    const presetValue = Object.hasOwn(preset, info.key) ? preset[info.key] : undefined;
    const fromPreset = presetValue !== undefined && typeof presetValue === typeof envDefault;
    const base = fromPreset ? presetValue : envDefault;
    const input = Object.hasOwn(edits, info.key) ? edits[info.key] : info.type === 'boolean' ? base === true : formatOptionValue(base);
    const { value, error } = parse(info, input);
    const rule = [info.type === 'integer' ? 'integer' : '', optionBoundsText(info) ?? ''].filter(Boolean).join(' ') || null;
    return { info, envDefault, base, fromPreset, input, value, error, edited: Object.hasOwn(edits, info.key) && value !== base, rule };
  });
}

/**
 * The envOptions to send: every option that differs from the env's default, plus every option the
 * preset sets (so unchecking a preset's `continuous` reaches the lab, which merges preset and request).
 */
export function envOptionsToSend(rows: readonly EnvOptionRow[]): EnvOptionValues {
  const out: EnvOptionValues = {};
  for (const r of rows) {
    if (r.value === null) continue;
    if (r.fromPreset || r.value !== r.envDefault) out[r.info.key] = r.value;
  }
  return out;
}

export function optionErrorCount(rows: readonly EnvOptionRow[]): number {
  return rows.filter((r) => r.error !== null).length;
}

/** "gravity −5, enable_wind" for labels; empty when everything is at its default. */
export function describeOptions(options: EnvOptionValues | undefined): string {
  if (!options) return '';
  return Object.entries(options)
    .map(([k, v]) => (v === true ? k : v === false ? `${k} off` : `${k} ${formatSigned(v)}`))
    .join(', ');
}

/**
 * The `envOptions` an object from the lab carries, if any: presets and policies may carry them
 * before the contract's types list the field, so read it defensively.
 */
export function carriedEnvOptions(from: object | null | undefined): EnvOptionValues | undefined {
  const raw = (from as { envOptions?: unknown } | null | undefined)?.envOptions;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const out: EnvOptionValues = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v === 'boolean' || typeof v === 'number') out[k] = v;
  return out;
}

/** A preset's env options ({} when it sets none). */
export function presetEnvOptions(preset: object | null | undefined): EnvOptionValues {
  return carriedEnvOptions(preset) ?? {};
}
