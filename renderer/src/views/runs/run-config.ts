/**
 * A run's configuration as the Runs library shows it: config.json as the lab read it back through
 * RunConfig (RunDetail.runConfig), laid out as labelled rows in sections; the rows of several
 * runs side by side, each marked when the runs disagree; and the Train form's draft that starts
 * the same configuration again.
 */
import type { AlgoId, AlgoInfo, EngineRequest } from '../../../../main/lab/domain/algorithms.ts';
import type { EnvId } from '../../../../main/lab/domain/envs.ts';
import type { HyperValue } from '../../../../main/lab/domain/hyperparameters.ts';
import type { RunConfig, RunDetail, RunSummary } from '../../../../main/lab/domain/runs.ts';
import { formatOptionValue } from '../../forms/env-options.ts';
import { formatHyper, formatNumber } from '../../forms/hyperparams.ts';

export const CONFIG_SECTIONS = ['Run', 'Hyperparameters', 'Env options', 'Evaluation and saving'] as const;
export type ConfigSection = (typeof CONFIG_SECTIONS)[number];

/** The row of the queue worker that trained a run: where it ran, not how, so runs on different workers are still alike. */
const WORKER_KEY = 'worker';

export interface ConfigEntry {
  section: ConfigSection;
  /** Unique across sections ("hp.learning_rate"), so rows of different runs line up. */
  key: string;
  label: string;
  value: string;
}

/** config.json as written: the RunConfig plus what the lab adds beside it. */
export interface StoredConfig {
  config: RunConfig;
  labVersion: string | null;
}

/** The configuration the lab checked, with the lab version beside it; or why there is none. */
export function storedConfig(detail: Pick<RunDetail, 'config' | 'runConfig' | 'configError'>): StoredConfig | { error: string } {
  if (!detail.runConfig) return { error: `its config.json is not a run configuration this lab reads (${detail.configError ?? 'unreadable'})` };
  return { config: detail.runConfig, labVersion: typeof detail.config.labVersion === 'string' ? detail.config.labVersion : null };
}

function show(v: HyperValue | number | boolean | string | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

/** "requested → got" when the run process resolved a request ('auto') to something else. */
function resolved(requested: string, got: string | undefined): string {
  return got && got !== requested ? `${requested} → ${got}` : requested;
}

/**
 * Every value the run was trained with, in sections: what it is (env, algorithm, preset, seed,
 * budgets, backend, engine, lab version), its hyperparameters, its env options, and how it was
 * evaluated, checkpointed and recorded. `summary` adds what the run process resolved (backend, engine)
 * and the queue worker that trained it, if one did.
 */
export function configEntries(
  stored: StoredConfig,
  summary: Pick<RunSummary, 'backend' | 'engine' | 'worker'> | null,
  algoName: (id: string) => string,
): ConfigEntry[] {
  const c = stored.config;
  const out: ConfigEntry[] = [];
  const add = (section: ConfigSection, key: string, label: string, value: string) => out.push({ section, key, label, value });

  add('Run', 'env', 'Environment', c.env);
  add('Run', 'algo', 'Algorithm', algoName(c.algo));
  add('Run', 'preset', 'Preset', c.preset ?? 'none (algorithm defaults)');
  add('Run', 'seed', 'Seed', String(c.seed));
  add('Run', 'totalSteps', 'Step budget', show(c.totalSteps));
  add('Run', 'maxEpisodes', 'Episode budget', c.maxEpisodes ? show(c.maxEpisodes) : 'none');
  add('Run', 'backend', 'Backend', resolved(c.backend, summary?.backend));
  add('Run', 'engine', 'Engine', resolved(c.engine ?? 'auto', summary?.engine));
  add('Run', 'labVersion', 'Lab version', stored.labVersion ?? '–');
  if (summary?.worker) add('Run', WORKER_KEY, 'Trained on worker', summary.worker);
  if (c.initPolicy) add('Run', 'initPolicy', 'Started from', 'another run’s saved policy');

  for (const [k, v] of Object.entries(c.hyperparameters)) add('Hyperparameters', `hp.${k}`, k, show(v));
  for (const [k, v] of Object.entries(c.envOptions)) add('Env options', `env.${k}`, k, show(v));

  add('Evaluation and saving', 'evalEpisodes', 'Final eval episodes', show(c.evalEpisodes));
  add('Evaluation and saving', 'evalEvery', 'Eval every (steps)', c.evalEvery ? show(c.evalEvery) : 'never');
  add('Evaluation and saving', 'checkpointEvery', 'Checkpoint every', c.checkpointEvery ? `${show(c.checkpointEvery)} steps` : 'final only');
  add('Evaluation and saving', 'checkpointSeconds', '…or every (s)', show(c.checkpointSeconds ?? 60));
  add('Evaluation and saving', 'stopWhenSolved', 'Stop when solved', show(c.stopWhenSolved));
  add(
    'Evaluation and saving',
    'recordEvery',
    'Recorded episodes',
    c.recordEvery === undefined ? '0, 1, 8, 27, … 1000, 2000, …' : c.recordEvery === 0 ? 'none' : `1 in ${show(c.recordEvery)} episodes`,
  );
  add('Evaluation and saving', 'force', 'Beyond usual limits', show(c.force ?? false));
  return out;
}

export interface DiffRow {
  section: ConfigSection;
  key: string;
  label: string;
  /** One per run, in the order given; null where that run has no such entry. */
  values: (string | null)[];
  /** Not every run has the same value (a missing entry counts as a value). */
  differs: boolean;
}

/** The runs' entries side by side: one row per key any run has, by section, in first-seen order. */
export function diffRows(runs: readonly ConfigEntry[][]): DiffRow[] {
  const rows = new Map<string, DiffRow>();
  runs.forEach((entries, i) => {
    for (const e of entries) {
      let row = rows.get(e.key);
      if (!row) {
        row = { section: e.section, key: e.key, label: e.label, values: runs.map(() => null), differs: false };
        rows.set(e.key, row);
      }
      row.values[i] = e.value;
    }
  });
  const list = [...rows.values()];
  for (const r of list) r.differs = r.values.some((v) => v !== r.values[0]);
  return CONFIG_SECTIONS.flatMap((s) => list.filter((r) => r.section === s));
}

/**
 * The runs' seeds when their configurations differ in the seed alone (one experiment over several
 * seeds, which can be trained again as one multi-seed start), else null.
 */
export function seedsOnly(configs: readonly RunConfig[], rows: readonly DiffRow[]): number[] | null {
  const seeds = configs.map((c) => c.seed);
  const alike = rows.every((r) => !r.differs || r.key === 'seed' || r.key === WORKER_KEY);
  return configs.length > 1 && alike && new Set(seeds).size === seeds.length ? seeds : null;
}

/**
 * Every field of the Train form's draft (TrainDraft, in stores/runs.ts, which imports the lab
 * client and so stays out of this pure module). run-actions.ts hands this to setDraft(TrainDraft):
 * a field the draft gains and this lacks fails to compile there.
 */
export interface DraftFields {
  env: EnvId;
  algo: AlgoId;
  preset: string;
  seed: string;
  steps: string;
  maxEpisodes: string;
  tags: string;
  stopWhenSolved: boolean;
  evalEpisodes: string;
  evalEvery: string;
  recordEvery: string;
  engine: EngineRequest;
  force: boolean;
  fields: Record<string, string>;
  envOptions: Record<string, boolean | string>;
}

/**
 * The Train form's draft that trains `config` again: every field set from it (hyperparameters and
 * env options typed out in full, so the run is the same whatever the preset now says). A preset
 * the lab no longer offers for this env becomes "algorithm defaults": every value is typed anyway.
 * `seeds`: several runs that differ only in their seed train again as one multi-seed start.
 */
export function draftFromConfig(config: RunConfig, opts: { tags: readonly string[]; algo: AlgoInfo | undefined; seeds?: readonly number[] }): DraftFields {
  const presetKnown = config.preset !== null && (opts.algo?.presets ?? []).some((p) => p.name === config.preset && p.env === config.env);
  // A blank "evaluate every" is the lab's default (the checkpoint interval): keep it blank then, so a
  // new step budget moves it along as it would have.
  const defaultEvalEvery = config.evalEvery === undefined || config.evalEvery === config.checkpointEvery;
  return {
    env: config.env,
    algo: config.algo,
    preset: presetKnown ? config.preset! : '',
    seed: opts.seeds?.length ? opts.seeds.join(', ') : String(config.seed),
    steps: String(config.totalSteps),
    maxEpisodes: config.maxEpisodes ? String(config.maxEpisodes) : '',
    tags: opts.tags.join(', '),
    stopWhenSolved: config.stopWhenSolved,
    evalEpisodes: String(config.evalEpisodes),
    evalEvery: defaultEvalEvery ? '' : String(config.evalEvery),
    recordEvery: config.recordEvery === undefined ? '' : String(config.recordEvery),
    engine: config.engine ?? 'auto',
    force: config.force ?? false,
    fields: Object.fromEntries(Object.entries(config.hyperparameters).map(([k, v]) => [k, formatHyper(v)])),
    envOptions: Object.fromEntries(Object.entries(config.envOptions).map(([k, v]) => [k, typeof v === 'boolean' ? v : formatOptionValue(v)])),
  };
}
