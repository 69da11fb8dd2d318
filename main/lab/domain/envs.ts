/** Environments as every floor sees them: their ids, the options they take, what the lab reports of them, and a frame of a scene. */
import { z } from 'zod';

export const EnvId = z.enum(['CartPole-v1', 'LunarLander-v3']);
export type EnvId = z.infer<typeof EnvId>;

/** Gymnasium make() keyword options (continuous, gravity, enable_wind, …); validated per env by the lab. */
export const EnvOptions = z.record(z.string().max(64), z.union([z.number(), z.boolean()])).default({});

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

export type RenderState = { env: 'CartPole-v1'; x: number; theta: number } | { env: 'LunarLander-v3'; [k: string]: unknown };
