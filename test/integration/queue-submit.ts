/**
 * The submitting lab of queue.test.ts, as a process of its own: a sweep of `count` runs (two learning
 * rates × count/2 seeds) queued on Redis through LabService with a QueueLauncher, waits for all, and prints NDJSON — each
 * status change, then {"event":"summary","runs":[…]} with every run's final summary. A checkpoint every
 * second, so a run whose worker dies is taken over from one.
 *   node --import tsx test/integration/queue-submit.ts URL RUNS_DIR COUNT STEPS
 */
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import { SweepRequest } from '../../main/lab/domain/sweeps.ts';
import { openQueueLab } from '../helpers/queue-lab-process.ts';

const { lab, count, steps, print, finish } = await openQueueLab();
lab.on((event, payload) => {
  if (event === 'run:status') {
    const s = payload as RunSummary;
    print({ event: 'status', runId: s.runId, status: s.status, worker: s.worker ?? null });
  }
});
const seeds = Array.from({ length: Math.ceil(count / 2) }, (_, i) => i);
const sweep = await lab.startSweep(
  SweepRequest.parse({
    env: 'CartPole-v1',
    algo: 'ppo',
    steps,
    evalEpisodes: 5,
    checkpointSeconds: 1,
    tags: ['queue-test'],
    grid: { learning_rate: [3e-4, 1e-3] },
    seeds,
  }),
);
await sweep.done;
const runs = await Promise.all(sweep.summary.runs.map((r) => lab.waitForRun(r.runId)));
print({ event: 'summary', runs });
await finish();
