/** One episode of an actor in an env, recording what the CLI, Watch and GIF export need. */
import type { Env } from './envs/env.ts';
import { heuristicActor, randomActor, type Actor } from './agents/baselines.ts';
import type { EnvId, RenderState } from './domain/envs.ts';
import { npRandom } from './envs/numpy-rng.ts';
import { checkPolicyFitsEnv, type LoadedPolicy } from './runs/policy-file.ts';

/** Who acts in a rollout: a baseline agent or a loaded policy (deterministic = argmax / mean). */
export type ActorSource = { agent: 'random' | 'heuristic' } | { policy: LoadedPolicy; deterministic: boolean };

/**
 * One Actor for every caller (CLI rollout and gif, Watch, GIF export). Sampling streams are seeded
 * from the episode seed, so the same request replays the same episode.
 */
export function makeActor(source: ActorSource, env: Env, envId: EnvId, envOptions: Record<string, unknown>, seed: number): Actor {
  if ('policy' in source) {
    const { policy } = source;
    if (policy.meta.env !== envId) throw new Error(`this policy was trained on ${policy.meta.env}, not ${envId}`);
    checkPolicyFitsEnv(policy.meta, env, envOptions);
    const rng = npRandom(seed + 7_919);
    return {
      act: (obs) => {
        const a = policy.act(obs, 1, source.deterministic, rng);
        return a instanceof Int32Array ? a[0] : Float32Array.from(a);
      },
    };
  }
  if (source.agent === 'heuristic') return heuristicActor(envId, envOptions);
  return randomActor(env.actionSpace, npRandom(seed + 1_000_003));
}

export interface RolloutStep {
  t: number;
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

export interface Episode {
  seed: number;
  resetObs: number[];
  steps: RolloutStep[];
  /** frames[0] is the reset state; frames[k] the state after step k. */
  frames: RenderState[];
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
}

export interface RolloutOptions {
  seed: number;
  maxSteps?: number;
  onReset?: (obs: number[]) => void;
  onStep?: (step: RolloutStep) => void;
}

export function runEpisode(env: Env, actor: Actor, opts: RolloutOptions): Episode {
  const { obs: first } = env.reset({ seed: opts.seed });
  opts.onReset?.(Array.from(first));
  const maxSteps = opts.maxSteps ?? Infinity;
  const steps: RolloutStep[] = [];
  const frames: RenderState[] = [env.renderState()];
  let obs = first;
  let ret = 0;
  let terminated = false;
  let truncated = false;
  for (let t = 0; t < maxSteps && !terminated && !truncated; t++) {
    const a = actor.act(obs);
    const r = env.step(a);
    obs = r.obs;
    ret += r.reward;
    terminated = r.terminated;
    truncated = r.truncated;
    const step: RolloutStep = {
      t,
      action: typeof a === 'number' ? a : Array.from(a),
      obs: Array.from(r.obs),
      reward: r.reward,
      terminated,
      truncated,
    };
    steps.push(step);
    frames.push(env.renderState());
    opts.onStep?.(step);
  }
  return { seed: opts.seed, resetObs: Array.from(first), steps, frames, return: ret, length: steps.length, terminated, truncated };
}

/** A caption naming an actor without a machine path: a policy's last two folders (e.g. run id / policy), or the agent. */
export function actorLabel(p: { policy?: string; agent?: string }): string {
  if (!p.policy) return `${p.agent ?? 'random'} agent`;
  return p.policy
    .split(/[\\/]+/)
    .filter(Boolean)
    .slice(-2)
    .join('/');
}
