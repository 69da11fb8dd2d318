/**
 * What the Train form's draft (kept in the runs store) means: the algorithm and preset it names,
 * the defaults it falls back to when the catalogue arrives or the env, algorithm or preset changes,
 * each field checked the way the lab checks it, and the request Start sends. Used once, by RunForm,
 * which hands the pieces to its parts.
 */
import { computed, watch } from 'vue';
import type { Hyperparameters } from '../../../../main/lab/domain/hyperparameters.ts';
import { envOptionsToSend, optionErrorCount, optionRows, presetEnvOptions } from '../../forms/env-options.ts';
import { parseCount } from '../../forms/hyperparams.ts';
import { useRunChecks } from '../../forms/run-checks.ts';
import { useLabStore } from '../../stores/lab.ts';
import { useRunsStore } from '../../stores/runs.ts';
import { usePresetsStore, type PresetConfig } from '../../stores/presets.ts';
import { hyperRows, presetExtras } from './hyper-rows.ts';

/** The preset select's values for saved presets (built-in names are the select's other values). */
const SAVED = 'saved:';

export function useRunForm() {
  const lab = useLabStore();
  const runs = useRunsStore();
  const d = runs.draft;

  const algo = computed(() => lab.algo(d.algo || undefined));
  const presets = computed(() => algo.value?.presets.filter((p) => p.env === d.env) ?? []);
  const preset = computed(() => presets.value.find((p) => p.name === d.preset) ?? null);
  const presetValid = computed(() => d.preset === '' || presets.value.some((p) => p.name === d.preset));

  // ---------- saved presets (stores/presets.ts) ----------
  const savedStore = usePresetsStore();
  savedStore.start();
  const savedPresets = computed(() => savedStore.savedFor(d.env, d.algo));
  /** The preset select's value: "saved:<name>" while the form starts from a saved preset, else the built-in's name ('' = defaults). */
  const presetChoice = computed(() => {
    const a = savedStore.applied;
    const current = a && a.env === d.env && a.algo === d.algo && a.basePreset === d.preset && savedPresets.value.some((p) => p.name === a.name);
    return current ? `${SAVED}${a.name}` : d.preset;
  });
  function choosePreset(value: string): void {
    const saved = value.startsWith(SAVED) ? savedPresets.value.find((p) => p.name === value.slice(SAVED.length)) : undefined;
    if (saved) {
      void savedStore.applyToDraft(saved);
      return;
    }
    savedStore.applied = null;
    if (d.preset === value) {
      // The same base again (leaving a saved preset for its base): start over from it as a switch would.
      d.fields = {};
      d.steps = '';
      d.envOptions = {};
    } else d.preset = value;
  }

  // Pick sensible defaults as soon as the catalogue arrives (and if it changes under us).
  watch(
    () => [lab.envs, lab.algos] as const,
    ([envs, algos]) => {
      const before = `${d.env} ${d.algo}`;
      if (!envs.some((e) => e.id === d.env)) d.env = envs[0]?.id ?? '';
      // PPO first: it is what most tutorials and zoo presets start from; the list's order otherwise.
      if (!algos.some((a) => a.id === d.algo)) d.algo = (algos.find((a) => a.id === 'ppo') ?? algos[0])?.id ?? '';
      // Filled in here (e.g. the catalogue arrived while another tab showed): the first preset, as below.
      if (!presetValid.value || `${d.env} ${d.algo}` !== before) d.preset = presets.value[0]?.name ?? '';
    },
    { immediate: true },
  );
  // A new env or algorithm starts from its first preset ("algorithm defaults" stays a deliberate choice).
  watch(
    () => [d.env, d.algo],
    () => {
      d.preset = presets.value[0]?.name ?? '';
    },
  );
  // A preset is a complete starting point: switching presets drops earlier edits.
  watch(
    () => d.preset,
    () => {
      d.fields = {};
      d.steps = '';
    },
  );
  // Env options follow the env and the preset (which may set some, e.g. continuous): any switch starts
  // the fields over from the preset's values and the env's defaults.
  watch(
    () => [d.env, d.algo, d.preset],
    () => {
      d.envOptions = {};
    },
  );

  // ---------- env options ----------
  const optionRowsNow = computed(() => optionRows(lab.env(d.env || undefined), d.envOptions, presetEnvOptions(preset.value)));
  const optionErrors = computed(() => optionErrorCount(optionRowsNow.value));
  const editedOptions = computed(() => optionRowsNow.value.filter((r) => r.edited).length);
  function setOption(key: string, value: boolean | string): void {
    d.envOptions = { ...d.envOptions, [key]: value };
  }
  function resetOption(key: string): void {
    const next = { ...d.envOptions };
    delete next[key];
    d.envOptions = next;
  }

  // ---------- hyperparameters ----------
  const rows = computed(() => hyperRows(algo.value?.hyperparameters ?? [], preset.value?.values ?? {}, d.fields, d.force));
  const extras = computed(() => presetExtras(algo.value?.hyperparameters ?? [], preset.value?.values ?? {}));
  function setField(key: string, text: string): void {
    d.fields = { ...d.fields, [key]: text };
  }
  function resetField(key: string): void {
    const next = { ...d.fields };
    delete next[key];
    d.fields = next;
  }

  // ---------- the other fields ----------
  const checks = useRunChecks(d, { seeds: () => d.seed, preset: () => preset.value, ready: () => lab.ready, starting: () => runs.starting });
  const { seeds, seedError, stepsError, steps, presetToSend, evalEpisodes } = checks;
  const maxEpisodes = computed(() => parseCount(d.maxEpisodes, { max: 10_000_000, optional: true, grouped: true }, 'integer in [0, 1e7]'));
  const tagList = computed(() => [
    ...new Set(
      d.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ]);
  const tagsError = computed(() => {
    if (tagList.value.length > 20) return 'at most 20 tags';
    return tagList.value.some((t) => t.length > 40) ? 'tags are at most 40 characters' : null;
  });
  const evalEvery = computed(() => parseCount(d.evalEvery, { max: 1e9, optional: true, grouped: true }, 'blank, 0 or a step count'));
  const recordEvery = computed(() => parseCount(d.recordEvery, { max: 1_000_000, optional: true, grouped: true }, 'blank, 0 or an episode count ≤ 1e6'));
  const canStart = checks.canStart(
    () =>
      !maxEpisodes.value.error &&
      !tagsError.value &&
      !evalEvery.value.error &&
      !recordEvery.value.error &&
      rows.value.every((r) => r.parsed.ok) &&
      optionErrors.value === 0,
  );

  /** The hyperparameters Start sends: the edited fields' values (the rest are the preset's). */
  const overrides = computed(() => {
    const out: Hyperparameters = {};
    for (const r of rows.value) if (r.edited && r.parsed.ok) out[r.spec.key] = r.parsed.value;
    return out;
  });
  /** What "Save as preset…" keeps: what Start would send of the configuration; null while a field is in error. */
  const presetConfig = computed((): PresetConfig | null => {
    if (!d.env || !d.algo || !presetValid.value || !rows.value.every((r) => r.parsed.ok) || optionErrors.value > 0) return null;
    return { env: d.env, algo: d.algo, basePreset: d.preset || null, hyperparameters: overrides.value, envOptions: envOptionsToSend(optionRowsNow.value) };
  });

  async function start(): Promise<void> {
    if (!canStart.value || !d.env || !d.algo) return;
    const every = evalEvery.value.value;
    const record = recordEvery.value.value;
    await runs.startRuns(
      {
        env: d.env,
        envOptions: envOptionsToSend(optionRowsNow.value),
        algo: d.algo,
        steps: steps.value,
        preset: presetToSend.value,
        hyperparameters: overrides.value,
        stopWhenSolved: d.stopWhenSolved,
        evalEpisodes: evalEpisodes.value.value ?? 0,
        ...(every !== null ? { evalEvery: every } : {}),
        // Blank leaves the lab's schedule (Gymnasium RecordVideo's: episodes 0, 1, 8, 27, … then every 1,000th).
        ...(record !== null ? { recordEvery: record } : {}),
        engine: d.engine,
        force: d.force,
        maxEpisodes: maxEpisodes.value.value ?? 0,
        tags: tagList.value,
      },
      seeds.value,
    );
  }

  return {
    algo,
    presets,
    preset,
    optionRows: optionRowsNow,
    optionErrors,
    editedOptions,
    setOption,
    resetOption,
    rows,
    extras,
    setField,
    resetField,
    seeds,
    seedError,
    stepsError,
    /** The step budget Start sends (blank: the preset's). */
    steps,
    /** The errors of the fields in the settings row, by field. */
    settingErrors: computed(() => ({
      maxEpisodes: maxEpisodes.value.error,
      evalEpisodes: evalEpisodes.value.error,
      evalEvery: evalEvery.value.error,
      recordEvery: recordEvery.value.error,
      tags: tagsError.value,
    })),
    canStart,
    start,
    savedPresets,
    presetChoice,
    choosePreset,
    presetConfig,
  };
}
