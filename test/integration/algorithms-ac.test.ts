/**
 * Short real training runs of actor-critic (td, mc, shared) and A2C (classic and zoo) on CartPole-v1
 * and LunarLander-v3 through train(): finite metrics, policy files that load and act like the
 * trainer's policy, flat tfjs memory, and seed determinism. Runs on the wasm backend.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AlgoId } from '../../main/lab/domain/algorithms.ts';
import type { EnvId } from '../../main/lab/domain/envs.ts';
import type { UpdateRecord } from '../../main/lab/domain/runs.ts';
import { resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { ensureEnvReady } from '../../main/lab/envs/registry.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { loadPolicy } from '../../main/lab/runs/policy-file.ts';
import { EVAL_SEED_OFFSET, train } from '../../main/lab/training/trainer.ts';
import { evaluateSavedPolicy } from '../../main/lab/training/evaluate.ts';
import type { TrainerConfig } from '../../main/lab/training/trainer-config.ts';

let tmp: string;
before(async () => {
  await initBackend('wasm');
  await ensureEnvReady('LunarLander-v3');
  tmp = await mkdtemp(join(tmpdir(), 'policy-lab-ac-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Case {
  label: string;
  algo: AlgoId;
  preset: string | null;
  overrides: Record<string, unknown>;
  steps: Record<EnvId, number>;
  metrics: string[];
}

const AC_METRICS = ['policy_loss', 'value_loss', 'entropy', 'learning_rate', 'grad_norm'];
const CASES: Case[] = [
  {
    label: 'actor-critic td',
    algo: 'actor-critic',
    preset: null,
    overrides: { variant: 'td', net_arch: [32] },
    steps: { 'CartPole-v1': 600, 'LunarLander-v3': 400 },
    metrics: [...AC_METRICS, 'td_error', 'vf_grad_norm'],
  },
  {
    label: 'actor-critic mc',
    algo: 'actor-critic',
    preset: null,
    overrides: { variant: 'mc', net_arch: [32], n_envs: 2 },
    steps: { 'CartPole-v1': 1500, 'LunarLander-v3': 1500 },
    metrics: [...AC_METRICS, 'explained_variance', 'vf_grad_norm'],
  },
  {
    label: 'actor-critic shared',
    algo: 'actor-critic',
    preset: null,
    overrides: { variant: 'shared', value_loss: 'huber', normalize_returns: true, net_arch: [32] },
    steps: { 'CartPole-v1': 1500, 'LunarLander-v3': 1500 },
    metrics: [...AC_METRICS, 'explained_variance'],
  },
  {
    label: 'a2c classic',
    algo: 'a2c',
    preset: null,
    overrides: { n_steps: 128, train_v_iters: 5 },
    steps: { 'CartPole-v1': 1024, 'LunarLander-v3': 1024 },
    metrics: [...AC_METRICS, 'explained_variance', 'value_loss_final', 'vf_learning_rate'],
  },
  {
    label: 'a2c zoo',
    algo: 'a2c',
    preset: 'zoo',
    overrides: {},
    steps: { 'CartPole-v1': 1600, 'LunarLander-v3': 1600 },
    metrics: [...AC_METRICS, 'explained_variance'],
  },
];

function config(c: Case, env: EnvId, seed = 7): TrainerConfig {
  const r = resolveHyperparameters(c.algo, env, c.preset, c.overrides);
  return {
    env,
    envOptions: {},
    algo: c.algo,
    seed,
    totalSteps: c.steps[env],
    preset: c.preset,
    hyperparameters: r.hyperparameters,
    backend: 'wasm',
    evalEpisodes: 2,
    checkpointEvery: 0,
    stopWhenSolved: false,
  };
}

/** Drops timing fields so runs can be compared. */
const strip = (r: object) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'wall' && k !== 'sps'));

for (const env of ['CartPole-v1', 'LunarLander-v3'] as const) {
  for (const c of CASES) {
    test(`${c.label} on ${env}: finite metrics, loadable policy, flat memory`, async () => {
      const runDir = join(tmp, `${c.label.replace(/ /g, '-')}-${env}`);
      const updates: UpdateRecord[] = [];
      const tensors: number[] = [];
      const before = tf.memory().numTensors;
      const res = await train(config(c, env), {
        runDir,
        onUpdate: (u) => {
          updates.push(u);
          tensors.push(tf.memory().numTensors);
        },
      });
      assert.equal(res.status, 'finished');
      assert.ok(res.steps >= c.steps[env]);
      assert.ok(updates.length >= 2, `${updates.length} updates`);
      for (const u of updates) {
        for (const k of c.metrics) assert.ok(typeof u[k] === 'number' && Number.isFinite(u[k]), `update ${u.update}: ${k} = ${u[k]}`);
      }
      assert.ok(
        tensors.slice(1).every((n) => n === tensors[1]),
        `tensor counts ${tensors.join(',')}`,
      );
      assert.equal(tf.memory().numTensors, before, 'everything disposed after train()');

      for (const f of ['policy/model.json', 'policy/weights.bin', 'policy/policy.json']) assert.ok(existsSync(join(runDir, f)), `${f} written`);
      const meta = JSON.parse(await readFile(join(runDir, 'policy/policy.json'), 'utf8'));
      assert.equal(meta.algo, c.algo);
      assert.equal(meta.env, env);
      // The saved policy, evaluated as the trainer did, gives the trainer's numbers.
      const loaded = await loadPolicy(join(runDir, 'policy'));
      const ev = evaluateSavedPolicy(loaded, { episodes: 2, seed: 7 + EVAL_SEED_OFFSET });
      assert.equal(ev.mean, res.evalMean);
      // The critic (for shared: trunk + value head) is saved beside the policy for the X-ray.
      assert.ok(existsSync(join(runDir, 'policy/critic/model.json')) && loaded.values, 'critic saved');
      const obsDim = env === 'CartPole-v1' ? 4 : 8;
      assert.ok(Array.from(loaded.values(new Float32Array(obsDim * 2).fill(0.1), 2)).every(Number.isFinite));
      loaded.dispose();
    });
  }
}

test('same seed → identical episodes and updates (every actor-critic variant and A2C)', async () => {
  for (const c of CASES) {
    const env: EnvId = c.label === 'a2c zoo' ? 'LunarLander-v3' : 'CartPole-v1';
    const runs = [];
    for (let k = 0; k < 2; k++) {
      const rec: object[] = [];
      await train({ ...config(c, env, 11), evalEpisodes: 0 }, { onEpisode: (e) => rec.push(strip(e)), onUpdate: (u) => rec.push(strip(u)) });
      runs.push(rec);
    }
    assert.ok(runs[0].length > 5);
    assert.deepEqual(runs[0], runs[1], `${c.label}: records differ`);
  }
});
