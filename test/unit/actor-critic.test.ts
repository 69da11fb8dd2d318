/**
 * Actor-critic and A2C pieces on hand-computed numbers: the one-step TD target (termination vs
 * truncation), the direction of each loss's gradient, Huber vs squared error, torch-style RMSprop,
 * and A2C's returns (λ = 1: Monte-Carlo with bootstrap) through a scripted vec env.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { A2c } from '../../main/lab/agents/a2c.ts';
import { TorchRmsprop } from '../../main/lab/nn/torch-rmsprop.ts';
import { ActorCritic } from '../../main/lab/agents/actor-critic.ts';
import { nextObservations, tdTargets } from '../../main/lab/agents/actor-critic/td.ts';
import { sharedForward } from '../../main/lab/agents/actor-critic/networks.ts';
import { episodeTdTargets } from '../../main/lab/agents/actor-critic/episodic.ts';
import { policyGradientLoss, valueLoss } from '../../main/lab/agents/pg-losses.ts';
import { plannedRunSteps, resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import type { FinishedEpisode, RenderState, VecEnv } from '../../main/lab/envs/env.ts';
import { makeVecEnv } from '../../main/lab/envs/registry.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { box, discrete } from '../../main/lab/envs/spaces.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { Categorical } from '../../main/lab/nn/distributions.ts';
import { Mlp } from '../../main/lab/nn/mlp.ts';
import { computeGae, rewardToGo } from '../../main/lab/training/returns.ts';

before(async () => {
  await initBackend('wasm');
});

function close(actual: ArrayLike<number>, expected: number[], eps = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < eps, `index ${i}: got ${actual[i]}, want ${expected[i]}`);
}

test('TD target: running and truncated rows bootstrap γ·V(s′), terminated rows do not', () => {
  // Three envs after one vector step: 0 still running, 1 truncated (time limit), 2 terminated.
  const D = 2;
  const vec = {
    numEnvs: 3,
    obsDim: D,
    obs: new Float32Array([1, 2, /* env 1 autoreset */ 0, 0, /* env 2 autoreset */ 0, 0]),
    finalObs: new Float32Array([0, 0, 3, 4, 5, 6]),
    terminated: new Uint8Array([0, 0, 1]),
    truncated: new Uint8Array([0, 1, 0]),
  };
  const next = nextObservations(vec);
  // s′ is the final observation where the episode ended, never the next episode's reset observation.
  close(next, [1, 2, 3, 4, 5, 6]);
  // A toy critic V(s) = s₀ + s₁ on s′: 3, 7, 11.
  const vNext = [0, 1, 2].map((i) => next[i * D] + next[i * D + 1]);
  const y = tdTargets([1, 1, 1], vNext, vec.terminated, 0.9);
  // y₀ = 1 + .9·3 = 3.7;  y₁ = 1 + .9·7 = 7.3 (truncation: bootstrap);  y₂ = 1 (termination: V = 0)
  close(y, [3.7, 7.3, 1]);
  // δ = y − V(s) with V(s) = [2, 5, 4]: the advantage the actor gets.
  close(
    y.map((t, i) => t - [2, 5, 4][i]),
    [1.7, 2.3, -3],
  );
});

test('policy-gradient loss: raising the logit of an action with positive advantage lowers the loss', () => {
  const dist = new Categorical(2);
  for (const [adv, sign] of [
    [1.5, -1],
    [-2, 1],
  ] as const) {
    const g = tf.tidy(() => {
      const f = (logits: tf.Tensor) => policyGradientLoss(dist.logProb(logits as tf.Tensor2D, tf.tensor1d([0], 'int32')), tf.tensor1d([adv]));
      return tf
        .grad(f)(tf.tensor2d([[0.3, -0.2]]))
        .dataSync();
    });
    // ∂L/∂logit₀ = −A·(1 − π₀), ∂L/∂logit₁ = A·π₁
    const p0 = 1 / (1 + Math.exp(-0.5));
    close(g, [-adv * (1 - p0), adv * (1 - p0)]);
    assert.equal(Math.sign(g[0]), sign);
  }
});

test('value losses: gradient moves V toward the target; Huber is ½e² inside ±1 and |e| − ½ outside', () => {
  for (const kind of ['mse', 'huber'] as const) {
    const g = tf.tidy(() =>
      tf
        .grad((v: tf.Tensor) => valueLoss(kind, tf.tensor1d([2, -1]), v as tf.Tensor1D))(tf.tensor1d([1.5, 3]))
        .dataSync(),
    );
    assert.ok(g[0] < 0, `${kind}: V below target → raising V lowers the loss`);
    assert.ok(g[1] > 0, `${kind}: V above target → lowering V lowers the loss`);
  }
  const loss = (kind: 'mse' | 'huber', y: number[], v: number[]) => tf.tidy(() => valueLoss(kind, tf.tensor1d(y), tf.tensor1d(v)).dataSync()[0]);
  // errors 0.5 and 3: mse = (0.25 + 9)/2; huber = (0.125 + 2.5)/2
  assert.ok(Math.abs(loss('mse', [0.5, 3], [0, 0]) - 4.625) < 1e-6);
  assert.ok(Math.abs(loss('huber', [0.5, 3], [0, 0]) - 1.3125) < 1e-6);
  // inside ±1 Huber is exactly half the squared error; outside its gradient is ±1/n (clipped).
  assert.ok(Math.abs(loss('huber', [0.4, -0.8], [0, 0]) - loss('mse', [0.4, -0.8], [0, 0]) / 2) < 1e-7);
  const gh = tf.tidy(() =>
    tf
      .grad((v: tf.Tensor) => valueLoss('huber', tf.tensor1d([3, -5]), v as tf.Tensor1D))(tf.tensor1d([0, 0]))
      .dataSync(),
  );
  close(gh, [-0.5, 0.5]);
  const gm = tf.tidy(() =>
    tf
      .grad((v: tf.Tensor) => valueLoss('mse', tf.tensor1d([3, -5]), v as tf.Tensor1D))(tf.tensor1d([0, 0]))
      .dataSync(),
  );
  close(gm, [-3, 5]);
});

test('shared trunk: the policy head is exactly the acting Mlp; the value head reads the last hidden layer', () => {
  const rng = npRandom(5);
  const net = Mlp.create({ inputDim: 3, outputDim: 2, netArch: [4], activation: 'relu' }, { scheme: 'glorot', rng });
  const vk = tf.variable(tf.tensor2d([1, -1, 0.5, 2], [4, 1]), true, 'test_vk');
  const vb = tf.variable(tf.tensor1d([0.25]), true, 'test_vb');
  const x = new Float32Array([0.1, -0.4, 0.7, 1, 0.2, -0.3]);
  const { logits, value } = tf.tidy(() => {
    const out = sharedForward(net, vk, vb, tf.tensor2d(x, [2, 3]));
    return { logits: out.logits.dataSync().slice(), value: out.value.dataSync().slice() };
  });
  close(logits, Array.from(net.forward(x, 2)));
  // V by hand from the hidden layer: relu(x·K₀ + b₀)·vk + vb
  const w = net.getWeights();
  const want = [0, 1].map((r) => {
    let v = 0.25;
    for (let j = 0; j < 4; j++) {
      let h = w.biases[0][j];
      for (let i = 0; i < 3; i++) h += x[r * 3 + i] * w.kernels[0][i * 4 + j];
      v += Math.max(0, h) * [1, -1, 0.5, 2][j];
    }
    return v;
  });
  close(value, want);
  net.dispose();
  vk.dispose();
  vb.dispose();
});

test("TorchRmsprop matches torch.optim.RMSprop's update (ε outside the square root)", () => {
  const theta = tf.variable(tf.tensor1d([1]), true, 'test_rms_theta');
  const opt = new TorchRmsprop([theta], 0.1, 0.99, 1e-5);
  let v = 0;
  let th = 1;
  for (let step = 0; step < 3; step++) {
    // loss = 2θ² → g = 4θ
    const g = 4 * th;
    tf.tidy(() => opt.applyGradients({ [theta.name]: tf.tensor1d([g]) }));
    v = 0.99 * v + 0.01 * g * g;
    th -= (0.1 * g) / (Math.sqrt(v) + 1e-5);
    assert.ok(Math.abs(theta.dataSync()[0] - th) < 1e-5, `step ${step}: ${theta.dataSync()[0]} vs ${th}`);
  }
  opt.dispose();
  theta.dispose();
});

test('GAE with λ = 1 is the Monte-Carlo return with bootstrap, whatever the intermediate values', () => {
  // One env, 3 steps, truncated at the last step with V(final obs) = 4: R = [3.25, 4.5, 5] (γ = .5).
  for (const values of [
    [0, 0, 0],
    [7, -3, 100],
  ]) {
    const { returns, advantages } = computeGae({
      nSteps: 3,
      nEnvs: 1,
      rewards: [1, 2, 3],
      values,
      terminated: [0, 0, 0],
      truncated: [0, 0, 1],
      finalValues: [0, 0, 4],
      lastValues: [999],
      gamma: 0.5,
      lambda: 1,
    });
    close(returns, [3.25, 4.5, 5]);
    close(
      advantages,
      [3.25, 4.5, 5].map((r, t) => r - values[t]),
    );
  }
});

/**
 * A scripted 2-env vec env: obs after step t = [i, t, 1]; reward 1 + t + 10·i; env 0 terminates at
 * step termAt, env 1 is truncated at step truncAt; the final observation of an ended episode is
 * [i, t, 5] and the autoreset observation [i, 100 + t, 0].
 */
function scriptedVecEnv(termAt: number, truncAt: number): VecEnv {
  const N = 2;
  const D = 3;
  let t = 0;
  const obs = new Float32Array([0, 0, 1, 1, 0, 1]);
  const env = {
    numEnvs: N,
    spec: { id: 'scripted', maxEpisodeSteps: 3, rewardThreshold: 0 },
    observationSpace: box([-1e3, -1e3, -1e3], [1e3, 1e3, 1e3]),
    actionSpace: discrete(2),
    obsDim: D,
    obs,
    rewards: new Float64Array(N),
    terminated: new Uint8Array(N),
    truncated: new Uint8Array(N),
    finalObs: new Float32Array(N * D),
    finishedEpisodes: [] as FinishedEpisode[],
    reset: () => obs,
    step: () => {
      t++;
      env.finishedEpisodes = [];
      for (let i = 0; i < N; i++) {
        env.rewards[i] = 1 + t + 10 * i;
        const term = i === 0 && t === termAt;
        const trunc = i === 1 && t === truncAt;
        env.terminated[i] = term ? 1 : 0;
        env.truncated[i] = trunc ? 1 : 0;
        if (term || trunc) {
          env.finishedEpisodes.push({ envIndex: i, return: 0, length: t, terminated: term, truncated: trunc });
          env.finalObs.set([i, t, 5], i * D);
          obs.set([i, 100 + t, 0], i * D);
        } else obs.set([i, t, 1], i * D);
      }
    },
    renderState: (): RenderState => ({ env: 'CartPole-v1', x: 0, theta: 0 }),
    finalRenderState: (): RenderState => ({ env: 'CartPole-v1', x: 0, theta: 0 }),
    close: () => {},
  };
  return env;
}

test('A2C: λ = 1 returns = Monte-Carlo with V(final obs) at truncation, 0 at termination, V(s_T) at the rollout end', async () => {
  const gamma = 0.9;
  const hp = resolveHyperparameters('a2c', 'CartPole-v1', null, {
    n_envs: 2,
    n_steps: 4,
    gamma,
    gae_lambda: 1,
    net_arch: [8],
    train_v_iters: 1,
  }).hyperparameters;
  const vecEnv = scriptedVecEnv(2, 3);
  const algo = new A2c({ vecEnv, hyperparameters: hp, rng: npRandom(0) });
  // The critic before the update (the one the rollout bootstraps with).
  const v0 = new Mlp(algo.critic.spec, algo.critic.getWeights());
  const V = (o: number[]) => v0.forward(new Float32Array(o), 1)[0];
  await algo.iterate({ totalSteps: 100, stepsDone: 0, onEnvStep: () => {} });

  // Rewards per step t = 1..4: env 0: 2,3 | 4,5 (terminated at step 2);  env 1: 12,13,14 | 15 (truncated at step 3).
  // The rollout ends after step 4 with both episodes running: bootstrap from V(obs(i, 4)).
  const env0 = [...rewardToGo([2, 3], gamma, 0), ...rewardToGo([4, 5], gamma, V([0, 4, 1]))];
  const env1 = [...rewardToGo([12, 13, 14], gamma, V([1, 3, 5])), ...rewardToGo([15], gamma, V([1, 4, 1]))];
  const returns = algo.buffer.returns;
  const got0 = [0, 1, 2, 3].map((t) => returns[t * 2]);
  const got1 = [0, 1, 2, 3].map((t) => returns[t * 2 + 1]);
  close(got0, env0, 1e-4);
  close(got1, env1, 1e-4);
  // The terminated row has no bootstrap; the truncated row's finalValue is V(final obs).
  assert.equal(algo.buffer.terminated[1 * 2 + 0], 1);
  assert.ok(Math.abs(algo.buffer.finalValues[2 * 2 + 1] - V([1, 3, 5])) < 1e-5);
  v0.dispose();
  algo.dispose();
});

test('actor-critic td: δ uses V(final obs) at truncation and no bootstrap at termination, from the critic before the step', async () => {
  const gamma = 0.9;
  const hp = resolveHyperparameters('actor-critic', 'CartPole-v1', null, { variant: 'td', n_envs: 2, gamma, net_arch: [8] }).hyperparameters;
  const vecEnv = scriptedVecEnv(1, 1); // both episodes end at the first step: one update, then the iteration reports
  const algo = new ActorCritic({ vecEnv, hyperparameters: hp, rng: npRandom(1) });
  const v0 = new Mlp(algo.critic!.spec, algo.critic!.getWeights());
  const V = (o: number[]) => v0.forward(new Float32Array(o), 1)[0];
  const { steps, metrics } = await algo.iterate({ totalSteps: 100, stepsDone: 0, onEnvStep: () => {} });
  assert.equal(steps, 2);
  assert.equal(metrics.updates, 1);
  const d0 = 2 - V([0, 0, 1]); // terminated: y = r
  const d1 = 12 + gamma * V([1, 1, 5]) - V([1, 0, 1]); // truncated: y = r + γ·V(final obs), not V(reset obs)
  assert.ok(Math.abs(metrics.td_error - (Math.abs(d0) + Math.abs(d1)) / 2) < 1e-5, `td_error ${metrics.td_error}`);
  v0.dispose();
  algo.dispose();
});

test('episodeTdTargets: y_t = r_t + γ·V(s_{t+1}) inside the episode, γ·last after its final step', () => {
  close(episodeTdTargets([1, 2, 3], [10, 20, 30], 7, 0.5), [1 + 0.5 * 20, 2 + 0.5 * 30, 3 + 0.5 * 7]);
  close(episodeTdTargets([1], [10], 0, 0.9), [1]); // a one-step episode that terminated
});

test('actor-critic td per episode: one batched TD(0) update on the episodes, V(final obs) at truncation, 0 at termination, V before the update', async () => {
  const gamma = 0.9;
  const hp = resolveHyperparameters('actor-critic', 'CartPole-v1', null, {
    variant: 'td',
    td_update: 'episode',
    n_envs: 2,
    gamma,
    net_arch: [8],
    critic_net_arch: [6, 5],
    normalize_advantage: false,
  }).hyperparameters;
  const vecEnv = scriptedVecEnv(2, 2); // env 0 terminates and env 1 is truncated at the second step
  const algo = new ActorCritic({ vecEnv, hyperparameters: hp, rng: npRandom(1) });
  assert.deepEqual(algo.critic.spec.netArch, [6, 5]);
  assert.deepEqual(algo.policy.net.spec.netArch, [8]);
  const v0 = new Mlp(algo.critic.spec, algo.critic.getWeights());
  const V = (o: number[]) => v0.forward(new Float32Array(o), 1)[0];
  const { steps, metrics } = await algo.iterate({ totalSteps: 100, stepsDone: 0, onEnvStep: () => {} });
  assert.equal(steps, 4);
  assert.equal(metrics.batch_episodes, 2);
  assert.equal(metrics.batch_steps, 4);
  const deltas = [
    2 + gamma * V([0, 1, 1]) - V([0, 0, 1]), // env 0: next state inside the episode
    3 - V([0, 1, 1]), // terminated: y = r
    12 + gamma * V([1, 1, 1]) - V([1, 0, 1]),
    13 + gamma * V([1, 2, 5]) - V([1, 1, 1]), // truncated: V(final obs), not the reset obs
  ];
  const want = deltas.reduce((a, d) => a + Math.abs(d), 0) / 4;
  assert.ok(Math.abs(metrics.td_error - want) < 1e-5, `td_error ${metrics.td_error} vs ${want}`);
  assert.ok(Math.abs(V([0, 0, 1]) - algo.critic.forward(new Float32Array([0, 0, 1]), 1)[0]) > 0, 'the update moved the critic');
  v0.dispose();
  algo.dispose();
});

test('actor-critic td per episode on CartPole (seeded): exactly one actor and one critic step per finished episode', async () => {
  const hp = resolveHyperparameters('actor-critic', 'CartPole-v1', 'classic-td-episode').hyperparameters;
  const vecEnv = makeVecEnv('CartPole-v1', 1);
  vecEnv.reset(3);
  const algo = new ActorCritic({ vecEnv, hyperparameters: hp, rng: npRandom(3) });
  const nets = (algo as unknown as { update: { nets: { optimizer: tf.Optimizer; vfOptimizer: tf.Optimizer } } }).update.nets;
  const iterations = async (opt: tf.Optimizer) => (await opt.getWeights())[0]?.tensor.dataSync()[0] ?? 0; // Adam's step count
  let stepsDone = 0;
  for (let k = 1; k <= 3; k++) {
    const { steps, metrics } = await algo.iterate({ totalSteps: 100_000, stepsDone, onEnvStep: () => {} });
    stepsDone += steps;
    assert.equal(vecEnv.finishedEpisodes.length, 1, 'the iteration ends with the step that ends the episode');
    assert.equal(steps, vecEnv.finishedEpisodes[0].length, 'one whole episode per update');
    assert.equal(metrics.batch_episodes, 1);
    assert.equal(await iterations(nets.optimizer), k);
    assert.equal(await iterations(nets.vfOptimizer), k);
  }
  algo.dispose();
  vecEnv.close();
});

test('budgets: td updating every step runs to the step, td per episode (like mc) on whole episodes', () => {
  const plan = (overrides: Record<string, unknown>) =>
    plannedRunSteps('actor-critic', resolveHyperparameters('actor-critic', 'CartPole-v1', null, overrides).hyperparameters, 1_001);
  assert.deepEqual(plan({ variant: 'td', n_envs: 4 }), { steps: 1_004, iteration: 4 });
  assert.deepEqual(plan({ variant: 'td', td_update: 'episode' }), { steps: 1_001, iteration: null });
  assert.deepEqual(plan({ variant: 'mc' }), { steps: 1_001, iteration: null });
});

test('actor-critic shared: `critic` (what the trainer saves) is trunk + value head as one Dense stack', async () => {
  const hp = resolveHyperparameters('actor-critic', 'CartPole-v1', 'classic-shared', { net_arch: [16, 8] }).hyperparameters;
  const vecEnv = makeVecEnv('CartPole-v1', 1);
  vecEnv.reset(0);
  const algo = new ActorCritic({ vecEnv, hyperparameters: hp, rng: npRandom(2) });
  await algo.iterate({ totalSteps: 10_000, stepsDone: 0, onEnvStep: () => {} }); // one update moves trunk and head
  const x = new Float32Array([0.01, -0.2, 0.03, 0.4, -0.05, 0.1, 0.02, -0.3]);
  const want = tf.tidy(() =>
    sharedForward(algo.policy.net, algo.valueKernel!, algo.valueBias!, tf.tensor2d(x, [2, 4]))
      .value.dataSync()
      .slice(),
  );
  const critic = algo.critic!;
  assert.deepEqual(critic.spec.netArch, [16, 8]);
  close(critic.forward(x, 2), Array.from(want));
  algo.dispose();
  vecEnv.close();
});
