/**
 * Saved presets through the real CLI (saved by `presets save`, trained with `train --preset NAME`,
 * listed and deleted) and through the bridge (startRun, startRuns and startSweep take a saved name).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { dispatch } from '../../main/dispatch.ts';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import type { SweepSummary } from '../../main/lab/domain/sweeps.ts';

test('train/sweep --preset NAME train with a saved preset: its base, overrides and env options reach config.json', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-cli-presets-'));
  try {
    const saved = await runCli([
      'presets',
      'save',
      'short ppo',
      '--env',
      'CartPole-v1',
      '--algo',
      'ppo',
      '--preset',
      'zoo',
      '--set',
      'learning_rate=7e-4',
      '--set',
      'n_steps=16',
      '--set',
      'net_arch=16',
      '--env-opt',
      'max_episode_steps=120',
      '--note',
      'for the test',
      '--runs-dir',
      runsDir,
      '--json',
    ]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.lines[0].event, 'saved');

    const listed = await runCli(['presets', '--runs-dir', runsDir, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.lines.map((l) => [l.event, l.name ?? l.count]),
      [
        ['preset', 'short ppo'],
        ['summary', 1],
      ],
    );

    // --set on the command line wins over the preset's own value.
    const r = await runCli(
      [
        'train',
        '--env',
        'CartPole-v1',
        '--algo',
        'ppo',
        '--preset',
        'short ppo',
        '--set',
        'n_epochs=2',
        '--steps',
        '256',
        '--eval-episodes',
        '1',
        '--runs-dir',
        runsDir,
        '--json',
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = r.lines.at(-1)!;
    assert.equal(summary.event, 'summary');
    const config = JSON.parse(await readFile(join(summary.runDir as string, 'config.json'), 'utf8'));
    assert.equal(config.preset, 'zoo');
    assert.equal(config.hyperparameters.learning_rate, 7e-4);
    assert.equal(config.hyperparameters.n_steps, 16);
    assert.deepEqual(config.hyperparameters.net_arch, [16]);
    assert.equal(config.hyperparameters.n_epochs, 2);
    assert.equal(config.hyperparameters.n_envs, 8, "the rest is the zoo preset's");
    assert.equal(config.envOptions.max_episode_steps, 120);

    // A sweep from the saved preset: its runs start from it, the grid over it.
    const sw = await runCli(
      [
        'sweep',
        '--env',
        'CartPole-v1',
        '--algo',
        'ppo',
        '--preset',
        'short ppo',
        '--grid',
        'n_epochs=1',
        '--steps',
        '128',
        '--eval-episodes',
        '0',
        '--runs-dir',
        runsDir,
        '--json',
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(sw.code, 0, sw.stderr);
    const [swept] = sw.lines.at(-1)!.runs as { runId: string }[];
    const sweptConfig = JSON.parse(await readFile(join(runsDir, swept.runId, 'config.json'), 'utf8'));
    assert.equal(sweptConfig.hyperparameters.learning_rate, 7e-4);
    assert.equal(sweptConfig.hyperparameters.n_epochs, 1);
    assert.equal(sweptConfig.envOptions.max_episode_steps, 120);

    // Another algorithm, an unknown name, a built-in name: usage errors, one line each.
    for (const [args, message] of [
      [['--algo', 'a2c', '--preset', 'short ppo'], /saved preset "short ppo" is for ppo on CartPole-v1, not a2c on CartPole-v1/],
      [
        ['--algo', 'ppo', '--preset', 'nope'],
        /preset "nope" is neither a built-in preset of ppo on CartPole-v1 \(zoo\) nor a saved one \(saved for it: short ppo\)/,
      ],
    ] as const) {
      const bad = await runCli(['train', '--env', 'CartPole-v1', ...args, '--steps', '100', '--runs-dir', runsDir]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
      assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    }
    const builtIn = await runCli(['presets', 'save', 'Zoo', '--env', 'CartPole-v1', '--algo', 'ppo', '--runs-dir', runsDir]);
    assert.equal(builtIn.code, 2);
    assert.match(builtIn.stderr, /"Zoo" is the name of a built-in ppo preset/);

    const deleted = await runCli(['presets', 'delete', 'short ppo', '--runs-dir', runsDir]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const again = await runCli(['presets', 'delete', 'short ppo', '--runs-dir', runsDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no saved preset named "short ppo"/);
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('over the bridge, startRun, startRuns and startSweep take a saved preset by name; an unknown name starts nothing', { timeout: 120_000 }, async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-bridge-presets-'));
  const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser', concurrency: 1 });
  const configOf = async (runId: string) => JSON.parse(await readFile(join(runsDir, runId, 'config.json'), 'utf8'));
  try {
    const saved = await dispatch(lab, 'savePreset', {
      name: 'narrow',
      env: 'CartPole-v1',
      algo: 'ppo',
      basePreset: 'zoo',
      hyperparameters: { learning_rate: 7e-4, net_arch: [16] },
      envOptions: { max_episode_steps: 120 },
    });
    assert.ok(saved.ok, JSON.stringify(saved));
    // Long budgets: the runs are only started (their config written) and stopped.
    const base = { env: 'CartPole-v1', algo: 'ppo', preset: 'narrow', steps: 5_000_000, evalEpisodes: 0 } as const;

    const one = await dispatch(lab, 'startRun', { ...base, hyperparameters: { n_epochs: 2 } });
    assert.ok(one.ok, JSON.stringify(one));
    const c = await configOf((one.result as RunSummary).runId);
    assert.equal(c.preset, 'zoo', 'the saved preset stands for its base');
    assert.equal(c.hyperparameters.learning_rate, 7e-4);
    assert.deepEqual(c.hyperparameters.net_arch, [16]);
    assert.equal(c.hyperparameters.n_epochs, 2, "the request's own values win");
    assert.equal(c.envOptions.max_episode_steps, 120);

    const two = await dispatch(lab, 'startRuns', { ...base, seeds: [3, 4] });
    assert.ok(two.ok, JSON.stringify(two));
    for (const r of two.result as RunSummary[]) assert.equal((await configOf(r.runId)).hyperparameters.learning_rate, 7e-4);

    const sweep = await dispatch(lab, 'startSweep', { ...base, grid: { gamma: [0.9, 0.99] }, seeds: [0] });
    assert.ok(sweep.ok, JSON.stringify(sweep));
    const swept = (sweep.result as SweepSummary).runs;
    assert.deepEqual(
      await Promise.all(swept.map(async (r) => [(await configOf(r.runId)).hyperparameters.learning_rate, (await configOf(r.runId)).hyperparameters.gamma])),
      [
        [7e-4, 0.9],
        [7e-4, 0.99],
      ],
    );
    await dispatch(lab, 'stopSweep', { sweepId: (sweep.result as SweepSummary).sweepId });

    const before = (await lab.listRuns()).length;
    const unknown = await dispatch(lab, 'startRun', { ...base, preset: 'nowhere' });
    assert.ok(!unknown.ok);
    assert.match(unknown.error.message, /preset "nowhere" is neither a built-in preset of ppo on CartPole-v1 \(.*\) nor a saved one \(saved for it: narrow\)/);
    assert.equal((await lab.listRuns()).length, before, 'a refused request starts nothing');
    for (const r of await lab.listRuns()) if (!['stopped', 'finished', 'solved', 'crashed'].includes(r.status)) await lab.stopRun(r.runId);
  } finally {
    await lab.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
