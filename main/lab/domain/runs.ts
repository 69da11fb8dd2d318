/** A run: what is asked to start one, what it records, and how the lab summarises it. */
import { z } from 'zod';
import { AlgoId, BackendName, EngineRequest } from './algorithms.ts';
import { EnvId, EnvOptions, type RenderState } from './envs.ts';
import { Hyperparameters } from './hyperparameters.ts';
import type { RunRemote } from './run-remote.ts';

export type { RunRemote } from './run-remote.ts';

export const RunId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'invalid run id');
export const Seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

export const StartRunRequest = z.object({
  env: EnvId,
  envOptions: EnvOptions,
  algo: AlgoId,
  seed: Seed.default(0),
  steps: z.number().int().min(1).max(1e9).optional(),
  preset: z.string().max(64).optional(),
  hyperparameters: Hyperparameters.default({}),
  backend: BackendName.optional(),
  /** Absent = 'auto'. */
  engine: EngineRequest.optional(),
  name: z.string().max(200).optional(),
  /** Episodes in the deterministic evaluation after training (0 = skip). */
  evalEpisodes: z.number().int().min(0).max(10_000).default(100),
  /** Evaluate (10 deterministic episodes) every this many steps and keep the best policy in best/;
   *  absent = every tenth of the run (≥ 10k steps), 0 = never. */
  evalEvery: z.number().int().min(0).max(1e9).optional(),
  /** Checkpoint at least every this many seconds of training, whatever the step schedule (absent = 60). */
  checkpointSeconds: z.number().min(1).max(86_400).optional(),
  /** Stop as soon as the 100-episode training mean reaches the env's reward threshold. */
  stopWhenSolved: z.boolean().default(false),
  /** Episode budget (0 = only the step budget). */
  maxEpisodes: z.number().int().min(0).max(10_000_000).default(0),
  /** Keep every this many training episodes of the first env for replay (0 = none; absent = isRecordedEpisode's schedule). */
  recordEvery: z.number().int().min(0).max(1_000_000).optional(),
  tags: z.array(z.string().min(1).max(40)).max(20).default([]),
  /** Allow hyperparameters beyond their usual limits, up to each rule's forcedMax (e.g. a learning rate above 1). */
  force: z.boolean().default(false),
});
export type StartRunRequest = z.input<typeof StartRunRequest>;

/**
 * The fully-resolved description of a training run, as the lab builds it from a start request (every
 * default, preset and rule applied) and stores it in the run's config.json; read back through this
 * same schema, and what a continued run starts from.
 */
export const RunConfig = z.object({
  env: EnvId,
  envOptions: z.record(z.string(), z.union([z.number(), z.boolean()])),
  algo: AlgoId,
  seed: Seed,
  /** Env-step budget (sum over all vectorized envs). */
  totalSteps: z.number().int().min(1),
  /**
   * The env steps the budget really runs: totalSteps rounded up to whole iterations (PPO's rollouts,
   * …; agents/registry.ts plannedRunSteps). Absent: totalSteps (configs from before, and algorithms
   * that update on whole episodes, whose overrun is not known in advance).
   */
  plannedSteps: z.number().int().min(1).optional(),
  /** Episode budget (0 or absent = none): training ends after the iteration in which it is reached. */
  maxEpisodes: z.number().int().min(0).optional(),
  preset: z.string().nullable(),
  /** Validated, complete hyperparameters (defaults ← preset ← overrides), SB3 names. */
  hyperparameters: Hyperparameters,
  /** Requested backend ('auto' picks tensorflow-gpu → tensorflow → wasm → cpu). */
  backend: z.union([z.literal('auto'), BackendName]),
  /** Requested training engine, resolved against the backend; absent (configs written before engines existed) = 'auto'. */
  engine: EngineRequest.optional(),
  evalEpisodes: z.number().int().min(0),
  /** Save a checkpoint every this many env steps (0 = only the final policy). */
  checkpointEvery: z.number().int().min(0),
  /** …and at least every this many training seconds when checkpointEvery > 0 (absent: 60). */
  checkpointSeconds: z.number().positive().optional(),
  stopWhenSolved: z.boolean(),
  /**
   * Every this many env steps (0 or absent = never), evaluate the policy deterministically on unseen
   * seeds, log eval_mean/eval_std with that update's metrics and keep the best so far in best/.
   */
  evalEvery: z.number().int().min(0).optional(),
  /** Hyperparameters may go beyond their usual limits, up to each rule's forcedMax. */
  force: z.boolean().optional(),
  /** Training episodes kept for replay: every this many of the first env's (0 = none; absent = isRecordedEpisode's schedule). */
  recordEvery: z.number().int().min(0).optional(),
  /** Start from this saved policy's weights (continuing another run) instead of a fresh init. */
  initPolicy: z.string().optional(),
});
export type RunConfig = z.infer<typeof RunConfig>;

/**
 * Which of the first env's training episodes (counted from 0) are kept for replay when a run does not
 * say: Gymnasium RecordVideo's default, the cubes up to 1,000 (0, 1, 8, 27, …, 729, 1000) then every
 * 1,000th — many early, when the policy changes fastest, few later.
 */
export function isRecordedEpisode(k: number, every?: number): boolean {
  if (every !== undefined) return every > 0 && k % every === 0;
  if (k < 1000) return Math.round(Math.cbrt(k)) ** 3 === k;
  return k % 1000 === 0;
}

/** A recorded training episode, as media/index.ndjson lists it. */
export interface RecordedEpisode {
  /** The first env's episode index (from 0), the schedule's count. */
  index: number;
  /** The run's episode number (all envs) and step when it ended. */
  episode: number;
  step: number;
  return: number;
  length: number;
  file: string;
}

export type RunStatus = 'queued' | 'running' | 'paused' | 'finished' | 'solved' | 'stopped' | 'crashed';

/** The statuses a run ends with: it trains no more (it can be continued). */
export const ENDED_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['finished', 'solved', 'stopped', 'crashed']);

export interface EpisodeRecord {
  kind: 'episode';
  step: number;
  episode: number;
  return: number;
  length: number;
  outcome: 'terminated' | 'truncated';
  wall: number;
}

export interface UpdateRecord {
  kind: 'update';
  step: number;
  update: number;
  wall: number;
  sps: number;
  [metric: string]: number | string;
}

export type MetricRecord = EpisodeRecord | UpdateRecord;

export interface RunSummary {
  runId: string;
  runDir: string;
  env: EnvId;
  algo: AlgoId;
  seed: number;
  /** The requested backend until the run process reports the one it got. */
  backend: string;
  /** Likewise the training engine: the request ('auto', …) until the run process resolves it. */
  engine: string;
  status: RunStatus;
  steps: number;
  totalSteps: number;
  /** The env steps the budget really runs (whole iterations; RunConfig.plannedSteps); absent = totalSteps. */
  plannedSteps?: number;
  episodes: number;
  wallSeconds: number;
  solved: boolean;
  solvedAtStep: number | null;
  solvedAtEpisode: number | null;
  solvedAtSeconds: number | null;
  /** Mean return of the last (up to) 100 training episodes. */
  mean100: number | null;
  evalMean: number | null;
  evalStd: number | null;
  createdAt: string;
  error?: string;
  /** A problem the run saw but trained through (a collapsed policy: training/collapse.ts). */
  warning?: string | null;
  hasPolicy: boolean;
  /** A person's label for the run (runs library); null until renamed. */
  name?: string | null;
  /** A person's notes on the run (free text); null until written. */
  notes?: string | null;
  tags?: string[];
  preset?: string | null;
  envOptions?: Record<string, number | boolean>;
  /** Best 100-episode training mean seen so far. */
  best100?: number | null;
  /** The run this one continues (resume from a checkpoint), if any. */
  continuesRunId?: string | null;
  /** Best periodic evaluation during training; its policy is kept in best/. */
  bestEval?: BestEval | null;
  /** The queue worker that trained the run (hostname:pid), when it ran on a job queue. */
  worker?: string | null;
  /** A run an earlier lab left training on a job queue that this lab is not on (so it does not follow it). */
  remote?: RunRemote;
}

/** A periodic evaluation: deterministic episodes on unseen seeds at a training step. */
export interface BestEval {
  step: number;
  mean: number;
  std: number;
}

export interface RunDetail {
  summary: RunSummary;
  /** config.json as stored (the RunConfig plus labVersion, name, createdAt). */
  config: Record<string, unknown>;
  /** config.json read through RunConfig, the lab's one check; null (configError says why) when it is not one. */
  runConfig: RunConfig | null;
  configError?: string;
  metrics: MetricRecord[];
  /** Training episodes kept for replay (recordEvery). */
  recorded: RecordedEpisode[];
}

/** A recorded training episode with its frames, compacted like EpisodeFramesEvent's. */
export interface RecordedEpisodeFrames extends RecordedEpisode {
  shared?: Record<string, unknown>;
  frames: RenderState[];
}

export const RecordedEpisodeRequest = z.object({ runId: RunId, index: z.number().int().min(0) });
export const RecordedGifRequest = RecordedEpisodeRequest.extend({
  fps: z.number().int().min(1).max(100).default(50),
  scale: z.number().min(0.25).max(2).default(1),
});
export type RecordedGifParams = z.output<typeof RecordedGifRequest>;

export interface ProgressEvent {
  runId: string;
  step: number;
  totalSteps: number;
  /** The env steps the budget really runs (whole iterations); the ETA counts what remains of it. Absent = totalSteps. */
  plannedSteps?: number;
  episodes: number;
  sps: number;
  etaSeconds: number | null;
  mean100: number | null;
}

export interface EpisodeFramesEvent {
  runId: string;
  episode: number;
  /** The run's step count when the episode ended. */
  step: number;
  return: number;
  length: number;
  /** Compacted (main/lab/media/frames.ts): keys equal in every frame travel once, here. */
  shared?: Record<string, unknown>;
  frames: RenderState[];
}

export interface RunExport {
  fileName: string;
  mime: string;
  /** Text formats as text; binary (a zip of the policy folder) as base64. */
  text?: string;
  dataBase64?: string;
}

/** A start request after its schema has filled the defaults. */
export type RunRequest = z.output<typeof StartRunRequest>;

/** What the lab tells listeners about runs: event name → payload. */
export interface RunEvents {
  'run:status': RunSummary;
  'run:progress': ProgressEvent;
  'run:metrics': { runId: string; records: MetricRecord[] };
  'run:episode': EpisodeFramesEvent;
  /** A run folder was deleted (every window drops it from its lists). */
  'run:deleted': { runId: string };
}
export type RunEventName = keyof RunEvents;
