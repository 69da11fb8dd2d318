/**
 * The Compare tab's state: which runs are picked, how they are drawn (smoothing, x axis, grouping,
 * picker filters) and the episode curves of the picked runs, fetched once with getRun and kept
 * current from `run:metrics` events while a run is still going. Kept in a store so switching tabs
 * loses nothing.
 */
import { defineStore } from 'pinia';
import { markRaw, reactive, ref } from 'vue';
import type { AlgoInfo } from '../../../main/lab/domain/algorithms.ts';
import type { MetricRecord, RunStatus, RunSummary } from '../../../main/lab/domain/runs.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { useLabStore } from './lab.ts';
import { canonicalMetrics } from './runs.ts';

export type XAxis = 'step' | 'episode' | 'wall';
export type GroupBy = 'none' | 'algo' | 'preset';

/** One run's episodes, column-wise (cheap to smooth and downsample), in episode order. */
export interface RunCurve {
  runId: string;
  step: number[];
  episode: number[];
  wall: number[];
  ret: number[];
  /** Episode lengths, beside `ret`. */
  length: number[];
  /** The run's update metrics, column-wise (Compare plots any of them). */
  updates: UpdateColumns;
  /** The run's configuration as config.json holds it (hyperparameters, env options), for labels that tell runs apart. */
  config: Record<string, unknown>;
  /** False while the run was still active when we last read it (more episodes may come). */
  complete: boolean;
}

/** Update records column-wise: each metric's array runs beside `step` (NaN where an update did not log it). */
export interface UpdateColumns {
  step: number[];
  wall: number[];
  update: number[];
  metrics: Map<string, number[]>;
}

export const ACTIVE: readonly RunStatus[] = ['queued', 'running', 'paused'];
export function isActive(status: RunStatus): boolean {
  return ACTIVE.includes(status);
}

export const HEAD_TO_HEAD_TAG = 'head-to-head';

export interface HeadToHeadPlan {
  label: string;
  algo: AlgoInfo['id'];
  preset: string;
}

/**
 * REINFORCE, REINFORCE + baseline and actor-critic on CartPole-v1, with the presets this lab has.
 * Entries that are missing (e.g. no actor-critic in this build) come back in `missing`.
 */
export function headToHeadPlans(algos: readonly AlgoInfo[]): { plans: HeadToHeadPlan[]; missing: string[] } {
  const plans: HeadToHeadPlan[] = [];
  const missing: string[] = [];
  const preset = (algo: string, name?: string) =>
    algos.find((a) => a.id === algo)?.presets.find((p) => p.env === 'CartPole-v1' && (name === undefined || p.name === name));
  const want: { label: string; algo: AlgoInfo['id']; preset?: string }[] = [
    { label: 'REINFORCE', algo: 'reinforce', preset: 'classic' },
    { label: 'REINFORCE + baseline', algo: 'reinforce', preset: 'classic-baseline' },
    // The Monte-Carlo critic, as the notebook this reproduces (classic-td updates every step instead).
    { label: 'Actor-critic', algo: 'actor-critic', preset: 'classic-mc' },
  ];
  for (const w of want) {
    const p = preset(w.algo, w.preset);
    if (p) plans.push({ label: w.label, algo: w.algo, preset: p.name });
    else missing.push(w.preset ? `${w.label} (${w.algo} preset "${w.preset}")` : `${w.label} (no ${w.algo} preset for CartPole-v1 in this build)`);
  }
  return { plans, missing };
}

function toCurve(runId: string, records: readonly MetricRecord[], complete: boolean, config: Record<string, unknown>): RunCurve {
  const updates: UpdateColumns = { step: [], wall: [], update: [], metrics: new Map() };
  const curve: RunCurve = { runId, step: [], episode: [], wall: [], ret: [], length: [], updates, config, complete };
  appendRecords(curve, records);
  return curve;
}

/** Appends episode and update records newer than the last ones held; returns whether anything was added. */
function appendRecords(curve: RunCurve, records: readonly MetricRecord[]): boolean {
  const episodes = appendEpisodes(curve, records);
  return appendUpdates(curve.updates, records) || episodes;
}

function appendUpdates(u: UpdateColumns, records: readonly MetricRecord[]): boolean {
  let last = u.update.length ? u.update[u.update.length - 1] : -Infinity;
  let added = false;
  for (const r of records) {
    if (r.kind !== 'update' || r.update <= last) continue;
    last = r.update;
    const values = canonicalMetrics(r);
    if (typeof r.sps === 'number' && Number.isFinite(r.sps) && r.sps > 0) values.sps = r.sps;
    const n = u.step.length;
    for (const key of Object.keys(values)) if (!u.metrics.has(key)) u.metrics.set(key, new Array<number>(n).fill(NaN));
    for (const [key, col] of u.metrics) col.push(values[key] ?? NaN);
    u.step.push(r.step);
    u.wall.push(r.wall);
    u.update.push(r.update);
    added = true;
  }
  return added;
}

/** Appends episode records newer than the last one held; returns whether anything was added. */
function appendEpisodes(curve: RunCurve, records: readonly MetricRecord[]): boolean {
  let last = curve.episode.length ? curve.episode[curve.episode.length - 1] : -Infinity;
  let added = false;
  for (const r of records) {
    if (r.kind !== 'episode' || r.episode <= last) continue;
    last = r.episode;
    curve.step.push(r.step);
    curve.episode.push(r.episode);
    curve.wall.push(r.wall);
    curve.ret.push(r.return);
    curve.length.push(r.length);
    added = true;
  }
  return added;
}

export const useCompareStore = defineStore('compare', () => {
  const client = getLabClient();
  const lab = useLabStore();

  const selected = ref<string[]>([]);
  const smoothing = ref(0.6);
  const xAxis = ref<XAxis>('step');
  const group = ref<GroupBy>('none');
  const filters = reactive({ env: '', algo: '', tag: '', text: '' });

  // markRaw: curves hold up to hundreds of thousands of numbers; views re-read them on `version`.
  const curves = markRaw(new Map<string, RunCurve>());
  const version = ref(0);
  const loading = ref<string[]>([]);
  const loadErrors = ref<Record<string, string>>({});
  /** Events for a run whose getRun is in flight, replayed after it (duplicates dropped). */
  const pending = new Map<string, MetricRecord[]>();
  /** Runs that ended while their getRun was in flight: read once more afterwards. */
  const reloadAfter = new Set<string>();

  const headToHeadBusy = ref(false);
  const headToHeadMessage = ref<string | null>(null);
  const headToHeadError = ref<string | null>(null);

  async function load(runId: string): Promise<void> {
    if (pending.has(runId)) {
      reloadAfter.add(runId);
      return;
    }
    pending.set(runId, []);
    loading.value = [...loading.value, runId];
    try {
      const detail = await client.invoke('getRun', { runId });
      const curve = toCurve(runId, detail.metrics, !isActive(detail.summary.status), detail.config);
      appendRecords(curve, pending.get(runId) ?? []);
      curves.set(runId, curve);
      const { [runId]: _, ...rest } = loadErrors.value;
      loadErrors.value = rest;
    } catch (err) {
      loadErrors.value = { ...loadErrors.value, [runId]: errorMessage(err) };
    } finally {
      pending.delete(runId);
      loading.value = loading.value.filter((id) => id !== runId);
      version.value++;
    }
    if (reloadAfter.delete(runId) && selected.value.includes(runId)) await load(runId);
  }

  /** Fetches the curves of these runs that we do not hold yet. */
  function ensureLoaded(runs: readonly RunSummary[]): void {
    for (const r of runs) if (!curves.has(r.runId) && !pending.has(r.runId) && !loadErrors.value[r.runId]) void load(r.runId);
  }

  function retry(runId: string): void {
    const { [runId]: _, ...rest } = loadErrors.value;
    loadErrors.value = rest;
    void load(runId);
  }

  function toggle(runId: string, on: boolean): void {
    const has = selected.value.includes(runId);
    if (on && !has) selected.value = [...selected.value, runId];
    if (!on && has) selected.value = selected.value.filter((id) => id !== runId);
  }

  /** A run was deleted: drop it everywhere. */
  function forget(runId: string): void {
    curves.delete(runId);
    selected.value = selected.value.filter((id) => id !== runId);
    version.value++;
  }

  async function headToHead(opts: { seeds: number[]; steps: number | null; evalEpisodes: number }): Promise<string[]> {
    headToHeadBusy.value = true;
    headToHeadError.value = null;
    headToHeadMessage.value = null;
    const { plans, missing } = headToHeadPlans(lab.algos);
    const seeds = opts.seeds;
    const ids: string[] = [];
    try {
      if (plans.length === 0) throw new Error('None of the head-to-head algorithms is available in this lab.');
      for (const p of plans) {
        const started = await client.invoke('startRuns', {
          env: 'CartPole-v1',
          algo: p.algo,
          preset: p.preset,
          seeds,
          ...(opts.steps ? { steps: opts.steps } : {}),
          evalEpisodes: opts.evalEpisodes,
          name: p.label,
          tags: [HEAD_TO_HEAD_TAG],
        });
        ids.push(...started.map((s) => s.runId));
      }
      const queued = `Queued ${ids.length} run${ids.length === 1 ? '' : 's'}: ${plans.map((p) => `${p.label} (${p.preset})`).join(', ')} × ${seeds.length} seed${seeds.length === 1 ? '' : 's'}.`;
      headToHeadMessage.value = missing.length ? `${queued} Unavailable here: ${missing.join('; ')}.` : queued;
    } catch (err) {
      headToHeadError.value = errorMessage(err) + (ids.length ? ` (${ids.length} run(s) were queued before this)` : '');
    } finally {
      headToHeadBusy.value = false;
    }
    if (ids.length) {
      selected.value = ids;
      group.value = 'preset';
      Object.assign(filters, { env: 'CartPole-v1', algo: '', tag: HEAD_TO_HEAD_TAG, text: '' });
    }
    return ids;
  }

  // ---- events ----
  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    client.on('run:metrics', ({ runId, records }) => {
      const waiting = pending.get(runId);
      if (waiting) {
        waiting.push(...records);
        return;
      }
      const curve = curves.get(runId);
      if (curve && appendRecords(curve, records)) version.value++;
    });
    client.on('run:status', (s) => {
      const curve = curves.get(s.runId);
      // Over now: read it once more in full, in case events were missed while it ran.
      if (curve && !curve.complete && !isActive(s.status)) void load(s.runId);
    });
    // Events sent while disconnected are lost: re-read what may have changed.
    lab.onConnected(() => {
      for (const c of curves.values()) if (!c.complete) void load(c.runId);
    });
  }

  return {
    selected,
    smoothing,
    xAxis,
    group,
    filters,
    curves,
    version,
    loading,
    loadErrors,
    headToHeadBusy,
    headToHeadMessage,
    headToHeadError,
    start,
    ensureLoaded,
    retry,
    toggle,
    forget,
    headToHead,
  };
});
