/**
 * Honest budgets: each algorithm states its iteration size as data; plannedSteps rounds a budget to
 * whole iterations, the trainer really runs that many steps (so the Train form's and the CLI's
 * statement is true), and its ETA counts down what remains of them.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { budgetNote, plannedSteps } from '../../main/lab/domain/algorithms.ts';
import { algoInfos, algorithmDef, plannedRunSteps, resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { train } from '../../main/lab/training/trainer.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import type { AlgoId } from '../../main/lab/domain/algorithms.ts';
import type { EnvId } from '../../main/lab/domain/envs.ts';
import type { ProgressEvent } from '../../main/lab/domain/runs.ts';

before(async () => {
  await initBackend('wasm');
});

const plan = (algo: AlgoId, env: EnvId, preset: string | null, budget: number, overrides: Record<string, unknown> = {}) =>
  plannedRunSteps(algo, resolveHyperparameters(algo, env, preset, overrides).hyperparameters, budget);

test('the rounding per algorithm: whole rollouts, train_freq cycles, vector steps, or whole episodes', () => {
  // The case: LunarLander PPO (zoo: 16 envs × 1,024 steps) asked for 50,000 runs 65,536.
  assert.deepEqual(plan('ppo', 'LunarLander-v3', 'zoo', 50_000), { steps: 65_536, iteration: 16_384 });
  assert.equal(budgetNote(50_000, plan('ppo', 'LunarLander-v3', 'zoo', 50_000)), 'runs 65,536 steps: 4 whole iterations of 16,384 (50,000 rounded up)');
  assert.deepEqual(plan('ppo', 'CartPole-v1', 'zoo', 100_000), { steps: 100_096, iteration: 256 });
  assert.equal(budgetNote(65_536, plan('ppo', 'LunarLander-v3', 'zoo', 65_536)), null, 'a budget of whole iterations runs as asked');
  assert.deepEqual(plan('a2c', 'CartPole-v1', 'zoo', 1_000), { steps: 1_000, iteration: 40 });
  assert.deepEqual(plan('a2c', 'CartPole-v1', null, 1_001, { n_steps: 7, n_envs: 3 }), { steps: 1_008, iteration: 21 });
  assert.deepEqual(plan('dqn', 'CartPole-v1', null, 1_001, { train_freq: 4, n_envs: 2 }), { steps: 1_008, iteration: 8 });
  assert.deepEqual(plan('q-learning', 'CartPole-v1', null, 1_001), { steps: 1_001, iteration: 1 });
  assert.deepEqual(plan('random', 'CartPole-v1', null, 999), { steps: 999, iteration: 1 });
  assert.deepEqual(plan('actor-critic', 'CartPole-v1', null, 999, { variant: 'td', td_update: 'step' }), { steps: 999, iteration: 1 });
  assert.deepEqual(plan('actor-critic', 'CartPole-v1', null, 999, { variant: 'td', td_update: 'episode' }), { steps: 999, iteration: null });
  for (const variant of ['mc', 'shared']) assert.deepEqual(plan('actor-critic', 'CartPole-v1', null, 999, { variant }), { steps: 999, iteration: null });
  assert.deepEqual(plan('reinforce', 'CartPole-v1', null, 999), { steps: 999, iteration: null });
  assert.match(budgetNote(999, { steps: 999, iteration: null })!, /whole episodes/);
  // The renderer gets the same data: the Train form rounds with what the lab runs.
  for (const info of algoInfos()) assert.deepEqual(info.iteration, algorithmDef(info.id).iteration);
  assert.deepEqual(plannedSteps({ byKey: 'variant', cases: {} }, { variant: 'new' }, 10), { steps: 10, iteration: null }, 'an unknown case claims no rounding');
});

test('the trainer runs exactly the planned steps, and its ETA counts down to them', async () => {
  const cases: { algo: AlgoId; hp: Record<string, unknown>; budget: number }[] = [
    { algo: 'ppo', hp: { n_steps: 16, n_envs: 3, batch_size: 16, n_epochs: 1 }, budget: 100 },
    { algo: 'a2c', hp: { n_steps: 5, n_envs: 4 }, budget: 101 },
    { algo: 'dqn', hp: { train_freq: 3, n_envs: 2, learning_starts: 10, buffer_size: 1000, batch_size: 8 }, budget: 101 },
    { algo: 'q-learning', hp: {}, budget: 1_234 },
    { algo: 'random', hp: { n_envs: 3 }, budget: 1_001 },
  ];
  for (const c of cases) {
    const { hyperparameters } = resolveHyperparameters(c.algo, 'CartPole-v1', null, c.hp);
    const p = plannedRunSteps(c.algo, hyperparameters, c.budget);
    const progress: Omit<ProgressEvent, 'runId'>[] = [];
    const res = await train(
      {
        env: 'CartPole-v1',
        envOptions: {},
        algo: c.algo,
        seed: 0,
        totalSteps: c.budget,
        ...(p.steps !== c.budget ? { plannedSteps: p.steps } : {}),
        preset: null,
        hyperparameters,
        backend: 'wasm',
        evalEpisodes: 0,
        checkpointEvery: 0,
        stopWhenSolved: false,
      },
      { onProgress: (e) => progress.push(e) },
    );
    assert.equal(res.steps, p.steps, `${c.algo}: ran the planned ${p.steps} steps`);
    const last = progress.at(-2) ?? progress.at(-1)!;
    if (p.steps !== c.budget) assert.equal(last.plannedSteps, p.steps, `${c.algo}: progress states the real total`);
    // ETA = what remains of the real total at the update's SPS.
    for (const e of progress.slice(0, -1)) {
      if (e.sps > 0) assert.ok(Math.abs(e.etaSeconds! - (p.steps - e.step) / e.sps) < 1e-9, `${c.algo}: ETA at step ${e.step}`);
    }
  }
});
