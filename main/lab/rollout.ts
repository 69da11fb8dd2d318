/** One episode of an actor in an env, recording what the CLI, Watch and GIF export need. */
import type { Env } from './envs/env.ts';
import type { Actor } from './agents/baselines.ts';
import type { RenderState } from '../../preload/contract.ts';

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
