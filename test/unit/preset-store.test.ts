/** Saved presets (runs/preset-store.ts) through a real LabService on a temporary runs folder: the lab's own checks, no stubs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { PRESETS_FILE } from '../../main/lab/runs/preset-store.ts';
import { SavePresetRequest, type SavePresetRequest as SaveInput } from '../../main/lab/domain/presets.ts';
import { requestSchemas } from '../../preload/contract.ts';
import { dispatch } from '../../main/dispatch.ts';

async function withLab(fn: (lab: LabService, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-presets-'));
  const lab = new LabService({ runsDir: dir, launcher: new ForkLauncher(), mode: 'cli' });
  try {
    await fn(lab, dir);
  } finally {
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const save = (lab: LabService, p: Partial<SaveInput> & { name: string }) =>
  lab.savePreset(SavePresetRequest.parse({ env: 'CartPole-v1', algo: 'ppo', basePreset: 'zoo', ...p }));

test('a saved preset is kept in presets.json with its overrides as the rules read them', async () => {
  await withLab(async (lab, dir) => {
    assert.deepEqual(await lab.listPresets(), { presets: [], notice: null });
    const list = await save(lab, {
      name: 'fast lr',
      hyperparameters: { learning_rate: '3e-4', net_arch: '32,32' },
      envOptions: { max_episode_steps: 200 },
      note: 'by hand',
    });
    assert.equal(list.presets.length, 1);
    const p = list.presets[0];
    assert.deepEqual(p.hyperparameters, { learning_rate: 3e-4, net_arch: [32, 32] });
    assert.deepEqual(p.envOptions, { max_episode_steps: 200 });
    assert.equal(p.basePreset, 'zoo');
    assert.equal(p.note, 'by hand');
    const file = JSON.parse(await readFile(join(dir, PRESETS_FILE), 'utf8'));
    assert.deepEqual(file.presets, list.presets);
    assert.deepEqual(await lab.listRuns(), [], 'presets.json is not a run');
    // A second lab on the same folder (the CLI beside the app) sees it.
    const other = new LabService({ runsDir: dir, launcher: new ForkLauncher(), mode: 'cli' });
    assert.deepEqual((await other.listPresets()).presets, list.presets);
    await other.close();
  });
});

test('saving refuses what a run request would refuse, built-in names and bad names', async () => {
  await withLab(async (lab) => {
    await assert.rejects(save(lab, { name: 'x', hyperparameters: { learning_rate: -1 } }), /preset "x": learning_rate must be/);
    await assert.rejects(save(lab, { name: 'x', hyperparameters: { no_such_key: 1 } }), /no_such_key is not a hyperparameter of ppo/);
    await assert.rejects(save(lab, { name: 'x', basePreset: 'tuned' }), /preset "tuned" does not exist for ppo on CartPole-v1/);
    await assert.rejects(save(lab, { name: 'x', envOptions: { gravity: -3 } }), /unknown option "gravity"/);
    // A built-in name of this algorithm, on any env and in any case, is not free.
    await assert.rejects(save(lab, { name: 'ZOO' }), /built-in ppo preset/);
    await assert.rejects(save(lab, { name: 'tuned-continuous' }), /built-in ppo preset/);
    for (const name of ['', 'a/b', ' lead', 'none', 'x'.repeat(65)])
      assert.equal(SavePresetRequest.safeParse({ name, env: 'CartPole-v1', algo: 'ppo', basePreset: null }).success, false, name);
    assert.equal(SavePresetRequest.safeParse({ name: 'My best-1.0_a', env: 'CartPole-v1', algo: 'ppo', basePreset: null }).success, true);
    // The bridge checks the same schema before the lab sees the request.
    const r = await dispatch(lab, 'savePreset', { name: 'a/b', env: 'CartPole-v1', algo: 'ppo', basePreset: null });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /savePreset: name: preset name: letters, digits/);
    assert.equal(requestSchemas.deletePreset.safeParse({ name: 'ok name' }).success, true);
    assert.deepEqual((await lab.listPresets()).presets, []);
  });
});

test('an existing name is replaced only with overwrite; delete removes it', async () => {
  await withLab(async (lab) => {
    await save(lab, { name: 'mine', hyperparameters: { learning_rate: 1e-3 } });
    await save(lab, { name: 'other', basePreset: null, algo: 'a2c', hyperparameters: {} });
    await assert.rejects(save(lab, { name: 'mine', hyperparameters: { learning_rate: 2e-3 } }), /"mine" already exists \(ppo on CartPole-v1\)/);
    let list = await save(lab, { name: 'mine', hyperparameters: { learning_rate: 2e-3 }, overwrite: true });
    assert.deepEqual(
      list.presets.map((p) => [p.name, p.hyperparameters.learning_rate ?? null]),
      [
        ['mine', 2e-3],
        ['other', null],
      ],
    );
    list = await lab.deletePreset('mine');
    assert.deepEqual(
      list.presets.map((p) => p.name),
      ['other'],
    );
    await assert.rejects(lab.deletePreset('mine'), /no saved preset named "mine"/);
  });
});

test('a request naming a saved preset becomes its base preset, overrides and env options; its own values win', async () => {
  await withLab(async (lab) => {
    await save(lab, { name: 'short', hyperparameters: { learning_rate: 1e-3, n_steps: 64 }, envOptions: { max_episode_steps: 100 } });
    const req = lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', preset: 'short', hyperparameters: { n_steps: 128 } });
    const applied = await lab.withSavedPreset(req);
    assert.equal(applied.preset, 'zoo');
    assert.deepEqual(applied.hyperparameters, { learning_rate: 1e-3, n_steps: 128 });
    assert.deepEqual(applied.envOptions, { max_episode_steps: 100 });
    const config = lab.buildConfig(applied);
    assert.equal(config.hyperparameters.learning_rate, 1e-3);
    assert.equal(config.envOptions.max_episode_steps, 100);
    // Built-in names and "none" pass as they are; another env or algorithm, or an unknown name, say so.
    assert.equal(await lab.withSavedPreset({ ...req, preset: 'zoo' }).then((r) => r.hyperparameters.learning_rate), undefined);
    await assert.rejects(lab.withSavedPreset({ ...req, algo: 'a2c' }), /saved preset "short" is for ppo on CartPole-v1, not a2c on CartPole-v1/);
    await assert.rejects(
      lab.withSavedPreset({ ...req, preset: 'nope' }),
      /preset "nope" is neither a built-in preset of ppo on CartPole-v1 \(zoo\) nor a saved one \(saved for it: short\)/,
    );
  });
});

test('a corrupt presets.json is kept aside, never written over, and the list says so', async () => {
  for (const bad of ['{"version": 1, "presets": [', '{"version": 1, "presets": [{"name": "x"}]}']) {
    await withLab(async (lab, dir) => {
      await writeFile(join(dir, PRESETS_FILE), bad);
      const list = await lab.listPresets();
      assert.deepEqual(list.presets, []);
      assert.match(
        list.notice ?? '',
        /^presets\.json could not be read \(.+\); it was kept as presets\.json\.corrupt-[0-9TZ-]+ and the saved presets start empty$/,
      );
      assert.doesNotMatch(list.notice ?? '', new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no machine path');
      const aside = (await readdir(dir)).filter((n) => n.startsWith(`${PRESETS_FILE}.corrupt-`));
      assert.equal(aside.length, 1);
      assert.equal(await readFile(join(dir, aside[0]), 'utf8'), bad);
      // Saving afterwards writes a fresh file; the one kept aside is untouched.
      const saved = await save(lab, { name: 'fresh' });
      assert.equal(saved.notice, null);
      assert.deepEqual(
        JSON.parse(await readFile(join(dir, PRESETS_FILE), 'utf8')).presets.map((p: { name: string }) => p.name),
        ['fresh'],
      );
      assert.equal(await readFile(join(dir, aside[0]), 'utf8'), bad);
    });
  }
});

test('writes are whole: concurrent saves all land, and no temporary file is left behind', async () => {
  await withLab(async (lab, dir) => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => save(lab, { name: `p${i}`, hyperparameters: { learning_rate: (i + 1) * 1e-4 } })));
    const file = JSON.parse(await readFile(join(dir, PRESETS_FILE), 'utf8'));
    assert.equal(file.version, 1);
    assert.deepEqual(file.presets.map((p: { name: string }) => p.name).sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n !== PRESETS_FILE),
      [],
    );
  });
});
