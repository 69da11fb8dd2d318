/**
 * Text ⇄ value for the Train form's fields (hyperparameters, counts). Hyperparameter fields go through
 * the lab's own rule check (main/lab/domain/hyperparameters.ts), so a value is flagged at the field
 * exactly when the lab would refuse it.
 */
import { checkHyperValue, type HyperparameterSpec, type HyperValue } from '../../../main/lab/domain/hyperparameters.ts';

export type ParseResult = { ok: true; value: HyperValue } | { ok: false; error: string };

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A plain decimal number (optionally with an exponent), or null; env option fields use it too. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  return NUMBER_RE.test(t) ? Number(t) : null;
}

/**
 * A count typed into one of the Train form's small fields (episodes, steps between evaluations):
 * digits only (`_` and `,` as separators where `grouped`), at most `max`. Blank is null where
 * `optional`, else `error`, like anything else that is not such a count.
 */
export function parseCount(
  text: string,
  opts: { max: number; optional?: boolean; grouped?: boolean },
  error: string,
): { value: number | null; error: string | null } {
  const t = opts.grouped ? text.trim().replace(/[_,]/g, '') : text.trim();
  if (t === '' && opts.optional) return { value: null, error: null };
  return /^\d+$/.test(t) && Number(t) <= opts.max ? { value: Number(t), error: null } : { value: null, error };
}

/**
 * A field's text as the lab will read it: the very check the lab runs (checkHyperValue), so the form
 * and the lab cannot disagree. Lists may also be typed "64 64" or "[64, 64]". `force`: the run allows
 * values up to each rule's forcedMax (StartRunRequest.force).
 */
export function parseHyper(spec: HyperparameterSpec, text: string, force = false): ParseResult {
  const t = text.trim();
  const input =
    spec.type === 'int[]'
      ? t
          .replace(/^\[|\]$/g, '')
          .trim()
          .split(/[\s,]+/)
          .filter(Boolean)
          .join(',')
      : t;
  try {
    return { ok: true, value: checkHyperValue(spec, input, force) };
  } catch (err) {
    // The lab's message names the key; beside its field, the rest says it.
    const message = (err as Error).message;
    return { ok: false, error: message.startsWith(`${spec.key} `) ? message.slice(spec.key.length + 1) : message };
  }
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return n.toExponential();
  return String(n);
}

export function formatHyper(value: HyperValue | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

export function rangeText(spec: HyperparameterSpec): string {
  if (spec.type === 'bool') return 'true / false';
  if (spec.type === 'enum') return (spec.choices ?? []).join(' | ');
  const { min, max } = spec;
  const kind = spec.type === 'int[]' ? 'ints' : spec.type === 'schedule' ? 'number or lin_x' : spec.type;
  const open = spec.exclusiveMin ? '(' : '[';
  if (min !== undefined && max !== undefined) return `${kind} in ${open}${formatNumber(min)}, ${formatNumber(max)}]`;
  if (min !== undefined) return `${kind} ${spec.exclusiveMin ? '>' : '≥'} ${formatNumber(min)}`;
  if (max !== undefined) return `${kind} ≤ ${formatNumber(max)}`;
  return kind;
}

export function sameValue(a: HyperValue | undefined, b: HyperValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
