/**
 * The submitting lab of queue-reattach.test.ts, as a process of its own so the test can SIGKILL it:
 * COUNT CartPole PPO runs (seeds 0…COUNT-1, STEPS steps each, a checkpoint every second) sent to the
 * queue through LabService with a QueueLauncher. Prints NDJSON: {"event":"submitted","runIds":[…]},
 * then {"event":"metrics","runId","step"} for each batch of metrics it applies, then a summary.
 *   node --import tsx test/integration/queue-lab.ts URL RUNS_DIR COUNT STEPS
 */
import type { MetricRecord } from '../../main/lab/domain/runs.ts';
import { openQueueLab } from '../helpers/queue-lab-process.ts';

const { lab, count, steps, print, finish } = await openQueueLab();
lab.on((event, payload) => {
  if (event === 'run:metrics') {
    const { runId, records } = payload as { runId: string; records: MetricRecord[] };
    print({ event: 'metrics', runId, step: Math.max(...records.map((r) => r.step)) });
  }
});
const runs = [];
for (let seed = 0; seed < count; seed++) {
  runs.push(await lab.startRun(lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed, steps, evalEpisodes: 2, checkpointSeconds: 1 })));
}
print({ event: 'submitted', runIds: runs.map((r) => r.runId) });
const ended = await Promise.all(runs.map((r) => lab.waitForRun(r.runId)));
print({ event: 'summary', runs: ended });
await finish();
