/**
 * Text ⇄ value for the Train form's fields (hyperparameters, counts). The lab validates again (zod
 * and its own ranges); this exists so a bad value is flagged at the field before anything is sent.
 */
import type { HyperparameterSpec, HyperValue } from '../../../main/lab/domain/hyperparameters.ts';

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
export function parseCount(text: string, opts: { max: number; optional?: boolean; grouped?: boolean }, error: string): { value: number | null; error: string | null } {
  const t = opts.grouped ? text.trim().replace(/[_,]/g, '') : text.trim();
  if (t === '' && opts.optional) return { value: null, error: null };
  return /^\d+$/.test(t) && Number(t) <= opts.max ? { value: Number(t), error: null } : { value: null, error };
}

function checkRange(spec: HyperparameterSpec, n: number, force: boolean): string | null {
  if (spec.min !== undefined && n < spec.min) return `must be ≥ ${formatNumber(spec.min)}`;
  const max = force && spec.forcedMax !== undefined ? spec.forcedMax : spec.max;
  if (max !== undefined && n > max) {
    const forcing = !force && spec.forcedMax !== undefined && n <= spec.forcedMax;
    return forcing ? `must be ≤ ${formatNumber(max)} (or allow values beyond the usual limits)` : `must be ≤ ${formatNumber(max)}`;
  }
  return null;
}

/** `force`: the run allows values up to each rule's forcedMax (StartRunRequest.force). */
export function parseHyper(spec: HyperparameterSpec, text: string, force = false): ParseResult {
  const t = text.trim();
  switch (spec.type) {
    case 'int': {
      const n = parseNumber(t);
      if (n === null || !Number.isInteger(n)) return { ok: false, error: 'must be an integer' };
      const range = checkRange(spec, n, force);
      return range ? { ok: false, error: range } : { ok: true, value: n };
    }
    case 'float': {
      const n = parseNumber(t);
      if (n === null || !Number.isFinite(n)) return { ok: false, error: 'must be a number' };
      const range = checkRange(spec, n, force);
      return range ? { ok: false, error: range } : { ok: true, value: n };
    }
    case 'bool':
      if (t === 'true') return { ok: true, value: true };
      if (t === 'false') return { ok: true, value: false };
      return { ok: false, error: 'must be true or false' };
    case 'enum':
      if (spec.choices && !spec.choices.includes(t)) return { ok: false, error: `must be one of ${spec.choices.join(', ')}` };
      return { ok: true, value: t };
    case 'int[]': {
      // Accept "64,64", "64 64" and "[64, 64]" alike.
      const inner = t.replace(/^\[|\]$/g, '').trim();
      const parts = inner === '' ? [] : inner.split(/[\s,]+/);
      const values: number[] = [];
      for (const part of parts) {
        const n = parseNumber(part);
        if (n === null || !Number.isInteger(n)) return { ok: false, error: 'must be integers separated by commas' };
        const range = checkRange(spec, n, force);
        if (range) return { ok: false, error: `each ${range}` };
        values.push(n);
      }
      return { ok: true, value: values };
    }
    case 'schedule': {
      // A constant, or SB3-zoo style "lin_<start>" for a linear decay to 0.
      const n = parseNumber(t);
      if (n !== null) {
        const range = checkRange(spec, n, force);
        return range ? { ok: false, error: range } : { ok: true, value: n };
      }
      const m = /^lin_(.+)$/.exec(t);
      const start = m ? parseNumber(m[1]) : null;
      if (start === null) return { ok: false, error: 'must be a number or lin_<number>' };
      const range = checkRange(spec, start, force);
      return range ? { ok: false, error: range } : { ok: true, value: t };
    }
    default:
      return { ok: true, value: t };
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
  if (min !== undefined && max !== undefined) return `${kind} in [${formatNumber(min)}, ${formatNumber(max)}]`;
  if (min !== undefined) return `${kind} ≥ ${formatNumber(min)}`;
  if (max !== undefined) return `${kind} ≤ ${formatNumber(max)}`;
  return kind;
}

export function sameValue(a: HyperValue | undefined, b: HyperValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
