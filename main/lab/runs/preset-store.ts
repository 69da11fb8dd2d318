/**
 * Saved presets: presets.json in the runs folder (domain/presets.ts says what one is). Each preset is
 * checked by the check a run request goes through (LabService.buildConfig) before it is kept, so a
 * saved preset always starts a run. Written whole (a temporary file renamed over it); a file that
 * cannot be read is kept aside as presets.json.corrupt-<time>, never written over, and the list
 * starts empty, saying so.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../domain/errors.ts';
import { PresetsFile, type PresetList, type SavePresetParams, type UserPreset } from '../domain/presets.ts';
import type { StartRunRequest } from '../domain/runs.ts';
import type { AlgoId } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import type { Hyperparameters } from '../domain/hyperparameters.ts';
import type { TrainerConfig } from '../training/trainer-config.ts';
import { algorithmDef } from '../agents/registry.ts';
import { writeJsonAtomic, writeProblem } from './run-store.ts';

export const PRESETS_FILE = 'presets.json';

export interface PresetStoreOptions {
  /** The runs folder. */
  dir: string;
  /** The lab's check of a run request (defaults ← preset ← overrides, env options): throws saying what is wrong. */
  checkRun: (req: StartRunRequest) => TrainerConfig;
}

/** The part of a run or sweep request a preset sets. */
export interface PresetFields {
  env: EnvId;
  algo: AlgoId;
  preset?: string;
  hyperparameters: Hyperparameters;
  envOptions: Record<string, number | boolean>;
}

export class PresetStore {
  private readonly path: string;
  private readonly checkRun: PresetStoreOptions['checkRun'];
  /** Read-modify-write one at a time (the app and serve answer requests concurrently). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: PresetStoreOptions) {
    this.path = join(opts.dir, PRESETS_FILE);
    this.checkRun = opts.checkRun;
  }

  list(): Promise<PresetList> {
    return this.serial(() => this.read());
  }

  /** Checks the configuration as a run request, then keeps it; an existing name is replaced only with `overwrite`. */
  async save(p: SavePresetParams): Promise<PresetList> {
    const builtIn = algorithmDef(p.algo).presets.find((b) => b.name.toLowerCase() === p.name.toLowerCase());
    if (builtIn) throw new LabError(`"${p.name}" is the name of a built-in ${p.algo} preset; choose another name`, 'invalid');
    const basePreset = p.basePreset === 'none' ? null : p.basePreset; // a run request's "none": no preset
    let config: TrainerConfig;
    try {
      config = this.checkRun({ env: p.env, algo: p.algo, preset: basePreset ?? 'none', hyperparameters: p.hyperparameters, envOptions: p.envOptions });
    } catch (err) {
      throw new LabError(`preset "${p.name}": ${(err as Error).message}`, 'invalid');
    }
    // Kept as the rules read them ("3e-4" given as text is the number), only the keys it overrides.
    const hyperparameters = Object.fromEntries(Object.keys(p.hyperparameters).map((k) => [k, config.hyperparameters[k]])) as Hyperparameters;
    const preset: UserPreset = {
      name: p.name,
      env: p.env,
      algo: p.algo,
      basePreset,
      hyperparameters,
      envOptions: { ...p.envOptions },
      createdAt: new Date().toISOString(),
      ...(p.note ? { note: p.note } : {}),
    };
    return this.serial(async () => {
      const { presets, notice } = await this.read();
      const i = presets.findIndex((q) => q.name === p.name);
      if (i >= 0 && !p.overwrite) {
        const old = presets[i];
        throw new LabError(`a saved preset named "${p.name}" already exists (${old.algo} on ${old.env}); overwrite it or choose another name`, 'invalid');
      }
      const next = i >= 0 ? presets.map((q, j) => (j === i ? preset : q)) : [...presets, preset];
      await this.write(next);
      return { presets: next, notice };
    });
  }

  delete(name: string): Promise<PresetList> {
    return this.serial(async () => {
      const { presets, notice } = await this.read();
      if (!presets.some((q) => q.name === name)) throw new LabError(`no saved preset named "${name}"`, 'not-found');
      const next = presets.filter((q) => q.name !== name);
      await this.write(next);
      return { presets: next, notice };
    });
  }

  /**
   * A request naming a saved preset, as the request it stands for: its base preset, its
   * hyperparameters and env options under the request's own. Built-in names win (saving refuses
   * them); a request without a preset, with "none" or with a built-in name comes back as it was.
   */
  async apply<R extends PresetFields>(req: R): Promise<R> {
    const name = req.preset;
    if (name === undefined || name === 'none') return req;
    const builtIns = algorithmDef(req.algo).presets;
    if (builtIns.some((b) => b.name === name)) return req;
    const { presets } = await this.list();
    const saved = presets.find((q) => q.name === name);
    if (!saved) {
      const here = builtIns.filter((b) => b.env === req.env).map((b) => b.name);
      const mine = presets.filter((q) => q.env === req.env && q.algo === req.algo).map((q) => q.name);
      throw new LabError(
        `preset "${name}" is neither a built-in preset of ${req.algo} on ${req.env} (${here.length ? here.join(', ') : 'none'}) nor a saved one (${mine.length ? `saved for it: ${mine.join(', ')}` : 'none saved for it'})`,
        'invalid',
      );
    }
    if (saved.env !== req.env || saved.algo !== req.algo)
      throw new LabError(`saved preset "${name}" is for ${saved.algo} on ${saved.env}, not ${req.algo} on ${req.env}`, 'invalid');
    return {
      ...req,
      preset: saved.basePreset ?? 'none',
      hyperparameters: { ...saved.hyperparameters, ...req.hyperparameters },
      envOptions: { ...saved.envOptions, ...req.envOptions },
    };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<PresetList> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { presets: [], notice: null };
      throw new LabError(`cannot read ${PRESETS_FILE}: ${code ?? 'read error'}`, 'failed');
    }
    let why: string;
    try {
      const parsed = PresetsFile.safeParse(JSON.parse(text));
      if (parsed.success) return { presets: parsed.data.presets, notice: null };
      const issue = parsed.error.issues[0];
      why = `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'not a presets file'}`;
    } catch {
      why = 'not valid JSON';
    }
    // Kept aside, not written over: whatever it held can still be recovered by hand.
    const aside = `${PRESETS_FILE}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.path, join(this.path, '..', aside));
    } catch (err) {
      throw new LabError(`${PRESETS_FILE} cannot be read (${why}) and cannot be kept aside (${writeProblem(err)}); move it away to save presets`, 'failed');
    }
    return { presets: [], notice: `${PRESETS_FILE} could not be read (${why}); it was kept as ${aside} and the saved presets start empty` };
  }

  private async write(presets: UserPreset[]): Promise<void> {
    try {
      await mkdir(join(this.path, '..'), { recursive: true });
      await writeJsonAtomic(this.path, { version: 1, presets });
    } catch (err) {
      throw new LabError(`cannot save presets: ${writeProblem(err)}`, 'failed');
    }
  }
}
