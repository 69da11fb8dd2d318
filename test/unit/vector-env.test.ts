/** SyncVecEnv and CartPoleVecEnv against N independent makeEnv('CartPole-v1') envs stepped by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResetNeeded, type Action, type Env, type FinishedEpisode, type ResetOptions, type VecEnv } from '../../main/lab/envs/env.ts';
import { CartPoleVecEnv } from '../../main/lab/envs/cartpole-vec.ts';
import { makeEnv, makeVecEnv } from '../../main/lab/envs/registry.ts';
import { SyncVecEnv } from '../../main/lab/envs/vector-env.ts';
import { box } from '../../main/lab/envs/spaces.ts';

interface StepRecord {
  obs: number[];
  rewards: number[];
  terminated: number[];
  truncated: number[];
  /** finalObs rows of the sub-envs that ended this step, keyed by env index. */
  finalRows: Record<number, number[]>;
  finished: FinishedEpisode[];
}

/** Even sub-envs follow the balancing heuristic (so they reach truncation), odd ones a per-env LCG. */
function makePolicy(n: number): (i: number, obs: ArrayLike<number>, o: number) => number {
  const lcg = Array.from({ length: n }, (_, i) => (1000 + i) >>> 0);
  return (i, obs, o) => {
    if (i % 2 === 0) return obs[o + 2] + 0.5 * obs[o + 3] > 0 ? 1 : 0;
    lcg[i] = (Math.imul(1664525, lcg[i]) + 1013904223) >>> 0;
    return lcg[i] >>> 31;
  };
}

/** The ground truth: independent envs, autoreset by hand after each episode end. */
function runIndependent(n: number, seed: number, steps: number, options?: Record<string, unknown>): { records: StepRecord[]; envs: Env[] } {
  const envs = Array.from({ length: n }, () => makeEnv('CartPole-v1', options));
  const obs = envs.map((e, i) => e.reset({ seed: seed + i }).obs);
  const rets = new Array<number>(n).fill(0);
  const lens = new Array<number>(n).fill(0);
  const policy = makePolicy(n);
  const records: StepRecord[] = [];
  for (let t = 0; t < steps; t++) {
    const rec: StepRecord = { obs: [], rewards: [], terminated: [], truncated: [], finalRows: {}, finished: [] };
    for (let i = 0; i < n; i++) {
      const r = envs[i].step(policy(i, obs[i], 0));
      rets[i] += r.reward;
      lens[i] += 1;
      rec.rewards.push(r.reward);
      rec.terminated.push(r.terminated ? 1 : 0);
      rec.truncated.push(r.truncated ? 1 : 0);
      if (r.terminated || r.truncated) {
        rec.finalRows[i] = [...r.obs];
        rec.finished.push({ envIndex: i, return: rets[i], length: lens[i], terminated: r.terminated, truncated: r.truncated });
        rets[i] = 0;
        lens[i] = 0;
        obs[i] = envs[i].reset().obs;
      } else {
        obs[i] = r.obs;
      }
      rec.obs.push(...obs[i]);
    }
    records.push(rec);
  }
  return { records, envs };
}

function runVec(vec: VecEnv, seed: number, steps: number): StepRecord[] {
  const n = vec.numEnvs;
  vec.reset(seed);
  const policy = makePolicy(n);
  const actions = new Int32Array(n);
  const records: StepRecord[] = [];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) actions[i] = policy(i, vec.obs, i * vec.obsDim);
    vec.step(actions);
    const finalRows: Record<number, number[]> = {};
    for (let i = 0; i < n; i++) {
      if (vec.terminated[i] || vec.truncated[i]) finalRows[i] = [...vec.finalObs.subarray(i * vec.obsDim, (i + 1) * vec.obsDim)];
    }
    records.push({
      obs: [...vec.obs],
      rewards: [...vec.rewards],
      terminated: [...vec.terminated],
      truncated: [...vec.truncated],
      finalRows,
      finished: vec.finishedEpisodes.map((e) => ({ ...e })),
    });
  }
  return records;
}

function compare(actual: StepRecord[], expected: StepRecord[], what: string): void {
  assert.equal(actual.length, expected.length);
  for (let t = 0; t < expected.length; t++) assert.deepEqual(actual[t], expected[t], `${what}: step ${t}`);
}

const N = 6;
const SEED = 42;
const STEPS = 1100; // two truncations (500, 1000) for the heuristic sub-envs, many terminations for the others

let refCache: StepRecord[] | undefined;
function reference(): StepRecord[] {
  refCache ??= runIndependent(N, SEED, STEPS).records;
  return refCache;
}

test('the reference run covers terminations, truncations and autoresets', () => {
  const fin = reference().flatMap((r) => r.finished);
  assert.ok(fin.some((e) => e.truncated && e.length === 500));
  assert.ok(fin.filter((e) => e.terminated).length > 50);
  assert.ok(fin.filter((e) => e.truncated).length >= 6);
});

test('CartPoleVecEnv is numerically identical to independent envs', () => {
  compare(runVec(new CartPoleVecEnv(N), SEED, STEPS), reference(), 'CartPoleVecEnv');
});

test('SyncVecEnv over makeEnv instances is identical to independent envs', () => {
  const vec = new SyncVecEnv(Array.from({ length: N }, () => makeEnv('CartPole-v1')));
  compare(runVec(vec, SEED, STEPS), reference(), 'SyncVecEnv');
});

test('makeVecEnv: specialised CartPole version, options forwarded', () => {
  const vec = makeVecEnv('CartPole-v1', 4);
  assert.ok(vec instanceof CartPoleVecEnv);
  assert.equal(vec.spec.maxEpisodeSteps, 500);
  assert.equal(vec.obsDim, 4);
  assert.deepEqual(vec.actionSpace, { kind: 'discrete', n: 2 });
  assert.deepEqual(vec.observationSpace, makeEnv('CartPole-v1').observationSpace);

  const short = makeVecEnv('CartPole-v1', 3, { max_episode_steps: 7 });
  assert.equal(short.spec.maxEpisodeSteps, 7);
  compare(runVec(short, 5, 60), runIndependent(3, 5, 60, { max_episode_steps: 7 }).records, 'max_episode_steps=7');

  const sb = makeVecEnv('CartPole-v1', 2, { sutton_barto_reward: true });
  compare(runVec(sb, 9, 80), runIndependent(2, 9, 80, { sutton_barto_reward: true }).records, 'sutton_barto_reward');

  assert.throws(() => makeVecEnv('CartPole-v1', 0), /numEnvs/);
  assert.throws(() => makeVecEnv('CartPole-v1', 2, { bogus: 1 }), /unknown option "bogus"/);
});

test('same seed gives the same run; a different seed does not', () => {
  const a = runVec(new CartPoleVecEnv(4), 7, 200);
  const b = runVec(new CartPoleVecEnv(4), 7, 200);
  const c = runVec(new CartPoleVecEnv(4), 8, 200);
  compare(b, a, 'same seed');
  assert.notDeepEqual(c[0].obs, a[0].obs);
  // Sub-env i is seeded seed + i, so seed 8's env 0 is seed 7's env 1.
  assert.deepEqual(new CartPoleVecEnv(2).reset(8).slice(0, 4), new CartPoleVecEnv(2).reset(7).slice(4, 8));
});

test('reset() without a seed continues each sub-env stream', () => {
  for (const vec of [new CartPoleVecEnv(N), new SyncVecEnv(Array.from({ length: N }, () => makeEnv('CartPole-v1')))]) {
    runVec(vec, SEED, STEPS);
    const { envs } = runIndependent(N, SEED, STEPS);
    const again = [...vec.reset()];
    const expected = envs.flatMap((e) => [...e.reset().obs]);
    assert.deepEqual(again, expected);
    assert.deepEqual([...vec.terminated, ...vec.truncated, ...vec.rewards], new Array(3 * N).fill(0));
    assert.deepEqual(vec.finishedEpisodes, []);
  }
});

test('a never-seeded vector env resets from OS entropy', () => {
  const a = new CartPoleVecEnv(2).reset();
  const b = new CartPoleVecEnv(2).reset();
  for (const v of [...a, ...b]) assert.ok(Math.abs(v) <= 0.05);
  assert.notDeepEqual([...a], [...b]);
});

test('errors: step before reset, wrong action count, invalid action leaves state untouched', () => {
  for (const make of [() => new CartPoleVecEnv(3), () => new SyncVecEnv([makeEnv('CartPole-v1'), makeEnv('CartPole-v1'), makeEnv('CartPole-v1')])]) {
    const vec = make();
    assert.throws(() => vec.step(new Int32Array(3)), ResetNeeded);
    vec.reset(1);
    assert.throws(() => vec.step(new Int32Array(2)), /expected 3/);
    const before = [...vec.obs];
    if (vec instanceof CartPoleVecEnv) {
      assert.throws(() => vec.step(Int32Array.of(0, 1, 2)), /invalid action 2/);
      assert.deepEqual([...vec.obs], before);
    } else {
      assert.throws(() => vec.step(Int32Array.of(2, 0, 0)), /invalid action 2/);
    }
    assert.throws(() => vec.reset(-1), /seed/);
    assert.throws(() => vec.renderState(3), /out of range/);
  }
});

test('renderState(i) shows sub-env i', () => {
  const vec = new CartPoleVecEnv(3);
  vec.reset(11);
  vec.step(Int32Array.of(1, 0, 1));
  const env = makeEnv('CartPole-v1');
  env.reset({ seed: 12 });
  env.step(0);
  assert.deepEqual(vec.renderState(1), env.renderState());
  const [x, , theta] = vec.state(1);
  assert.deepEqual(vec.renderState(1), { env: 'CartPole-v1', x, theta });
});

/** A toy env with a Box action: obs = [t, last action sum]; ends (terminated) after `len` steps. */
class CountEnv implements Env {
  readonly spec = { id: 'Count-v0', maxEpisodeSteps: 100, rewardThreshold: 0 };
  readonly observationSpace = box([0, -10], [100, 10]);
  readonly actionSpace = box([-1, -1], [1, 1]);
  t = 0;
  resets: (number | bigint | undefined)[] = [];
  constructor(readonly len: number) {}
  reset(opts?: ResetOptions) {
    this.resets.push(opts?.seed);
    this.t = 0;
    return { obs: Float32Array.of(0, 0), info: {} };
  }
  step(action: Action) {
    const a = action as Float32Array;
    this.t++;
    return { obs: Float32Array.of(this.t, a[0] + a[1]), reward: this.t, terminated: this.t >= this.len, truncated: false, info: {} };
  }
  renderState() {
    return { env: 'CartPole-v1' as const, x: this.t, theta: 0 };
  }
  close() {}
}

test('SyncVecEnv with Box actions: per-env action slices, autoreset, finalObs and stats', () => {
  const envs = [new CountEnv(2), new CountEnv(3)];
  const vec = new SyncVecEnv(envs);
  assert.equal(vec.actDim, 2);
  vec.reset(100);
  assert.deepEqual(
    envs.map((e) => e.resets),
    [[100], [101]],
  );
  assert.throws(() => vec.step(new Int32Array(4)), /Float32Array/);
  vec.step(Float32Array.of(0.5, 0.25, -1, 0));
  assert.deepEqual([...vec.obs], [1, 0.75, 1, -1]);
  assert.deepEqual(vec.finishedEpisodes, []);
  vec.step(Float32Array.of(0, 0, 0, 0));
  assert.deepEqual([...vec.terminated], [1, 0]);
  assert.deepEqual([...vec.finalObs.subarray(0, 2)], [2, 0]);
  assert.deepEqual([...vec.obs], [0, 0, 2, 0]); // env 0 already autoreset
  assert.deepEqual(vec.finishedEpisodes, [{ envIndex: 0, return: 3, length: 2, terminated: true, truncated: false }]);
  assert.deepEqual(envs[0].resets, [100, undefined]); // autoreset continues the stream (no seed)
  vec.step(Float32Array.of(0, 0, 0, 0));
  assert.deepEqual(vec.finishedEpisodes, [{ envIndex: 1, return: 6, length: 3, terminated: true, truncated: false }]);
  assert.throws(() => new SyncVecEnv([new CountEnv(1), makeEnv('CartPole-v1')]), /different spaces/);
});
