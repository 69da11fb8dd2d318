/**
 * What the Sweep form's draft (kept in the sweeps store) means: the keys a row may sweep (the
 * algorithm's hyperparameters and the env's options), each value checked by the lab's own rule as
 * the Train form checks it, the number of runs the sweep will start, and the request Start sends.
 */
import { computed, reactive, ref, toRaw, watch } from 'vue';
import type { HyperparameterSpec, HyperValue } from '../../../../main/lab/domain/hyperparameters.ts';
import type { EnvOptionInfo } from '../../../../main/lab/domain/envs.ts';
import { optionBoundsError } from '../../../../main/lab/domain/env-def.ts';
import { countSeeds, MAX_SEEDS } from '../../../../main/lab/domain/seeds.ts';
import { countSweepRuns, splitGridValues } from '../../../../main/lab/domain/sweep-space.ts';
import type { SweepRequest } from '../../../../main/lab/domain/sweeps.ts';
import { parseCount, parseHyper, parseNumber, rangeText } from '../../forms/hyperparams.ts';
import { useRunChecks } from '../../forms/run-checks.ts';
import { useLabStore } from '../../stores/lab.ts';
import { useSweepsStore, type GridRowDraft, type RandomRowDraft } from '../../stores/sweeps.ts';
import { tooManyText } from './sweep-text.ts';

/** A key a row may sweep: a hyperparameter (checked by its rule) or an env option (by its bounds). */
export interface SweepKey {
  key: string;
  kind: 'hyper' | 'option';
  /** Numbers only: a random row may draw it. */
  numeric: boolean;
  hint: string;
  check(text: string): { value: HyperValue } | { error: string };
}

function hyperKey(spec: HyperparameterSpec): SweepKey {
  return {
    key: spec.key,
    kind: 'hyper',
    numeric: ['int', 'float', 'schedule'].includes(spec.type),
    hint: rangeText(spec),
    check(text) {
      const r = parseHyper(spec, text);
      return r.ok ? { value: r.value } : { error: r.error };
    },
  };
}

function optionKey(info: EnvOptionInfo): SweepKey {
  return {
    key: info.key,
    kind: 'option',
    numeric: info.type !== 'boolean',
    hint: info.type === 'boolean' ? 'true / false' : info.type,
    check(text) {
      const t = text.trim();
      if (info.type === 'boolean') return t === 'true' || t === 'false' ? { value: t === 'true' } : { error: 'true or false' };
      const n = parseNumber(t);
      if (n === null || !Number.isFinite(n)) return { error: 'must be a number' };
      if (info.type === 'integer' && !Number.isSafeInteger(n)) return { error: 'must be an integer' };
      const e = optionBoundsError(info, n);
      return e ? { error: e } : { value: n };
    },
  };
}

export function useSweepForm() {
  const lab = useLabStore();
  const store = useSweepsStore();
  const d = store.draft;

  const algo = computed(() => lab.algo((d.algo || undefined) as never));
  const env = computed(() => lab.env((d.env || undefined) as never));
  const presets = computed(() => algo.value?.presets.filter((p) => p.env === d.env) ?? []);
  const preset = computed(() => presets.value.find((p) => p.name === d.preset) ?? null);

  watch(
    () => [lab.envs, lab.algos] as const,
    ([envs, algos]) => {
      // A fresh draft starts from PPO and the env's first (tuned) preset; "algorithm defaults" stays a choice.
      const fresh = !d.env || !d.algo;
      if (!envs.some((e) => e.id === d.env)) d.env = envs[0]?.id ?? '';
      if (!algos.some((a) => a.id === d.algo)) d.algo = algos.find((a) => a.id === 'ppo')?.id ?? algos[0]?.id ?? '';
      if (fresh || (d.preset !== '' && !presets.value.some((p) => p.name === d.preset))) d.preset = presets.value[0]?.name ?? '';
    },
    { immediate: true },
  );
  watch(
    () => [d.env, d.algo],
    () => {
      d.preset = presets.value[0]?.name ?? '';
    },
  );

  const keys = computed<SweepKey[]>(() => [...(algo.value?.hyperparameters ?? []).map(hyperKey), ...(env.value?.options ?? []).map(optionKey)]);
  const keyByName = computed(() => new Map(keys.value.map((k) => [k.key, k])));

  /** Keys named by more than one row (grid or random). */
  const repeated = computed(() => {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const r of [...d.grid, ...d.random]) (seen.has(r.key) ? twice : seen).add(r.key);
    return twice;
  });

  const gridRows = computed(() =>
    d.grid.map((row) => {
      const k = keyByName.value.get(row.key);
      if (!k)
        return {
          key: row.key,
          hint: '',
          values: [] as HyperValue[],
          error: row.key ? `not a hyperparameter of ${d.algo} or option of ${d.env}` : 'pick a key',
        };
      if (repeated.value.has(row.key)) return { key: row.key, hint: k.hint, values: [], error: 'this key is in another row' };
      if (row.values.trim() === '') return { key: row.key, hint: k.hint, values: [], error: 'enter values, comma-separated' };
      const values: HyperValue[] = [];
      for (const text of splitGridValues(row.values)) {
        const r = k.check(text);
        if ('error' in r) return { key: row.key, hint: k.hint, values: [], error: `${text || '(empty)'}: ${r.error}` };
        values.push(r.value);
      }
      return { key: row.key, hint: k.hint, values, error: values.length > 64 ? 'at most 64 values' : null };
    }),
  );

  const randomRows = computed(() =>
    d.random.map((row) => {
      const k = keyByName.value.get(row.key);
      const fail = (error: string) => ({ key: row.key, hint: k?.hint ?? '', range: null, error });
      if (!k) return fail(row.key ? `not a hyperparameter of ${d.algo} or option of ${d.env}` : 'pick a key');
      if (!k.numeric) return fail('not a number: put it on the grid');
      if (repeated.value.has(row.key)) return fail('this key is in another row');
      const lo = k.check(row.lo);
      if ('error' in lo) return fail(`low: ${lo.error}`);
      const hi = k.check(row.hi);
      if ('error' in hi) return fail(`high: ${hi.error}`);
      const [a, b] = [lo.value as number, hi.value as number];
      if (typeof a !== 'number' || typeof b !== 'number') return fail('bounds must be numbers');
      if (b < a) return fail('high is below low');
      if (row.log && a <= 0) return fail('a log range needs low > 0');
      return { key: row.key, hint: k.hint, range: { lo: a, hi: b, log: row.log }, error: null };
    }),
  );

  const checks = useRunChecks(d, { seeds: () => d.seeds, preset: () => preset.value, ready: () => lab.ready, starting: () => store.starting });
  const { seeds, seedError, stepsError, steps, presetToSend, evalEpisodes } = checks;
  const trials = computed(() => parseCount(d.trials, { max: 1000 }, 'integer in [1, 1000]'));
  const trialsError = computed(() => (d.random.length === 0 ? null : (trials.value.error ?? (trials.value.value === 0 ? 'integer in [1, 1000]' : null))));
  const objectiveError = computed(() => (d.objective === 'eval-mean' && evalEpisodes.value.value === 0 ? 'eval-mean needs evaluation episodes' : null));

  const grid = computed(() => Object.fromEntries(gridRows.value.map((r) => [r.key, r.values])));
  const random = computed(() => Object.fromEntries(randomRows.value.flatMap((r) => (r.range ? [[r.key, r.range]] : []))));
  /** Configurations: grid points × random draws (runs per seed). */
  const configCount = computed(() => countSweepRuns({ grid: grid.value, random: random.value, trials: trials.value.value ?? undefined, seeds: [0] }));
  /** The seeds typed, counted past the cap too, so the form can say how many runs that would be. */
  const seedCount = computed(() => {
    const typed = seeds.value.length ? null : countSeeds(d.seeds);
    return typed !== null && typed > MAX_SEEDS ? typed : seeds.value.length;
  });
  const runCount = computed(() => configCount.value * seedCount.value);
  const countError = computed(() => (configCount.value > 0 ? tooManyText(configCount.value, seedCount.value) : null));

  // A row's error shows once the user has been at the row or pressed Start: a fresh form is not red.
  const touchedRows = reactive(new WeakSet<GridRowDraft | RandomRowDraft>());
  const tried = ref(false);
  const touch = (row: GridRowDraft | RandomRowDraft) => touchedRows.add(toRaw(row));
  const shown = (row: GridRowDraft | RandomRowDraft | undefined, error: string | null | undefined) =>
    row && error && (tried.value || touchedRows.has(toRaw(row))) ? error : null;
  const gridError = (i: number) => shown(d.grid[i], gridRows.value[i]?.error);
  const randomError = (i: number) => shown(d.random[i], randomRows.value[i]?.error);
  const hiddenErrors = computed(
    () => d.grid.some((_, i) => gridRows.value[i]?.error && !gridError(i)) || d.random.some((_, i) => randomRows.value[i]?.error && !randomError(i)),
  );

  const canStart = checks.canStart(
    () =>
      !trialsError.value &&
      !objectiveError.value &&
      !countError.value &&
      gridRows.value.every((r) => !r.error) &&
      randomRows.value.every((r) => !r.error) &&
      runCount.value > 0,
  );

  function request(): SweepRequest {
    return {
      env: d.env as SweepRequest['env'],
      algo: d.algo as SweepRequest['algo'],
      preset: presetToSend.value,
      steps: steps.value,
      seeds: seeds.value,
      grid: grid.value,
      random: random.value,
      ...(d.random.length ? { trials: trials.value.value ?? undefined } : {}),
      objective: d.objective,
      prune: d.prune,
      evalEpisodes: evalEpisodes.value.value ?? 0,
    };
  }

  /** Start is pressable while the only problems are rows not yet shown in error: pressing it shows them. */
  const startEnabled = computed(() => canStart.value || (hiddenErrors.value && !countError.value && lab.ready && !store.starting));

  async function start(): Promise<void> {
    tried.value = true;
    if (canStart.value) await store.startSweep(request());
  }

  return {
    algo,
    presets,
    preset,
    keys,
    gridRows,
    randomRows,
    seeds,
    seedError,
    stepsError,
    trialsError,
    objectiveError,
    evalEpisodesError: computed(() => evalEpisodes.value.error),
    runCount,
    countError,
    canStart,
    startEnabled,
    start,
    touch,
    gridError,
    randomError,
    addGrid: () => d.grid.push({ key: '', values: '' }),
    addRandom: () => d.random.push({ key: '', lo: '', hi: '', log: false }),
    removeGrid: (i: number) => d.grid.splice(i, 1),
    removeRandom: (i: number) => d.random.splice(i, 1),
  };
}
