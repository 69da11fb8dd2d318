/**
 * The submitting lab of queue-reattach.test.ts, as a process of its own so the test can SIGKILL it:
 * COUNT CartPole PPO runs (seeds 0…COUNT-1, STEPS steps each, a checkpoint every second) sent to the
 * queue through LabService with a QueueLauncher. Prints NDJSON: {"event":"submitted","runIds":[…]},
 * then {"event":"metrics","runId","step"} for each batch of metrics it applies, then a summary.
 *   node --import tsx test/integration/queue-lab.ts URL RUNS_DIR COUNT STEPS
 */
import { LabService } from '../../main/lab/service.ts';
import { QueueLauncher } from '../../main/lab/queue/queue-launcher.ts';
import type { MetricRecord } from '../../main/lab/domain/runs.ts';

const [url, runsDir, count, steps] = process.argv.slice(2);
const launcher = new QueueLauncher(url);
await launcher.ready();
const lab = new LabService({ runsDir, launcher, mode: 'cli' });
const print = (e: Record<string, unknown>) => process.stdout.write(JSON.stringify(e) + '\n');
lab.on((event, payload) => {
  if (event === 'run:metrics') {
    const { runId, records } = payload as { runId: string; records: MetricRecord[] };
    print({ event: 'metrics', runId, step: Math.max(...records.map((r) => r.step)) });
  }
});
const runs = [];
for (let seed = 0; seed < Number(count); seed++) {
  runs.push(await lab.startRun(lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed, steps: Number(steps), evalEpisodes: 2, checkpointSeconds: 1 })));
}
print({ event: 'submitted', runIds: runs.map((r) => r.runId) });
const ended = await Promise.all(runs.map((r) => lab.waitForRun(r.runId)));
print({ event: 'summary', runs: ended });
await lab.close();
await launcher.close();
process.exit(0);
