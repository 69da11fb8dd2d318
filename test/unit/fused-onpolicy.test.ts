/**
 * PPO, A2C, REINFORCE and actor-critic on the fused engine against the tfjs engine (the reference): from
 * the same seed (same initial weights; acting draws from the same rng), one update reports the same
 * metrics and leaves the same weights, and a few consecutive updates stay close. Also: a seeded
 * fused run is deterministic, it creates no tfjs tensors per update, and what saving reads (the
 * Mlps, a Gaussian's log σ, the shared variant's value head) holds the fused weights.
 *
 * Tolerances: after one update every metric within 1e-4 relative (+1e-6 absolute, for terms that are
 * ~0 such as a policy loss on normalised advantages) and every weight within 1e-5 (1e-4 for a
 * deliberately large learning rate); after several
 * updates, where float32 rounding differences (XNNPACK vs tfjs' kernels) compound through the
 * optimizer, 1e-3 relative (+1e-5) and 1e-4. The largest measured differences are ~1/8 of these
 * (weights after one A2C update on LunarLander continuous: 1.2e-6); most are 1/100 or less.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { ensureEnvReady, makeVecEnv, type EnvId } from '../../main/lab/envs/registry.ts';
import { createAlgorithm, resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import type { Algorithm, MlpPolicy } from '../../main/lab/agents/algorithm.ts';
import type { AlgoId } from '../../main/lab/domain/algorithms.ts';
import type { EngineName } from '../../main/lab/nn/fused/engine-choice.ts';
import { DiagGaussian } from '../../main/lab/nn/distributions.ts';
import type { Mlp } from '../../main/lab/nn/mlp.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { loadPolicy, savePolicy } from '../../main/lab/runs/policy-file.ts';

let tmp: string;

before(async () => {
  await initBackend('wasm');
  await ensureEnvReady('LunarLander-v3');
  tmp = await mkdtemp(join(tmpdir(), 'policy-lab-fused-onpolicy-'));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Case {
  algo: AlgoId;
  env: EnvId;
  preset: string;
  overrides?: Record<string, unknown>;
  envOptions?: Record<string, unknown>;
}

const SEED = 7;

function build(c: Case, engine: EngineName): Algorithm {
  const hp = resolveHyperparameters(c.algo, c.env, c.preset, c.overrides ?? {}).hyperparameters as Record<string, unknown>;
  const vecEnv = makeVecEnv(c.env, hp.n_envs as number, c.envOptions);
  vecEnv.reset(SEED);
  return createAlgorithm(c.algo, { vecEnv, hyperparameters: hp, rng: npRandom(SEED), engine });
}

/** Everything saving reads: policy net, log σ, critic (for shared, trunk + value head), flattened. */
function savedWeights(algo: Algorithm): Float32Array {
  const policy = algo.policy as MlpPolicy;
  return flatten(policy, (algo as { critic?: Mlp | null }).critic ?? null);
}

function flatten(policy: MlpPolicy, critic: Mlp | null): Float32Array {
  const parts: Float32Array[] = [];
  const add = (net: Mlp) => {
    const w = net.getWeights();
    for (let l = 0; l < w.kernels.length; l++) parts.push(w.kernels[l], w.biases[l]);
  };
  add(policy.net);
  if (policy.distribution instanceof DiagGaussian) parts.push(policy.distribution.getLogStd());
  if (critic) add(critic);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface Run {
  initial: Float32Array;
  metrics: Record<string, number>[];
  /** Weights after each update. */
  weights: Float32Array[];
  /** tf.memory().numTensors after each update. */
  tensors: number[];
  steps: number;
}

/** `threads`: the cores offered to each update in turn (default 1). */
async function run(c: Case, engine: EngineName, updates: number, threads: number[] = []): Promise<Run> {
  const algo = build(c, engine);
  const r: Run = { initial: savedWeights(algo), metrics: [], weights: [], tensors: [], steps: 0 };
  try {
    for (let i = 0; i < updates; i++) {
      const res = await algo.iterate({ totalSteps: 200_000, stepsDone: r.steps, onEnvStep() {}, threads: threads[i] ?? 1 });
      r.steps += res.steps;
      r.metrics.push(res.metrics);
      r.weights.push(savedWeights(algo));
      r.tensors.push(tf.memory().numTensors);
    }
  } finally {
    algo.dispose();
  }
  return r;
}

function assertClose(what: string, got: Record<string, number>, want: Record<string, number>, rtol: number, atol: number): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: the same metrics`);
  for (const k of Object.keys(want)) {
    const a = got[k];
    const b = want[k];
    assert.ok(Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b)) + atol, `${what} ${k}: fused ${a} vs tfjs ${b}`);
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The fused engine against the tfjs engine over `updates` updates from the same seed. */
async function compareEngines(name: string, c: Case, updates: number, firstWeightTol = 1e-5): Promise<void> {
  const ref = await run(c, 'tfjs', updates);
  const fused = await run(c, 'fused', updates);
  assert.equal(fused.steps, ref.steps, `${name}: the same env steps`);
  for (let i = 0; i < updates; i++) {
    const [rtol, atol, wtol] = i === 0 ? [1e-4, 1e-6, firstWeightTol] : [1e-3, 1e-5, 1e-4];
    assertClose(`${name} update ${i + 1}`, fused.metrics[i], ref.metrics[i], rtol, atol);
    const d = maxAbsDiff(fused.weights[i], ref.weights[i]);
    assert.ok(d <= wtol, `${name} update ${i + 1}: weights differ by ${d}`);
  }
  assert.deepEqual(fused.initial, ref.initial, `${name}: the same initial weights`);
  assert.ok(maxAbsDiff(fused.weights[0], fused.initial) > 0, `${name}: the update moved the weights`);
  // No tensors per update on the fused engine.
  assert.equal(new Set(fused.tensors).size, 1, `${name}: fused numTensors ${fused.tensors.join(',')}`);
}

const CARTPOLE = 'CartPole-v1' as const;
const LUNAR = 'LunarLander-v3' as const;
const BOX = { continuous: true };

// ---------- PPO ----------

test('PPO update (zoo: 20 epochs × 1 minibatch, clip 0.2, Adam ε 1e-5, clip 0.5): fused = tfjs, Categorical', async () => {
  await compareEngines('ppo', { algo: 'ppo', env: CARTPOLE, preset: 'zoo' }, 3);
});

test('PPO update with entropy bonus, ratio clipping active, several minibatches per epoch: fused = tfjs, Categorical', async () => {
  // Glorot init (no 0.01 head) so the entropy and ratio-clipping terms are far from their trivial values;
  // a large step size so that Adam's normalisation does not hide a gradient that is a little off (a 1 %
  // error in the entropy term fails this). One update: at this step size rounding compounds after it.
  await compareEngines(
    'ppo entropy',
    {
      algo: 'ppo',
      env: CARTPOLE,
      preset: 'zoo',
      overrides: { ent_coef: 0.05, ortho_init: false, batch_size: 64, n_epochs: 3, clip_range: 0.05, learning_rate: 0.01 },
    },
    1,
  );
});

test('PPO update: fused = tfjs, diagonal Gaussian (LunarLander continuous)', async () => {
  await compareEngines(
    'ppo box',
    { algo: 'ppo', env: LUNAR, envOptions: BOX, preset: 'zoo-continuous', overrides: { n_envs: 2, n_steps: 64, batch_size: 32, n_epochs: 2 } },
    3,
  );
});

test('PPO update with a large step, entropy bonus and ratio clipping: fused = tfjs, diagonal Gaussian', async () => {
  await compareEngines(
    'ppo box entropy',
    {
      algo: 'ppo',
      env: LUNAR,
      envOptions: BOX,
      preset: 'zoo-continuous',
      overrides: { n_envs: 2, n_steps: 64, batch_size: 32, n_epochs: 2, ent_coef: 0.05, clip_range: 0.05, learning_rate: 0.01, ortho_init: false },
    },
    1,
    1e-4, // steps 30× the preset's move weights 30× as far, and their rounding differences with them
  );
});

test('PPO with its critic on a second thread: the same metrics and weights, bit for bit, switching either way mid-run', async () => {
  for (const c of [
    { algo: 'ppo', env: CARTPOLE, preset: 'zoo', overrides: { n_epochs: 4 } },
    { algo: 'ppo', env: LUNAR, envOptions: BOX, preset: 'zoo-continuous', overrides: { n_envs: 2, n_steps: 64, batch_size: 32, n_epochs: 2 } },
  ] as Case[]) {
    const one = await run(c, 'fused', 4, [1, 1, 1, 1]);
    const two = await run(c, 'fused', 4, [2, 2, 2, 2]);
    const mixed = await run(c, 'fused', 4, [2, 1, 2, 1]);
    for (const other of [two, mixed]) {
      assert.deepEqual(other.metrics, one.metrics, `${c.env}: metrics`);
      assert.deepEqual(other.weights, one.weights, `${c.env}: weights`);
    }
  }
});

// ---------- A2C ----------

test('A2C joint update (SB3 zoo: RMSprop, clip 0.5): fused = tfjs, Categorical', async () => {
  await compareEngines('a2c joint', { algo: 'a2c', env: CARTPOLE, preset: 'zoo' }, 8);
});

test('A2C joint update with an entropy bonus on a non-uniform initial policy: fused = tfjs, Categorical', async () => {
  // Glorot init (no 0.01 head): the entropy gradient is ~0 at a uniform policy and would go unchecked.
  await compareEngines('a2c joint entropy', { algo: 'a2c', env: CARTPOLE, preset: 'zoo', overrides: { ent_coef: 0.05, ortho_init: false } }, 4);
});

test('A2C split update (policy step + value iterations, Adam) with clipping and entropy: fused = tfjs, Categorical', async () => {
  await compareEngines(
    'a2c split',
    { algo: 'a2c', env: CARTPOLE, preset: 'classic', overrides: { n_steps: 64, batch_size: 0, train_v_iters: 5, ent_coef: 0.01, max_grad_norm: 0.5 } },
    4,
  );
});

test('A2C joint update (RMSprop): fused = tfjs, diagonal Gaussian (LunarLander continuous)', async () => {
  await compareEngines('a2c joint box', { algo: 'a2c', env: LUNAR, envOptions: BOX, preset: 'zoo', overrides: { n_envs: 2, n_steps: 16, ent_coef: 0.01 } }, 4);
});

test('A2C split update (Adam): fused = tfjs, diagonal Gaussian (LunarLander continuous)', async () => {
  await compareEngines(
    'a2c split box',
    { algo: 'a2c', env: LUNAR, envOptions: BOX, preset: 'tuned', overrides: { n_envs: 2, n_steps: 16, train_v_iters: 4, log_std_init: -0.5 } },
    4,
  );
});

test('A2C minibatched epoch (the classic preset: shuffled minibatches, one policy step each, then full-batch value iterations): fused = tfjs, Categorical', async () => {
  // 64 rows in minibatches of 24: 24 + 24 + 16, so the short last minibatch is covered too.
  await compareEngines(
    'a2c minibatch',
    { algo: 'a2c', env: CARTPOLE, preset: 'classic', overrides: { n_steps: 64, batch_size: 24, train_v_iters: 5, ent_coef: 0.01 } },
    4,
  );
});

test('A2C joint update over minibatches (one joint step each): fused = tfjs, Categorical', async () => {
  await compareEngines('a2c joint minibatch', { algo: 'a2c', env: CARTPOLE, preset: 'zoo', overrides: { n_steps: 16, batch_size: 32, ortho_init: false } }, 4);
});

test('A2C minibatched epoch: fused = tfjs, diagonal Gaussian (LunarLander continuous)', async () => {
  await compareEngines(
    'a2c minibatch box',
    { algo: 'a2c', env: LUNAR, envOptions: BOX, preset: 'tuned', overrides: { n_envs: 2, n_steps: 16, batch_size: 8, train_v_iters: 3, log_std_init: -0.5 } },
    3,
  );
});

test('A2C batch_size: the policy takes one step per minibatch, and batch_size 0 keeps the one full-batch step', async () => {
  const policySteps = async (batchSize: number) => {
    const algo = build({ algo: 'a2c', env: CARTPOLE, preset: 'classic', overrides: { n_steps: 40, batch_size: batchSize, train_v_iters: 1 } }, 'tfjs');
    try {
      const opt = (algo as unknown as { optimizer: tf.Optimizer }).optimizer;
      const before = (await opt.getWeights())[0].tensor.dataSync()[0]; // Adam's step counter
      await algo.iterate({ totalSteps: 1000, stepsDone: 0, onEnvStep() {} });
      return (await opt.getWeights())[0].tensor.dataSync()[0] - before;
    } finally {
      algo.dispose();
    }
  };
  assert.equal(await policySteps(0), 1);
  assert.equal(await policySteps(10), 4);
  assert.equal(await policySteps(15), 3); // 15 + 15 + 10
});

// ---------- REINFORCE ----------

test('REINFORCE without baseline: fused = tfjs', async () => {
  await compareEngines('reinforce', { algo: 'reinforce', env: CARTPOLE, preset: 'classic' }, 5);
});

test('REINFORCE with baseline, normalised weights, entropy bonus, several episodes per update: fused = tfjs', async () => {
  await compareEngines(
    'reinforce baseline',
    {
      algo: 'reinforce',
      env: CARTPOLE,
      preset: 'classic-baseline',
      overrides: { normalize_advantage: true, ent_coef: 0.01, n_envs: 2, episodes_per_update: 3 },
    },
    4,
  );
});

// ---------- actor-critic ----------

test('actor-critic td (mse): fused = tfjs', async () => {
  await compareEngines('ac td', { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-td' }, 3);
});

test('actor-critic td (Huber, clipping, entropy bonus): fused = tfjs', async () => {
  await compareEngines(
    'ac td huber',
    { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-td', overrides: { value_loss: 'huber', ent_coef: 0.1, max_grad_norm: 0.5 } },
    3,
  );
});

test('actor-critic td per episode (the tutorial: 32 actor, 32-32 critic, one batched TD(0) update per episode): fused = tfjs', async () => {
  await compareEngines('ac td episode', { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-td-episode' }, 4);
});

test('actor-critic td per episode (Huber, clipping, entropy, normalised δ, tanh, several envs and episodes): fused = tfjs', async () => {
  await compareEngines(
    'ac td episode huber',
    {
      algo: 'actor-critic',
      env: CARTPOLE,
      preset: 'classic-td-episode',
      overrides: {
        value_loss: 'huber',
        ent_coef: 0.01,
        max_grad_norm: 0.5,
        normalize_advantage: true,
        activation_fn: 'tanh',
        n_envs: 2,
        episodes_per_update: 3,
      },
    },
    3,
  );
});

test('actor-critic mc: fused = tfjs', async () => {
  await compareEngines('ac mc', { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-mc' }, 4);
});

test('actor-critic mc (Huber, clipping, entropy bonus, tanh, several envs and episodes): fused = tfjs', async () => {
  await compareEngines(
    'ac mc huber',
    {
      algo: 'actor-critic',
      env: CARTPOLE,
      preset: 'classic-mc',
      overrides: { value_loss: 'huber', ent_coef: 0.01, max_grad_norm: 0.5, activation_fn: 'tanh', net_arch: [32, 16], n_envs: 2, episodes_per_update: 3 },
    },
    3,
  );
});

test('actor-critic shared (the tutorial: Huber, standardised returns): fused = tfjs, value head saved', async () => {
  await compareEngines('ac shared', { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-shared' }, 4);
});

test('actor-critic shared (mse, vf_coef 0.5, clipping, entropy, two tanh layers): fused = tfjs', async () => {
  await compareEngines(
    'ac shared tanh',
    {
      algo: 'actor-critic',
      env: CARTPOLE,
      preset: 'classic-shared',
      overrides: {
        value_loss: 'mse',
        vf_coef: 0.5,
        max_grad_norm: 1,
        ent_coef: 0.01,
        normalize_returns: false,
        normalize_advantage: true,
        activation_fn: 'tanh',
        net_arch: [32, 16],
        n_envs: 2,
        episodes_per_update: 2,
      },
    },
    3,
  );
});

test('actor-critic shared without hidden layers (the value head reads the observations): fused = tfjs', async () => {
  await compareEngines('ac shared linear', { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-shared', overrides: { net_arch: [] } }, 3);
});

// ---------- determinism, saving ----------

test('a seeded fused run is deterministic', async () => {
  for (const c of [
    { algo: 'ppo', env: CARTPOLE, preset: 'zoo', overrides: { n_epochs: 4 } },
    { algo: 'a2c', env: LUNAR, envOptions: BOX, preset: 'zoo', overrides: { n_envs: 2, n_steps: 16 } },
    { algo: 'reinforce', env: CARTPOLE, preset: 'classic-baseline' },
    { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-td' },
    { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-shared' },
  ] as Case[]) {
    const a = await run(c, 'fused', 3);
    const b = await run(c, 'fused', 3);
    assert.deepEqual(b.metrics, a.metrics, `${c.algo} ${c.preset}`);
    assert.deepEqual(b.weights, a.weights, `${c.algo} ${c.preset}`);
  }
});

test('a fused run saves what it trained: policy, log σ and critic (shared: trunk + value head) reload as the tfjs run left them', async () => {
  for (const c of [
    { algo: 'actor-critic', env: CARTPOLE, preset: 'classic-shared' },
    { algo: 'a2c', env: LUNAR, envOptions: BOX, preset: 'zoo', overrides: { n_envs: 2, n_steps: 16 } },
    { algo: 'ppo', env: LUNAR, envOptions: BOX, preset: 'zoo-continuous', overrides: { n_envs: 2, n_steps: 64, batch_size: 32, n_epochs: 2 } },
  ] as Case[]) {
    const ref = await run(c, 'tfjs', 2);
    const algo = build(c, 'fused');
    try {
      let steps = 0;
      for (let i = 0; i < 2; i++) steps += (await algo.iterate({ totalSteps: 200_000, stepsDone: steps, onEnvStep() {} })).steps;
      const dir = join(tmp, `${c.algo}-${c.preset}`);
      const critic = (algo as { critic?: Mlp | null }).critic;
      await savePolicy(dir, algo.policy, { env: c.env, envOptions: c.envOptions as never, algo: c.algo, steps, critic });
      const loaded = await loadPolicy(dir);
      try {
        const got = flatten(loaded as unknown as MlpPolicy, loaded.critic!);
        const d = maxAbsDiff(got, ref.weights[1]);
        assert.ok(d <= 1e-4, `${c.algo} ${c.preset}: the saved weights differ from the tfjs run's by ${d}`);
        assert.deepEqual(got, savedWeights(algo), `${c.algo} ${c.preset}: saved = in memory`);
      } finally {
        loaded.dispose();
      }
    } finally {
      algo.dispose();
    }
  }
});
