/**
 * Short real training runs on CartPole-v1 through train(): files, finite metrics, flat tfjs memory,
 * seed determinism, save/load fidelity and the policy loader's errors. Runs on the wasm backend.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EpisodeRecord, UpdateRecord } from '../../main/lab/domain/runs.ts';
import { gradientStep, MlpPolicy, NonFiniteLossError } from '../../main/lab/agents/algorithm.ts';
import { ensureEnvReady, isEnvImplemented, makeEnv, makeVecEnv } from '../../main/lab/envs/registry.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import type { DiagGaussian } from '../../main/lab/nn/distributions.ts';
import { Mlp } from '../../main/lab/nn/mlp.ts';
import { loadPolicy, PolicyFileError, savePolicy } from '../../main/lab/runs/policy-file.ts';
import { createAlgorithm, resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { algorithmRng, EVAL_SEED_OFFSET, initFromPolicy, PERIODIC_EVAL_EPISODES, train, type TrainHooks } from '../../main/lab/training/trainer.ts';
import { evaluatePolicy, evaluateSavedPolicy } from '../../main/lab/training/evaluate.ts';
import type { TrainerConfig } from '../../main/lab/training/trainer-config.ts';

let tmp: string;
before(async () => {
  await initBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'policy-lab-training-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function config(
  algo: 'ppo' | 'reinforce',
  preset: string,
  totalSteps: number,
  overrides: Record<string, unknown> = {},
  extra: Partial<TrainerConfig> = {},
): TrainerConfig {
  const r = resolveHyperparameters(algo, 'CartPole-v1', preset, overrides);
  return {
    env: 'CartPole-v1',
    envOptions: {},
    algo,
    seed: 3,
    totalSteps,
    preset,
    hyperparameters: r.hyperparameters,
    backend: 'wasm',
    evalEpisodes: 5,
    checkpointEvery: 0,
    stopWhenSolved: false,
    ...extra,
  };
}

interface Recorded {
  episodes: EpisodeRecord[];
  updates: UpdateRecord[];
  tensors: number[];
  frames: number;
  progress: number;
}

function recorder(runDir: string | null): { hooks: TrainHooks; rec: Recorded } {
  const rec: Recorded = { episodes: [], updates: [], tensors: [], frames: 0, progress: 0 };
  return {
    rec,
    hooks: {
      runDir,
      onEpisode: (e) => rec.episodes.push(e),
      onUpdate: (u) => {
        rec.updates.push(u);
        rec.tensors.push(tf.memory().numTensors);
      },
      onProgress: () => rec.progress++,
      onEpisodeFrames: (f) => {
        assert.equal(f.frames.length, f.length + 1, 'the first state and one frame per step, the terminal state included');
        rec.frames++;
      },
    },
  };
}

function assertFiniteMetrics(updates: UpdateRecord[], keys: string[]): void {
  assert.ok(updates.length > 0);
  for (const u of updates) {
    for (const k of keys) assert.ok(typeof u[k] === 'number' && Number.isFinite(u[k]), `update ${u.update}: ${k} = ${u[k]}`);
  }
}

/** Drops timing fields so runs can be compared. */
const strip = <T extends object>(r: T) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'wall' && k !== 'sps'));

const PPO_METRICS = ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clip_fraction', 'explained_variance', 'learning_rate', 'grad_norm', 'sps'];

test('MLP: orthogonal init is orthogonal, JS forward = tf forward', () => {
  const mlp = Mlp.create({ inputDim: 4, outputDim: 2, netArch: [16, 8], activation: 'tanh' }, { scheme: 'orthogonal', rng: npRandom(1), outputGain: 0.01 });
  const w = mlp.getWeights();
  // kernel 0 is [4 × 16]: its rows are orthonormal·√2
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      let dot = 0;
      for (let j = 0; j < 16; j++) dot += w.kernels[0][a * 16 + j] * w.kernels[0][b * 16 + j];
      assert.ok(Math.abs(dot - (a === b ? 2 : 0)) < 1e-5);
    }
  }
  const x = new Float32Array(Array.from({ length: 40 }, (_, i) => Math.sin(i)));
  const js = mlp.forward(x, 10).slice();
  const t = tf.tidy(() => mlp.apply(tf.tensor2d(x, [10, 4])).dataSync());
  for (let i = 0; i < js.length; i++) assert.ok(Math.abs(js[i] - t[i]) < 1e-5);
  const same = Mlp.create({ inputDim: 4, outputDim: 2, netArch: [16, 8], activation: 'tanh' }, { scheme: 'orthogonal', rng: npRandom(1), outputGain: 0.01 });
  assert.deepEqual(same.getWeights(), w);
  mlp.dispose();
  same.dispose();
});

test('PPO (zoo preset): files, finite metrics, frames, flat tfjs memory', async () => {
  const runDir = join(tmp, 'ppo');
  const { hooks, rec } = recorder(runDir);
  const before = tf.memory().numTensors;
  const res = await train(config('ppo', 'zoo', 2560, { n_epochs: 4 }, { checkpointEvery: 1024 }), hooks, { stopRequested: () => false });
  assert.equal(res.status, 'finished');
  assert.equal(res.steps, 2560);
  assert.equal(res.backend, 'wasm');
  assert.equal(res.episodes, rec.episodes.length);
  assert.ok(res.episodes > 20);
  assert.ok(res.evalMean !== null && Number.isFinite(res.evalMean) && res.evalStd !== null);
  assert.equal(rec.updates.length, 10);
  assertFiniteMetrics(rec.updates, PPO_METRICS);
  assert.ok(rec.frames > 0);
  assert.ok(rec.progress >= 10);
  // learning rate follows lin_0.001: after update k, 1e-3·(1 − 256k/2560)
  assert.ok(Math.abs((rec.updates[0].learning_rate as number) - 1e-3 * 0.9) < 1e-12);
  // No tensor leaks: constant after the first update created Adam's slots.
  assert.ok(
    rec.tensors.slice(1).every((n) => n === rec.tensors[1]),
    `tensor counts ${rec.tensors.join(',')}`,
  );
  assert.equal(tf.memory().numTensors, before, 'everything disposed after train()');
  for (const f of ['policy/model.json', 'policy/weights.bin', 'policy/policy.json', 'checkpoints/step-1024/policy.json', 'checkpoints/step-2048/model.json']) {
    assert.ok(existsSync(join(runDir, f)), `${f} written`);
  }
  const meta = JSON.parse(await readFile(join(runDir, 'policy/policy.json'), 'utf8'));
  assert.equal(meta.format, 'policy-lab.policy');
  assert.equal(meta.version, 1);
  assert.equal(meta.env, 'CartPole-v1');
  assert.equal(meta.algo, 'ppo');
  assert.equal(meta.steps, 2560);
  assert.equal(meta.evalMean, res.evalMean);
  assert.deepEqual(meta.netArch, [64, 64]);
  assert.equal(meta.activation, 'tanh');

  // The saved policy, evaluated like the trainer did, gives the trainer's numbers.
  const loaded = await loadPolicy(join(runDir, 'policy'));
  const ev = evaluateSavedPolicy(loaded, { episodes: 5, seed: 3 + EVAL_SEED_OFFSET });
  assert.equal(ev.mean, res.evalMean);
  assert.equal(ev.std, res.evalStd);
  loaded.dispose();
});

test('same seed → identical episodes and losses (PPO and REINFORCE)', async () => {
  for (const [algo, preset, steps, ov] of [
    ['ppo', 'zoo', 1024, { n_epochs: 3 }],
    ['reinforce', 'classic-baseline', 1500, { episodes_per_update: 2 }],
  ] as const) {
    const a = recorder(null);
    const b = recorder(null);
    await train(config(algo, preset, steps, ov, { evalEpisodes: 0 }), a.hooks);
    await train(config(algo, preset, steps, ov, { evalEpisodes: 0 }), b.hooks);
    assert.ok(a.rec.episodes.length > 5);
    assert.deepEqual(a.rec.episodes.map(strip), b.rec.episodes.map(strip), `${algo}: episodes differ`);
    assert.deepEqual(a.rec.updates.map(strip), b.rec.updates.map(strip), `${algo}: updates differ`);
    // A different seed gives a different run.
    const c = recorder(null);
    await train({ ...config(algo, preset, steps, ov, { evalEpisodes: 0 }), seed: 4 }, c.hooks);
    assert.notDeepEqual(a.rec.episodes.map(strip), c.rec.episodes.map(strip));
  }
});

test('REINFORCE: finite metrics, files, flat memory, stop request', async () => {
  const runDir = join(tmp, 'reinforce');
  const { hooks, rec } = recorder(runDir);
  const res = await train(config('reinforce', 'classic-baseline', 4000), hooks);
  assert.equal(res.status, 'finished');
  assert.ok(res.steps >= 4000);
  assertFiniteMetrics(rec.updates, ['policy_loss', 'entropy', 'grad_norm', 'learning_rate', 'batch_return_mean']);
  assert.equal(rec.updates.length, rec.episodes.length, 'one update per episode');
  assert.ok(
    rec.tensors.slice(1).every((n) => n === rec.tensors[1]),
    `tensor counts ${rec.tensors.join(',')}`,
  );
  assert.ok(existsSync(join(runDir, 'policy/weights.bin')));
  const meta = JSON.parse(await readFile(join(runDir, 'policy/policy.json'), 'utf8'));
  assert.deepEqual(meta.netArch, [32]);
  assert.equal(meta.activation, 'relu');

  let n = 0;
  const stopped = await train(config('reinforce', 'classic', 100_000, {}, { evalEpisodes: 0 }), { onUpdate: () => n++ }, { stopRequested: () => n >= 3 });
  assert.equal(stopped.status, 'stopped');
  assert.equal(n, 3);
});

test('checkpoints also come on the clock, so a crash loses at most that much training', async () => {
  const runDir = join(tmp, 'clock-checkpoints');
  // A step schedule that never fires within the run; a clock of 0.3 s that does.
  const { hooks, rec } = recorder(runDir);
  const res = await train(config('ppo', 'zoo', 12_288, {}, { evalEpisodes: 0, checkpointEvery: 1_000_000, checkpointSeconds: 0.3 }), hooks);
  const { readdir } = await import('node:fs/promises');
  const ckpts = await readdir(join(runDir, 'checkpoints'));
  for (const c of ckpts) assert.ok(existsSync(join(runDir, 'checkpoints', c, 'policy.json')), `${c} is a complete policy`);
  // Checked on the training clock of the updates they follow (so however loaded the machine): one as
  // soon as 0.3 s have passed since the last, at the end of that iteration; and one at the end.
  const wallAt = new Map(rec.updates.map((u) => [u.step, u.wall]));
  const walls = ckpts.map((c) => wallAt.get(Number(c.slice('step-'.length)))!).sort((a, b) => a - b);
  assert.equal(walls.length, ckpts.length, 'every checkpoint follows an update');
  assert.ok(ckpts.includes(`step-${res.steps}`), 'the end of the run is a checkpoint');
  const updateWalls = [0, ...rec.updates.map((u) => u.wall)];
  const longest = Math.max(...updateWalls.slice(1).map((w, i) => w - updateWalls[i]));
  [0, ...walls].slice(0, -1).forEach((w, i) => {
    const gap = walls[i] - w;
    if (i < walls.length - 1) assert.ok(gap >= 0.3, `checkpoint ${i} came ${gap.toFixed(3)} s after the one before`);
    assert.ok(gap <= 0.3 + longest + 1e-9, `checkpoint ${i} came ${gap.toFixed(3)} s after the one before (iterations take up to ${longest.toFixed(3)} s)`);
  });
});

test('periodic evaluation: eval_mean on the crossing updates, best/ holds the best policy and scores it', async () => {
  const runDir = join(tmp, 'periodic-eval');
  const updates: UpdateRecord[] = [];
  // REINFORCE learns fast enough on CartPole that 4 evaluations over 12k steps differ.
  const res = await train(config('reinforce', 'classic-baseline', 12_000, {}, { evalEvery: 3000, evalEpisodes: 0 }), {
    runDir,
    onUpdate: (u) => void updates.push(u),
  });
  const evals = updates.filter((u) => typeof u.eval_mean === 'number');
  // One evaluation per 3000-step boundary crossed, on the update that crossed it.
  const crossed = updates.filter((u, i) => Math.floor(u.step / 3000) > Math.floor((i ? updates[i - 1].step : 0) / 3000)).map((u) => u.step);
  assert.deepEqual(
    evals.map((u) => u.step),
    crossed,
  );
  assert.ok(evals.length >= 3, `${evals.length} evaluations`);
  for (const u of evals) assert.ok(Number.isFinite(u.eval_std as number) && (u.eval_std as number) >= 0);
  const best = evals.reduce((a, b) => ((b.eval_mean as number) > (a.eval_mean as number) ? b : a));
  assert.deepEqual(res.bestEval, { step: best.step, mean: best.eval_mean, std: best.eval_std });
  assert.ok(new Set(evals.map((u) => u.eval_mean)).size > 1, 'the policy changed between evaluations');
  // best/ is the policy of that update: re-evaluating it gives the same score.
  const meta = JSON.parse(await readFile(join(runDir, 'best', 'policy.json'), 'utf8'));
  assert.equal(meta.steps, best.step);
  assert.equal(meta.evalMean, best.eval_mean);
  const loaded = await loadPolicy(join(runDir, 'best'));
  assert.equal(evaluateSavedPolicy(loaded, { episodes: PERIODIC_EVAL_EPISODES, seed: 3 + EVAL_SEED_OFFSET }).mean, best.eval_mean);
  loaded.dispose();
  await assert.rejects(train(config('reinforce', 'classic', 100, {}, { evalEvery: -1 })), /evalEvery must be a non-negative integer/);
});

test('continuing from a policy folder restores the actor, and the critic when saved', async () => {
  const runDir = join(tmp, 'continue-from');
  await train(config('ppo', 'zoo', 1024, { n_epochs: 2 }, { evalEpisodes: 0 }), { runDir });
  const saved = await loadPolicy(join(runDir, 'policy'));
  assert.ok(saved.critic, 'PPO saves its critic');
  const r = resolveHyperparameters('ppo', 'CartPole-v1', 'zoo', {});
  const vecEnv = makeVecEnv('CartPole-v1', r.hyperparameters.n_envs as number, {});
  const algo = createAlgorithm('ppo', { vecEnv, hyperparameters: r.hyperparameters, rng: algorithmRng(99) });
  try {
    const critic = (algo as unknown as { critic: Mlp }).critic;
    assert.notDeepEqual(critic.getWeights(), saved.critic.getWeights(), 'a fresh critic differs');
    await initFromPolicy(algo, join(runDir, 'policy'));
    assert.deepEqual((algo.policy as MlpPolicy).net.getWeights(), (saved as unknown as MlpPolicy).net.getWeights());
    assert.deepEqual(critic.getWeights(), saved.critic.getWeights());
    const obs = new Float32Array([0.01, -0.2, 0.03, 0.1]);
    assert.deepEqual(Array.from(critic.forward(obs, 1)), Array.from(saved.values!(obs, 1)), 'the JS mirror re-read the weights');
  } finally {
    algo.dispose();
    vecEnv.close();
    saved.dispose();
  }
});

test('a saved policy loads and acts exactly like the in-memory one', async () => {
  const r = resolveHyperparameters('ppo', 'CartPole-v1', 'zoo', { n_epochs: 2 });
  const vecEnv = makeVecEnv('CartPole-v1', 8);
  vecEnv.reset(0);
  const algo = createAlgorithm('ppo', { vecEnv, hyperparameters: r.hyperparameters, rng: algorithmRng(0) });
  try {
    await algo.iterate({ totalSteps: 10_000, stepsDone: 0, onEnvStep: () => {} });
    const dir = join(tmp, 'roundtrip');
    await savePolicy(dir, algo.policy, { env: 'CartPole-v1', algo: 'ppo', steps: 256 });
    const loaded = await loadPolicy(dir, { env: 'CartPole-v1' });
    assert.ok(loaded instanceof MlpPolicy && algo.policy instanceof MlpPolicy);
    const rng = npRandom(9);
    const obs = new Float32Array(400);
    for (let i = 0; i < obs.length; i++) obs[i] = rng.uniform(-2, 2);
    assert.deepEqual(loaded.act(obs, 100, true), algo.policy.act(obs, 100, true));
    assert.deepEqual(loaded.act(obs, 100, false, npRandom(5)), algo.policy.act(obs, 100, false, npRandom(5)));
    assert.deepEqual(loaded.actionProbs(obs), algo.policy.actionProbs(obs));
    assert.deepEqual(loaded.net.getWeights(), algo.policy.net.getWeights());
    assert.equal(loaded.meta.steps, 256);
    assert.equal(loaded.meta.evalMean, null);
    loaded.dispose();
  } finally {
    algo.dispose();
    vecEnv.close();
  }
});

test('loading a broken policy folder gives the specific error', async () => {
  const good = join(tmp, 'roundtrip');
  let k = 0;
  const variant = async (mutate: (dir: string) => Promise<void>): Promise<string> => {
    const dir = join(tmp, `bad-${k++}`);
    await cp(good, dir, { recursive: true });
    await mutate(dir);
    return dir;
  };
  const editMeta = (f: (m: Record<string, unknown>) => void) => async (dir: string) => {
    const m = JSON.parse(await readFile(join(dir, 'policy.json'), 'utf8'));
    f(m);
    await writeFile(join(dir, 'policy.json'), JSON.stringify(m));
  };
  const expectError = async (dir: string, code: string, re: RegExp, opts = {}) => {
    await assert.rejects(loadPolicy(dir, opts), (e: unknown) => {
      assert.ok(e instanceof PolicyFileError, `not a PolicyFileError: ${e}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, re);
      return true;
    });
  };

  await expectError(join(tmp, 'does-not-exist'), 'missing', /policy folder not found/);
  await expectError(await variant((d) => rm(join(d, 'policy.json'))), 'missing', /policy\.json is missing/);
  await expectError(await variant((d) => rm(join(d, 'weights.bin'))), 'missing', /weights\.bin is missing/);
  await expectError(await variant((d) => rm(join(d, 'model.json'))), 'missing', /model\.json is missing/);
  await expectError(await variant((d) => writeFile(join(d, 'policy.json'), '{"format": "policy-lab.policy", ')), 'corrupt', /policy\.json is not valid JSON/);
  await expectError(await variant((d) => writeFile(join(d, 'model.json'), 'not json')), 'corrupt', /model\.json is not valid JSON/);
  await expectError(await variant((d) => truncate(join(d, 'weights.bin'), 100)), 'corrupt', /weights\.bin has 100 bytes; [\d,]+ expected/);
  await expectError(await variant(editMeta((m) => (m.format = 'something-else'))), 'format', /not a Policy Lab policy/);
  await expectError(await variant(editMeta((m) => (m.version = 2))), 'version', /version 2; this build reads version 1/);
  await expectError(await variant(editMeta((m) => (m.env = 'Pong-v5'))), 'env', /unknown env "Pong-v5"/);
  await expectError(good, 'env', /env mismatch: the policy was trained on CartPole-v1, not LunarLander-v3/, { env: 'LunarLander-v3' });
  await expectError(
    await variant(editMeta((m) => (m.observationSpace = { kind: 'box', shape: [5], low: [0, 0, 0, 0, 0], high: [1, 1, 1, 1, 1] }))),
    'space',
    /observation space mismatch: policy\.json has Box\(5\), CartPole-v1 has Box\(4\)/,
  );
  await expectError(
    await variant(editMeta((m) => (m.actionSpace = { kind: 'discrete', n: 3 }))),
    'space',
    /action space mismatch: policy\.json has Discrete\(3\)/,
  );
  // Spaces that agree with the env but not with the network: LunarLander's spaces on CartPole's model.
  let llObs: unknown = { kind: 'box', shape: [8], low: Array(8).fill(-1), high: Array(8).fill(1) };
  let llAct: unknown = { kind: 'discrete', n: 4 };
  if (isEnvImplemented('LunarLander-v3')) {
    await ensureEnvReady('LunarLander-v3');
    const ll = makeEnv('LunarLander-v3');
    llObs = ll.observationSpace;
    llAct = ll.actionSpace;
    ll.close();
  }
  await expectError(
    await variant(
      editMeta((m) => {
        m.env = 'LunarLander-v3';
        m.observationSpace = llObs;
        m.actionSpace = llAct;
      }),
    ),
    'space',
    /model\.json takes 4 inputs; the observation space has 8/,
  );
});

test('a NaN loss throws before any weight changes', () => {
  const mlp = Mlp.create({ inputDim: 2, outputDim: 1, netArch: [4], activation: 'relu' }, { scheme: 'glorot', rng: npRandom(0) });
  const opt = tf.train.adam(0.1);
  const w0 = mlp.getWeights();
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      gradientStep(
        opt,
        mlp.variables,
        () => {
          const y = mlp.apply(tf.tensor2d([1, 2], [1, 2]));
          return [tf.mul(tf.sum(y), NaN) as tf.Scalar];
        },
        ['loss'],
        0.5,
      ),
    (e: unknown) => e instanceof NonFiniteLossError && /loss became NaN/.test(e.message),
  );
  assert.deepEqual(mlp.getWeights(), w0);
  assert.equal(tf.memory().numTensors, before);
  mlp.dispose();
  opt.dispose();
});

test('a policy that collapses (one fixed action per state, no better than at the start) is reported while the run goes on', async () => {
  const seedDir = join(tmp, 'collapse-seed');
  await train(config('reinforce', 'classic', 300, {}, { evalEpisodes: 0 }), { runDir: seedDir });
  // Logits 10⁶ times larger: the softmax puts all its mass on one action per state and its gradient
  // vanishes, so the policy never changes (it balances the pole for ~50 steps, no better than at first).
  const wPath = join(seedDir, 'policy', 'weights.bin');
  const w = await readFile(wPath);
  const f = new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4);
  for (let i = 0; i < f.length; i++) f[i] *= 1e3;
  await writeFile(wPath, w);
  const warnings: string[] = [];
  const res = await train(config('reinforce', 'classic', 12_000, {}, { evalEpisodes: 0, initPolicy: join(seedDir, 'policy') }), {
    onWarning: (m) => warnings.push(m),
  });
  assert.equal(res.status, 'finished', 'the run goes on');
  assert.equal(warnings.length, 1);
  assert.match(res.warning ?? '', /^the policy collapsed: its entropy has stayed near 0/);
  // A healthy run says nothing.
  const ok = await train(config('reinforce', 'classic', 4000, {}, { evalEpisodes: 0 }), {});
  assert.equal(ok.warning, null);
});

test('a diverging run stops with a clear error and still saves the last good policy', async () => {
  // A learning rate large enough to diverge is refused now (≤ 1): start instead from a policy whose
  // weights are finite but astronomically large, so the first update's losses overflow.
  const seedDir = join(tmp, 'diverge-seed');
  await train(config('ppo', 'zoo', 512, { n_epochs: 1 }, { evalEpisodes: 0 }), { runDir: seedDir });
  // Actor and critic: all positive and ~1e38, so every hidden unit saturates alike and 64 of them sum
  // past float32's largest number.
  for (const wPath of [join(seedDir, 'policy', 'weights.bin'), join(seedDir, 'policy', 'critic', 'weights.bin')]) {
    const w = await readFile(wPath);
    const f = new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4);
    for (let i = 0; i < f.length; i++) f[i] = (Math.abs(f[i]) + 0.5) * 1e38;
    await writeFile(wPath, w);
  }
  const runDir = join(tmp, 'diverged');
  await assert.rejects(
    train(config('ppo', 'zoo', 5000, { n_epochs: 2 }, { initPolicy: join(seedDir, 'policy') }), { runDir }),
    /^Error: training diverged at step \d+: \w+ became (NaN|Infinity|-Infinity) \(non-finite\); try a lower learning_rate; the last good policy was saved to .*diverged\/policy$/,
  );
  const p = await loadPolicy(join(runDir, 'policy'));
  assert.ok(p instanceof MlpPolicy);
  for (const k of p.net.getWeights().kernels) assert.ok(k.every(Number.isFinite));
  p.dispose();
});

test('evaluatePolicy with an Env: deterministic, seeded per episode', async () => {
  const loaded = await loadPolicy(join(tmp, 'roundtrip'));
  const env = makeEnv('CartPole-v1');
  const a = evaluatePolicy(loaded, env, { episodes: 3, seed: 100 });
  const b = evaluatePolicy(loaded, env, { episodes: 3, seed: 100 });
  assert.deepEqual(a, b);
  assert.equal(a.returns.length, 3);
  assert.deepEqual(a.returns, a.lengths); // CartPole: +1 per step
  env.close();
  loaded.dispose();
});

// ---------- continuous actions: PPO with a diagonal Gaussian on LunarLander-v3 (continuous: true) ----------

test('PPO on continuous LunarLander: finite metrics incl. std, flat memory, saved log σ, exact reload', async () => {
  await ensureEnvReady('LunarLander-v3');
  const tiny = { n_envs: 2, n_steps: 64, batch_size: 64, n_epochs: 2 };
  const r = resolveHyperparameters('ppo', 'LunarLander-v3', 'zoo-continuous', tiny);
  assert.deepEqual(r.envOptions, { continuous: true });
  assert.equal(r.hyperparameters.log_std_init, 0);
  const runDir = join(tmp, 'ppo-continuous');
  const updates: UpdateRecord[] = [];
  const tensors: number[] = [];
  const before = tf.memory().numTensors;
  const res = await train(
    {
      env: 'LunarLander-v3',
      envOptions: r.envOptions,
      algo: 'ppo',
      seed: 1,
      totalSteps: 256,
      preset: r.preset,
      hyperparameters: r.hyperparameters,
      backend: 'wasm',
      evalEpisodes: 2,
      checkpointEvery: 0,
      stopWhenSolved: false,
    },
    {
      runDir,
      onUpdate: (u) => {
        updates.push(u);
        tensors.push(tf.memory().numTensors);
      },
    },
  );
  assert.equal(res.steps, 256);
  assert.equal(updates.length, 2);
  assertFiniteMetrics(updates, [...PPO_METRICS, 'std']);
  assert.ok(
    tensors.every((n) => n === tensors[0]),
    `tensor counts ${tensors.join(',')}`,
  );
  assert.equal(tf.memory().numTensors, before, 'everything (log σ included) disposed after train()');
  const meta = JSON.parse(await readFile(join(runDir, 'policy/policy.json'), 'utf8'));
  assert.deepEqual(meta.envOptions, { continuous: true });
  assert.equal(meta.actionSpace.kind, 'box');
  assert.equal(meta.logStd.length, 2);
  assert.ok(
    meta.logStd.every((x: number) => Number.isFinite(x) && x !== 0),
    `log σ was trained: ${meta.logStd}`,
  );
  const loaded = await loadPolicy(join(runDir, 'policy'));
  const ev = evaluateSavedPolicy(loaded, { episodes: 2, seed: 1 + EVAL_SEED_OFFSET });
  assert.equal(ev.mean, res.evalMean);
  loaded.dispose();

  // In-memory vs reloaded: same means (deterministic, clipped) and, with the same seed, same samples.
  const vecEnv = makeVecEnv('LunarLander-v3', 2, { continuous: true });
  vecEnv.reset(0);
  const algo = createAlgorithm('ppo', { vecEnv, hyperparameters: r.hyperparameters, rng: algorithmRng(0) });
  try {
    for (let k = 0; k < 2; k++) await algo.iterate({ totalSteps: 256, stepsDone: 128 * k, onEnvStep: () => {} });
    const dir = join(tmp, 'roundtrip-continuous');
    await savePolicy(dir, algo.policy, { env: 'LunarLander-v3', envOptions: { continuous: true }, algo: 'ppo', steps: 256 });
    const back = await loadPolicy(dir, { env: 'LunarLander-v3', envOptions: { continuous: true } });
    assert.ok(back instanceof MlpPolicy && algo.policy instanceof MlpPolicy);
    const rng = npRandom(9);
    const obs = new Float32Array(8 * 100);
    for (let i = 0; i < obs.length; i++) obs[i] = rng.uniform(-3, 3);
    const det = back.act(obs, 100, true);
    assert.ok(det instanceof Float32Array && det.length === 200);
    assert.deepEqual(det, algo.policy.act(obs, 100, true));
    assert.ok(
      det.every((x) => x >= -1 && x <= 1),
      'deterministic actions are clipped means',
    );
    const sto = back.act(obs, 100, false, npRandom(5));
    assert.deepEqual(sto, algo.policy.act(obs, 100, false, npRandom(5)));
    assert.ok(
      sto.every((x) => x >= -1 && x <= 1),
      'sampled actions are clipped to the Box',
    );
    assert.notDeepEqual(sto, det);
    assert.deepEqual((back.distribution as DiagGaussian).getLogStd(), (algo.policy.distribution as DiagGaussian).getLogStd());
    assert.deepEqual(back.net.getWeights(), algo.policy.net.getWeights());
    back.dispose();

    // Mismatches: the continuous policy for the discrete env; tampered log σ.
    const expectError = async (d: string, code: string, re: RegExp, opts = {}) => {
      await assert.rejects(loadPolicy(d, opts), (e: unknown) => {
        assert.ok(e instanceof PolicyFileError, `not a PolicyFileError: ${e}`);
        assert.equal(e.code, code, e.message);
        assert.match(e.message, re);
        return true;
      });
    };
    await expectError(
      dir,
      'space',
      /action space mismatch: policy\.json has Box\(2\), LunarLander-v3 with env options \{\} has Discrete\(4\) \(the policy was trained with env options \{"continuous":true\}\)/,
      { envOptions: {} },
    );
    const editMeta = async (name: string, f: (m: Record<string, unknown>) => void) => {
      const d = join(tmp, name);
      await cp(dir, d, { recursive: true });
      const m = JSON.parse(await readFile(join(d, 'policy.json'), 'utf8'));
      f(m);
      await writeFile(join(d, 'policy.json'), JSON.stringify(m));
      return d;
    };
    await expectError(await editMeta('no-logstd', (m) => delete m.logStd), 'corrupt', /needs "logStd": 2 finite numbers/);
    await expectError(await editMeta('bad-logstd', (m) => (m.logStd = [0, 'x'])), 'corrupt', /needs "logStd": 2 finite numbers/);
    // Claimed discrete: the recorded options still make a continuous env.
    await expectError(
      await editMeta('claims-discrete', (m) => {
        m.actionSpace = { kind: 'discrete', n: 4 };
        delete m.logStd;
      }),
      'space',
      /action space mismatch: policy\.json has Discrete\(4\), LunarLander-v3 has Box\(2\)/,
    );
    // Discrete spaces and options, continuous model: the network has 2 outputs, Discrete(4) needs 4.
    await expectError(
      await editMeta('discrete-meta', (m) => {
        m.actionSpace = { kind: 'discrete', n: 4 };
        m.envOptions = {};
        delete m.logStd;
      }),
      'space',
      /model\.json has 2 outputs; the action space needs 4/,
    );
  } finally {
    algo.dispose();
    vecEnv.close();
  }
});
