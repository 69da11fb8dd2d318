/**
 * Resuming a crashed run: it goes back to its last checkpoint — what it logged after that (the crash's
 * last moments) is dropped and logged again — so its metrics stay on one step axis with episodes
 * numbered once, and the run finishes its budget as the same run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { RunLauncher, RunProcess } from '../../main/lab/runs/launcher.ts';
import { readMetrics } from '../../main/lab/runs/run-store.ts';

class RecordingLauncher implements RunLauncher {
  readonly procs: RunProcess[] = [];
  private readonly inner = new ForkLauncher();
  launch(): RunProcess {
    const p = this.inner.launch();
    this.procs.push(p);
    return p;
  }
}

test('a crashed run resumes from its last checkpoint, dropping what it logged after it', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-resume-crash-'));
  const launcher = new RecordingLauncher();
  const service = new LabService({ runsDir, launcher, mode: 'cli' });
  try {
    // Checkpoints on a 1 s clock; killed once one exists and updates went on after it. The budget is long
    // enough (~5 s from the built worker) that the run cannot end between two looks.
    const run = await service.startRun(
      service.buildConfigRequest({
        env: 'CartPole-v1',
        algo: 'ppo',
        seed: 5,
        steps: 51_200,
        evalEpisodes: 0,
        checkpointSeconds: 1,
        hyperparameters: { n_epochs: 2 },
      }),
    );
    const cpRoot = join(run.runDir, 'checkpoints');
    let cpStep = 0;
    for (const t0 = Date.now(); ;) {
      assert.ok(Date.now() - t0 < 90_000, 'no checkpoint with updates after it');
      const cps = existsSync(cpRoot) ? (await readdir(cpRoot)).filter((n) => existsSync(join(cpRoot, n, 'training-state.bin'))) : [];
      cpStep = Math.max(0, ...cps.map((n) => Number(n.slice('step-'.length))));
      const last = (await readMetrics(run.runDir)).filter((m) => m.kind === 'update').at(-1)?.step ?? 0;
      if (cpStep > 0 && last > cpStep) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    launcher.procs[0].kill();
    const crashed = await service.waitForRun(run.runId);
    assert.equal(crashed.status, 'crashed');
    // The newest checkpoint with a training state is where it goes back to (one may have come since).
    const cps = (await readdir(cpRoot)).filter((n) => existsSync(join(cpRoot, n, 'training-state.bin')));
    const at = Math.max(...cps.map((n) => Number(n.slice('step-'.length))));
    assert.ok(at >= cpStep);
    const loggedPast = (await readMetrics(run.runDir)).filter((m) => m.step > at).length;

    const resumed = await service.continueRun(run.runId);
    assert.equal(resumed.runId, run.runId);
    assert.equal(resumed.steps, at, 'it goes back to its last checkpoint');
    assert.equal(resumed.totalSteps, 51_200, 'its own budget, not yet run');
    const done = await service.waitForRun(run.runId);
    assert.equal(done.status, 'finished', done.error);
    assert.equal(done.steps, 51_200);
    const metrics = await readMetrics(run.runDir);
    const updates = metrics.filter((m) => m.kind === 'update').map((m) => m.step);
    assert.deepEqual(
      updates,
      updates.map((_, i) => (i + 1) * 256),
      `one update per rollout, once each (${loggedPast} records past step ${at} were dropped)`,
    );
    const episodes = metrics.filter((m) => m.kind === 'episode').map((m) => (m as { episode: number }).episode);
    assert.deepEqual(
      episodes,
      episodes.map((_, i) => i + 1),
    );
    assert.equal(done.episodes, episodes.length);
    // Only the newest two checkpoints keep a training state (DQN's holds the replay buffer); every policy stays.
    const folders = await readdir(cpRoot);
    const states = folders.filter((n) => existsSync(join(cpRoot, n, 'training-state.bin'))).map((n) => Number(n.slice('step-'.length)));
    const newest = folders.map((n) => Number(n.slice('step-'.length))).sort((a, b) => b - a);
    assert.ok(folders.length > 2, `${folders.length} checkpoints: too few to see pruning`);
    assert.deepEqual(
      states.sort((a, b) => b - a),
      newest.slice(0, 2),
    );
    assert.ok(
      folders.every((n) => existsSync(join(cpRoot, n, 'policy.json'))),
      'every checkpoint keeps its policy',
    );
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
