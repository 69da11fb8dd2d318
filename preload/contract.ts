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
  presets: { name: string; env: EnvId; description: string; values: Hyperparameters; steps: number }[];
}

export type RunStatus = 'queued' | 'running' | 'finished' | 'solved' | 'stopped' | 'crashed';

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
  backend: string;
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
  hasPolicy: boolean;
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
  frames: RenderState[];
}

export interface PolicyInfo {
  path: string;
  label: string;
  env: EnvId;
  algo: string;
  steps: number;
  evalMean: number | null;
  source: 'run' | 'demo' | 'file';
}

export interface RolloutResult {
  env: EnvId;
  seed: number;
  frames: RenderState[];
  actions: number[];
  rewards: number[];
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
  runsDir: string;
  mode: 'electron' | 'browser';
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
  name: z.string().max(200).optional(),
  /** Episodes in the deterministic evaluation after training (0 = skip). */
  evalEpisodes: z.number().int().min(0).max(10_000).default(100),
  /** Stop as soon as the 100-episode training mean reaches the env's reward threshold. */
  stopWhenSolved: z.boolean().default(false),
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
  rollout: RolloutResult;
  exportGif: GifExport;
}

// ---------- events: lab → renderer ----------

export interface EventTypes {
  'run:status': RunSummary;
  'run:progress': ProgressEvent;
  'run:metrics': { runId: string; records: MetricRecord[] };
  'run:episode': EpisodeFramesEvent;
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
