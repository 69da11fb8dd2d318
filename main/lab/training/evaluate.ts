/**
 * Evaluating a policy: full episodes, episode k reset with seed + k, the return's mean and
 * (population) std as SB3's evaluate_policy. One function for the trainer's periodic and final
 * evaluations and for `eval` on a saved policy (whose env envOfPolicy makes).
 */
import type { ActingPolicy } from '../agents/algorithm.ts';
import type { HyperValue } from '../domain/hyperparameters.ts';
import type { Env } from '../envs/env.ts';
import { makeEnv } from '../envs/registry.ts';
import { npRandom } from '../envs/numpy-rng.ts';
import type { LoadedPolicy } from '../runs/policy-file.ts';

export interface EvalResult {
  mean: number;
  std: number;
  returns: number[];
  lengths: number[];
}

export interface EvalOptions {
  episodes: number;
  /** Episode k is reset with seed + k. */
  seed: number;
  /** Mode actions (default) or sampled ones, from a stream of their own reproducible from the seed. */
  deterministic?: boolean;
}

export function evaluatePolicy(policy: ActingPolicy, env: Env, { episodes, seed, deterministic = true }: EvalOptions): EvalResult {
  if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`episodes must be a positive integer, got ${episodes}`);
  const rng = deterministic ? undefined : npRandom((BigInt(seed) << 64n) | 0xe7a1n);
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let k = 0; k < episodes; k++) {
    let { obs } = env.reset({ seed: seed + k });
    let ret = 0;
    let len = 0;
    for (;;) {
      const act = policy.act(obs, 1, deterministic, rng);
      const r = env.step(act instanceof Int32Array ? act[0] : Float32Array.from(act));
      ret += r.reward;
      len++;
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    returns.push(ret);
    lengths.push(len);
  }
  const mean = returns.reduce((x, y) => x + y, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((x, y) => x + (y - mean) ** 2, 0) / returns.length);
  return { mean, std, returns, lengths };
}

/** The env a saved policy was trained on, with its options (loadPolicy has already awaited the env's async setup). */
export function envOfPolicy(policy: LoadedPolicy): Env {
  return makeEnv(policy.meta.env, policy.meta.envOptions as Record<string, HyperValue>);
}

/** evaluatePolicy on the env a saved policy was trained on (closed afterwards). */
export function evaluateSavedPolicy(policy: LoadedPolicy, opts: EvalOptions): EvalResult {
  const env = envOfPolicy(policy);
  try {
    return evaluatePolicy(policy, env, opts);
  } finally {
    env.close();
  }
}
