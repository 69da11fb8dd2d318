/**
 * Env registry, like gymnasium.make: ids → specs, validated options and factories. makeEnv wraps the
 * raw env in OrderEnforcing + TimeLimit (Gymnasium's default chain, minus the passive checker).
 * An env's facts (id, spec, options and their bounds) are its EnvDef (main/lab/domain/env-defs/);
 * what needs code is here: an entry with its `make` (and optionally a fast `makeVec` and a `ready`).
 */
import { COMMON_ENV_OPTIONS, ENV_DEFS, type EnvId } from '../domain/envs.ts';
import { optionBoundsError, type EnvOptionDef } from '../domain/env-def.ts';
import type { Env, EnvSpec, VecEnv } from './env.ts';
import { CartPoleEnv } from './cartpole.ts';
import { CartPoleVecEnv } from './cartpole-vec.ts';
import { LunarLanderEnv } from './lunar-lander.ts';
import { loadBox2D } from './box2d.ts';
import { OrderEnforcing, TimeLimit } from './wrappers.ts';
import { SyncVecEnv, checkNumEnvs } from './vector-env.ts';

export type { EnvId } from '../domain/envs.ts';

type OptionValue = boolean | number;

/** Options after validation, defaults filled in (Gymnasium's snake_case keyword names). */
export type ResolvedOptions = Readonly<Record<string, OptionValue>>;

interface EnvEntry {
  /** Raw (unwrapped) env; undefined while the env is not implemented yet. */
  readonly make?: (o: ResolvedOptions) => Env;
  /** Specialised vector env; falls back to SyncVecEnv over `make` when absent. */
  readonly makeVec?: (numEnvs: number, o: ResolvedOptions, maxEpisodeSteps: number) => VecEnv;
  /** Async setup `make` depends on (e.g. instantiating a wasm physics engine); see ensureEnvReady. */
  readonly ready?: () => Promise<unknown>;
}

const REGISTRY: Readonly<Record<EnvId, EnvEntry>> = {
  'CartPole-v1': {
    make: (o) => new CartPoleEnv({ suttonBartoReward: o.sutton_barto_reward as boolean }),
    makeVec: (n, o, maxEpisodeSteps) => new CartPoleVecEnv(n, { maxEpisodeSteps, suttonBartoReward: o.sutton_barto_reward as boolean }),
  },
  'LunarLander-v3': {
    make: (o) =>
      new LunarLanderEnv({
        continuous: o.continuous as boolean,
        gravity: o.gravity as number,
        enableWind: o.enable_wind as boolean,
        windPower: o.wind_power as number,
        turbulencePower: o.turbulence_power as number,
      }),
    ready: loadBox2D, // Box2D is an Emscripten module: makeEnv throws until this has resolved
  },
};

const ALL_IDS = Object.keys(REGISTRY) as EnvId[];

/** Ids makeEnv can build now (the UI lists these). */
export const ENV_IDS: readonly EnvId[] = Object.freeze(ALL_IDS.filter((id) => REGISTRY[id].make !== undefined));

/** Every registered id, including envs that are planned but not implemented yet. */
export const KNOWN_ENV_IDS: readonly EnvId[] = Object.freeze([...ALL_IDS]);

/** Each id's EnvSpec, from its EnvDef. */
const SPECS = Object.fromEntries(KNOWN_ENV_IDS.map((id) => [id, Object.freeze({ id, ...ENV_DEFS[id].spec })])) as Record<EnvId, EnvSpec>;

const OPTION_DEFS = Object.fromEntries(KNOWN_ENV_IDS.map((id) => [id, Object.freeze({ ...ENV_DEFS[id].options, ...COMMON_ENV_OPTIONS })])) as Record<
  EnvId,
  Readonly<Record<string, EnvOptionDef>>
>;

export function isEnvId(id: string): id is EnvId {
  return Object.prototype.hasOwnProperty.call(REGISTRY, id);
}

function knownId(id: string): EnvId {
  if (!isEnvId(id)) throw new Error(`unknown env id "${id}"; known ids: ${KNOWN_ENV_IDS.join(', ')}`);
  return id;
}

function entry(id: string): EnvEntry {
  return REGISTRY[knownId(id)];
}

export function isEnvImplemented(id: string): boolean {
  return isEnvId(id) && REGISTRY[id].make !== undefined;
}

/** The registered spec (maxEpisodeSteps / rewardThreshold) of an env id. */
export function envSpec(id: string): EnvSpec {
  return SPECS[knownId(id)];
}

/** The option schema of an env id (env-specific options plus max_episode_steps). */
export function envOptionDefs(id: string): Readonly<Record<string, EnvOptionDef>> {
  return OPTION_DEFS[knownId(id)];
}

/** Validates options against the env's schema and fills in defaults; errors name the offending option. */
export function resolveEnvOptions(id: string, options: Record<string, unknown> = {}): ResolvedOptions {
  const spec = envSpec(id);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new Error(`${id}: options must be an object`);
  const defs = envOptionDefs(id);
  const out: Record<string, OptionValue> = {};
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(defs, key)) {
      throw new Error(`${id}: unknown option "${key}"; valid options: ${Object.keys(defs).join(', ')}`);
    }
  }
  for (const [key, def] of Object.entries(defs)) {
    const v = Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined;
    if (v === undefined) {
      out[key] = key === 'max_episode_steps' ? spec.maxEpisodeSteps : def.default;
      continue;
    }
    if (def.type === 'boolean') {
      if (typeof v !== 'boolean') throw new Error(`${id}: option "${key}" must be a boolean, got ${JSON.stringify(v)}`);
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${id}: option "${key}" must be a finite number, got ${JSON.stringify(v)}`);
      if (def.type === 'integer' && !Number.isSafeInteger(v)) throw new Error(`${id}: option "${key}" must be an integer, got ${v}`);
      const msg = optionBoundsError(def, v);
      if (msg) throw new Error(`${id}: option "${key}" ${msg}, got ${v}`);
    }
    out[key] = v;
  }
  return Object.freeze(out);
}

function implementedEntry(
  id: string,
  options: Record<string, unknown> | undefined,
): { e: EnvEntry & { make: NonNullable<EnvEntry['make']> }; o: ResolvedOptions } {
  const e = entry(id);
  const o = resolveEnvOptions(id, options);
  if (!e.make) throw new Error(`${id} is not implemented yet (available: ${ENV_IDS.join(', ')})`);
  return { e: e as EnvEntry & { make: NonNullable<EnvEntry['make']> }, o };
}

/**
 * Resolves once envs of this id can be built synchronously by makeEnv/makeVecEnv (LunarLander-v3
 * loads the Box2D module; other envs are ready at once). Await it before creating envs.
 */
export async function ensureEnvReady(id: string): Promise<void> {
  await entry(id).ready?.();
}

/** Like gymnasium.make(id, **options): TimeLimit(OrderEnforcing(env)). */
export function makeEnv(id: string, options?: Record<string, unknown>): Env {
  const { e, o } = implementedEntry(id, options);
  return new TimeLimit(new OrderEnforcing(e.make(o)), o.max_episode_steps as number);
}

/** numEnvs copies with same-step autoreset; CartPole gets the specialised struct-of-arrays version. */
export function makeVecEnv(id: string, numEnvs: number, options?: Record<string, unknown>): VecEnv {
  checkNumEnvs(numEnvs);
  const { e, o } = implementedEntry(id, options);
  const maxSteps = o.max_episode_steps as number;
  if (e.makeVec) return e.makeVec(numEnvs, o, maxSteps);
  const envs: Env[] = [];
  for (let i = 0; i < numEnvs; i++) envs.push(new TimeLimit(new OrderEnforcing(e.make(o)), maxSteps));
  return new SyncVecEnv(envs);
}
