/**
 * Training runs: the list, and the one run the Train view follows ("active"), whose history comes
 * from getRun and then grows from streamed events. Chart history lives in bounded, non-reactive
 * series; `version` bumps when they change so charts can append without Vue walking 100k objects.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, shallowRef } from 'vue';
import type {
  AlgoId,
  EnvId,
  EpisodeFramesEvent,
  MetricRecord,
  ProgressEvent,
  RunSummary,
  StartRunRequest,
  UpdateRecord,
} from '../../../preload/contract.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import type { EnvOptionEdits } from './env-options.ts';
import { useLabStore } from './lab.ts';
import { DecimatedSeries, RollingMean } from './series.ts';

export interface EpisodePoint {
  step: number;
  episode: number;
  ret: number;
  length: number;
  /** Mean return of the last (up to) 100 episodes, computed over every episode, not just kept ones. */
  mean100: number;
}

export interface UpdatePoint {
  step: number;
  update: number;
  policyLoss: number | null;
  valueLoss: number | null;
  entropy: number | null;
}

// Charts stay readable and cheap to redraw at these sizes, whatever the run length.
const EPISODE_CAP = 4000;
const UPDATE_CAP = 2000;

/** Metric names differ between trainers (ours, SB3's "train/…"); take the first one present. */
const METRIC_KEYS = {
  policyLoss: ['policy_loss', 'policy_gradient_loss', 'pg_loss', 'train/policy_gradient_loss', 'train/policy_loss'],
  valueLoss: ['value_loss', 'vf_loss', 'train/value_loss'],
  entropy: ['entropy', 'train/entropy'],
  // SB3 logs the entropy *loss*, i.e. −entropy.
  entropyLoss: ['entropy_loss', 'train/entropy_loss'],
} as const;

function pick(rec: UpdateRecord, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = rec[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function toUpdatePoint(rec: UpdateRecord): UpdatePoint {
  const entropyLoss = pick(rec, METRIC_KEYS.entropyLoss);
  return {
    step: rec.step,
    update: rec.update,
    policyLoss: pick(rec, METRIC_KEYS.policyLoss),
    valueLoss: pick(rec, METRIC_KEYS.valueLoss),
    entropy: pick(rec, METRIC_KEYS.entropy) ?? (entropyLoss === null ? null : -entropyLoss),
  };
}

export const ACTIVE_STATUSES: readonly RunSummary['status'][] = ['queued', 'running'];

export function isActiveStatus(status: RunSummary['status'] | undefined): boolean {
  return status !== undefined && ACTIVE_STATUSES.includes(status);
}

export const useRunsStore = defineStore('runs', () => {
  const lab = useLabStore();
  const client = getLabClient();

  const runs = ref<RunSummary[]>([]);
  const listError = ref<string | null>(null);
  const actionError = ref<string | null>(null);
  const starting = ref(false);
  const stopping = ref(false);
  const loadingRun = ref(false);

  const activeRunId = ref<string | null>(null);
  const progress = shallowRef<ProgressEvent | null>(null);
  const latestEpisode = shallowRef<EpisodeFramesEvent | null>(null);
  // markRaw: these grow to thousands of points; charts read them directly on `version` changes.
  const episodes = markRaw(new DecimatedSeries<EpisodePoint>(EPISODE_CAP));
  const updates = markRaw(new DecimatedSeries<UpdatePoint>(UPDATE_CAP));
  const version = ref(0);
  const episodeCount = ref(0);
  const lastEpisode = shallowRef<EpisodePoint | null>(null);

  /** The Train form, kept here so switching tabs does not lose it. */
  const draft = reactive({
    env: '' as EnvId | '',
    algo: '' as AlgoId | '',
    preset: '',
    seed: '0',
    steps: '',
    stopWhenSolved: false,
    evalEpisodes: '100',
    /** Only fields the user has edited, as typed; the rest show the preset's value. */
    fields: {} as Record<string, string>,
    /** Env option fields the user has edited (checkbox state or typed text); the rest show preset/default. */
    envOptions: {} as EnvOptionEdits,
  });

  const activeRun = computed(() => runs.value.find((r) => r.runId === activeRunId.value) ?? null);
  const sortedRuns = computed(() => [...runs.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));

  // ---- ingest ----
  const mean = new RollingMean(100);
  let lastEpisodeNo = -Infinity;
  let lastUpdateNo = -Infinity;
  /** Events that arrive while getRun is in flight, replayed after the history (duplicates dropped). */
  let buffered: MetricRecord[] | null = null;
  let loadToken = 0;

  function resetActive(): void {
    progress.value = null;
    latestEpisode.value = null;
    lastEpisode.value = null;
    episodes.clear();
    updates.clear();
    mean.reset();
    lastEpisodeNo = -Infinity;
    lastUpdateNo = -Infinity;
    episodeCount.value = 0;
    version.value++;
  }

  function ingest(records: readonly MetricRecord[]): void {
    let changed = false;
    let count = 0;
    for (const r of records) {
      if (r.kind === 'episode') {
        // Records can be replayed (history + buffered events, reconnects); episode numbers are monotonic.
        if (r.episode <= lastEpisodeNo) continue;
        lastEpisodeNo = r.episode;
        const point: EpisodePoint = { step: r.step, episode: r.episode, ret: r.return, length: r.length, mean100: mean.push(r.return) };
        episodes.push(point);
        lastEpisode.value = point;
        count++;
        changed = true;
      } else if (r.kind === 'update') {
        if (r.update <= lastUpdateNo) continue;
        lastUpdateNo = r.update;
        updates.push(toUpdatePoint(r));
        changed = true;
      }
    }
    if (count) episodeCount.value += count;
    if (changed) version.value++;
  }

  function upsert(summary: RunSummary): void {
    const i = runs.value.findIndex((r) => r.runId === summary.runId);
    if (i === -1) runs.value.push(summary);
    else runs.value[i] = summary;
  }

  // ---- actions ----
  async function refreshRuns(): Promise<void> {
    try {
      runs.value = await client.invoke('listRuns', {});
      listError.value = null;
    } catch (err) {
      listError.value = errorMessage(err);
      return;
    }
    if (activeRunId.value && runs.value.some((r) => r.runId === activeRunId.value)) {
      // After a reconnect: reload to fill whatever streamed while we were away.
      await selectRun(activeRunId.value, { keep: true });
    } else {
      const pick = sortedRuns.value.find((r) => isActiveStatus(r.status)) ?? sortedRuns.value[0];
      if (pick) await selectRun(pick.runId);
      else activeRunId.value = null;
    }
  }

  async function selectRun(runId: string, opts: { keep?: boolean } = {}): Promise<void> {
    const token = ++loadToken;
    if (!opts.keep || activeRunId.value !== runId) resetActive();
    activeRunId.value = runId;
    buffered = [];
    loadingRun.value = true;
    actionError.value = null;
    try {
      const detail = await client.invoke('getRun', { runId });
      if (token !== loadToken) return;
      upsert(detail.summary);
      ingest(detail.metrics);
      const late = buffered ?? [];
      buffered = null;
      ingest(late);
    } catch (err) {
      if (token === loadToken) {
        buffered = null;
        actionError.value = errorMessage(err);
      }
    } finally {
      if (token === loadToken) loadingRun.value = false;
    }
  }

  async function startRun(request: StartRunRequest): Promise<RunSummary | null> {
    starting.value = true;
    actionError.value = null;
    try {
      const summary = await client.invoke('startRun', request);
      upsert(summary);
      await selectRun(summary.runId);
      return summary;
    } catch (err) {
      actionError.value = errorMessage(err);
      return null;
    } finally {
      starting.value = false;
    }
  }

  async function stopRun(runId: string): Promise<void> {
    stopping.value = true;
    actionError.value = null;
    try {
      upsert(await client.invoke('stopRun', { runId }));
    } catch (err) {
      actionError.value = errorMessage(err);
    } finally {
      stopping.value = false;
    }
  }

  // ---- events ----
  let started = false;

  function start(): void {
    if (started) return;
    started = true;
    client.on('run:status', (summary) => {
      upsert(summary);
      // Follow a run someone started elsewhere (CLI, another window) if we follow nothing.
      if (activeRunId.value === null && isActiveStatus(summary.status)) void selectRun(summary.runId);
    });
    client.on('run:progress', (p) => {
      const run = runs.value.find((r) => r.runId === p.runId);
      if (run) {
        run.steps = p.step;
        run.totalSteps = p.totalSteps;
        run.episodes = p.episodes;
        run.mean100 = p.mean100;
      }
      if (p.runId === activeRunId.value) progress.value = p;
    });
    client.on('run:metrics', ({ runId, records }) => {
      if (runId !== activeRunId.value) return;
      if (buffered) buffered.push(...records);
      else ingest(records);
    });
    client.on('run:episode', (ev) => {
      if (ev.runId === activeRunId.value) latestEpisode.value = ev;
    });
    lab.onConnected(() => void refreshRuns());
  }

  return {
    runs,
    sortedRuns,
    listError,
    actionError,
    starting,
    stopping,
    loadingRun,
    activeRunId,
    activeRun,
    progress,
    latestEpisode,
    episodes,
    updates,
    version,
    episodeCount,
    lastEpisode,
    draft,
    start,
    refreshRuns,
    selectRun,
    startRun,
    stopRun,
  };
});
