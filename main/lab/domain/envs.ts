/** Environments as every floor sees them: their ids and definitions, the options they take, what the lab reports of them, and a frame of a scene. */
import { z } from 'zod';
import type { EnvDef, EnvOptionDef } from './env-def.ts';
import { CARTPOLE } from './env-defs/cartpole.ts';
import { LUNAR_LANDER } from './env-defs/lunar-lander.ts';

export const EnvId = z.enum([CARTPOLE.id, LUNAR_LANDER.id]);
export type EnvId = z.infer<typeof EnvId>;

/** Every environment's facts, by id (a new env: its EnvDef in env-defs/, then here and in EnvId). */
export const ENV_DEFS: { readonly [K in EnvId]: EnvDef<K> } = {
  [CARTPOLE.id]: CARTPOLE,
  [LUNAR_LANDER.id]: LUNAR_LANDER,
};

/** The definition of a known id, undefined for any other string. */
export function findEnvDef(id: string): EnvDef<EnvId> | undefined {
  return EnvId.safeParse(id).success ? ENV_DEFS[id as EnvId] : undefined;
}

/** gymnasium.make(max_episode_steps=...), which every env takes; 0 stands for the spec's limit. */
export const COMMON_ENV_OPTIONS: Readonly<Record<string, EnvOptionDef>> = {
  max_episode_steps: { type: 'integer', default: 0, description: 'TimeLimit override (default: the spec value)', min: 1 },
};

/** Gymnasium make() keyword options (continuous, gravity, enable_wind, …); validated per env by the lab. */
export const EnvOptions = z.record(z.string().max(64), z.union([z.number(), z.boolean()])).default({});

/** An option as the lab reports it: its definition (bounds included) and its key. */
export type EnvOptionInfo = EnvOptionDef & { key: string };

export interface EnvInfo {
  id: EnvId;
  options: EnvOptionInfo[];
  observationSpace: unknown;
  actionSpace: unknown;
  maxEpisodeSteps: number;
  rewardThreshold: number;
}

/** What each env's renderState() reports besides its id (drawn by main/lab/media/scene.ts). */
interface RenderStates {
  'CartPole-v1': { x: number; theta: number };
  'LunarLander-v3': { [k: string]: unknown };
}

/** Env-specific drawable state; `env` selects the scene builder. */
export type RenderState = { [K in EnvId]: { env: K } & RenderStates[K] }[EnvId];
