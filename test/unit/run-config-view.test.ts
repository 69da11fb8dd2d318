/**
 * The Runs library's configuration pieces (renderer/src/views/runs/run-config.ts, filmstrip.ts):
 * the checked configuration, its rows, the diff of several runs, the Train draft that trains a run
 * again (read back through the Train form's own parsing), and which policies the filmstrip plays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { algoInfos, resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import type { EnvInfo } from '../../main/lab/domain/envs.ts';
import type { PolicyInfo } from '../../main/lab/domain/policies.ts';
import { RunConfig } from '../../main/lab/domain/runs.ts';
import { envOptionDefs, envSpec } from '../../main/lab/envs/registry.ts';
import { envOptionsToSend, optionRows, presetEnvOptions } from '../../renderer/src/forms/env-options.ts';
import { hyperRows } from '../../renderer/src/views/train/hyper-rows.ts';
import { configEntries, diffRows, draftFromConfig, seedsOnly, storedConfig } from '../../renderer/src/views/runs/run-config.ts';
import { filmstripPolicies } from '../../renderer/src/views/runs/filmstrip.ts';

const name = (id: string) => id.toUpperCase();

/** A configuration as the lab writes it: the preset's values resolved by the lab's registry, with `overrides` on top. */
function lunarConfig(seed: number, overrides: Record<string, unknown> = {}, envOptions: Record<string, number | boolean> = {}): RunConfig {
  const r = resolveHyperparameters('ppo', 'LunarLander-v3', 'zoo-continuous', overrides);
  return {
    env: 'LunarLander-v3',
    envOptions: { ...r.envOptions, ...envOptions },
    algo: 'ppo',
    seed,
    totalSteps: 200_000,
    maxEpisodes: 0,
    preset: r.preset,
    hyperparameters: r.hyperparameters,
    backend: 'auto',
    engine: 'auto',
    evalEpisodes: 100,
    checkpointEvery: 20_000,
    evalEvery: 20_000,
    stopWhenSolved: false,
  };
}

function lunarInfo(): EnvInfo {
  return {
    id: 'LunarLander-v3',
    options: Object.entries(envOptionDefs('LunarLander-v3')).map(([key, d]) => ({ key, ...d })),
    observationSpace: null,
    actionSpace: null,
    maxEpisodeSteps: envSpec('LunarLander-v3').maxEpisodeSteps,
    rewardThreshold: envSpec('LunarLander-v3').rewardThreshold,
  } as EnvInfo;
}

test('the configuration the lab checked comes with its lab version; one it could not read says why', () => {
  const c = lunarConfig(3);
  const ok = storedConfig({ config: { ...c, labVersion: '0.1.0', name: null }, runConfig: RunConfig.parse({ ...c, labVersion: '0.1.0' }) });
  assert.ok(!('error' in ok));
  assert.equal(ok.labVersion, '0.1.0');
  assert.deepEqual(ok.config.hyperparameters, c.hyperparameters);
  const bad = storedConfig({ config: { ...c, seed: -1 }, runConfig: null, configError: 'seed: Too small' });
  assert.ok('error' in bad);
  assert.match(bad.error, /seed: Too small/);
});

test('the config rows hold every hyperparameter and env option, the seed, and what the run process resolved', () => {
  const c = lunarConfig(3, {}, { gravity: -9 });
  const entries = configEntries({ config: c, labVersion: '0.1.0' }, { backend: 'wasm', engine: 'fused' }, name);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const k of Object.keys(c.hyperparameters)) assert.ok(byKey.has(`hp.${k}`), `hyperparameter ${k} is missing`);
  assert.equal(entries.filter((e) => e.section === 'Hyperparameters').length, Object.keys(c.hyperparameters).length);
  assert.equal(byKey.get('env.continuous')?.value, 'true');
  assert.equal(byKey.get('env.gravity')?.value, '-9');
  assert.equal(byKey.get('seed')?.value, '3');
  assert.equal(byKey.get('backend')?.value, 'auto → wasm');
  assert.equal(byKey.get('engine')?.value, 'auto → fused');
  assert.equal(byKey.get('labVersion')?.value, '0.1.0');
  assert.equal(byKey.get('algo')?.value, 'PPO');
  assert.equal(new Set(entries.map((e) => e.key)).size, entries.length, 'keys are unique');
  assert.ok(!byKey.has('worker'), 'no worker row for a run trained here');
  const onQueue = configEntries({ config: c, labVersion: '0.1.0' }, { backend: 'wasm', engine: 'fused', worker: 'walker-1' }, name);
  assert.deepEqual(
    onQueue.filter((e) => e.key === 'worker').map((e) => [e.section, e.label, e.value]),
    [['Run', 'Trained on worker', 'walker-1']],
  );
});

test('the diff marks exactly the values that differ, a value only one run has included', () => {
  const a = lunarConfig(0);
  const b = lunarConfig(1, { learning_rate: 1e-4 }, { gravity: -9 });
  const rows = diffRows([a, b].map((config) => configEntries({ config, labVersion: '0.1.0' }, null, name)));
  const differing = rows.filter((r) => r.differs).map((r) => r.key);
  assert.deepEqual(differing.sort(), ['env.gravity', 'hp.learning_rate', 'seed'].sort());
  const lr = rows.find((r) => r.key === 'hp.learning_rate')!;
  assert.notEqual(lr.values[0], lr.values[1]);
  assert.equal(lr.values[1], '1e-4');
  assert.deepEqual(rows.find((r) => r.key === 'env.gravity')!.values, [null, '-9']);
  // Sections stay together, in order.
  const sections = rows.map((r) => r.section);
  assert.deepEqual([...new Set(sections)], ['Run', 'Hyperparameters', 'Env options', 'Evaluation and saving']);
  assert.equal(sections.filter((x, i) => i > 0 && x !== sections[i - 1]).length, 3, 'each section is one block');
  assert.equal(seedsOnly([a, b], rows), null, 'more than the seed differs');
  const c = lunarConfig(4);
  assert.deepEqual(seedsOnly([a, c], diffRows([a, c].map((config) => configEntries({ config, labVersion: '0.1.0' }, null, name)))), [0, 4]);
  // Seeds trained on different queue workers are still one experiment over seeds.
  const onWorkers = diffRows(
    [a, c].map((config, i) => configEntries({ config, labVersion: '0.1.0' }, { backend: 'wasm', engine: 'fused', worker: `walker-${i}` }, name)),
  );
  assert.ok(onWorkers.find((r) => r.key === 'worker')?.differs);
  assert.deepEqual(seedsOnly([a, c], onWorkers), [0, 4]);
  // One run alone, or identical runs: nothing differs.
  const same = diffRows([a, a].map((config) => configEntries({ config, labVersion: null }, null, name)));
  assert.equal(same.filter((r) => r.differs).length, 0);
  assert.equal(seedsOnly([a, a], same), null, 'the same seed twice is not a multi-seed experiment');
});

test('train again: the draft, read by the Train form, asks for the very configuration the run had', () => {
  const algo = algoInfos().find((x) => x.id === 'ppo')!;
  const c = { ...lunarConfig(7, { learning_rate: 1e-4, net_arch: [128, 64] }, { gravity: -8.5 }), maxEpisodes: 300, evalEvery: 5000, recordEvery: 4 };
  const d = draftFromConfig(c, { tags: ['a', 'b'], algo });
  assert.equal(d.preset, 'zoo-continuous');
  assert.deepEqual(
    [d.env, d.algo, d.seed, d.steps, d.maxEpisodes, d.evalEpisodes, d.evalEvery, d.recordEvery, d.tags],
    ['LunarLander-v3', 'ppo', '7', '200000', '300', '100', '5000', '4', 'a, b'],
  );

  const preset = algo.presets.find((p) => p.name === d.preset && p.env === d.env)!;
  const rows = hyperRows(algo.hyperparameters, preset.values, d.fields, d.force);
  for (const r of rows) {
    assert.ok(r.parsed.ok, `${r.spec.key}: ${!r.parsed.ok ? r.parsed.error : ''}`);
    assert.deepEqual(r.parsed.ok && r.parsed.value, c.hyperparameters[r.spec.key], r.spec.key);
  }
  // What Start sends as overrides: only what differs from the preset.
  assert.deepEqual(
    rows
      .filter((r) => r.edited)
      .map((r) => r.spec.key)
      .sort(),
    ['learning_rate', 'net_arch'],
  );
  const opts = optionRows(lunarInfo(), d.envOptions, presetEnvOptions(preset));
  assert.ok(opts.every((o) => o.error === null));
  assert.deepEqual(envOptionsToSend(opts), { continuous: true, gravity: -8.5 });

  // Several seeds; and a preset the lab no longer offers becomes "algorithm defaults" with every value typed.
  assert.equal(draftFromConfig(c, { tags: [], algo, seeds: [0, 1, 2] }).seed, '0, 1, 2');
  const gone = draftFromConfig({ ...c, preset: 'retired' }, { tags: [], algo });
  assert.equal(gone.preset, '');
  assert.equal(Object.keys(gone.fields).length, Object.keys(c.hyperparameters).length);
  // The default evaluation interval (the checkpoint interval) stays blank, so a new budget moves it.
  assert.equal(draftFromConfig({ ...c, evalEvery: c.checkpointEvery }, { tags: [], algo }).evalEvery, '');
});

test('the filmstrip plays the run’s checkpoints and final policy in step order, at most 8, first and last kept', () => {
  const p = (steps: number, source: PolicyInfo['source'], path: string, runId = 'r1'): PolicyInfo => ({
    path,
    label: path,
    env: 'CartPole-v1',
    algo: 'ppo',
    steps,
    evalMean: null,
    source,
    runId,
  });
  const list = [
    p(30_000, 'run', '/runs/r1/policy'),
    p(20_000, 'checkpoint', '/runs/r1/best'),
    p(10_000, 'checkpoint', '/runs/r1/checkpoints/step-10000'),
    p(20_000, 'checkpoint', '/runs/r1/checkpoints/step-20000'),
    p(30_000, 'checkpoint', '/runs/r1/checkpoints/step-30000'),
    p(10_000, 'checkpoint', '/runs/r2/checkpoints/step-10000', 'r2'),
    p(0, 'demo', '/demo'),
  ];
  assert.deepEqual(
    filmstripPolicies(list, 'r1').map((x) => x.path),
    ['/runs/r1/checkpoints/step-10000', '/runs/r1/checkpoints/step-20000', '/runs/r1/policy'],
  );
  const many = Array.from({ length: 20 }, (_, i) => p((i + 1) * 1000, 'checkpoint', `/c${i}`));
  const picked = filmstripPolicies(many, 'r1', 8);
  assert.equal(picked.length, 8);
  assert.equal(picked[0].steps, 1000);
  assert.equal(picked.at(-1)!.steps, 20_000);
  assert.ok(picked.every((x, i) => i === 0 || x.steps > picked[i - 1].steps));
});
