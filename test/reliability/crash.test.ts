/**
 * Crashes of the lab, of the run process, and of both: each run ends with a true status and a summary
 * rebuilt from its folder. The lab here is the CLI (`train`), which hosts a LabService and forks the
 * run process, so killing it is killing the run's parent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { processAlive, readMetrics, readProgress } from '../../main/lab/runs/run-store.ts';
import { startTrain } from './cli-train.ts';

const startCli = (runsDir: string, steps: number) => startTrain(runsDir, ['--steps', String(steps), '--eval-episodes', '1']);

async function until<T>(what: string, f: () => Promise<T | null | false>, timeoutMs = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const runDirOf = async (runsDir: string) => {
  // Not the hidden folder a run is made in before it is renamed into place (CI once followed that one).
  const names = existsSync(runsDir) ? (await readdir(runsDir)).filter((n) => !n.startsWith('.')) : [];
  return names.length === 1 ? join(runsDir, names[0]) : null;
};
const statusOf = async (runDir: string) => JSON.parse(await readFile(join(runDir, 'status.json'), 'utf8')) as Record<string, unknown>;

test('the lab killed mid-run: the run process finishes the run and records it; a new lab shows it running, then finished', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-crash-'));
  try {
    // 100,000 steps (~10 s from the built worker): still training when the lab is killed, on any machine.
    const cli = startCli(runsDir, 100_000);
    const runDir = await until('the run folder', () => runDirOf(runsDir));
    // progress.json from the run process itself (the lab writes one with steps 0 when it forks it).
    const progress = await until('progress from the run process', async () => {
      const p = await readProgress(runDir);
      return p && p.steps > 0 ? p : null;
    });
    cli.kill('SIGKILL');
    assert.ok(processAlive(progress.pid), 'the run process outlives its lab');

    // A lab started meanwhile sees a live run process: still running, not crashed.
    const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
    const listed = (await lab.listRuns())[0];
    if (processAlive(progress.pid)) assert.equal(listed.status, 'running');

    const end = await until(
      'the orphaned run to record its end',
      async () => {
        const s = await statusOf(runDir);
        return s.status !== 'running' ? s : null;
      },
      240_000,
    );
    assert.match(String(end.status), /^(finished|solved)$/);
    assert.ok((end.steps as number) >= 100_000, `steps ${end.steps}`);
    assert.equal(end.hasPolicy, true);
    assert.ok(existsSync(join(runDir, 'policy', 'policy.json')));
    const after = (await new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' }).listRuns())[0];
    assert.equal(after.status, end.status);
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('the lab and the run process both killed: a new lab rebuilds the run from its folder as crashed, with its progress', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-crash-'));
  try {
    const cli = startCli(runsDir, 5_000_000);
    const runDir = await until('the run folder', () => runDirOf(runsDir));
    // Past a few progress writes (every 2 s), so there is something to rebuild.
    const progress = await until('progress past 10k steps', async () => {
      const p = await readProgress(runDir);
      return p && p.steps >= 10_000 ? p : null;
    });
    cli.kill('SIGKILL');
    process.kill(progress.pid, 'SIGKILL');
    await until('the run process to be gone', async () => !processAlive(progress.pid));
    const last = (await readProgress(runDir))!;

    const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
    const s = (await lab.listRuns())[0];
    assert.equal(s.status, 'crashed');
    // Rebuilt from the metrics (appended every 100 ms), which go at least as far as progress.json.
    const records = await readMetrics(runDir);
    assert.equal(s.steps, Math.max(...records.map((r) => r.step)), 'steps from the folder, not 0');
    assert.ok(s.steps >= last.steps && s.steps >= 10_000);
    assert.equal(s.episodes, records.filter((r) => r.kind === 'episode').length);
    assert.ok(s.episodes >= last.episodes);
    assert.match(s.error ?? '', /interrupted/);
    const text = await readFile(join(runDir, 'metrics.ndjson'), 'utf8');
    const complete = text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean);
    assert.ok(complete.length > 0 && complete.every((l) => JSON.parse(l).kind), 'every newline-terminated metrics line parses');
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
});
