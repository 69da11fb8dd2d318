/**
 * Short real runs through train() of the value-based algorithms and the baselines — DQN, tabular
 * Q-learning, random, constant, heuristic — on CartPole-v1 and (discrete) LunarLander-v3: finite
 * metrics, files of each policy kind, exact reload (the reloaded policy re-evaluates to the run's
 * evalMean), same seed → same run, flat tfjs memory for DQN. Runs on the wasm backend.
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
import type { EpisodeRecord, UpdateRecord } from '../../main/lab/domain/runs.ts';
import { resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { ensureEnvReady } from '../../main/lab/envs/registry.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { loadPolicy } from '../../main/lab/runs/policy-file.ts';
import { EVAL_SEED_OFFSET, train, type TrainResult } from '../../main/lab/training/trainer.ts';
import { evaluateSavedPolicy } from '../../main/lab/training/evaluate.ts';

let tmp: string;
before(async () => {
  await initBackend('wasm');
  await ensureEnvReady('LunarLander-v3');
  tmp = await mkdtemp(join(tmpdir(), 'policy-lab-value-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Small enough to be quick, large enough that DQN trains (learning_starts < steps) and episodes finish. */
const SMALL: Partial<Record<AlgoId, Record<string, unknown>>> = {
  dqn: { net_arch: [32, 32], batch_size: 32, learning_starts: 200, train_freq: 4, gradient_steps: 2, target_update_interval: 100, buffer_size: 5000 },
};
const STEPS: Record<EnvId, number> = { 'CartPole-v1': 1500, 'LunarLander-v3': 1000 };
const METRICS: Partial<Record<AlgoId, string[]>> = {
  dqn: ['loss', 'q_mean', 'grad_norm', 'epsilon', 'learning_rate', 'n_updates'],
  'q-learning': ['td_error', 'epsilon', 'learning_rate', 'states_visited'],
};
const KIND: Partial<Record<AlgoId, string>> = { dqn: 'q-network', 'q-learning': 'q-table', random: 'baseline', constant: 'baseline', heuristic: 'baseline' };

interface Run {
  res: TrainResult;
  episodes: EpisodeRecord[];
  updates: UpdateRecord[];
  tensors: number[];
}

async function run(algo: AlgoId, env: EnvId, runDir: string | null, overrides: Record<string, unknown> = {}): Promise<Run> {
  const r = resolveHyperparameters(algo, env, null, { ...SMALL[algo], ...overrides });
  const out: Run = { res: undefined as unknown as TrainResult, episodes: [], updates: [], tensors: [] };
  out.res = await train(
    {
      env,
      envOptions: {},
      algo,
      seed: 5,
      totalSteps: STEPS[env],
      preset: null,
      hyperparameters: r.hyperparameters,
      backend: 'wasm',
      evalEpisodes: 2,
      checkpointEvery: 0,
      stopWhenSolved: false,
    },
    {
      runDir,
      onEpisode: (e) => out.episodes.push(e),
      onUpdate: (u) => {
        out.updates.push(u);
        out.tensors.push(tf.memory().numTensors);
      },
    },
  );
  return out;
}

/** Wall-clock fields differ between identical runs; everything else must not. */
const stripWall = <T extends { wall: number; sps?: number }>(xs: T[]) => xs.map(({ wall: _w, sps: _s, ...rest }) => rest);

for (const env of ['CartPole-v1', 'LunarLander-v3'] as const) {
  for (const algo of ['dqn', 'q-learning', 'random', 'constant', 'heuristic'] as const) {
    test(`${algo} on ${env}: finite metrics, ${KIND[algo]} policy files, exact reload, same seed → same run`, async () => {
      const runDir = join(tmp, `${algo}-${env}`);
      const before = tf.memory().numTensors;
      const a = await run(algo, env, runDir);
      assert.equal(tf.memory().numTensors, before, 'everything disposed after train()');
      assert.ok(a.res.steps >= STEPS[env]);
      assert.ok(a.episodes.length > 0, 'episodes finished');
      assert.ok(a.updates.length > 0);
      for (const u of a.updates) {
        for (const [k, v] of Object.entries(u)) assert.ok(typeof v !== 'number' || Number.isFinite(v), `${k} = ${v}`);
        assert.ok(u.sps > 0);
      }
      const last = a.updates[a.updates.length - 1] as unknown as Record<string, number>;
      for (const k of METRICS[algo] ?? []) assert.ok(Number.isFinite(last[k]), `metric ${k} in the last update: ${last[k]}`);
      if (algo === 'dqn') {
        assert.ok(
          a.tensors.every((n) => n === a.tensors[0]),
          `tfjs tensor counts ${a.tensors.join(',')}`,
        );
        assert.ok(last.n_updates > 0);
      }
      assert.ok(Number.isFinite(a.res.evalMean));

      // Files of the policy's kind, and a reload that evaluates exactly as the run did.
      const dir = join(runDir, 'policy');
      const meta = JSON.parse(await readFile(join(dir, 'policy.json'), 'utf8'));
      assert.equal(meta.kind, KIND[algo]);
      assert.equal(meta.algo, algo);
      assert.equal(existsSync(join(dir, 'model.json')), algo === 'dqn');
      assert.equal(existsSync(join(dir, 'qtable.bin')), algo === 'q-learning');
      if (algo === 'dqn') assert.equal(meta.head, 'q');
      if (KIND[algo] === 'baseline') assert.equal(meta.agent.type, algo);
      if (algo === 'constant') assert.deepEqual(meta.agent.action, [0]);
      const loaded = await loadPolicy(dir, { env });
      const ev = evaluateSavedPolicy(loaded, { episodes: 2, seed: 5 + EVAL_SEED_OFFSET });
      assert.equal(ev.mean, a.res.evalMean);
      loaded.dispose();

      const b = await run(algo, env, null);
      assert.deepEqual(stripWall(b.episodes), stripWall(a.episodes));
      assert.deepEqual(stripWall(b.updates), stripWall(a.updates));
      assert.equal(b.res.evalMean, a.res.evalMean);
    });
  }
}

test('heuristic balances CartPole; constant validates its action; DQN refuses Box actions', async () => {
  const h = await run('heuristic', 'CartPole-v1', null);
  assert.equal(h.res.evalMean, 500);
  assert.ok(h.episodes.every((e) => e.return === 500));
  await assert.rejects(run('constant', 'CartPole-v1', null, { action: 2 }), /action must be an integer index in \[0, 1\] for Discrete\(2\), got 2/);
  await assert.rejects(run('constant', 'CartPole-v1', null, { action: 0.5 }), /action must be an integer index/);

  // Continuous LunarLander: a constant Box action (engines off) saves and reloads; DQN and Q-learning decline.
  const r = resolveHyperparameters('constant', 'LunarLander-v3', null, {});
  const runDir = join(tmp, 'constant-continuous');
  const cfg = {
    env: 'LunarLander-v3' as const,
    envOptions: { continuous: true },
    algo: 'constant' as const,
    seed: 1,
    totalSteps: 300,
    preset: null,
    hyperparameters: r.hyperparameters,
    backend: 'wasm' as const,
    evalEpisodes: 1,
    checkpointEvery: 0,
    stopWhenSolved: false,
  };
  const res = await train(cfg, { runDir });
  const loaded = await loadPolicy(join(runDir, 'policy'), { envOptions: { continuous: true } });
  assert.deepEqual(loaded.meta.agent, { type: 'constant', action: [0, 0] });
  assert.deepEqual(Array.from(loaded.act(new Float32Array(8), 1, true)), [0, 0]);
  assert.equal(evaluateSavedPolicy(loaded, { episodes: 1, seed: 1 + EVAL_SEED_OFFSET }).mean, res.evalMean);
  loaded.dispose();
  await assert.rejects(train({ ...cfg, algo: 'constant', hyperparameters: { action: 1.5 } }), /action value 0 must be within \[-1, 1\] for Box\(2\), got 1.5/);
  await assert.rejects(train({ ...cfg, algo: 'dqn', hyperparameters: {} }), /DQN cannot train on this env: DQN needs a Discrete action space/);
  await assert.rejects(
    train({ ...cfg, algo: 'q-learning', hyperparameters: {} }),
    /cannot train on this env: tabular Q-learning needs a Discrete action space/,
  );
});
