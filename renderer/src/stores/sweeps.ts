/**
 * Sweeps: the lab's list (kept current by sweep:updated), the one the Sweep view shows, the Sweep
 * form's draft (kept here so switching tabs does not lose it), and "train with this": a swept
 * configuration written into the Train form's draft.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import type { SweepObjective, SweepPoint, SweepRequest, SweepSummary } from '../../../main/lab/domain/sweeps.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { useLabStore } from './lab.ts';
import { useRunsStore } from './runs.ts';
import { draftValues, usePresetsStore } from './presets.ts';

export interface GridRowDraft {
  key: string;
  /** Comma-separated values as typed ("1e-3, 3e-4"; lists in brackets: "[64,64], [128]"). */
  values: string;
}
export interface RandomRowDraft {
  key: string;
  lo: string;
  hi: string;
  log: boolean;
}

export interface SweepDraft {
  env: string;
  algo: string;
  /** A preset's name, or '' for the algorithm's defaults. */
  preset: string;
  steps: string;
  seeds: string;
  grid: GridRowDraft[];
  random: RandomRowDraft[];
  trials: string;
  objective: SweepObjective;
  prune: boolean;
  /** Deterministic evaluation episodes after each run (eval-mean's objective; 0 = none). */
  evalEpisodes: string;
}

/**
 * The Sweep form's evaluation episodes: fewer than a Train run's (the lab's default, 100), since a
 * sweep evaluates every run and only ranks them; "Train with this" keeps Train's own unless changed.
 */
export const SWEEP_EVAL_EPISODES = 20;

export const useSweepsStore = defineStore('sweeps', () => {
  const client = getLabClient();
  const lab = useLabStore();

  const sweeps = shallowRef<SweepSummary[]>([]);
  const selectedId = ref<string | null>(null);
  const starting = ref(false);
  const actionError = ref<string | null>(null);
  const selected = computed(() => sweeps.value.find((s) => s.sweepId === selectedId.value) ?? null);
  /** Each run's speed in its last progress report (env steps per second), for a sweep's ETA. */
  const sps = shallowRef(new Map<string, number>());

  const draft = reactive<SweepDraft>({
    env: '',
    algo: '',
    preset: '',
    steps: '',
    seeds: '0-1',
    grid: [{ key: 'learning_rate', values: '' }],
    random: [],
    trials: '10',
    objective: 'final-mean100',
    prune: false,
    evalEpisodes: String(SWEEP_EVAL_EPISODES),
  });

  function upsert(s: SweepSummary): void {
    const i = sweeps.value.findIndex((x) => x.sweepId === s.sweepId);
    const next = [...sweeps.value];
    if (i >= 0) next[i] = s;
    else next.unshift(s);
    sweeps.value = next.sort((a, b) => b.sweepId.localeCompare(a.sweepId));
  }

  async function refresh(): Promise<void> {
    try {
      sweeps.value = await client.invoke('listSweeps', {});
      if (!selectedId.value && sweeps.value[0]) selectedId.value = sweeps.value[0].sweepId;
    } catch (err) {
      actionError.value = errorMessage(err);
    }
  }

  async function startSweep(request: SweepRequest): Promise<SweepSummary | null> {
    starting.value = true;
    actionError.value = null;
    try {
      const s = await client.invoke('startSweep', request);
      upsert(s);
      selectedId.value = s.sweepId;
      return s;
    } catch (err) {
      actionError.value = errorMessage(err);
      return null;
    } finally {
      starting.value = false;
    }
  }

  async function stopSweep(sweepId: string): Promise<void> {
    actionError.value = null;
    try {
      upsert(await client.invoke('stopSweep', { sweepId }));
    } catch (err) {
      actionError.value = errorMessage(err);
    }
  }

  /**
   * The Train form's draft set to train this configuration as the sweep did: its env, algorithm,
   * preset, budget and fixed values, with the point's values over them. Written while the Train form
   * is not shown, so its "a new preset starts over" reactions do not undo it.
   */
  function trainWith(sweep: SweepSummary, point: SweepPoint): void {
    const d = useRunsStore().draft;
    const req = sweep.request;
    const presets = usePresetsStore();
    const config = presets.sweepConfig(sweep, point);
    d.env = sweep.env as typeof d.env;
    d.algo = sweep.algo as typeof d.algo;
    d.preset = config.basePreset ?? '';
    d.steps = req.steps !== undefined ? String(req.steps) : '';
    d.seed = String(req.seeds[0] ?? 0);
    // The sweep's short evaluation was for ranking; a run to keep evaluates as Train does unless the user chose otherwise.
    if (req.evalEpisodes !== SWEEP_EVAL_EPISODES) d.evalEpisodes = String(req.evalEpisodes);
    const values = draftValues(config);
    d.fields = values.fields;
    d.envOptions = values.envOptions;
    presets.applied = null;
  }

  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    client.on('sweep:updated', (s) => upsert(s));
    client.on('run:progress', (p) => {
      if (sps.value.get(p.runId) === p.sps) return;
      sps.value = new Map(sps.value).set(p.runId, p.sps);
    });
    lab.onConnected(() => void refresh());
  }

  return { sweeps, selectedId, selected, sps, starting, actionError, draft, refresh, startSweep, stopSweep, trainWith, start };
});
