/**
 * What a submitting lab keeps in the folder of each run it sent to the job queue (queue-job.json), so
 * that a lab started after it died follows the run again instead of marking it crashed: which queue
 * (host, port, db, TLS — never the password), the job, and how far it had applied the run's out stream,
 * with metrics.ndjson's length at that moment. A restarted lab cuts metrics.ndjson back to that length
 * and re-reads the stream from the entry after, so every line lands exactly once whatever the moment
 * it died. The file is input: it is read through the schema here.
 */
import { z } from 'zod';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RunId, type RunRemote } from '../domain/runs.ts';
import { processAlive, writeJsonAtomic } from '../runs/run-store.ts';
import type { RunLauncher, RunProcess } from '../runs/launcher.ts';
import { STREAM_TTL_SECONDS } from './protocol.ts';
import { queueDisplay } from '../domain/queue.ts';

export const QUEUE_RECORD_FILE = 'queue-job.json';

export const QueueRef = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  db: z.number().int().min(0).max(99),
  tls: z.boolean(),
});
export type QueueRef = z.infer<typeof QueueRef>;

export const QueueRecord = z.object({
  queue: QueueRef,
  /** The BullMQ job id (the run id). */
  jobId: RunId,
  /** The last entry of the run's out stream applied to the run folder ('0': none yet). */
  lastId: z.string().regex(/^(0|\d{1,20}-\d{1,20})$/, 'not a stream entry id'),
  /** metrics.ndjson's size in bytes right after that entry was applied. */
  metricsBytes: z.number().int().min(0),
  /** How many workers had taken the run (a second one means a takeover), and the warning that said so. */
  taken: z.number().int().min(0),
  takeover: z.string().max(1000).nullable(),
  /** The lab process following the run: while it lives, another lab leaves the run to it. */
  labPid: z.number().int().positive(),
});
export type QueueRecord = z.infer<typeof QueueRecord>;

export async function writeQueueRecord(runDir: string, record: QueueRecord): Promise<void> {
  await writeJsonAtomic(join(runDir, QUEUE_RECORD_FILE), record);
}

/** Removes the run's record (it ended, or it can no longer be followed). */
export async function forgetQueueRecord(runDir: string): Promise<void> {
  await rm(join(runDir, QUEUE_RECORD_FILE), { force: true }).catch(() => undefined);
}

/** The run's record; null when it has none (it never went to a queue), a problem when it cannot be read. */
export async function readQueueRecord(runDir: string): Promise<QueueRecord | { problem: string } | null> {
  let text: string;
  try {
    text = await readFile(join(runDir, QUEUE_RECORD_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { problem: 'cannot be read' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  const parsed = QueueRecord.safeParse(raw);
  if (!parsed.success) return { problem: `is not a queue record (${parsed.error.issues[0]?.path.join('.') || 'top'}: ${parsed.error.issues[0]?.message})` };
  return parsed.data;
}

/** Names of this machine's own Redis: a run sent to redis://localhost is on the queue redis://127.0.0.1 names too. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const hostKey = (h: string): string => (LOOPBACK.has(h.toLowerCase()) ? 'loopback' : h.toLowerCase());

export function sameQueue(a: QueueRef, b: QueueRef): boolean {
  return hostKey(a.host) === hostKey(b.host) && a.port === b.port && a.db === b.db && a.tls === b.tls;
}

/** Why a restarted lab could not follow a run on a queue: what happened, then what is left of it and where. */
export function lostReason(q: QueueRef | null, what: string): string {
  const where = q ? ` at ${queueDisplay(q)}` : '';
  return (
    `interrupted: the lab stopped while this run trained on a worker of the job queue${where}, and ${what}, so the run could not be followed again; ` +
    'what came back before is kept (it can be continued from its last checkpoint), and the worker may still be training it or have finished it in its own runs folder'
  );
}

/** What a lab that closed says of the runs it left training on queue workers (LabService.close's leftTraining). */
export function leftTrainingNote(n: number): string {
  return `${n} run${n === 1 ? '' : 's'} keep${n === 1 ? 's' : ''} training on queue workers; ${n === 1 ? 'it is' : 'they are'} followed again when the lab next starts with this queue`;
}

export const GONE = `the queue no longer has its job or what its worker sent (they expire ${STREAM_TTL_SECONDS / 86400} days after the run, or the Redis was emptied)`;

/** A launcher that can follow a run a lab before it submitted (QueueLauncher). */
export interface ReattachingLauncher extends RunLauncher {
  /** The queue it sends runs to now; null while runs train on this machine (the app's setting cleared). */
  followsQueue(): QueueRef | null;
  reattach(runDir: string, record: QueueRecord): Promise<{ proc: RunProcess } | { lost: string } | { remote: RunRemote }>;
}

const canReattach = (l: RunLauncher): l is ReattachingLauncher => typeof (l as Partial<ReattachingLauncher>).reattach === 'function';

/**
 * For the scheduler's recovery of a run a lab that died (or quit) left active: null for a run that never
 * went to a queue; 'elsewhere' while the lab that follows it still lives; `remote` when this lab is not on
 * the run's queue (no queue, or another): it cannot know whether the worker still trains the run, so it
 * leaves the run as it is for a lab on that queue; else the run's process followed again by `launcher`,
 * or why it cannot be (only a lab on the queue can tell the job is gone). An unreadable record is lost.
 */
export async function reattachQueueRun(
  launcher: RunLauncher,
  runDir: string,
): Promise<{ proc: RunProcess } | { lost: string } | { remote: RunRemote } | 'elsewhere' | null> {
  const record = await readQueueRecord(runDir);
  if (record === null) return null;
  if ('problem' in record) return { lost: lostReason(null, `its record of the job (${QUEUE_RECORD_FILE}) ${record.problem}`) };
  // As for a local run process: a live pid means the run still has its lab (a reused pid would hide it, as there).
  if (record.labPid !== process.pid && processAlive(record.labPid)) return 'elsewhere';
  const here = canReattach(launcher) ? launcher.followsQueue() : null;
  if (!canReattach(launcher) || !here || !sameQueue(here, record.queue)) return { remote: { queue: queueDisplay(record.queue), followed: false } };
  return launcher.reattach(runDir, record);
}
