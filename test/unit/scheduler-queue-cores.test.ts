/**
 * Runs on a job queue train on workers: they take none of this machine's cores, so a local run started
 * after the queue was switched off (the app's Settings) starts at once instead of waiting behind them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import type { RunLauncher, RunProcess } from '../../main/lab/runs/launcher.ts';
import type { FromWorker } from '../../main/lab/training/protocol.ts';

/** Processes that never report: each records what it was told, and exits when killed. */
class SwitchLauncher implements RunLauncher {
  queue = true;
  readonly launched: { onQueue: boolean; sent: unknown[] }[] = [];
  launch(): RunProcess {
    const rec = { onQueue: this.queue, sent: [] as unknown[] };
    this.launched.push(rec);
    const exits: ((code: number | null, signal: string | null) => void)[] = [];
    return {
      send: (msg) => {
        rec.sent.push(msg);
        if (msg.type === 'stop') setImmediate(() => exits.forEach((l) => l(0, null)));
      },
      onMessage: (_l: (m: FromWorker) => void) => undefined,
      onExit: (l) => exits.push(l),
      kill: () => exits.forEach((l) => l(null, 'SIGKILL')),
    };
  }
}

test('queue runs do not count against the local core limit; only local runs share cores', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-queue-cores-'));
  const launcher = new SwitchLauncher();
  const lab = new LabService({ runsDir, launcher, mode: 'cli', concurrency: 1 });
  try {
    const req = lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', steps: 2048 });
    await lab.startRuns(req, [0, 1, 2]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(launcher.launched.length, 3, 'a queue takes every run at once');
    launcher.queue = false; // Settings: back to this machine
    const [local] = await lab.startRuns(req, [3]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(launcher.launched.length, 4, 'the local run starts although three queue runs are active and the limit is 1');
    assert.equal(launcher.launched[3].onQueue, false);
    const [second] = await lab.startRuns(req, [4]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(launcher.launched.length, 4, 'a second local run waits for the one core');
    assert.equal((await lab.listRuns()).find((r) => r.runId === second.runId)?.status, 'queued');
    // Core sharing concerns local runs only: the lone local run may use two threads; queue runs are never told.
    for (const q of launcher.launched.slice(0, 3))
      assert.ok(!q.sent.some((m) => (m as { type: string }).type === 'threads'), 'no threads message to a queue run');
    assert.ok(local.runId);
  } finally {
    await lab.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
