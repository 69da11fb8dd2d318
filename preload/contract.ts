/**
 * The one IPC contract between the renderer and the lab, shared by Electron main (ipcMain), the
 * preload bridge, the browser-mode WebSocket bridge (serve.ts) and the renderer's lab client.
 * Every request payload is validated with these zod schemas on the lab side before LabService sees it.
 */
import { z } from 'zod';

// ---------- shared data shapes ----------

export const EnvId = z.enum(['CartPole-v1', 'LunarLander-v3']);
export type EnvId = z.infer<typeof EnvId>;

/** Every algorithm id the lab knows; listAlgos returns the ones this build implements. */
export const ALGO_IDS = ['random', 'constant', 'heuristic', 'reinforce', 'actor-critic', 'a2c', 'ppo', 'dqn', 'q-learning'] as const;
export const AlgoId = z.enum(ALGO_IDS);
export type AlgoId = z.infer<typeof AlgoId>;

export const BackendName = z.enum(['tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

/** Training engine a run asks for: main/lab/nn/fused/engine-choice.ts says what each is and what 'auto' picks
 *  (its ENGINE_REQUESTS lists the same values; a unit test keeps the two equal). */
export const EngineRequest = z.enum(['auto', 'fused', 'tfjs']);
export type EngineRequest = z.infer<typeof EngineRequest>;

/** Hyperparameter values as they travel: JSON scalars or small arrays (net_arch). */
export const HyperValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);
export type HyperValue = z.infer<typeof HyperValue>;
export const Hyperparameters = z.record(z.string().max(64), HyperValue);
export type Hyperparameters = z.infer<typeof Hyperparameters>;

/** Gymnasium make() keyword options (continuous, gravity, enable_wind, …); validated per env by the lab. */
export const EnvOptions = z.record(z.string().max(64), z.union([z.number(), z.boolean()])).default({});

const RunId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'invalid run id');
const Seed = z.number().int().min(0).max(2 ** 32 - 1);

export interface HyperparameterSpec {
  key: string;
  type: 'int' | 'float' | 'bool' | 'enum' | 'int[]' | 'schedule';
  default: HyperValue;
  min?: number;
  max?: number;
  /** Values above max are refused unless the run is forced (StartRunRequest.force); forced, up to this. */
  forcedMax?: number;
  choices?: string[];
  description: string;
}

export interface EnvOptionInfo {
  key: string;
  type: 'boolean' | 'number' | 'integer';
  default: boolean | number;
  description: string;
}

export interface EnvInfo {
  id: EnvId;
  options: EnvOptionInfo[];
  observationSpace: unknown;
  actionSpace: unknown;
  maxEpisodeSteps: number;
  rewardThreshold: number;
}

export interface AlgoInfo {
  id: AlgoId;
  name: string;
  description: string;
  hyperparameters: HyperparameterSpec[];
  presets: { name: string; env: EnvId; description: string; values: Hyperparameters; steps: number; envOptions?: Record<string, number | boolean> }[];
}

export type RunStatus = 'queued' | 'running' | 'paused' | 'finished' | 'solved' | 'stopped' | 'crashed';

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
  episodes: number;
  wallSeconds: number;
  solved: boolean;
  solvedAtStep: number | null;
  solvedAtEpisode: number | null;
  solvedAtSeconds: number | null;
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
  tags?: string[];
  preset?: string | null;
  envOptions?: Record<string, number | boolean>;
  /** Best 100-episode training mean seen so far. */
  best100?: number | null;
  /** The run this one continues (resume from a checkpoint), if any. */
  continuesRunId?: string | null;
  /** Best periodic evaluation during training; its policy is kept in best/. */
  bestEval?: BestEval | null;
}

/** A periodic evaluation: deterministic episodes on unseen seeds at a training step. */
export interface BestEval {
  step: number;
  mean: number;
  std: number;
}

export interface RunDetail {
  summary: RunSummary;
  config: Record<string, unknown>;
  metrics: MetricRecord[];
}

export type RenderState = { env: 'CartPole-v1'; x: number; theta: number } | { env: 'LunarLander-v3'; [k: string]: unknown };

export interface ProgressEvent {
  runId: string;
  step: number;
  totalSteps: number;
  episodes: number;
  sps: number;
  etaSeconds: number | null;
  mean100: number | null;
}

export interface EpisodeFramesEvent {
  runId: string;
  episode: number;
  return: number;
  length: number;
  /** Compacted (main/lab/media/frames.ts): keys equal in every frame travel once, here. */
  shared?: Record<string, unknown>;
  frames: RenderState[];
}

export interface PolicyInfo {
  path: string;
  label: string;
  env: EnvId;
  algo: string;
  steps: number;
  evalMean: number | null;
  source: 'run' | 'checkpoint' | 'demo' | 'file';
  /** The run a run/checkpoint policy belongs to. */
  runId?: string;
  envOptions?: Record<string, number | boolean>;
}

export interface RunExport {
  fileName: string;
  mime: string;
  /** Text formats as text; binary (a zip of the policy folder) as base64. */
  text?: string;
  dataBase64?: string;
}

export interface InsightGrid {
  env: EnvId;
  xLabel: string;
  yLabel: string;
  xs: number[];
  ys: number[];
  /** [ys.length][xs.length]: P(action `actionIndex`) for Discrete policies, else the mean of action dim 0. */
  policy: number[][];
  actionLabel: string;
  /** Greedy action index per cell (Discrete). */
  greedy?: number[][];
  /** V(s) per cell where the policy has a critic / Q-function, else null. */
  value: number[][] | null;
}

export interface RolloutResult {
  env: EnvId;
  seed: number;
  frames: RenderState[];
  /** obs[0] is the reset observation; obs[k] the observation after step k. */
  obs: number[][];
  actions: number[][];
  rewards: number[];
  /** Policy X-ray per step (only for a saved policy): action probabilities (Discrete) … */
  probs?: number[][];
  /** … or the Gaussian's mean and std (Box), and the critic's V(s) where the policy has one. */
  means?: number[][];
  stds?: number[][];
  values?: number[];
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
}

export interface GifExport {
  fileName: string;
  /** The GIF file, base64 (the bridges carry JSON). */
  dataBase64: string;
  frames: number;
  bytes: number;
  return: number;
  length: number;
}

export interface SystemInfo {
  version: string;
  backend: string;
  /** What a run's 'auto' engine resolves to on that backend. */
  engine: string;
  runsDir: string;
  mode: 'electron' | 'browser';
  /** CPU cores = how many runs train at once; more are queued. */
  concurrency: number;
  /** Whether revealRun can open a file manager (Electron only). */
  canReveal: boolean;
}

// ---------- requests: name → payload schema and result type ----------

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
  tags: z.array(z.string().min(1).max(40)).max(20).default([]),
  /** Allow hyperparameters beyond their usual limits, up to each rule's forcedMax (e.g. a learning rate above 1). */
  force: z.boolean().default(false),
});
export type StartRunRequest = z.input<typeof StartRunRequest>;

const RolloutRequest = z.object({
  env: EnvId,
  envOptions: EnvOptions,
  seed: Seed.default(0),
  policy: z.string().max(4096).optional(),
  agent: z.enum(['random', 'heuristic']).optional(),
  deterministic: z.boolean().default(true),
  maxSteps: z.number().int().min(1).max(100_000).optional(),
});

export const requestSchemas = {
  systemInfo: z.object({}),
  listEnvs: z.object({}),
  listAlgos: z.object({}),
  startRun: StartRunRequest,
  stopRun: z.object({ runId: RunId }),
  listRuns: z.object({}),
  getRun: z.object({ runId: RunId }),
  listPolicies: z.object({}),
  importPolicy: z.object({
    files: z
      .array(z.object({ name: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/), dataBase64: z.string().max(64 * 1024 * 1024) }))
      .min(1)
      .max(16),
  }),
  startRuns: StartRunRequest.extend({ seeds: z.array(Seed).min(1).max(64) }),
  pauseRun: z.object({ runId: RunId }),
  resumeRun: z.object({ runId: RunId }),
  continueRun: z.object({ runId: RunId, steps: z.number().int().min(1).max(1e9).optional() }),
  updateRun: z.object({ runId: RunId, name: z.string().max(200).nullable().optional(), tags: z.array(z.string().min(1).max(40)).max(20).optional() }),
  deleteRun: z.object({ runId: RunId }),
  exportRun: z.object({ runId: RunId, format: z.enum(['csv', 'json', 'policy-zip']) }),
  revealRun: z.object({ runId: RunId }),
  insights: z.object({
    policy: z.string().max(4096),
    envOptions: EnvOptions,
    /** Observation indices on the x and y axes and their ranges. */
    xDim: z.number().int().min(0).max(63),
    yDim: z.number().int().min(0).max(63),
    xRange: z.tuple([z.number(), z.number()]),
    yRange: z.tuple([z.number(), z.number()]),
    /** Values of every observation dimension (x/y entries are ignored). */
    fixed: z.array(z.number()).max(64),
    resolution: z.number().int().min(4).max(128).default(48),
    actionIndex: z.number().int().min(0).max(63).default(1),
  }),
  rollout: RolloutRequest,
  exportGif: RolloutRequest.extend({
    fps: z.number().int().min(1).max(100).default(50),
    scale: z.number().min(0.25).max(2).default(1),
  }),
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestPayload<K extends RequestName> = z.input<(typeof requestSchemas)[K]>;
export type ParsedRequest<K extends RequestName> = z.output<(typeof requestSchemas)[K]>;

export interface ResultTypes {
  systemInfo: SystemInfo;
  listEnvs: EnvInfo[];
  listAlgos: AlgoInfo[];
  startRun: RunSummary;
  stopRun: RunSummary;
  listRuns: RunSummary[];
  getRun: RunDetail;
  listPolicies: PolicyInfo[];
  importPolicy: PolicyInfo;
  startRuns: RunSummary[];
  pauseRun: RunSummary;
  resumeRun: RunSummary;
  continueRun: RunSummary;
  updateRun: RunSummary;
  deleteRun: { runId: string; deleted: true };
  exportRun: RunExport;
  revealRun: { revealed: boolean };
  insights: InsightGrid;
  rollout: RolloutResult;
  exportGif: GifExport;
}

// ---------- events: lab → renderer ----------

export interface EventTypes {
  'run:status': RunSummary;
  'run:progress': ProgressEvent;
  'run:metrics': { runId: string; records: MetricRecord[] };
  'run:episode': EpisodeFramesEvent;
  /** A run folder was deleted (every window drops it from its lists). */
  'run:deleted': { runId: string };
}
export type EventName = keyof EventTypes;

/** What the renderer sees, whether it talks to Electron (preload) or to `serve` (WebSocket). */
export interface LabBridge {
  invoke<K extends RequestName>(name: K, payload: RequestPayload<K>): Promise<ResultTypes[K]>;
  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void;
}

/** Electron IPC channel names: defined in channels.ts so the preload can import them without zod. */
export { IPC_INVOKE, IPC_EVENT } from './channels.ts';

/** Error replies carry a message meant for a person; no stack traces cross the bridge. */
export interface BridgeError {
  message: string;
  code?: 'invalid' | 'not-found' | 'failed';
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}

// ---------- browser-mode WebSocket bridge (serve.ts ⇄ renderer lab-client), path /ws ----------

export type WsClientMessage = { type: 'invoke'; id: number; name: string; payload: unknown };
export type WsServerMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: BridgeError }
  | { type: 'event'; event: EventName; payload: unknown };
