/**
 * Saved presets: the lab's list (presets.json in the runs folder, shared with the CLI), saving a
 * configuration under a name, deleting one, and filling the Train form's draft from one. A sweep's
 * configuration is turned into a preset's here too, so "Train with this" and "Save as preset…" read
 * the sweep alike.
 */
import { defineStore } from 'pinia';
import { nextTick, ref, shallowRef } from 'vue';
import type { Hyperparameters } from '../../../main/lab/domain/hyperparameters.ts';
import type { PresetList, UserPreset } from '../../../main/lab/domain/presets.ts';
import type { SweepPoint, SweepSummary } from '../../../main/lab/domain/sweeps.ts';
import { formatOptionValue } from '../forms/env-options.ts';
import { formatHyper } from '../forms/hyperparams.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { useLabStore } from './lab.ts';
import { useRunsStore } from './runs.ts';

/** What a preset sets: the built-in preset it starts from (null: the algorithm's defaults), overrides and env options. */
export interface PresetConfig {
  env: string;
  algo: string;
  basePreset: string | null;
  hyperparameters: Hyperparameters;
  envOptions: Record<string, number | boolean>;
}

/** A configuration as the Train form's draft holds it: the values as text, env options as checkbox state or text. */
export function draftValues(c: Pick<PresetConfig, 'hyperparameters' | 'envOptions'>): {
  fields: Record<string, string>;
  envOptions: Record<string, boolean | string>;
} {
  return {
    fields: Object.fromEntries(Object.entries(c.hyperparameters).map(([k, v]) => [k, formatHyper(v)])),
    envOptions: Object.fromEntries(Object.entries(c.envOptions).map(([k, v]) => [k, typeof v === 'boolean' ? v : formatOptionValue(v)])),
  };
}

/** An env option swept from the command line may be text ("true", "-9.5"); the form and the lab want its value. */
function optionValue(v: SweepPoint[string]): number | boolean {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return Number(v);
}

export const usePresetsStore = defineStore('presets', () => {
  const client = getLabClient();
  const lab = useLabStore();

  const presets = shallowRef<UserPreset[]>([]);
  /** What went wrong reading presets.json (kept aside, the list started empty), until dismissed. */
  const notice = ref<string | null>(null);
  const error = ref<string | null>(null);
  /** The saved preset the Train form was last filled from, while the form still starts from its base. */
  const applied = ref<{ name: string; env: string; algo: string; basePreset: string } | null>(null);

  function take(list: PresetList): void {
    presets.value = list.presets;
    if (list.notice) notice.value = list.notice;
    error.value = null;
  }

  async function refresh(): Promise<void> {
    try {
      take(await client.invoke('listPresets', {}));
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  /** This env's and algorithm's saved presets, by name. */
  function savedFor(env: string, algo: string): UserPreset[] {
    return presets.value.filter((p) => p.env === env && p.algo === algo).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Saves `config` as `name`; null when saved, else the lab's reason (shown at the name field). */
  async function save(config: PresetConfig, name: string, opts: { overwrite?: boolean; note?: string } = {}): Promise<string | null> {
    try {
      take(
        await client.invoke('savePreset', {
          name,
          env: config.env as never,
          algo: config.algo as never,
          basePreset: config.basePreset,
          hyperparameters: config.hyperparameters,
          envOptions: config.envOptions,
          overwrite: opts.overwrite ?? false,
          ...(opts.note ? { note: opts.note } : {}),
        }),
      );
      return null;
    } catch (err) {
      return errorMessage(err);
    }
  }

  async function remove(name: string): Promise<boolean> {
    try {
      take(await client.invoke('deletePreset', { name }));
      if (applied.value?.name === name) applied.value = null;
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      return false;
    }
  }

  /**
   * The Train form filled from a saved preset: its env and algorithm, its base preset, then its values.
   * The form starts its fields over whenever the env, algorithm or preset changes (run-form.ts), so the
   * values go in after those reactions have run.
   */
  async function applyToDraft(p: UserPreset): Promise<void> {
    const d = useRunsStore().draft;
    if (d.env !== p.env || d.algo !== p.algo) {
      d.env = p.env;
      d.algo = p.algo;
      await nextTick();
    }
    d.preset = p.basePreset ?? '';
    await nextTick();
    const values = draftValues(p);
    d.fields = values.fields;
    d.envOptions = values.envOptions;
    d.steps = '';
    applied.value = { name: p.name, env: p.env, algo: p.algo, basePreset: p.basePreset ?? '' };
  }

  /**
   * A sweep's point as a configuration: the sweep's preset (none asked: the env's first, as the lab
   * chose; "none": the algorithm's defaults), its fixed values with the point's over them, each key an
   * env option of the env or else a hyperparameter, as the lab splits them.
   */
  function sweepConfig(sweep: SweepSummary, point: SweepPoint): PresetConfig {
    const req = sweep.request;
    const optionKeys = new Set(lab.env(sweep.env as never)?.options.map((o) => o.key) ?? []);
    const builtIns = lab.algo(sweep.algo as never)?.presets.filter((p) => p.env === sweep.env) ?? [];
    const hyperparameters: Hyperparameters = {};
    const envOptions: Record<string, number | boolean> = { ...(req.envOptions ?? {}) };
    for (const [k, v] of Object.entries({ ...req.hyperparameters, ...point })) {
      if (optionKeys.has(k)) envOptions[k] = optionValue(v);
      else hyperparameters[k] = v;
    }
    const basePreset = req.preset === undefined ? (builtIns[0]?.name ?? null) : req.preset === 'none' ? null : req.preset;
    return { env: sweep.env, algo: sweep.algo, basePreset, hyperparameters, envOptions };
  }

  let started = false;
  /** Loads the list on every (re)connection; the views that show presets call it. */
  function start(): void {
    if (started) return;
    started = true;
    lab.onConnected(() => void refresh());
  }

  return { presets, notice, error, applied, refresh, savedFor, save, remove, applyToDraft, sweepConfig, start };
});
