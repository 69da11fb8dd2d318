/**
 * What travels through Redis between a submitting lab and the workers (runs as BullMQ jobs):
 *   the job          {runId, config, initPolicy?}: a run configuration, nothing else — no code, no paths
 *   <run>:out        a stream, worker → lab: the run process's own messages (training/protocol.ts), the
 *                    files it wrote (checkpoints, best/, policy/, media/), who took it, and how it exited
 *   <run>:in         a stream, lab → worker: stop, pause, resume, kill
 * Both sides read what the other wrote through the schemas here; the worker also re-checks the
 * configuration's values against the lab's rules before it trains anything.
 */
import { z } from 'zod';
import { RunConfig, RunId } from '../domain/runs.ts';
import type { FromWorker } from '../training/protocol.ts';

/** BullMQ's key prefix and queue name: every key this lab makes starts with `policy-lab:`. */
export const KEY_PREFIX = 'policy-lab';
export const QUEUE_NAME = 'runs';

export const outStream = (runId: string): string => `${KEY_PREFIX}:run:${runId}:out`;
export const inStream = (runId: string): string => `${KEY_PREFIX}:run:${runId}:in`;
/** The run's newest checkpoint with a training state, kept by the worker training it, for a worker that takes over. */
export const resumeKey = (runId: string): string => `${KEY_PREFIX}:run:${runId}:resume`;
/** Streams outlive a lab that vanished mid-run by at most this long. */
export const STREAM_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A file of a run folder as it travels: only the folders a run process writes its policies and media
 * to, relative, no dot-names (which also rules out `..`) — so a stream cannot write anywhere else.
 */
export const RunFilePath = z
  .string()
  .max(300)
  .regex(/^(checkpoints|best|policy|media)(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){1,4}$/, 'not a file of a run folder');

/** Policy files (a continued run's starting weights) ride along in the job: the worker cannot read the lab's disk. */
const PolicyFilePath = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){0,2}$/, 'not a policy file name');

/** A checkpoint folder as it travels: where it sits in the run folder, and its files (name → base64). */
export const CheckpointFiles = z.object({
  dir: z.string().regex(/^checkpoints\/step-\d{1,15}$/, 'not a checkpoint folder'),
  files: z.record(PolicyFilePath, z.string().max(64 * 1024 * 1024)),
});
export type CheckpointFiles = z.infer<typeof CheckpointFiles>;

export const JobData = z.object({
  runId: RunId,
  /** The run's complete configuration, the schema config.json is written from and read back through. */
  config: RunConfig.omit({ initPolicy: true }),
  /** The policy a continued run starts from: file name → base64. */
  initPolicy: z.record(PolicyFilePath, z.string().max(64 * 1024 * 1024)).optional(),
  /** A resumed run (LabService.continueRun): the checkpoint it goes on from. */
  resume: CheckpointFiles.optional(),
});
export type JobData = z.infer<typeof JobData>;

export const ControlMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  /** The lab gave up waiting for a stop: end the run process now. */
  z.object({ type: z.literal('kill') }),
]);
export type ControlMessage = z.infer<typeof ControlMessage>;

/** What a worker writes to a run's out stream. */
export type OutMessage =
  /** …and 'assigned' when a worker takes the job (again, after another died: the lab starts the run's record over). */
  | FromWorker
  | { type: 'file'; path: string; data: string }
  /** The run process ended (code null: killed by a signal); the last entry of an attempt. */
  | { type: 'exit'; code: number | null; signal: string | null };

/** Only the shape is checked here; each message's payload is the run process's own (training/protocol.ts). */
export const OutEnvelope = z.union([
  z.object({ type: z.literal('assigned'), worker: z.string().max(300), resumedFrom: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('file'), path: RunFilePath, data: z.string() }),
  z.object({ type: z.literal('exit'), code: z.number().int().nullable(), signal: z.string().max(40).nullable() }),
  z.object({ type: z.enum(['ready', 'metrics', 'progress', 'episode', 'done', 'warning', 'error']) }).passthrough(),
]);
