/**
 * The Train form's hyperparameter fields: for each of the algorithm's hyperparameters, the value
 * the preset (or the algorithm's default) gives it, what the user typed over it, and what that
 * parses to under the lab's own rule.
 */
import type { HyperparameterSpec, HyperValue, Hyperparameters } from '../../../../main/lab/domain/hyperparameters.ts';
import { formatHyper, parseHyper, sameValue, type ParseResult } from '../../forms/hyperparams.ts';

export interface HyperRow {
  spec: HyperparameterSpec;
  /** The value before any edit: the preset's, else the algorithm's default. */
  effective: HyperValue;
  fromPreset: boolean;
  text: string;
  parsed: ParseResult;
  /** The field holds typed text (so it can be reset), whether or not that changes the value. */
  typed: boolean;
  /** The typed text gives another value than `effective`. */
  edited: boolean;
}

/** The rows in display order: what the preset sets first (what matters most for it), each part in the algorithm's order. */
export function hyperRows(specs: readonly HyperparameterSpec[], presetValues: Hyperparameters, fields: Record<string, string>, force: boolean): HyperRow[] {
  const list = specs.map((spec): HyperRow => {
    const fromPreset = Object.hasOwn(presetValues, spec.key);
    const effective = fromPreset ? presetValues[spec.key] : spec.default;
    const typed = Object.hasOwn(fields, spec.key);
    const text = fields[spec.key] ?? formatHyper(effective);
    const parsed = parseHyper(spec, text, force);
    const edited = typed && !(parsed.ok && sameValue(parsed.value, effective));
    return { spec, effective, fromPreset, text, parsed, typed, edited };
  });
  return [...list.filter((r) => r.fromPreset), ...list.filter((r) => !r.fromPreset)];
}

/** Preset keys the algorithm does not describe (env options and the like): shown, not editable. */
export function presetExtras(specs: readonly HyperparameterSpec[], presetValues: Hyperparameters): [string, HyperValue][] {
  const known = new Set(specs.map((s) => s.key));
  return Object.entries(presetValues).filter(([k]) => !known.has(k));
}
