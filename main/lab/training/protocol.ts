/** Messages between LabService (parent) and a run process (main/worker.ts). Plain JSON only. */
import type { EpisodeRecord, UpdateRecord, ProgressEvent, EpisodeFramesEvent, RunSummary } from '../domain/runs.ts';
import type { TrainerConfig } from './trainer-config.ts';

export type ToWorker =
  /** resumeFrom: a checkpoint folder of this run to go on from (its training state; trainer.ts). */
  | { type: 'start'; runDir: string; config: TrainerConfig; resumeFrom?: string }
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Cores the run may use now (2 while it trains alone): see IterationContext.threads. */
  | { type: 'threads'; threads: number };

export type FromWorker =
  | { type: 'ready'; backend: string; engine: string }
  | { type: 'metrics'; records: (EpisodeRecord | UpdateRecord)[] }
  | { type: 'progress'; progress: Omit<ProgressEvent, 'runId'> }
  | { type: 'episode'; frames: Omit<EpisodeFramesEvent, 'runId'> }
  | { type: 'done'; summary: Partial<RunSummary> & { status: RunSummary['status'] } }
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string }
  /** From a queue launcher (lab/queue/), not a run process: a worker (hostname:pid) took the run (going on from a checkpoint's step). */
  | { type: 'assigned'; worker: string; resumedFrom?: number };
