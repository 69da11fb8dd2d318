/**
 * Resume is resume, through the CLI: a CartPole PPO run stopped at a rollout boundary and resumed
 * with --resume logs exactly the episodes (returns, lengths, steps) and losses of a run that never
 * stopped — stopped by Ctrl-C mid-run (fused engine, the zoo preset's linear schedules) and by a
 * smaller budget extended with --steps (tfjs engine, constant schedules, which a budget does not
 * shape). A damaged training state is refused with a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, ndjsonLines, runCli } from '../helpers/cli.ts';

const CLI = fileURLToPath(new URL('../../main/cli.ts', import.meta.url));
// 8 envs × 32 steps = 256-step rollouts (the zoo's CartPole PPO), few epochs to keep it quick.
// The Ctrl-C'd run's budget: long enough (≈ 200 rollouts, seconds on an idle machine) that the signal,
// sent once the first update is on disk, always lands before the end however fast the machine is.
const TOTAL = 51_200;
const COMMON = ['--env', 'CartPole-v1', '--algo', 'ppo', '--seed', '4', '--eval-episodes', '0', '--set', 'n_epochs=4', '--json'];

/** metrics.ndjson without what depends on the clock. */
async function metrics(runDir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(runDir, 'metrics.ndjson'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { wall: _w, sps: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

async function onlyRun(runsDir: string): Promise<string> {
  const names = (await readdir(runsDir)).filter((n) => !n.startsWith('.'));
  assert.equal(names.length, 1, `one run in ${names.join(', ')}`);
  return join(runsDir, names[0]);
}

function summaryOf(r: { code: number | null; stderr: string; lines: Record<string, unknown>[] }): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  const s = r.lines.at(-1)!;
  assert.equal(s.event, 'summary');
  return s;
}

/** Starts a training and sends Ctrl-C (to its process group, as a terminal does) once its first update is logged. */
function trainAndInterrupt(args: string[], runsDir: string): Promise<{ code: number | null; stderr: string; lines: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'train', ...args, '--runs-dir', runsDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let sent = false;
    const poll = setInterval(() => {
      void readdir(runsDir)
        .then(async (names) => {
          const run = names.find((n) => !n.startsWith('.'));
          if (!run || sent) return;
          const text = await readFile(join(runsDir, run, 'metrics.ndjson'), 'utf8').catch(() => '');
          // Checked again after the read: polls overlap, and a second Ctrl-C would abort.
          if (text.includes('"kind":"update"') && !sent) {
            sent = true;
            process.kill(-child.pid!, 'SIGINT');
          }
        })
        .catch(() => undefined);
    }, 20);
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`interrupted training timed out\n${stderr}`));
    }, 120_000);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      const lines = ndjsonLines(stdout);
      resolve({ code, stderr, lines });
    });
  });
}

test('a CartPole PPO run stopped at a rollout boundary and resumed logs what an uninterrupted one logs (both engines)', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'pl-resume-'));
  try {
    const dir = (name: string) => join(tmp, name);
    const fused = [...COMMON, '--engine', 'fused', '--steps', String(TOTAL)];
    const constant = ['--set', 'learning_rate=0.0007', '--set', 'clip_range=0.2'];
    const tfjs = [...COMMON, ...constant, '--engine', 'tfjs'];
    // Uninterrupted runs and the first legs, side by side.
    const [whole, stopped, wholeTf, firstTf] = await Promise.all([
      runCli(['train', ...fused, '--runs-dir', dir('whole')]),
      trainAndInterrupt(fused, dir('stopped')),
      runCli(['train', ...tfjs, '--steps', '1024', '--runs-dir', dir('whole-tf')]),
      runCli(['train', ...tfjs, '--steps', '512', '--runs-dir', dir('first-tf')]),
    ]);
    assert.equal(summaryOf(whole).steps, TOTAL);
    const s = summaryOf(stopped);
    assert.equal(s.status, 'stopped', 'Ctrl-C stops the run cleanly');
    assert.ok((s.steps as number) < TOTAL && (s.steps as number) % 256 === 0, `stopped at a rollout boundary before the end (step ${s.steps})`);
    const stoppedDir = await onlyRun(dir('stopped'));
    assert.ok(existsSync(join(stoppedDir, 'checkpoints', `step-${s.steps}`, 'training-state.bin')), 'the stop saved a training state');
    assert.equal(summaryOf(wholeTf).steps, 1024);
    assert.equal(summaryOf(firstTf).steps, 512);

    // Resume: by the run's folder (Ctrl-C'd run, its own budget) and by id in --runs-dir with a new total.
    const [resumed, resumedTf] = await Promise.all([
      runCli(['train', '--resume', stoppedDir, '--json']),
      runCli(['train', '--resume', (await readdir(dir('first-tf')))[0], '--runs-dir', dir('first-tf'), '--steps', '1024', '--json']),
    ]);
    const r = summaryOf(resumed);
    assert.equal(r.runId, s.runId, 'the same run goes on');
    assert.equal(r.status, 'finished');
    assert.equal(r.steps, TOTAL);
    assert.equal(summaryOf(resumedTf).steps, 1024);

    for (const [a, b, what] of [
      [await onlyRun(dir('whole')), stoppedDir, 'fused, Ctrl-C'],
      [await onlyRun(dir('whole-tf')), await onlyRun(dir('first-tf')), 'tfjs, --steps'],
    ] as const) {
      const [ma, mb] = [await metrics(a), await metrics(b)];
      assert.ok(ma.filter((m) => m.kind === 'update').length >= 4 && ma.some((m) => m.kind === 'episode'));
      assert.deepEqual(mb, ma, `${what}: the resumed run's episodes and losses are the uninterrupted run's`);
    }
    assert.equal(r.episodes, summaryOf(whole).episodes);

    // A damaged training state: a clear error naming the checkpoint, no crash, no path.
    const cps = await readdir(join(stoppedDir, 'checkpoints'));
    const last = cps.sort((x, y) => Number(x.slice(5)) - Number(y.slice(5))).at(-1)!;
    const file = join(stoppedDir, 'checkpoints', last, 'training-state.bin');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(file, bytes);
    const bad = await runCli(['train', '--resume', stoppedDir, '--steps', String(TOTAL + 1000)]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, new RegExp(`cannot resume run .*step ${TOTAL.toLocaleString('en-US')}.*checksum`));
    assert.ok(!bad.stderr.includes(tmp), 'the error names no machine path');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
