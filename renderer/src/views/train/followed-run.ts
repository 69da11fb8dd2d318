/**
 * The run Train follows (the runs store's active run) as its parts show it: whether it is still
 * going, where it stands (live progress while it trains, its summary after), and its env's
 * reward threshold and time limit.
 */
import { computed } from 'vue';
import { useLabStore } from '../../stores/lab.ts';
import { isActiveStatus, useRunsStore } from '../../stores/runs.ts';

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
    const total = live ? p.totalSteps : (r?.totalSteps ?? 0);
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
