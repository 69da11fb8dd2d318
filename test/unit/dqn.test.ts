/**
 * DQN pieces on hand numbers: the replay buffer (wraparound, sampling, truncation vs termination),
 * target-network sync (hard and soft) on real weights, the ε schedule, the Huber TD loss and the
 * (double) DQN target.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dqnTargets, huberLoss, linearSchedule, syncTarget } from '../../main/lab/agents/dqn.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { Mlp } from '../../main/lab/nn/mlp.ts';
import { defaultHyperparameters, resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { ReplayBuffer } from '../../main/lab/training/replay-buffer.ts';

before(async () => {
  await initBackend('cpu');
});

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol;

test('replay buffer: fills, wraps around oldest-first, keeps size at capacity', () => {
  const buf = new ReplayBuffer(3, 2);
  const o = (k: number) => new Float32Array([k, -k]);
  for (let k = 0; k < 5; k++) buf.add(o(k), 0, k % 2, k * 10, o(k + 1), 0, k === 4);
  assert.equal(buf.size, 3);
  assert.equal(buf.pos, 2); // 5 writes into 3 slots: slots 0,1 hold transitions 3,4; slot 2 holds 2
  assert.deepEqual(Array.from(buf.obs), [3, -3, 4, -4, 2, -2]);
  assert.deepEqual(Array.from(buf.nextObs), [4, -4, 5, -5, 3, -3]);
  assert.deepEqual(Array.from(buf.actions), [1, 0, 0]);
  assert.deepEqual(Array.from(buf.rewards), [30, 40, 20]);
  assert.deepEqual(Array.from(buf.dones), [0, 1, 0]);
});

test('replay buffer: uniform sampling with replacement, seeded, rows kept together', () => {
  const buf = new ReplayBuffer(100, 2);
  for (let k = 0; k < 10; k++) buf.add(new Float32Array([k, k + 0.5]), 0, k, k, new Float32Array([k + 1, k + 1.5]), 0, false);
  assert.throws(() => new ReplayBuffer(10, 1).sample(4, npRandom(0)), /empty replay buffer/);
  const a = buf.sample(2000, npRandom(1));
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 2000; i++) {
    const k = a.actions[i];
    counts[k]++;
    assert.equal(a.obs[2 * i], k);
    assert.equal(a.obs[2 * i + 1], k + 0.5);
    assert.equal(a.nextObs[2 * i], k + 1);
    assert.equal(a.rewards[i], k);
  }
  // Only the 10 stored transitions, each about 200 times (binomial sd ≈ 13).
  assert.ok(
    counts.every((c) => c > 140 && c < 260),
    `counts ${counts}`,
  );
  const first = Array.from(buf.sample(16, npRandom(7)).actions);
  assert.deepEqual(Array.from(buf.sample(16, npRandom(7)).actions), first, 'same seed, same batch');
});

test('replay buffer: truncation stores the final obs and bootstraps, termination stores done', () => {
  const buf = new ReplayBuffer(10, 1);
  // Three sub-envs: running, terminated, truncated. obs already holds the reset observations.
  buf.addVecStep(
    new Float32Array([1, 2, 3]),
    new Int32Array([0, 1, 0]),
    { rewards: [1, 1, 1], terminated: [0, 1, 0], truncated: [0, 0, 1], obs: new Float32Array([11, 100, 200]), finalObs: new Float32Array([0, 12, 13]) },
    3,
  );
  assert.deepEqual(Array.from(buf.nextObs.subarray(0, 3)), [11, 12, 13]);
  assert.deepEqual(Array.from(buf.dones.subarray(0, 3)), [0, 1, 0]);
  // Terminated and truncated together (time limit on the terminal step) is a termination.
  buf.addVecStep(
    new Float32Array([4]),
    new Int32Array([1]),
    { rewards: [1], terminated: [1], truncated: [1], obs: new Float32Array([0]), finalObs: new Float32Array([14]) },
    1,
  );
  assert.equal(buf.dones[3], 1);
  assert.equal(buf.nextObs[3], 14);
});

test('ε schedule: SB3 get_linear_fn on progress remaining', () => {
  const eps = linearSchedule(1, 0.04, 0.16);
  assert.equal(eps(1), 1);
  assert.ok(close(eps(1 - 0.08), 0.52)); // halfway through the exploration fraction
  assert.ok(close(eps(1 - 0.16), 0.04));
  assert.equal(eps(0.5), 0.04);
  assert.equal(eps(0), 0.04);
  assert.equal(linearSchedule(1, 0.05, 0)(1), 0.05); // no exploration phase
});

test('target network: hard copy (τ = 1) and soft update (τ = 0.25) on real weights', () => {
  const spec = { inputDim: 3, outputDim: 2, netArch: [4], activation: 'relu' as const };
  const online = Mlp.create(spec, { scheme: 'glorot', rng: npRandom(1) });
  const target = Mlp.create(spec, { scheme: 'glorot', rng: npRandom(2) });
  const w0 = online.getWeights();
  const t0 = target.getWeights();
  const x = new Float32Array([0.3, -0.2, 0.9]);
  target.forward(x, 1); // fill the JS mirror: sync must invalidate it
  syncTarget(online, target, 0.25);
  const t1 = target.getWeights();
  for (let l = 0; l < 2; l++) {
    t1.kernels[l].forEach((v, i) => assert.ok(close(v, 0.25 * w0.kernels[l][i] + 0.75 * t0.kernels[l][i]), `kernel ${l}[${i}]`));
  }
  assert.deepEqual(online.getWeights(), w0, 'the online network is untouched');
  const before = tf.memory().numTensors;
  syncTarget(online, target, 1);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  assert.deepEqual(target.getWeights(), w0);
  assert.deepEqual(Array.from(target.forward(x, 1)), Array.from(online.forward(x, 1)));
  online.dispose();
  target.dispose();
});

test('Huber loss = torch smooth_l1_loss (β = 1, mean)', () => {
  const v = tf.tidy(() => huberLoss(tf.tensor1d([0.5, -2, 3, 0])).dataSync()[0]);
  // ½·0.25, |−2| − ½, 3 − ½, 0 → mean
  assert.ok(close(v, (0.125 + 1.5 + 2.5 + 0) / 4));
});

test('TD target: no bootstrap at termination; DQN max vs double-DQN selection', () => {
  const nextQTarget = [
    [1, 5, 2], // max 5 (action 1)
    [4, 3, 0], // max 4 (action 0)
    [7, 8, 9],
  ];
  const nextQOnline = [
    [9, 0, 1], // online prefers action 0 → target values it at 1
    [0, 0, 6], // online prefers action 2 → 0
    [0, 1, 0],
  ];
  const rewards = [1, -1, 2];
  const dones = [0, 0, 1]; // the third transition terminated (a truncation is stored with done 0)
  const gamma = 0.9;
  const [plain, dbl] = tf.tidy(() => {
    const qt = tf.tensor2d(nextQTarget);
    const r = tf.tensor1d(rewards);
    const d = tf.tensor1d(dones);
    return [Array.from(dqnTargets(qt, null, r, d, gamma).dataSync()), Array.from(dqnTargets(qt, tf.tensor2d(nextQOnline), r, d, gamma).dataSync())];
  });
  [1 + 0.9 * 5, -1 + 0.9 * 4, 2].forEach((want, i) => assert.ok(close(plain[i], want), `DQN target ${i}: ${plain[i]} vs ${want}`));
  [1 + 0.9 * 1, -1 + 0.9 * 0, 2].forEach((want, i) => assert.ok(close(dbl[i], want), `double-DQN target ${i}: ${dbl[i]} vs ${want}`));
});

test('the Huber TD loss of a batch and its gradient on hand numbers', () => {
  // Q(s, ·) = W·s with a 1×2 linear net; one sample with a = 1, y = 1 + 0.9·max(Q_target(s')).
  const spec = { inputDim: 1, outputDim: 2, netArch: [], activation: 'relu' as const };
  const net = new Mlp(spec, { kernels: [new Float32Array([0.5, 2])], biases: [new Float32Array([0, 0])] });
  const [loss, grad] = tf.tidy(() => {
    const s = tf.tensor2d([[1]]);
    const y = dqnTargets(tf.tensor2d([[0, 1]]), null, tf.tensor1d([1]), tf.tensor1d([0]), 0.9); // 1.9
    const { value, grads } = tf.variableGrads(() => {
      const qa = tf.sum(tf.mul(net.apply(s), tf.oneHot(tf.tensor1d([1], 'int32'), 2)), 1); // 2
      return huberLoss(tf.sub(qa, y));
    }, net.variables);
    return [value.dataSync()[0], Array.from(grads[net.kernels[0].name].dataSync())];
  });
  assert.ok(close(loss, 0.5 * 0.1 * 0.1)); // |2 − 1.9| < 1: quadratic branch
  assert.ok(close(grad[0], 0) && close(grad[1], 0.1, 1e-6), `grad ${grad}`); // only Q(s, a) moves
  net.dispose();
});

test('DQN presets = rl-baselines3-zoo hyperparams/dqn.yml; defaults = SB3 DQN', () => {
  const d = defaultHyperparameters('dqn');
  assert.deepEqual(
    { ...d },
    {
      learning_rate: 1e-4,
      buffer_size: 1_000_000,
      learning_starts: 100,
      batch_size: 32,
      tau: 1,
      gamma: 0.99,
      train_freq: 4,
      gradient_steps: 1,
      target_update_interval: 10_000,
      exploration_fraction: 0.1,
      exploration_initial_eps: 1,
      exploration_final_eps: 0.05,
      max_grad_norm: 10,
      double_q: false,
      net_arch: [64, 64],
      activation_fn: 'relu',
      n_envs: 1,
    },
  );
  const cp = resolveHyperparameters('dqn', 'CartPole-v1', 'zoo');
  assert.equal(cp.steps, 50_000);
  assert.deepEqual(cp.hyperparameters, {
    ...d,
    learning_rate: 2.3e-3,
    batch_size: 64,
    buffer_size: 100_000,
    learning_starts: 1000,
    gamma: 0.99,
    target_update_interval: 10,
    train_freq: 256,
    gradient_steps: 128,
    exploration_fraction: 0.16,
    exploration_final_eps: 0.04,
    net_arch: [256, 256],
  });
  const ll = resolveHyperparameters('dqn', 'LunarLander-v3', 'zoo');
  assert.equal(ll.steps, 100_000);
  assert.deepEqual(ll.hyperparameters, {
    ...d,
    learning_rate: 6.3e-4,
    batch_size: 128,
    buffer_size: 50_000,
    learning_starts: 0,
    gamma: 0.99,
    target_update_interval: 250,
    train_freq: 4,
    gradient_steps: 4, // zoo's −1 (as many as collected) with one env and train_freq 4
    exploration_fraction: 0.12,
    exploration_final_eps: 0.1,
    net_arch: [256, 256],
  });
});
