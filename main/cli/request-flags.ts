/**
 * `train`'s flags, read off the start request's schema (main/lab/domain/runs.ts): each field is
 * `--kebab-name`, typed and bounded by the schema, so a field added to the request is a flag at once
 * and its limits are written once. Only fields whose command-line form differs are named here.
 */
import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { StartRunRequest } from '../lab/domain/runs.ts';
import { UsageError, envOptionsArg, parseSetting } from './args.ts';

type Field = keyof typeof StartRunRequest.shape;
type Kind = 'number' | 'int' | 'boolean' | 'string' | 'enum' | 'key=value' | 'list';

interface FlagSpec {
  field: Field;
  flag: string;
  kind: Kind;
  /** Shown in the usage line. */
  meta: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

/** Fields whose flag is not simply the field's name in kebab case, or that repeat. */
const RENAMED: Partial<Record<Field, string>> = { hyperparameters: 'set', envOptions: 'env-opt', tags: 'tag' };
const META: Partial<Record<Field, string>> = { env: 'ID', algo: 'ALGO', preset: 'NAME', name: 'TEXT', checkpointSeconds: 'S', tags: 'TAG' };
/** `--backend auto` is how the command line says "no backend asked for". */
const AUTO_BACKEND = 'auto';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function inner(schema: z.ZodType): z.ZodType {
  let t = schema as z.ZodType & { def: { innerType?: z.ZodType } };
  while (t.def.innerType) t = t.def.innerType as typeof t;
  return t;
}

function specOf(field: Field): FlagSpec {
  const t = inner(StartRunRequest.shape[field]) as z.ZodType & {
    def: { type: string };
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
    options?: readonly string[];
  };
  const flag = RENAMED[field] ?? kebab(field);
  const type = t.def.type;
  if (type === 'number') {
    const kind = t.isInt ? 'int' : 'number';
    return { field, flag, kind, meta: META[field] ?? 'N', min: t.minValue ?? undefined, max: t.maxValue ?? undefined };
  }
  if (type === 'boolean') return { field, flag, kind: 'boolean', meta: '' };
  if (type === 'enum') {
    const choices = field === 'backend' ? [AUTO_BACKEND, ...(t.options ?? [])] : (t.options ?? []);
    return { field, flag, kind: 'enum', meta: META[field] ?? choices.join('|'), choices };
  }
  if (type === 'record') return { field, flag, kind: 'key=value', meta: 'key=value' };
  if (type === 'array') return { field, flag, kind: 'list', meta: META[field] ?? 'VALUE' };
  return { field, flag, kind: 'string', meta: META[field] ?? 'TEXT' };
}

export const REQUEST_FLAGS: readonly FlagSpec[] = (Object.keys(StartRunRequest.shape) as Field[]).map(specOf);

/** parseArgs options for every request field. */
export function requestFlagOptions(): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    REQUEST_FLAGS.map((f) => [f.flag, f.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: f.kind === 'key=value' || f.kind === 'list' }]),
  ) as NonNullable<ParseArgsConfig['options']>;
}

/** The usage line's part for the request's flags (required ones bare, the rest in brackets). */
export function requestFlagsUsage(): string {
  return REQUEST_FLAGS.map((f) => {
    const repeat = f.kind === 'key=value' || f.kind === 'list' ? '...' : '';
    const body = f.meta ? `--${f.flag} ${f.meta}` : `--${f.flag}`;
    return f.field === 'env' || f.field === 'algo' ? body : `[${body}]${repeat}`;
  }).join(' ');
}

function range(f: FlagSpec): string {
  const hi = f.max === undefined || f.max >= Number.MAX_SAFE_INTEGER ? '∞)' : `${f.max}]`;
  return `[${f.min ?? '−∞'}, ${hi}`;
}

function numberFrom(f: FlagSpec, raw: string): number {
  const n = Number(raw.replace(/_/g, ''));
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(n) &&
    (f.kind === 'number' || Number.isInteger(n)) &&
    (f.min === undefined || n >= f.min) &&
    (f.max === undefined || n <= f.max);
  if (!ok) throw new UsageError(`--${f.flag} must be ${f.kind === 'int' ? 'an integer' : 'a number'} in ${range(f)}, got "${raw}"`);
  return n;
}

/**
 * The start request as the command line gives it: numbers parsed and bounded, enums checked against
 * the schema's choices (each with a message that names the flag); what the schema refuses beyond that
 * is reported by the caller's safeParse.
 */
export function requestFromFlags(values: Record<string, string | boolean | (string | boolean)[] | undefined>): Record<string, unknown> {
  const req: Record<string, unknown> = {};
  for (const f of REQUEST_FLAGS) {
    const v = values[f.flag];
    if (v === undefined) continue;
    switch (f.kind) {
      case 'boolean':
        req[f.field] = v === true;
        break;
      case 'int':
      case 'number':
        req[f.field] = numberFrom(f, String(v));
        break;
      case 'enum':
        if (!f.choices?.includes(String(v))) throw new UsageError(`--${f.flag} must be one of ${f.choices?.join(', ')}, got "${String(v)}"`);
        if (!(f.field === 'backend' && v === AUTO_BACKEND)) req[f.field] = v;
        break;
      case 'key=value':
        // Hyperparameter values stay text: each rule reads its own type (net_arch=128 is [128]).
        req[f.field] = f.field === 'envOptions' ? envOptionsArg(v as string[]) : Object.fromEntries((v as string[]).map((s) => parseSetting(s, 'text')));
        break;
      case 'list':
        req[f.field] = v;
        break;
      default:
        req[f.field] = v;
    }
  }
  return req;
}
