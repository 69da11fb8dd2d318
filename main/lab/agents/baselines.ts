/** Agents that need no training: uniform random and the hand-written heuristic controllers. */
import type { Space } from '../envs/spaces.ts';
import type { Generator } from '../envs/numpy-rng.ts';
import type { EnvId } from '../domain/envs.ts';
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

/** LunarLander: Gymnasium's published controller (discrete or continuous, matching the env). */
export function heuristicActor(env: EnvId, envOptions: Record<string, unknown> = {}): Actor {
  if (env === 'CartPole-v1') return cartPoleHeuristic();
  const continuous = envOptions.continuous === true;
  return { act: (obs) => lunarHeuristic(obs, continuous) };
}
