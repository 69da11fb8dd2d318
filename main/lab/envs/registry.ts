/**
 * Env registry, like gymnasium.make: ids → specs, validated options and factories. makeEnv wraps the
 * raw env in OrderEnforcing + TimeLimit (Gymnasium's default chain, minus the passive checker).
 * Adding an env = adding an entry with its option schema and a `make` (and optionally a fast `makeVec`).
 */
import type { Env, EnvSpec, VecEnv } from './env.ts';
import { CARTPOLE_SPEC, CartPoleEnv } from './cartpole.ts';
import { CartPoleVecEnv } from './cartpole-vec.ts';
import { LUNAR_LANDER_SPEC, LunarLanderEnv } from './lunar-lander.ts';
import { loadBox2D } from './box2d.ts';
import { OrderEnforcing, TimeLimit } from './wrappers.ts';
import { SyncVecEnv, checkNumEnvs } from './vector-env.ts';

/** Every env id the lab knows about (implemented or planned). */
export type EnvId = 'CartPole-v1' | 'LunarLander-v3';

type OptionValue = boolean | number;

export interface EnvOptionDef {
  readonly type: 'boolean' | 'number' | 'integer';
  readonly default: OptionValue;
  readonly description: string;
  /** Extra constraint; returns an error message or null. */
  readonly check?: (v: number) => string | null;
}

/** Options after validation, defaults filled in (Gymnasium's snake_case keyword names). */
export type ResolvedOptions = Readonly<Record<string, OptionValue>>;

interface EnvEntry {
  readonly id: EnvId;
  readonly spec: EnvSpec;
  readonly options: Readonly<Record<string, EnvOptionDef>>;
  /** Raw (unwrapped) env; undefined while the env is not implemented yet. */
  readonly make?: (o: ResolvedOptions) => Env;
  /** Specialised vector env; falls back to SyncVecEnv over `make` when absent. */
  readonly makeVec?: (numEnvs: number, o: ResolvedOptions, maxEpisodeSteps: number) => VecEnv;
  /** Async setup `make` depends on (e.g. instantiating a wasm physics engine); see ensureEnvReady. */
  readonly ready?: () => Promise<unknown>;
}

const positiveInt = (v: number): string | null => (v >= 1 ? null : 'must be ≥ 1');

/** gymnasium.make(max_episode_steps=...) — accepted by every env. */
const COMMON_OPTIONS: Readonly<Record<string, EnvOptionDef>> = {
  max_episode_steps: { type: 'integer', default: 0, description: 'TimeLimit override (default: the spec value)', check: positiveInt },
};

const REGISTRY: Readonly<Record<EnvId, EnvEntry>> = {
  'CartPole-v1': {
    id: 'CartPole-v1',
    spec: CARTPOLE_SPEC,
    options: {
      sutton_barto_reward: { type: 'boolean', default: false, description: 'reward 0 per step and −1 on termination instead of +1 per step' },
    },
    make: (o) => new CartPoleEnv({ suttonBartoReward: o.sutton_barto_reward as boolean }),
    makeVec: (n, o, maxEpisodeSteps) => new CartPoleVecEnv(n, { maxEpisodeSteps, suttonBartoReward: o.sutton_barto_reward as boolean }),
  },
  'LunarLander-v3': {
    id: 'LunarLander-v3',
    spec: LUNAR_LANDER_SPEC,
    options: {
      continuous: { type: 'boolean', default: false, description: 'Box(2) throttle actions instead of Discrete(4)' },
      gravity: {
        type: 'number',
        default: -10.0,
        description: 'gravity, in (−12, 0)',
        check: (v) => (v > -12 && v < 0 ? null : 'must be in the open interval (−12, 0)'),
      },
      enable_wind: { type: 'boolean', default: false, description: 'apply wind and turbulence while airborne' },
      wind_power: { type: 'number', default: 15.0, description: 'wind strength (Gymnasium recommends 0..20)' },
      turbulence_power: { type: 'number', default: 1.5, description: 'rotational turbulence (Gymnasium recommends 0..2)' },
    },
    make: (o) =>
      new LunarLanderEnv({
        continuous: o.continuous as boolean,
        gravity: o.gravity as number,
        enableWind: o.enable_wind as boolean,
        windPower: o.wind_power as number,
        turbulencePower: o.turbulence_power as number,
      }),
    ready: loadBox2D, // Box2D is wasm: makeEnv throws until this has resolved
  },
};

const ALL_IDS = Object.keys(REGISTRY) as EnvId[];

/** Ids makeEnv can build now (the UI lists these). */
export const ENV_IDS: readonly EnvId[] = Object.freeze(ALL_IDS.filter((id) => REGISTRY[id].make !== undefined));

/** Every registered id, including envs that are planned but not implemented yet. */
export const KNOWN_ENV_IDS: readonly EnvId[] = Object.freeze([...ALL_IDS]);

export function isEnvId(id: string): id is EnvId {
  return Object.prototype.hasOwnProperty.call(REGISTRY, id);
}

function entry(id: string): EnvEntry {
  if (!isEnvId(id)) throw new Error(`unknown env id "${id}"; known ids: ${KNOWN_ENV_IDS.join(', ')}`);
  return REGISTRY[id];
}

export function isEnvImplemented(id: string): boolean {
  return isEnvId(id) && REGISTRY[id].make !== undefined;
}

/** The registered spec (maxEpisodeSteps / rewardThreshold) of an env id. */
export function envSpec(id: string): EnvSpec {
  return entry(id).spec;
}

/** The option schema of an env id (env-specific options plus max_episode_steps). */
export function envOptionDefs(id: string): Readonly<Record<string, EnvOptionDef>> {
  return { ...entry(id).options, ...COMMON_OPTIONS };
}

/** Validates options against the env's schema and fills in defaults; errors name the offending option. */
export function resolveEnvOptions(id: string, options: Record<string, unknown> = {}): ResolvedOptions {
  const e = entry(id);
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
      out[key] = key === 'max_episode_steps' ? e.spec.maxEpisodeSteps : def.default;
      continue;
    }
    if (def.type === 'boolean') {
      if (typeof v !== 'boolean') throw new Error(`${id}: option "${key}" must be a boolean, got ${JSON.stringify(v)}`);
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${id}: option "${key}" must be a finite number, got ${JSON.stringify(v)}`);
      if (def.type === 'integer' && !Number.isSafeInteger(v)) throw new Error(`${id}: option "${key}" must be an integer, got ${v}`);
      const msg = def.check?.(v);
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
 * loads Box2D's wasm module; other envs are ready at once). Await it before creating envs.
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
