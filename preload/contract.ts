/**
 * The bridge between the renderer and the lab: the table of requests (name → payload schema → result
 * type) and of events, built from the domain types in main/lab/domain/. Electron main (ipcMain), the
 * preload bridge, the browser-mode WebSocket bridge (serve.ts) and the renderer's lab client share it;
 * every request payload is validated with these schemas on the lab side before LabService sees it.
 */
import { z } from 'zod';
import type { AlgoInfo } from '../main/lab/domain/algorithms.ts';
import type { EnvInfo } from '../main/lab/domain/envs.ts';
import type { BridgeError } from '../main/lab/domain/errors.ts';
import { MAX_SEEDS } from '../main/lab/domain/seeds.ts';
import {
  ExportGifRequest,
  InsightsRequest,
  RolloutRequest,
  type GifExport,
  type InsightGrid,
  type PolicyInfo,
  type RolloutResult,
} from '../main/lab/domain/policies.ts';
import {
  RecordedEpisodeRequest,
  RecordedGifRequest,
  RunId,
  Seed,
  StartRunRequest,
  type RecordedEpisodeFrames,
  type RunDetail,
  type RunEvents,
  type RunExport,
  type RunSummary,
} from '../main/lab/domain/runs.ts';
import type { SystemInfo } from '../main/lab/domain/system.ts';
import { QueueUrlField, type QueueProbe, type QueueSettings } from '../main/lab/domain/queue.ts';
import { SweepId, SweepRequest, type SweepEvents, type SweepSummary } from '../main/lab/domain/sweeps.ts';
import { PresetName, SavePresetRequest, type PresetList } from '../main/lab/domain/presets.ts';

// ---------- requests: name → payload schema and result type ----------

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
    /** A policy folder's files (its critic's as "critic/model.json", …), or one .zip of the folder. */
    files: z
      .array(z.object({ name: z.string().regex(/^(critic\/)?[A-Za-z0-9._-]{1,128}$/), dataBase64: z.string().max(64 * 1024 * 1024) }))
      .min(1)
      .max(16),
    /** What the person picked (a folder's or zip's name), to name the imported policy. */
    name: z.string().max(200).optional(),
  }),
  startRuns: StartRunRequest.extend({ seeds: z.array(Seed).min(1).max(MAX_SEEDS) }),
  pauseRun: z.object({ runId: RunId }),
  resumeRun: z.object({ runId: RunId }),
  /** Resume the same run from its last checkpoint; steps = its new TOTAL budget (absent: its own, or as long again once run). */
  continueRun: z.object({ runId: RunId, steps: z.number().int().min(1).max(1e9).optional() }),
  updateRun: z.object({
    runId: RunId,
    name: z.string().max(200).nullable().optional(),
    tags: z.array(z.string().min(1).max(40)).max(20).optional(),
    notes: z.string().max(20_000).nullable().optional(),
  }),
  deleteRun: z.object({ runId: RunId }),
  exportRun: z.object({ runId: RunId, format: z.enum(['csv', 'json', 'policy-zip']) }),
  revealRun: z.object({ runId: RunId }),
  insights: InsightsRequest,
  rollout: RolloutRequest,
  exportGif: ExportGifRequest,
  recordedEpisode: RecordedEpisodeRequest,
  exportRecordedGif: RecordedGifRequest,
  startSweep: SweepRequest,
  listSweeps: z.object({}),
  getSweep: z.object({ sweepId: SweepId }),
  stopSweep: z.object({ sweepId: SweepId }),
  /** Where new runs train (this machine or a job queue) and the queue's state now; never its password. */
  queueSettings: z.object({}),
  /** Looks at a queue address ("***" for the saved password): reachable, workers online, or why not. */
  testQueue: z.object({ url: QueueUrlField.refine((t) => t.trim() !== '', 'enter a queue address to test') }),
  /** New runs go to this queue, or to this machine when empty; kept for the next start. */
  saveQueue: z.object({ url: QueueUrlField }),
  /** Saved presets (presets.json in the runs folder, shared with the CLI). */
  listPresets: z.object({}),
  /** Keeps a configuration under a name, checked as a run request; an existing name only with overwrite. */
  savePreset: SavePresetRequest,
  deletePreset: z.object({ name: PresetName }),
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
  recordedEpisode: RecordedEpisodeFrames;
  exportRecordedGif: GifExport;
  startSweep: SweepSummary;
  listSweeps: SweepSummary[];
  getSweep: SweepSummary;
  stopSweep: SweepSummary;
  queueSettings: QueueSettings;
  testQueue: QueueProbe;
  saveQueue: QueueSettings;
  listPresets: PresetList;
  savePreset: PresetList;
  deletePreset: PresetList;
}

// ---------- events: lab → renderer ----------

/** The events the lab sends: the runs' (main/lab/domain/runs.ts) and the sweeps' (main/lab/domain/sweeps.ts). */
export type EventTypes = RunEvents & SweepEvents;
export type EventName = keyof EventTypes;

/** What the renderer sees, whether it talks to Electron (preload) or to `serve` (WebSocket). */
export interface LabBridge {
  invoke<K extends RequestName>(name: K, payload: RequestPayload<K>): Promise<ResultTypes[K]>;
  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void;
}

/** Electron IPC channel names: defined in channels.ts so the preload can import them without zod. */
export { IPC_INVOKE, IPC_EVENT } from './channels.ts';

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}

// ---------- browser-mode WebSocket bridge (serve.ts ⇄ renderer lab-client), path /ws ----------

export type WsClientMessage = { type: 'invoke'; id: number; name: string; payload: unknown };
export type WsServerMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: BridgeError }
  | { type: 'event'; event: EventName; payload: unknown };
