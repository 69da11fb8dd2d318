/**
 * The frame of a test's lab run as a process of its own (test/integration/queue-lab.ts,
 * queue-submit.ts): its arguments URL RUNS_DIR COUNT STEPS, a LabService that sends its runs through
 * a QueueLauncher on URL, NDJSON events on stdout, and a close that lets go of the queue and exits 0.
 */
import { LabService } from '../../main/lab/service.ts';
import { QueueLauncher } from '../../main/lab/queue/queue-launcher.ts';

export interface QueueLabProcess {
  lab: LabService;
  count: number;
  steps: number;
  /** Writes one NDJSON line to stdout. */
  print: (e: Record<string, unknown>) => void;
  /** Closes the lab, then the launcher, and exits 0. */
  finish: () => Promise<never>;
}

export async function openQueueLab(): Promise<QueueLabProcess> {
  const [url, runsDir, count, steps] = process.argv.slice(2);
  const launcher = new QueueLauncher(url);
  await launcher.ready();
  const lab = new LabService({ runsDir, launcher, mode: 'cli' });
  return {
    lab,
    count: Number(count),
    steps: Number(steps),
    print: (e) => process.stdout.write(JSON.stringify(e) + '\n'),
    finish: async () => {
      await lab.close();
      await launcher.close();
      process.exit(0);
    },
  };
}
