/** `worker`, and the --queue flag other commands share: runs as jobs on a Redis queue (lab/queue/). */
import { availableParallelism } from 'node:os';
import { ForkLauncher } from '../lab/runs/fork-launcher.ts';
import type { RunLauncher } from '../lab/runs/launcher.ts';
import { parseQueueUrl } from '../lab/queue/queue-url.ts';
import { QueueLauncher, closeWithin } from '../lab/queue/queue-launcher.ts';
import { startQueueWorker, type WorkerEvent } from '../lab/queue/queue-worker.ts';
import { UsageError, intArg, out, parse } from './args.ts';

/** The --queue flag's parseArgs entry. */
export const QUEUE_OPTION = { queue: { type: 'string' } } as const;

/** --queue, else POLICY_LAB_QUEUE; checked here, where it enters. */
export function queueUrl(flag: string | undefined): string | undefined {
  const url = flag ?? (process.env.POLICY_LAB_QUEUE || undefined);
  if (url === undefined) return undefined;
  try {
    parseQueueUrl(url);
  } catch (err) {
    throw new UsageError(`${flag !== undefined ? '--queue' : 'POLICY_LAB_QUEUE'}: ${(err as Error).message}`);
  }
  return url;
}

/** Runs as local processes, or as jobs on the queue (connected before anything is submitted). */
export async function launcherFor(url: string | undefined): Promise<{ launcher: RunLauncher; close: () => Promise<void> }> {
  if (url === undefined) return { launcher: new ForkLauncher(), close: async () => undefined };
  const q = new QueueLauncher(url);
  try {
    await q.ready();
  } catch (err) {
    await closeWithin(q, 1000); // a queue that never answered never finishes closing
    throw err;
  }
  return { launcher: q, close: () => q.close() };
}

export async function cmdWorker(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...QUEUE_OPTION,
    concurrency: { type: 'string' },
    name: { type: 'string' },
    'lock-seconds': { type: 'string' },
    retries: { type: 'string' },
  });
  const json = !!values.json;
  const url = queueUrl(values.queue);
  if (url === undefined) throw new UsageError('--queue redis://[:password@]host:port is required (or set POLICY_LAB_QUEUE)');
  const concurrency = intArg('concurrency', values.concurrency, 1, 1024) ?? availableParallelism();
  const lockSeconds = intArg('lock-seconds', values['lock-seconds'], 1, 3600);
  const retries = intArg('retries', values.retries, 0, 100);
  if (values.name !== undefined && !/^[\w.:@-]{1,100}$/.test(values.name)) throw new UsageError('--name: letters, digits and . _ : @ - only (at most 100)');
  const say = (e: WorkerEvent) => out(json, e, describe(e));
  const worker = await startQueueWorker({ url, concurrency, name: values.name, lockSeconds, retries, log: say });
  const display = parseQueueUrl(url).display;
  out(
    json,
    { event: 'listening', worker: worker.id, queue: display, concurrency },
    `worker ${worker.id} takes up to ${concurrency} run(s) at once from ${display}\n  Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => {
    let asked = 0;
    const onSignal = (signal: string) => {
      asked++;
      // Ctrl-C once: finish the runs in hand. Again, or SIGTERM: hand them back to the queue now.
      const force = asked > 1 || signal === 'SIGTERM';
      if (!force) process.stderr.write('\nfinishing the runs in hand, taking no more (Ctrl-C again to hand them back to the queue)…\n');
      void worker.close(force).then(resolve, resolve);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
  return 0;
}

function describe(e: WorkerEvent): string {
  switch (e.event) {
    case 'job-start':
      return `took run ${e.runId} (${e.env} · ${e.algo} · seed ${e.seed})`;
    case 'job-end':
      return `run ${e.runId} ended: ${e.status ?? (e.signal ? `killed (${e.signal})` : `exit code ${e.code}`)}`;
    case 'job-rejected':
      return `refused ${e.runId ? `run ${e.runId}` : 'a job'}: ${e.reason}`;
    case 'lock-lost':
      return `lost the lock on run ${e.runId} (another worker takes it over); stopped it here`;
    case 'error':
      return `queue error: ${e.message}`;
  }
}
