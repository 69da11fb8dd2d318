/**
 * Resume, algorithm by algorithm, in process: a CartPole run stopped after a few iterations (same
 * budget, so budget-shaped schedules such as DQN's exploration agree) and resumed from its last
 * checkpoint logs the uninterrupted run's episodes and update metrics, on both engines — A2C (its
 * policy and value optimizers, RMSprop and Adam) and DQN (replay buffer, target network, Adam,
 * exploration and target-update counters), REINFORCE (Adam and the episodes still running) and
 * Q-learning and the random baseline. The CLI's version for PPO is resume.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train, type ResumeInfo } from '../../main/lab/training/trainer.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import type { AlgoId } from '../../main/lab/domain/algorithms.ts';
import type { MetricRecord } from '../../main/lab/domain/runs.ts';
import type { TrainerConfig } from '../../main/lab/training/trainer-config.ts';

let tmp = '';
let runs = 0;
before(async () => {
  await initBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'pl-resume-algos-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const clockless = (r: MetricRecord) => {
  const { wall: _w, sps: _s, ...rest } = r as MetricRecord & { sps?: number };
  return rest;
};

async function compare(algo: AlgoId, engine: 'fused' | 'tfjs', hp: Record<string, unknown>, totalSteps: number, stopAfter: number): Promise<void> {
  const config: TrainerConfig = {
    env: 'CartPole-v1',
    envOptions: {},
    algo,
    seed: 11,
    totalSteps,
    preset: null,
    hyperparameters: resolveHyperparameters(algo, 'CartPole-v1', null, hp).hyperparameters,
    backend: 'wasm',
    engine,
    evalEpisodes: 0,
    checkpointEvery: 0,
    stopWhenSolved: false,
  };
  const log = (into: MetricRecord[]) => ({ onEpisode: (r: MetricRecord) => into.push(r), onUpdate: (r: MetricRecord) => into.push(r) });
  const whole: MetricRecord[] = [];
  await train(config, log(whole));

  const legs: MetricRecord[] = [];
  const runDir = join(tmp, `${algo}-${engine}-${++runs}`);
  let updates = 0;
  const first = await train(config, { runDir, ...log(legs), onUpdate: (r) => (legs.push(r), updates++) }, { stopRequested: () => updates >= stopAfter });
  assert.equal(first.status, 'stopped');
  const cps = await readdir(join(runDir, 'checkpoints'));
  assert.deepEqual(cps, [`step-${first.steps}`], 'the stop saved a checkpoint');
  let restored = null as ResumeInfo | null;
  const second = await train(config, { runDir, resumeFrom: join(runDir, 'checkpoints', cps[0]), ...log(legs), onResumed: (r) => (restored = r) });
  assert.deepEqual(restored, {
    steps: first.steps,
    episodes: first.episodes,
    env0Episodes: restored!.env0Episodes,
    algorithmRestored: true,
    envRestored: true,
  });
  assert.equal(second.steps, whole.at(-1)!.step);
  assert.ok(legs.some((r) => r.step > first.steps) && legs.some((r) => r.kind === 'update' && r.step <= first.steps), 'both legs logged');
  assert.deepEqual(legs.map(clockless), whole.map(clockless), `${algo} on ${engine}: the resumed run logs the uninterrupted run's metrics`);
}

test("Q-learning (its table, ε, the visited states, each env's state) and the random baseline resume exactly", async () => {
  await compare('q-learning', 'fused', {}, 6_000, 2);
  await compare('random', 'fused', { n_envs: 3 }, 4_500, 2);
});

for (const engine of ['fused', 'tfjs'] as const) {
  test(`actor-critic (${engine}): td per step, mc and shared (its value head) resume exactly`, async () => {
    const small = { n_envs: 2, net_arch: [16], episodes_per_update: 2 };
    await compare('actor-critic', engine, { ...small, variant: 'td', td_update: 'step' }, 1_200, 3);
    await compare('actor-critic', engine, { ...small, variant: 'mc' }, 1_500, 3);
    await compare('actor-critic', engine, { ...small, variant: 'shared' }, 1_500, 3);
  });

  test(`REINFORCE (${engine}): Adam and the episodes still running resume exactly`, async () => {
    await compare('reinforce', engine, { n_envs: 2, episodes_per_update: 2 }, 2_000, 3);
  });

  test(`A2C (${engine}): separate policy and value optimizers, RMSprop and Adam, resume exactly`, async () => {
    await compare('a2c', engine, { n_envs: 4, n_steps: 8, train_v_iters: 3, optimizer: 'adam' }, 640, 6);
    await compare('a2c', engine, { n_envs: 4, n_steps: 8, joint_update: true, optimizer: 'rmsprop' }, 640, 6);
  });

  test(`DQN (${engine}): replay buffer, target network, Adam and the exploration counters resume exactly`, async () => {
    await compare('dqn', engine, { n_envs: 2, train_freq: 4, learning_starts: 64, buffer_size: 500, batch_size: 16, target_update_interval: 50 }, 1_600, 3);
  });
}

test('LunarLander: weights, optimizer and random streams go on, the episodes start afresh (Box2D cannot be captured)', async () => {
  const config: TrainerConfig = {
    env: 'LunarLander-v3',
    envOptions: {},
    algo: 'ppo',
    seed: 2,
    totalSteps: 512,
    preset: null,
    hyperparameters: resolveHyperparameters('ppo', 'LunarLander-v3', null, { n_envs: 2, n_steps: 64, batch_size: 64, n_epochs: 1 }).hyperparameters,
    backend: 'wasm',
    engine: 'fused',
    evalEpisodes: 0,
    checkpointEvery: 0,
    stopWhenSolved: false,
  };
  const runDir = join(tmp, 'lunar');
  let updates = 0;
  const first = await train(config, { runDir, onUpdate: () => updates++ }, { stopRequested: () => updates >= 2 });
  assert.equal(first.status, 'stopped');
  let restored = null as ResumeInfo | null;
  const steps: number[] = [];
  const second = await train(config, {
    runDir,
    resumeFrom: join(runDir, 'checkpoints', `step-${first.steps}`),
    onResumed: (r) => (restored = r),
    onUpdate: (u) => steps.push(u.step),
  });
  assert.deepEqual({ ...restored!, env0Episodes: 0 }, { steps: 256, episodes: first.episodes, env0Episodes: 0, algorithmRestored: true, envRestored: false });
  assert.deepEqual(steps, [384, 512], 'the step count goes on');
  assert.equal(second.steps, 512);
});
