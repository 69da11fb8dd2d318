/**
 * The run Train follows (the runs store's active run) as its parts show it: whether it is still
 * going, where it stands (live progress while it trains, its summary after), and its env's
 * reward threshold and time limit.
 */
import { computed, reactive } from 'vue';
import type { RunSummary } from '../../../../main/lab/domain/runs.ts';
import { getLabClient } from '../../lab-client.ts';
import { useLabStore } from '../../stores/lab.ts';
import { isActiveStatus, stepBudget, useRunsStore } from '../../stores/runs.ts';

/** Runs that turned running and have not reported progress since: their process is still booting. */
const booting = reactive(new Set<string>());
let tracking = false;
function trackBooting(): void {
  if (tracking) return;
  tracking = true;
  const client = getLabClient();
  const last = new Map<string, RunSummary['status']>();
  client.on('run:status', (s) => {
    const prev = last.get(s.runId);
    last.set(s.runId, s.status);
    // A resume from pause is instant; out of the queue (or a continue) the process loads the backend first.
    if (s.status === 'running' && prev !== 'running' && prev !== 'paused') booting.add(s.runId);
    else if (s.status !== 'running') booting.delete(s.runId);
  });
  client.on('run:progress', (p) => booting.delete(p.runId));
}

/**
 * Whether a run is running but has not trained yet: its process loads tfjs and builds the envs
 * (10–20 s on a busy machine) before the first progress report. A listed run that never moved
 * (0 steps, 0 episodes) counts too, for a page opened while one boots.
 */
export function useStartingRuns(): (r: RunSummary | null | undefined) => boolean {
  trackBooting();
  return (r) => !!r && r.status === 'running' && (booting.has(r.runId) || (r.steps === 0 && r.episodes === 0));
}

export function useFollowedRun() {
  const lab = useLabStore();
  const runs = useRunsStore();

  const run = computed(() => runs.activeRun);
  /** Not over yet (queued, running or paused). */
  const running = computed(() => isActiveStatus(run.value?.status));
  const status = computed(() => run.value?.status);
  // Before any run is followed, the env picked in the form.
  const envInfo = computed(() => lab.env(run.value?.env ?? (runs.draft.env || undefined)));
  const threshold = computed(() => envInfo.value?.rewardThreshold ?? null);

  const stats = computed(() => {
    const r = run.value;
    const p = runs.progress;
    const live = running.value && p !== null;
    const step = live ? p.step : (r?.steps ?? 0);
    const total = live ? stepBudget(p) : r ? stepBudget(r) : 0;
    return {
      step,
      total,
      fraction: total > 0 ? Math.min(1, step / total) : 0,
      sps: live ? p.sps : r && r.wallSeconds > 0 ? r.steps / r.wallSeconds : null,
      eta: live && status.value === 'running' ? p.etaSeconds : null,
      episodes: live ? p.episodes : (r?.episodes ?? runs.episodeCount),
      mean100: (live ? p.mean100 : r?.mean100) ?? runs.lastEpisode?.mean100 ?? null,
    };
  });

  const timeLimit = computed(() => {
    const opt = run.value?.envOptions?.max_episode_steps;
    return typeof opt === 'number' ? opt : (envInfo.value?.maxEpisodeSteps ?? null);
  });

  return { run, running, status, threshold, stats, timeLimit };
}
