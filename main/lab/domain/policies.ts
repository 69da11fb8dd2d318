/** Saved policies and what the lab does with them: list, play an episode, look inside, export a GIF. */
import { z } from 'zod';
import { EnvId, EnvOptions, type RenderState } from './envs.ts';
import { Seed } from './runs.ts';

export const RolloutRequest = z.object({
  env: EnvId,
  envOptions: EnvOptions,
  seed: Seed.default(0),
  policy: z.string().max(4096).optional(),
  agent: z.enum(['random', 'heuristic']).optional(),
  deterministic: z.boolean().default(true),
  maxSteps: z.number().int().min(1).max(100_000).optional(),
});

export const InsightsRequest = z.object({
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
});

/** A GIF caption: a policy's name as the picker shows it. */
const GifLabel = z.string().trim().min(1).max(200);

export const ExportGifRequest = RolloutRequest.extend({
  fps: z.number().int().min(1).max(100).default(50),
  scale: z.number().min(0.25).max(2).default(1),
  /** The first agent's caption when `beside` is set (default: its policy folder's or agent's name). */
  label: GifLabel.optional(),
  /** A second agent, played on the same seed, action mode and step limit: one GIF, the two side by side. */
  beside: RolloutRequest.pick({ env: true, envOptions: true, policy: true, agent: true }).extend({ label: GifLabel.optional() }).optional(),
});

/** The play requests after their schemas have filled the defaults. */
export type RolloutParams = z.output<typeof RolloutRequest>;
export type InsightsParams = z.output<typeof InsightsRequest>;
export type ExportGifParams = z.output<typeof ExportGifRequest>;

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
  /** The second agent's episode of a side-by-side GIF. */
  beside?: { return: number; length: number };
}
