/** CartPole-v1 (+ make's wrappers) against Gymnasium 1.3.0 trajectories in ../shared/refdata/cartpole.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ResetNeeded, type Env } from '../../main/lab/envs/env.ts';
import {
  CartPoleEnv,
  FORCE_MAG,
  GRAVITY,
  LENGTH,
  MASSCART,
  MASSPOLE,
  POLEMASS_LENGTH,
  STEP_AFTER_TERMINATED_WARNING,
  TAU,
  THETA_THRESHOLD_RADIANS,
  TOTAL_MASS,
  X_THRESHOLD,
} from '../../main/lab/envs/cartpole.ts';
import { ENV_IDS, KNOWN_ENV_IDS, envSpec, makeEnv } from '../../main/lab/envs/registry.ts';
import { TimeLimit, Wrapper } from '../../main/lab/envs/wrappers.ts';
import { setWarningSink } from '../../main/lab/envs/warnings.ts';

type Vec4 = [number, number, number, number];
interface Big {
  hex: string;
}
interface Traj {
  actions: number[];
  obs: Vec4[];
  state_f64: Vec4[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
  length: number;
  return: number;
}
interface ExtraStep {
  action: number;
  obs: Vec4;
  state_f64: Vec4;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  warnings: string[];
}
interface Episode {
  seed: number;
  reset: {
    obs: Vec4;
    obs_f32_hex: string[];
    state_f64: Vec4;
    np_random_seed: string;
    rng_state_after_reset: { state: Big; inc: Big; has_uint32: number; uinteger: number };
  };
  fixed_actions: Traj & { post_termination: ExtraStep[] };
  heuristic: Traj & { post_end: ExtraStep[] };
  reset_continuation: { obs: Vec4[]; state_f64_last: Vec4 };
}
interface CartPoleRef {
  constants: Record<string, number | string | (number | string)[]>;
  step_before_reset: string;
  sanity: { reset_seed42_obs: Vec4; step1_obs: Vec4 };
  episodes: Episode[];
}

const REF_URL = new URL('../../../shared/refdata/cartpole.json', import.meta.url);
let cached: CartPoleRef | undefined;
function ref(): CartPoleRef {
  if (cached) return cached;
  const path = fileURLToPath(REF_URL);
  if (!existsSync(path)) throw new Error(`reference data missing: ${path} (recorded from Gymnasium 1.3.0; see shared/refdata/README.md)`);
  cached = JSON.parse(readFileSync(path, 'utf8')) as CartPoleRef;
  return cached;
}

const TOL = 1e-6;
const unwrap = (env: Env): CartPoleEnv => (env as Wrapper).unwrapped as CartPoleEnv;
const f32hex = (v: number): string => {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v);
  return b.getUint32(0).toString(16).padStart(8, '0');
};

function assertClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= TOL, `${what}[${k}]: ${actual[k]} vs ${expected[k]}`);
  }
}

/** The README's LCG action source: state0 = seed mod 2^32, first action from the first updated state. */
function lcgActions(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return s >>> 31;
  };
}

/** Collects warnings for the duration of fn. */
function captureWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const prev = setWarningSink((m) => warnings.push(m));
  try {
    return { result: fn(), warnings };
  } finally {
    setWarningSink(prev);
  }
}

test('constants match the recorded env', () => {
  const c = ref().constants;
  assert.equal(GRAVITY, c.gravity);
  assert.equal(MASSCART, c.masscart);
  assert.equal(MASSPOLE, c.masspole);
  assert.equal(TOTAL_MASS, c.total_mass);
  assert.equal(LENGTH, c.length);
  assert.equal(POLEMASS_LENGTH, c.polemass_length);
  assert.equal(FORCE_MAG, c.force_mag);
  assert.equal(TAU, c.tau);
  assert.equal(THETA_THRESHOLD_RADIANS, c.theta_threshold_radians);
  assert.equal(X_THRESHOLD, c.x_threshold);
});

test('spaces and spec', () => {
  const c = ref().constants;
  const env = makeEnv('CartPole-v1');
  const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
  assert.deepEqual(env.observationSpace, {
    kind: 'box',
    shape: [4],
    low: (c.observation_space_low_f32 as (number | string)[]).map(num),
    high: (c.observation_space_high_f32 as (number | string)[]).map(num),
  });
  assert.deepEqual(env.actionSpace, { kind: 'discrete', n: c.action_space_n });
  assert.equal(env.spec.id, 'CartPole-v1');
  assert.equal(env.spec.maxEpisodeSteps, 500);
  assert.equal(env.spec.maxEpisodeSteps, c.max_episode_steps);
  assert.equal(env.spec.rewardThreshold, 475);
  assert.equal(env.spec.rewardThreshold, c.reward_threshold);
  assert.deepEqual(envSpec('CartPole-v1'), env.spec);
});

test('step before reset raises ResetNeeded (OrderEnforcing)', () => {
  const env = makeEnv('CartPole-v1');
  assert.throws(
    () => env.step(0),
    (err: unknown) => err instanceof ResetNeeded && ref().step_before_reset === `gymnasium.error.ResetNeeded: ${err.message}`,
  );
});

test('sanity: reset(seed=42) then step(1)', () => {
  const env = makeEnv('CartPole-v1');
  assert.deepEqual([...env.reset({ seed: 42 }).obs], ref().sanity.reset_seed42_obs);
  assertClose(env.step(1).obs, ref().sanity.step1_obs, 'step(1)');
});

test('reset: exact float32 obs, float64 state and generator state', () => {
  for (const ep of ref().episodes) {
    const env = makeEnv('CartPole-v1');
    const { obs, info } = env.reset({ seed: ep.seed });
    assert.ok(obs instanceof Float32Array);
    assert.deepEqual([...obs], ep.reset.obs, `seed ${ep.seed}`);
    assert.deepEqual([...obs].map(f32hex), ep.reset.obs_f32_hex, `seed ${ep.seed} bits`);
    assert.deepEqual(info, {});
    const raw = unwrap(env);
    assert.deepEqual(raw.state, ep.reset.state_f64, `seed ${ep.seed} state`);
    const st = ep.reset.rng_state_after_reset;
    assert.deepEqual(raw.rng.getState(), { state: BigInt(st.state.hex), inc: BigInt(st.inc.hex), hasUint32: st.has_uint32, uinteger: st.uinteger });
    assert.equal(raw.rng.seed, BigInt(ep.reset.np_random_seed));
  }
});

test('fixed LCG actions until termination, then 3 steps past it (reward 0, one warning)', () => {
  for (const ep of ref().episodes) {
    const tr = ep.fixed_actions;
    const env = makeEnv('CartPole-v1');
    env.reset({ seed: ep.seed });
    const next = lcgActions(ep.seed);
    let ret = 0;
    let len = 0;
    for (let k = 0; k < tr.actions.length; k++) {
      const a = next();
      assert.equal(a, tr.actions[k], `seed ${ep.seed} LCG action ${k}`);
      const r = env.step(a);
      assertClose(r.obs, tr.obs[k], `seed ${ep.seed} obs ${k}`);
      assertClose(unwrap(env).state as Vec4, tr.state_f64[k], `seed ${ep.seed} state ${k}`);
      assert.equal(r.reward, tr.rewards[k]);
      assert.equal(r.terminated, tr.terminated[k], `seed ${ep.seed} terminated at ${k}`);
      assert.equal(r.truncated, tr.truncated[k]);
      ret += r.reward;
      len++;
    }
    assert.equal(len, tr.length);
    assert.equal(ret, tr.return);
    assert.equal(tr.terminated[tr.length - 1], true);

    const { warnings } = captureWarnings(() => {
      tr.post_termination.forEach((p, k) => {
        const r = env.step(p.action);
        assertClose(r.obs, p.obs, `seed ${ep.seed} post obs ${k}`);
        assertClose(unwrap(env).state as Vec4, p.state_f64, `seed ${ep.seed} post state ${k}`);
        assert.equal(r.reward, 0);
        assert.equal(r.reward, p.reward);
        assert.equal(r.terminated, p.terminated);
        assert.equal(r.terminated, true);
        assert.equal(r.truncated, p.truncated);
      });
    });
    const expected = tr.post_termination.flatMap((p) => p.warnings);
    assert.equal(warnings.length, 1, `seed ${ep.seed}: warned exactly once`);
    assert.deepEqual(
      warnings.map((w) => `UserWarning: WARN: ${w}`),
      expected,
    );
    assert.equal(warnings[0], STEP_AFTER_TERMINATED_WARNING);
  }
});

/*
 * Why the 500-step heuristic runs are checked in two ways: the recorded numpy 1.24 computed cos(theta)
 * up to ±2 ulp away from the correctly rounded value (≈30% of steps differ from Math.cos/glibc by
 * ~1e-16 in theta_dot). The inverted pendulum amplifies that by about e^(3.8·t), so a free run leaves
 * the 1e-6 band after ~300 steps (~6 s). Hence: (1) every step, restarted from the recorded float64
 * state, must reproduce the next recorded state/obs within 1e-6 (actually ~1e-16); (2) the free
 * closed-loop run must match within 1e-6 for 250 steps and end the same way (truncated at 500).
 */
const FREE_RUN_EXACT_STEPS = 250;

test('heuristic trajectories: every step from the recorded state within 1e-6', () => {
  for (const ep of ref().episodes) {
    const tr = ep.heuristic;
    const env = makeEnv('CartPole-v1');
    env.reset({ seed: ep.seed });
    const raw = unwrap(env);
    let prevObs: readonly number[] = ep.reset.obs;
    for (let k = 0; k < tr.actions.length; k++) {
      // The recorded policy, computed in float64 from the float32 obs.
      assert.equal(prevObs[2] + 0.5 * prevObs[3] > 0 ? 1 : 0, tr.actions[k], `seed ${ep.seed} heuristic action ${k}`);
      raw.setState(k === 0 ? ep.reset.state_f64 : tr.state_f64[k - 1]);
      const r = env.step(tr.actions[k]);
      assertClose(r.obs, tr.obs[k], `seed ${ep.seed} obs ${k}`);
      assertClose(raw.state as Vec4, tr.state_f64[k], `seed ${ep.seed} state ${k}`);
      assert.equal(r.reward, tr.rewards[k]);
      assert.equal(r.terminated, tr.terminated[k], `seed ${ep.seed} terminated at ${k}`);
      assert.equal(r.truncated, tr.truncated[k], `seed ${ep.seed} truncated at ${k}`);
      prevObs = tr.obs[k];
    }
    // Past truncation: TimeLimit keeps saying truncated, the env keeps paying 1, no warning.
    const { warnings } = captureWarnings(() => {
      for (const p of tr.post_end) {
        const r = env.step(p.action);
        assertClose(r.obs, p.obs, `seed ${ep.seed} post_end obs`);
        assertClose(raw.state as Vec4, p.state_f64, `seed ${ep.seed} post_end state`);
        assert.equal(r.reward, p.reward);
        assert.equal(r.reward, 1);
        assert.equal(r.truncated, p.truncated);
        assert.equal(r.truncated, true);
        assert.equal(r.terminated, p.terminated);
      }
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      tr.post_end.flatMap((p) => p.warnings),
      [],
    );
  }
});

test('heuristic free run: matches within 1e-6 for 250 steps, truncated at step 500 like the reference', () => {
  for (const ep of ref().episodes) {
    const tr = ep.heuristic;
    const env = makeEnv('CartPole-v1');
    let obs = env.reset({ seed: ep.seed }).obs;
    let ret = 0;
    let len = 0;
    let end: { terminated: boolean; truncated: boolean } | undefined;
    while (!end) {
      const a = obs[2] + 0.5 * obs[3] > 0 ? 1 : 0;
      const r = env.step(a);
      if (len < FREE_RUN_EXACT_STEPS) {
        assert.equal(a, tr.actions[len], `seed ${ep.seed} action ${len}`);
        assertClose(r.obs, tr.obs[len], `seed ${ep.seed} free-run obs ${len}`);
      }
      obs = r.obs;
      ret += r.reward;
      len++;
      if (r.terminated || r.truncated) end = r;
    }
    assert.equal(len, tr.length);
    assert.equal(ret, tr.return);
    assert.deepEqual({ terminated: end.terminated, truncated: end.truncated }, { terminated: false, truncated: true });
  }
});

test('reset() without a seed continues the same stream', () => {
  for (const ep of ref().episodes) {
    const env = makeEnv('CartPole-v1');
    const got = [env.reset({ seed: ep.seed }).obs, env.reset().obs, env.reset().obs].map((o) => [...o]);
    assert.deepEqual(got, ep.reset_continuation.obs, `seed ${ep.seed}`);
    assert.deepEqual(unwrap(env).state, ep.reset_continuation.state_f64_last);
  }
});

test('a never-seeded env resets from OS entropy', () => {
  const a = makeEnv('CartPole-v1').reset().obs;
  const b = makeEnv('CartPole-v1').reset().obs;
  for (const v of [...a, ...b]) assert.ok(Math.abs(v) <= 0.05);
  assert.notDeepEqual([...a], [...b]);
});

test('invalid actions are rejected clearly', () => {
  const env = makeEnv('CartPole-v1');
  env.reset({ seed: 0 });
  for (const bad of [2, -1, 0.5, Number.NaN, [1], Float32Array.of(1)]) {
    assert.throws(() => env.step(bad), /CartPole-v1: invalid action .*Discrete\(2\)/, `action ${String(bad)}`);
  }
  assert.equal(env.step(1).reward, 1); // the env is still usable
});

test('reset options low/high (maybe_parse_reset_bounds)', () => {
  const env = new CartPoleEnv();
  const obs = env.reset({ seed: 5, options: { low: -0.01, high: 0.01 } }).obs;
  for (const v of obs) assert.ok(Math.abs(v) <= 0.01);
  assert.throws(() => env.reset({ options: { low: 1, high: 0 } }), /low/);
});

test('registry: ids, unknown ids and options', () => {
  assert.deepEqual([...ENV_IDS], ['CartPole-v1', 'LunarLander-v3']);
  assert.ok(KNOWN_ENV_IDS.includes('LunarLander-v3'));
  assert.equal(envSpec('LunarLander-v3').maxEpisodeSteps, 1000);
  assert.throws(() => makeEnv('CartPole-v0'), /unknown env id "CartPole-v0"/);
  assert.throws(() => envSpec('Nope-v9'), /unknown env id "Nope-v9"/);
  assert.throws(() => makeEnv('CartPole-v1', { gravity: -9 }), /unknown option "gravity"/);
  assert.throws(() => makeEnv('CartPole-v1', { sutton_barto_reward: 1 }), /"sutton_barto_reward" must be a boolean/);
  assert.throws(() => makeEnv('CartPole-v1', { max_episode_steps: 0 }), /"max_episode_steps"/);
  assert.throws(() => makeEnv('LunarLander-v3', { gravity: -13 }), /"gravity" must be in/);
  assert.throws(() => makeEnv('LunarLander-v3', { wind: true }), /unknown option "wind"/);
});

test('registry options: max_episode_steps and sutton_barto_reward', () => {
  const env = makeEnv('CartPole-v1', { max_episode_steps: 3 });
  assert.ok(env instanceof TimeLimit);
  assert.equal(env.spec.maxEpisodeSteps, 3);
  env.reset({ seed: 0 });
  assert.deepEqual([env.step(0).truncated, env.step(1).truncated, env.step(0).truncated], [false, false, true]);

  const sb = makeEnv('CartPole-v1', { sutton_barto_reward: true });
  sb.reset({ seed: 0 });
  const rewards: number[] = [];
  const { warnings } = captureWarnings(() => {
    for (let k = 0; k < 40; k++) rewards.push(sb.step(0).reward);
  });
  const first = rewards.indexOf(-1);
  assert.ok(first > 0 && rewards.slice(0, first).every((r) => r === 0) && rewards.slice(first).every((r) => r === -1));
  assert.equal(warnings.length, 1);
});

test('renderState', () => {
  const env = makeEnv('CartPole-v1');
  env.reset({ seed: 0 });
  const s = unwrap(env).state as Vec4;
  assert.deepEqual(env.renderState(), { env: 'CartPole-v1', x: s[0], theta: s[2] });
});
