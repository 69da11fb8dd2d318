/** Agents that need no training: uniform random and the hand-written heuristic controllers. */
import type { Space } from '../envs/spaces.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import { actionSpaceOf } from '../domain/env-def.ts';
import { ENV_DEFS, type EnvId } from '../domain/envs.ts';
import { lunarHeuristic } from './lunar-heuristic.ts';

/** Acts on one observation at a time (rollouts, CLI, Watch). */
export interface Actor {
  act(obs: Float32Array): number | Float32Array;
}

export function randomActor(space: Space, rng: Generator): Actor {
  if (space.kind === 'discrete') return { act: () => rng.integers(0, space.n) };
  return {
    act: () => {
      const a = new Float32Array(space.shape[0]);
      for (let i = 0; i < a.length; i++) a[i] = rng.uniform(space.low[i], space.high[i]);
      return a;
    },
  };
}

/**
 * CartPole: push toward the side the pole is falling to, looking a little ahead with the angular
 * velocity (theta + 0.5·theta_dot, computed in float64 from the float32 obs). Balances for 500 steps
 * on every recorded seed.
 */
export function cartPoleHeuristic(): Actor {
  return { act: (obs) => (obs[2] + 0.5 * obs[3] > 0 ? 1 : 0) };
}

/** Each env's hand-written controller, for its discrete or Box action space. */
const HEURISTICS: Readonly<Record<EnvId, (actions: 'discrete' | 'box') => Actor>> = {
  'CartPole-v1': () => cartPoleHeuristic(),
  // Gymnasium's published controller, discrete or continuous to match the env.
  'LunarLander-v3': (actions) => {
    const continuous = actions === 'box';
    return { act: (obs) => lunarHeuristic(obs, continuous) };
  },
};

/** The env's heuristic for the action space of that kind. */
export function heuristicFor(env: EnvId, actions: 'discrete' | 'box'): Actor {
  return HEURISTICS[env](actions);
}

/** The env's heuristic for the action space these make() options give it. */
export function heuristicActor(env: EnvId, envOptions: Record<string, unknown> = {}): Actor {
  return heuristicFor(env, actionSpaceOf(ENV_DEFS[env], envOptions).kind);
}
