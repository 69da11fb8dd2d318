/** The CLI's argument handling: parsing, the checks every command shares, and its one way to print. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { HyperValue } from '../lab/domain/hyperparameters.ts';
import { ENV_IDS } from '../lab/envs/registry.ts';

/** A mistake in the command line: exits 2 with one line on stderr. */
export class UsageError extends Error {}

export function out(json: boolean, event: Record<string, unknown>, text?: string): void {
  if (json) process.stdout.write(JSON.stringify(event) + '\n');
  else if (text !== undefined) process.stdout.write(text + '\n');
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  // A negative number after an option that takes a value is that value (`--steps -5`), not an option:
  // written as --steps=-5 so parseArgs reads it and the option's own check can say what is wrong.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : null;
    if (name && !name.includes('=') && (options as Record<string, { type: string }>)[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? ''))
      joined.push(`${args[i]}=${args[++i]}`);
    else joined.push(args[i]);
  }
  args = joined;
  try {
    return parseArgs({
      args,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

export function intArg(name: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

export function envArg(v: string | undefined): (typeof ENV_IDS)[number] {
  if (!v) throw new UsageError(`--env is required (one of ${ENV_IDS.join(', ')})`);
  if (!(ENV_IDS as readonly string[]).includes(v)) throw new UsageError(`unknown env "${v}" (one of ${ENV_IDS.join(', ')})`);
  return v as (typeof ENV_IDS)[number];
}

/**
 * "key=value" → typed value: numbers, booleans, comma lists of numbers (net_arch), else the string.
 * As 'text', the value is left for its rule to read (a hyperparameter's rule knows `128` is a one-layer
 * net_arch and `lin_3e-4` a schedule).
 */
export function parseSetting(s: string, as: 'typed' | 'text' = 'typed'): [string, HyperValue] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set expects key=value, got "${s}"`);
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1).trim();
  if (as === 'text') return [key, raw.replace(/^\[|\]$/g, '').replace(/\s+/g, '')];
  let value: HyperValue = raw;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (raw !== '' && /^[-+]?[\d.]+(e[-+]?\d+)?$/i.test(raw)) value = Number(raw);
  else if (/^\[?\s*\d+(\s*,\s*\d+)*\s*\]?$/.test(raw))
    value = raw
      .replace(/[[\]\s]/g, '')
      .split(',')
      .map(Number);
  return [key, value];
}

/** --env-opt key=value (repeatable): Gymnasium make() keywords such as continuous=true, gravity=-9.5. */
export function envOptionsArg(list: string[] | undefined): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const s of list ?? []) {
    const [k, v] = parseSetting(s);
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new UsageError(`--env-opt ${k} must be a number or true/false, got "${String(v)}"`);
    out[k] = v;
  }
  return out;
}
