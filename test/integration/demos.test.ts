/** The bundled demo policies load with this build and still act like trained agents. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../../main/lab/runs/policy-file.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { evaluateSavedPolicy } from '../../main/lab/training/evaluate.ts';

const dir = (name: string) => fileURLToPath(new URL(`../../resources/policies/${name}`, import.meta.url));

test('bundled CartPole PPO balances to the time limit', async () => {
  await initBackend('auto');
  const p = await loadPolicy(dir('cartpole-v1-ppo'));
  assert.equal(p.meta.env, 'CartPole-v1');
  const r = evaluateSavedPolicy(p, { episodes: 5, seed: 7, deterministic: true });
  assert.deepEqual(r.returns, [500, 500, 500, 500, 500]);
});

test('bundled LunarLander PPO lands (mean return ≥ 200 over 10 episodes)', async () => {
  await initBackend('auto');
  const p = await loadPolicy(dir('lunarlander-v3-ppo'));
  assert.equal(p.meta.env, 'LunarLander-v3');
  const r = evaluateSavedPolicy(p, { episodes: 10, seed: 2000, deterministic: true });
  const mean = r.returns.reduce((a, b) => a + b, 0) / r.returns.length;
  assert.ok(mean >= 200, `mean return ${mean.toFixed(1)}`);
});
