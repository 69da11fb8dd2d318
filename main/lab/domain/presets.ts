/**
 * Saved presets: a configuration (a built-in preset to start from, hyperparameter overrides, env
 * options) kept under a name in the runs folder's presets.json, so the app, browser mode and the CLI
 * share them. The lab checks each with the rules a run request goes through before saving it.
 */
import { z } from 'zod';
import { AlgoId } from './algorithms.ts';
import { EnvId, EnvOptions } from './envs.ts';
import { Hyperparameters } from './hyperparameters.ts';
import { PRESET_NAME_MAX, presetNameError } from './preset-name.ts';

export { presetNameError } from './preset-name.ts';

export const PresetName = z
  .string()
  .max(PRESET_NAME_MAX)
  .superRefine((name, ctx) => {
    const why = presetNameError(name);
    if (why) ctx.addIssue({ code: 'custom', message: `preset name: ${why}` });
  });

const PresetBody = {
  name: PresetName,
  env: EnvId,
  algo: AlgoId,
  /** The built-in preset it starts from (its env's and algorithm's), or null for the algorithm's defaults. */
  basePreset: z.string().min(1).max(64).nullable(),
  /** Overrides over the base (SB3 names). */
  hyperparameters: Hyperparameters.default({}),
  envOptions: EnvOptions,
  /** Where it came from, e.g. "best of sweep 20261207-063000-ab12: final-mean100 500.0". */
  note: z.string().max(500).optional(),
};

/** What saving asks: the configuration and its name; `overwrite` replaces a saved preset of that name. */
export const SavePresetRequest = z.object({ ...PresetBody, overwrite: z.boolean().default(false) });
export type SavePresetRequest = z.input<typeof SavePresetRequest>;
export type SavePresetParams = z.output<typeof SavePresetRequest>;

/** A saved preset as presets.json keeps it (hyperparameters as the rules read them). */
export const UserPreset = z.object({ ...PresetBody, createdAt: z.string() });
export type UserPreset = z.output<typeof UserPreset>;

/** presets.json. */
export const PresetsFile = z.object({ version: z.literal(1), presets: z.array(UserPreset) });

/** What every preset request answers: the saved presets, and what went wrong reading the file, if anything. */
export interface PresetList {
  presets: UserPreset[];
  /** e.g. presets.json could not be read and was kept aside; null when all is well. */
  notice: string | null;
}
