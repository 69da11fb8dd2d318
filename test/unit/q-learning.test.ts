/**
 * Tabular Q-learning: observation binning (edges, clipping, state numbering), one Q update by hand
 * (bootstrap, termination, truncation), and the Q-table's save → load round trip and loader errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VecEnv } from '../../main/lab/envs/env.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { makeVecEnv } from '../../main/lab/envs/registry.ts';
import { box, discrete } from '../../main/lab/envs/spaces.ts';
import { binOf, binSpecFor, DEFAULT_BINNING, stateIndex } from '../../main/lab/agents/obs-binning.ts';
import { QLearning, QTablePolicy } from '../../main/lab/agents/q-learning.ts';
import { resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { loadPolicy, PolicyFileError, savePolicy } from '../../main/lab/runs/policy-file.ts';
import { algorithmRng } from '../../main/lab/training/trainer.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'policy-lab-qlearning-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('binning: equal-width bins, edges open the upper bin, values beyond the range are clipped', () => {
  // [0, 6) in 6 bins: edges at 1, 2, …, 5.
  assert.equal(binOf(-3, 6, 0, 6), 0);
  assert.equal(binOf(0, 6, 0, 6), 0);
  assert.equal(binOf(0.999, 6, 0, 6), 0);
  assert.equal(binOf(1, 6, 0, 6), 1);
  assert.equal(binOf(3.5, 6, 0, 6), 3);
  assert.equal(binOf(5.999, 6, 0, 6), 5);
  assert.equal(binOf(6, 6, 0, 6), 5);
  assert.equal(binOf(1e9, 6, 0, 6), 5);
  assert.equal(binOf(NaN, 6, 0, 6), 0);
  assert.equal(binOf(123, 1, 0, 6), 0); // one bin ignores the dimension
  // Symmetric range, as CartPole's θ: 6 bins over ±0.2095; the middle edge is 0.
  assert.equal(binOf(-1e-9, 6, -0.2095, 0.2095), 2);
  assert.equal(binOf(0, 6, -0.2095, 0.2095), 3);
});

test('binning: state index is mixed-radix over the dimensions, dimension 0 most significant', () => {
  const spec = { bins: [2, 3, 4], low: [0, 0, 0], high: [2, 3, 4] };
  assert.equal(stateIndex(spec, [0.5, 0.5, 0.5]), 0);
  assert.equal(stateIndex(spec, [1.5, 2.5, 3.5]), 2 * 3 * 4 - 1);
  assert.equal(stateIndex(spec, [1.5, 0.5, 2.5]), 1 * 12 + 0 * 4 + 2);
  assert.equal(stateIndex(spec, [9, 9, 0, 1.5, 2.5, 3.5], 3), 23, 'reads the row at the offset');
  // CartPole default: the cart is ignored (1 × 1 bins), so x and ẋ do not change the state.
  const cp = binSpecFor('CartPole-v1', box([-4.8, -Infinity, -0.42, -Infinity], [4.8, Infinity, 0.42, Infinity]));
  assert.deepEqual(cp, DEFAULT_BINNING['CartPole-v1']);
  assert.equal(stateIndex(cp, [2, 1, 0.05, -0.5]), stateIndex(cp, [-2, -1, 0.05, -0.5]));
  assert.deepEqual(binSpecFor('CartPole-v1', box([-1, -1, -1, -1], [1, 1, 1, 1]), [3, 3, 6, 6]).bins, [3, 3, 6, 6]);
  assert.throws(() => binSpecFor('CartPole-v1', box([-1, -1, -1, -1], [1, 1, 1, 1]), [3, 3]), /bins must list 4 counts/);
  assert.throws(() => binSpecFor('CartPole-v1', box([-1, -1, -1, -1], [1, 1, 1, 1]), [100, 100, 100, 100]), /100000000 states/);
});

/** A one-env VecEnv whose next step() outcome the test scripts. */
function scriptedVecEnv(first: number[]) {
  const env = {
    numEnvs: 1,
    obsDim: 2,
    spec: { id: 'Scripted-v0', maxEpisodeSteps: 100, rewardThreshold: 1 },
    observationSpace: box([0, 0], [2, 2]),
    actionSpace: discrete(2),
    obs: new Float32Array(first),
    finalObs: new Float32Array(2),
    rewards: new Float64Array(1),
    terminated: new Uint8Array(1),
    truncated: new Uint8Array(1),
    finishedEpisodes: [],
    actions: [] as number[],
    next: { obs: [0, 0], reward: 0, terminated: false, truncated: false, finalObs: [0, 0] },
    step(a: Int32Array) {
      env.actions.push(a[0]);
      const n = env.next;
      env.rewards[0] = n.reward;
      env.terminated[0] = n.terminated ? 1 : 0;
      env.truncated[0] = n.truncated ? 1 : 0;
      env.finalObs.set(n.finalObs);
      env.obs.set(n.obs);
    },
  };
  return env;
}

test('one Q-learning update by hand: bootstrap, termination, truncation', async () => {
  // 2 × 2 bins over [0, 2]²: state = 2·bin(x0) + bin(x1). ε = 0: greedy actions.
  const env = scriptedVecEnv([0.5, 0.5]); // state 0
  const hp = { learning_rate: 0.5, gamma: 0.9, exploration_initial_eps: 0, exploration_final_eps: 0, exploration_decay: 1, bins: [2, 2] };
  const ql = new QLearning({ vecEnv: env as unknown as VecEnv, hyperparameters: hp, rng: npRandom(0) });
  const Q = ql.policy.table; // [4 states × 2 actions]
  assert.deepEqual(ql.policy.binning, { bins: [2, 2], low: [0, 0], high: [2, 2] }); // another env: the space's bounds
  Q.set([1, 0.5], 0); // state 0 prefers action 0
  Q.set([2, 5], 2 * 1); // state 1: max 5
  Q.set([-4, -3], 2 * 2); // state 2: max −3
  const ctx = (stepsDone: number) => ({ totalSteps: stepsDone + 1, stepsDone, onEnvStep: () => {} });

  // s = 0, a = 0, r = 1, s' = state 1 (not ended): Q ← 1 + 0.5·(1 + 0.9·5 − 1) = 3.25
  env.next = { obs: [0.5, 1.5], reward: 1, terminated: false, truncated: false, finalObs: [0, 0] };
  let res = await ql.iterate(ctx(0));
  assert.equal(env.actions[0], 0);
  assert.equal(res.steps, 1);
  assert.equal(Q[0], 3.25);
  assert.equal(res.metrics.td_error, 4.5);
  assert.equal(res.metrics.states_visited, 2);

  // s = 1, a = 1 (greedy), terminated with r = 2: no bootstrap. Q ← 5 + 0.5·(2 − 5) = 3.5
  env.next = { obs: [0.5, 0.5], reward: 2, terminated: true, truncated: false, finalObs: [1.5, 0.5] };
  res = await ql.iterate(ctx(1));
  assert.equal(env.actions[1], 1);
  assert.equal(Q[2 * 1 + 1], 3.5);

  // Back in state 0 (the reset obs), a = 0; truncated: bootstrap from the final obs (state 2, max −3),
  // not from the reset obs. Q ← 3.25 + 0.5·(0 + 0.9·(−3) − 3.25) = 0.275
  env.next = { obs: [1.5, 1.5], reward: 0, terminated: false, truncated: true, finalObs: [1.5, 0.5] };
  res = await ql.iterate(ctx(2));
  assert.equal(env.actions[2], 0);
  assert.ok(Math.abs(Q[0] - 0.275) < 1e-12, `Q[0] = ${Q[0]}`);
  assert.equal(res.metrics.states_visited, 4); // 0, 1, 2 and the reset state 3
  assert.equal(res.metrics.learning_rate, 0.5);
});

test('ε decays multiplicatively per finished episode down to the floor', async () => {
  const env = scriptedVecEnv([0.5, 0.5]);
  const hp = { exploration_initial_eps: 1, exploration_final_eps: 0.3, exploration_decay: 0.5, bins: [2, 2] };
  const ql = new QLearning({ vecEnv: env as unknown as VecEnv, hyperparameters: hp, rng: npRandom(0) });
  env.next = { obs: [0.5, 0.5], reward: 0, terminated: true, truncated: false, finalObs: [0.5, 0.5] };
  const eps: number[] = [];
  for (let k = 0; k < 3; k++) eps.push((await ql.iterate({ totalSteps: 10, stepsDone: 9, onEnvStep: () => {} })).metrics.epsilon);
  assert.deepEqual(eps, [0.5, 0.3, 0.3]);
});

test('a saved Q-table loads and acts identically; broken q-table files give specific errors', async () => {
  const r = resolveHyperparameters('q-learning', 'CartPole-v1', 'classic', {});
  const vecEnv = makeVecEnv('CartPole-v1', 1);
  vecEnv.reset(0);
  const ql = new QLearning({ vecEnv, hyperparameters: r.hyperparameters, rng: algorithmRng(0) });
  for (let k = 0; k < 20; k++) await ql.iterate({ totalSteps: 20_000, stepsDone: 1000 * k, onEnvStep: () => {} });
  vecEnv.close();
  assert.ok(ql.policy.table.some((q) => q !== 0));
  const dir = join(tmp, 'qtable');
  const meta = await savePolicy(dir, ql.policy, { env: 'CartPole-v1', algo: 'q-learning', steps: 20_000 });
  assert.equal(meta.kind, 'q-table');
  assert.deepEqual(meta.qTable, { file: 'qtable.bin', dtype: 'float64', shape: [72, 2] });
  assert.equal(meta.epsilon, 0.01);
  const loaded = await loadPolicy(dir, { env: 'CartPole-v1' });
  assert.ok(loaded instanceof QTablePolicy);
  assert.deepEqual(loaded.table, ql.policy.table);
  assert.deepEqual(loaded.binning, ql.policy.binning);
  const rng = npRandom(3);
  const obs = new Float32Array(4 * 500);
  for (let i = 0; i < obs.length; i++) obs[i] = rng.uniform(-0.3, 0.3) * (i % 4 === 3 ? 10 : 1);
  assert.deepEqual(loaded.act(obs, 500, true), ql.policy.act(obs, 500, true));
  assert.deepEqual(loaded.act(obs, 500, false, npRandom(5)), ql.policy.act(obs, 500, false, npRandom(5)));
  assert.deepEqual(loaded.actionProbs(obs), ql.policy.actionProbs(obs));
  assert.equal(loaded.meta.steps, 20_000);
  loaded.dispose();

  let k = 0;
  const variant = async (mutate: (d: string) => Promise<void>) => {
    const d = join(tmp, `bad-${k++}`);
    await cp(dir, d, { recursive: true });
    await mutate(d);
    return d;
  };
  const editMeta = (f: (m: Record<string, unknown>) => void) => async (d: string) => {
    const m = JSON.parse(await readFile(join(d, 'policy.json'), 'utf8'));
    f(m);
    await writeFile(join(d, 'policy.json'), JSON.stringify(m));
  };
  const expectError = async (d: string, code: string, re: RegExp) => {
    await assert.rejects(loadPolicy(d), (e: unknown) => {
      assert.ok(e instanceof PolicyFileError, `not a PolicyFileError: ${e}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, re);
      return true;
    });
  };
  await expectError(await variant((d) => rm(join(d, 'qtable.bin'))), 'missing', /qtable\.bin is missing/);
  await expectError(await variant((d) => truncate(join(d, 'qtable.bin'), 100)), 'corrupt', /qtable\.bin has 100 bytes; 1,152 expected/);
  await expectError(
    await variant(editMeta((m) => ((m.qTable as { shape: number[] }).shape = [70, 2]))),
    'corrupt',
    /q-table shape \[70,2\] does not fit the binning \(1×1×6×12 = 72 states\)/,
  );
  await expectError(
    await variant(editMeta((m) => (m.binning = { bins: [6, 12], low: [-1, -1], high: [1, 1] }))),
    'space',
    /binning has 2 bins, 2 lows and 2 highs, but the observation space Box\(4\) has 4 dimensions/,
  );
  await expectError(
    await variant(editMeta((m) => ((m.binning as { bins: number[] }).bins = [1, 1, 6, 6]))),
    'corrupt',
    /q-table shape \[72,2\] does not fit the binning \(1×1×6×6 = 36 states\)/,
  );
  await expectError(
    await variant(editMeta((m) => ((m.binning as { low: number[] }).low[2] = 5))),
    'corrupt',
    /invalid binning: clip range 2 must be finite with low < high/,
  );
  await expectError(await variant(editMeta((m) => delete m.binning)), 'corrupt', /needs "binning"/);
  await expectError(await variant(editMeta((m) => (m.epsilon = 2))), 'corrupt', /"epsilon" 2; it must be a number in \[0, 1\]/);
  await expectError(
    await variant(editMeta((m) => (m.kind = 'lookup-table'))),
    'kind',
    /unknown policy kind "lookup-table" \(this build reads mlp-actor, q-network, q-table, baseline\)/,
  );
  await expectError(
    await variant(editMeta((m) => (m.actionSpace = { kind: 'box', shape: [1], low: [-1], high: [1] }))),
    'space',
    /a q-table policy needs a Discrete action space, not Box\(1\)/,
  );
});
