/**
 * Resuming a crashed run: it goes back to its last checkpoint — what it logged after that (the crash's
 * last moments) is dropped and logged again — so its metrics stay on one step axis with episodes
 * numbered once, and the run finishes its budget as the same run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { RunLauncher, RunProcess } from '../../main/lab/runs/launcher.ts';
import { readMetrics } from '../../main/lab/runs/run-store.ts';
import { readFolderFiles, readTrainingState, TRAINING_STATE_FILE } from '../../main/lab/training/training-state.ts';

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

test('a resumed run puts best/ back to its checkpoint’s: a best policy from the dropped steps does not stay', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-resume-best-'));
  const launcher = new RecordingLauncher();
  const service = new LabService({ runsDir, launcher, mode: 'cli' });
  const bestMeta = async (runDir: string): Promise<{ steps: number; evalMean: number } | null> => {
    const file = join(runDir, 'best', 'policy.json');
    return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { steps: number; evalMean: number }) : null;
  };
  try {
    // Checkpoints every 20,000 steps (a tenth of the budget), evaluations every 1,536 (6 updates of 256 steps):
    // best/ moves on between two checkpoints.
    const run = await service.startRun(
      service.buildConfigRequest({
        env: 'CartPole-v1',
        algo: 'ppo',
        seed: 3,
        steps: 200_000,
        evalEpisodes: 0,
        evalEvery: 1536,
        hyperparameters: { n_epochs: 2 },
      }),
    );
    const cpRoot = join(run.runDir, 'checkpoints');
    /** The newest checkpoint with a training state, and its state. */
    const newest = async () => {
      const names = existsSync(cpRoot) ? (await readdir(cpRoot)).filter((n) => existsSync(join(cpRoot, n, TRAINING_STATE_FILE))) : [];
      const step = Math.max(0, ...names.map((n) => Number(n.slice('step-'.length))));
      return step > 0 ? { step, state: readTrainingState(join(cpRoot, `step-${step}`)) } : null;
    };
    // Killed once best/ holds a policy more than one update past the newest checkpoint, which had a best of its own.
    // A checkpoint may land between the look and the kill: then the run resumes and is killed again.
    let cp: NonNullable<Awaited<ReturnType<typeof newest>>> | null = null;
    let dropped: { steps: number; evalMean: number } | null = null;
    for (let attempt = 0; attempt < 3 && !cp; attempt++) {
      for (const t0 = Date.now(); ;) {
        assert.ok(Date.now() - t0 < 120_000, 'no best policy after a checkpoint');
        const c = await newest();
        const best = await bestMeta(run.runDir);
        if (c?.state.bestEval && best && best.steps > c.step + 256) break;
        const s = (await service.listRuns()).find((r) => r.runId === run.runId);
        assert.ok(s && (s.status === 'running' || s.status === 'queued'), `the run ended first (${s?.status})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      launcher.procs.at(-1)!.kill();
      assert.equal((await service.waitForRun(run.runId)).status, 'crashed');
      const c = (await newest())!;
      const best = (await bestMeta(run.runDir))!;
      if (c.state.bestEval && best.steps > c.step + 256) [cp, dropped] = [c, best];
      else await service.continueRun(run.runId);
    }
    assert.ok(cp && dropped, 'a crash with best/ past the checkpoint');
    const kept = cp.state.bestEval!;
    assert.ok(kept.step <= cp.step && kept.mean < dropped.evalMean);

    // Resumed for one update past the checkpoint, with no evaluation in it: best/ is the checkpoint's again.
    const resumed = await service.continueRun(run.runId, cp.step + 1);
    assert.deepEqual(resumed.bestEval, kept, 'the summary goes back to the checkpoint’s best evaluation');
    assert.equal(Math.floor((cp.step + 256) / 1536), Math.floor(cp.step / 1536), 'no evaluation in the resumed update');
    const done = await service.waitForRun(run.runId);
    assert.equal(done.status, 'finished', done.error);
    assert.equal(done.steps, cp.step + 256);
    assert.deepEqual(done.bestEval, kept);
    const best = await bestMeta(run.runDir);
    assert.deepEqual(
      [best?.steps, best?.evalMean],
      [kept.step, kept.mean],
      `best/ is the policy the best evaluation describes, not the one from step ${dropped.steps} (${dropped.evalMean})`,
    );
    assert.deepEqual(readFolderFiles(join(run.runDir, 'best')), cp.state.bestPolicy, 'best/ is the checkpoint’s copy, byte for byte');
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
