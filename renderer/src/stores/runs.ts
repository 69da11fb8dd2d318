/**
 * Training runs: the list, the queue (runs waiting for or holding one of the lab's training slots),
 * and the one run the Train view follows ("active"), whose history comes from getRun and then grows
 * from streamed events. Chart history lives in bounded, non-reactive series; `version` bumps when
 * they change so charts can append without Vue walking 100k objects.
 */
import { defineStore } from 'pinia';
import { expandFrames } from '@shared/frames.ts';
import { computed, markRaw, reactive, ref, shallowRef } from 'vue';
import type { EngineRequest } from '../../../main/lab/domain/algorithms.ts';
import type { EpisodeFramesEvent, MetricRecord, ProgressEvent, RunSummary, StartRunRequest, UpdateRecord } from '../../../main/lab/domain/runs.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import type { EnvOptionEdits } from '../forms/env-options.ts';
import { useLabStore } from './lab.ts';
import { DecimatedSeries, RollingMean } from '../series.ts';

export interface EpisodePoint {
  step: number;
  episode: number;
  ret: number;
  length: number;
  /** Mean return of the last (up to) 100 episodes, computed over every episode, not just kept ones. */
  mean100: number;
  /** Mean length of the last (up to) 100 episodes, likewise. */
  lengthMean100: number;
}

export interface UpdatePoint {
  step: number;
  update: number;
  /** Env steps per second of the run so far, as the trainer reported it with this update. */
  sps: number | null;
  /** Every finite numeric metric of the update, under canonical names (see canonicalMetrics). */
  metrics: Record<string, number>;
}

// Charts stay readable and cheap to redraw at these sizes, whatever the run length.
const EPISODE_CAP = 4000;
const UPDATE_CAP = 2000;

/** Record fields that are bookkeeping, not update metrics. */
const NOT_METRICS = new Set(['kind', 'step', 'update', 'wall', 'sps', 'time', 'timestamp']);
/** Trainers name the same thing differently (ours, SB3's "train/…"); charts use one name. */
const ALIASES: Record<string, string> = {
  policy_gradient_loss: 'policy_loss',
  pg_loss: 'policy_loss',
  vf_loss: 'value_loss',
};

/**
 * Canonical metric names: SB3's "train/" prefix dropped, aliases folded, and SB3's entropy *loss*
 * (−entropy) turned into the entropy itself.
 */
export function canonicalMetrics(rec: UpdateRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [raw, v] of Object.entries(rec)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || NOT_METRICS.has(raw)) continue;
    let key = raw.startsWith('train/') ? raw.slice(6) : raw;
    let value = v;
    if (key === 'entropy_loss') {
      key = 'entropy';
      value = -v;
    }
    key = ALIASES[key] ?? key;
    if (!(key in out)) out[key] = value;
  }
  return out;
}

function toUpdatePoint(rec: UpdateRecord): UpdatePoint {
  const sps = typeof rec.sps === 'number' && Number.isFinite(rec.sps) && rec.sps > 0 ? rec.sps : null;
  return { step: rec.step, update: rec.update, sps, metrics: canonicalMetrics(rec) };
}

export { MAX_SEEDS, parseSeeds } from '../../../main/lab/domain/seeds.ts';

/** The env steps a run really trains (its budget in whole iterations), what its progress bars fill to. */
export function stepBudget(r: { totalSteps: number; plannedSteps?: number }): number {
  return r.plannedSteps ?? r.totalSteps;
}

/** Not over yet: waiting for a training slot, training, or paused while holding its slot. */
export const ACTIVE_STATUSES: readonly RunSummary['status'][] = ['queued', 'running', 'paused'];

export function isActiveStatus(status: RunSummary['status'] | undefined): boolean {
  return status !== undefined && ACTIVE_STATUSES.includes(status);
}

/** K, which must be keys of T (so a list of fields fails to compile once one of them is gone). */
type KeysOf<T, K extends keyof T> = K;
/** Start request fields the Train form does not offer: the lab's defaults apply. */
type NotInForm = KeysOf<StartRunRequest, 'backend' | 'name' | 'checkpointSeconds'>;
/** A request field as the form holds it until submitted: flags as checkboxes, numbers as the text typed, a choice blank until made. */
type FormValue<V> = V extends boolean ? boolean : V extends number ? string : V extends string ? V | '' : never;
/** The request fields the form holds otherwise. */
interface HeldOtherwise {
  tags: string;
  engine: EngineRequest;
  envOptions: EnvOptionEdits;
  hyperparameters: Record<string, string>;
}
/** The draft's name for a request field, where it differs. */
type DraftName<K> = K extends 'hyperparameters' ? 'fields' : K;

/**
 * The Train form's draft of a start request: every StartRunRequest field but NotInForm, as the form
 * holds it. Declared from the request, so a request field the form neither offers nor leaves out on
 * purpose is a type error where the draft is made.
 */
export type TrainDraft = {
  [K in Exclude<keyof StartRunRequest, NotInForm> as DraftName<K>]-?: K extends keyof HeldOtherwise
    ? HeldOtherwise[K]
    : FormValue<NonNullable<StartRunRequest[K]>>;
};

export const useRunsStore = defineStore('runs', () => {
  const lab = useLabStore();
  const client = getLabClient();

  const runs = ref<RunSummary[]>([]);
  const listError = ref<string | null>(null);
  const actionError = ref<string | null>(null);
  const starting = ref(false);
  const stopping = ref(false);
  /** A pause, resume or continue request in flight (per run), so its button can say so. */
  const pending = ref<{ runId: string; action: 'pause' | 'resume' | 'continue' } | null>(null);
  const loadingRun = ref(false);

  const activeRunId = ref<string | null>(null);
  const progress = shallowRef<ProgressEvent | null>(null);
  const latestEpisode = shallowRef<EpisodeFramesEvent | null>(null);
  // markRaw: these grow to thousands of points; charts read them directly on `version` changes.
  const episodes = markRaw(new DecimatedSeries<EpisodePoint>(EPISODE_CAP));
  const updates = markRaw(new DecimatedSeries<UpdatePoint>(UPDATE_CAP));
  /** Bumps when either series changed; episodeVersion / updateVersion say which one. */
  const version = ref(0);
  const episodeVersion = ref(0);
  const updateVersion = ref(0);
  const episodeCount = ref(0);
  const lastEpisode = shallowRef<EpisodePoint | null>(null);
  /** Update metric names the followed run has logged so far, in first-seen order. */
  const metricKeys = shallowRef<string[]>([]);

  /** The Train form, kept here so switching tabs does not lose it. */
  const draft = reactive<TrainDraft>({
    env: '',
    algo: '',
    preset: '',
    /** One seed, a list ("0,1,2") or a range ("0-4"): one run per seed. */
    seed: '0',
    steps: '',
    /** Episode budget; blank or 0 = only the step budget. */
    maxEpisodes: '',
    /** Comma-separated labels for the runs library. */
    tags: '',
    stopWhenSolved: false,
    evalEpisodes: '100',
    /** Periodic evaluation interval in steps; blank = every tenth of the run, 0 = never. */
    evalEvery: '',
    /** Keep every this many training episodes for replay; blank = Gymnasium RecordVideo's schedule, 0 = none. */
    recordEvery: '',
    /** Training engine; 'auto' lets the lab pick for its backend. */
    engine: 'auto',
    /** Allow hyperparameters beyond their usual limits (e.g. a learning rate above 1). */
    force: false,
    /** Hyperparameter fields the user has edited, as typed; the rest show the preset's value. */
    fields: {},
    /** Env option fields the user has edited (checkbox state or typed text); the rest show preset/default. */
    envOptions: {},
  });

  /** Replaces the whole Train form (Runs → "Train again" fills it from a run's configuration). */
  function setDraft(next: TrainDraft): void {
    Object.assign(draft, next);
  }

  const activeRun = computed(() => runs.value.find((r) => r.runId === activeRunId.value) ?? null);
  const sortedRuns = computed(() => [...runs.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
  /** Runs that are not over, oldest first (the order the lab's queue serves them). */
  const queue = computed(() =>
    runs.value.filter((r) => isActiveStatus(r.status)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId)),
  );
  /** How many runs the lab trains at once (others wait as "queued"). */
  const concurrency = computed(() => lab.concurrency);

  // ---- ingest ----
  const mean = new RollingMean(100);
  const lengthMean = new RollingMean(100);
  const seenMetrics = new Set<string>();
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
    lengthMean.reset();
    seenMetrics.clear();
    metricKeys.value = [];
    lastEpisodeNo = -Infinity;
    lastUpdateNo = -Infinity;
    episodeCount.value = 0;
    version.value++;
    episodeVersion.value++;
    updateVersion.value++;
  }

  function ingest(records: readonly MetricRecord[]): void {
    let changed = false;
    let updated = false;
    let newKeys = false;
    let count = 0;
    for (const r of records) {
      if (r.kind === 'episode') {
        // Records can be replayed (history + buffered events, reconnects); episode numbers are monotonic.
        if (r.episode <= lastEpisodeNo) continue;
        lastEpisodeNo = r.episode;
        const point: EpisodePoint = {
          step: r.step,
          episode: r.episode,
          ret: r.return,
          length: r.length,
          mean100: mean.push(r.return),
          lengthMean100: lengthMean.push(r.length),
        };
        episodes.push(point);
        lastEpisode.value = point;
        count++;
        changed = true;
      } else if (r.kind === 'update') {
        if (r.update <= lastUpdateNo) continue;
        lastUpdateNo = r.update;
        const point = toUpdatePoint(r);
        updates.push(point);
        updated = true;
        for (const k of Object.keys(point.metrics)) {
          if (!seenMetrics.has(k)) {
            seenMetrics.add(k);
            newKeys = true;
          }
        }
        changed = true;
      }
    }
    if (count) episodeCount.value += count;
    if (newKeys) metricKeys.value = [...seenMetrics];
    if (count) episodeVersion.value++;
    if (updated) updateVersion.value++;
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

  /** One run per seed, queued by the lab; follows the first. */
  async function startRuns(request: StartRunRequest, seeds: number[]): Promise<RunSummary[] | null> {
    starting.value = true;
    actionError.value = null;
    try {
      const list = await client.invoke('startRuns', { ...request, seeds });
      for (const s of list) upsert(s);
      if (list[0]) await selectRun(list[0].runId);
      return list;
    } catch (err) {
      actionError.value = errorMessage(err);
      return null;
    } finally {
      starting.value = false;
    }
  }

  async function setPaused(runId: string, paused: boolean): Promise<void> {
    pending.value = { runId, action: paused ? 'pause' : 'resume' };
    actionError.value = null;
    try {
      upsert(await client.invoke(paused ? 'pauseRun' : 'resumeRun', { runId }));
    } catch (err) {
      actionError.value = errorMessage(err);
    } finally {
      pending.value = null;
    }
  }

  /** Resumes a stopped or crashed run (the same run, from its newest checkpoint) up to a new total budget. */
  async function continueRun(runId: string, steps?: number): Promise<RunSummary | null> {
    pending.value = { runId, action: 'continue' };
    actionError.value = null;
    try {
      const summary = await client.invoke('continueRun', steps === undefined ? { runId } : { runId, steps });
      upsert(summary);
      await selectRun(summary.runId);
      return summary;
    } catch (err) {
      actionError.value = errorMessage(err);
      return null;
    } finally {
      pending.value = null;
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
        if (p.plannedSteps !== undefined) run.plannedSteps = p.plannedSteps;
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
      if (ev.runId === activeRunId.value) latestEpisode.value = { ...ev, shared: undefined, frames: expandFrames(ev) };
    });
    lab.onConnected(() => void refreshRuns());
  }

  return {
    runs,
    sortedRuns,
    queue,
    concurrency,
    pending,
    metricKeys,
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
    episodeVersion,
    updateVersion,
    episodeCount,
    lastEpisode,
    draft,
    setDraft,
    start,
    refreshRuns,
    selectRun,
    startRuns,
    setPaused,
    continueRun,
    stopRun,
  };
});
