/**
 * Sweeps through the real CLI: a grid of 2 learning rates × 2 seeds on a short CartPole budget runs
 * locally; the summary names the best by the objective the runs really reached; median pruning stops
 * the runs the rule says to stop and records why; Ctrl-C stops a sweep's runs; and a lab started
 * later lists the sweep, reading a record its dead lab left against the runs' real statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, ROOT } from '../helpers/cli.ts';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import type { SweepSummary } from '../../main/lab/domain/sweeps.ts';

interface SummaryRun {
  runId: string;
  status: string;
  config: Record<string, unknown>;
  seed: number;
  objective: number | null;
  pruned?: string;
}
interface Summary {
  event: 'summary';
  sweepId: string;
  status: string;
  runs: SummaryRun[];
  best: { config: Record<string, unknown>; objective: number; runIds: string[] } | null;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'policy-lab-sweep-'));
const status = (dir: string, runId: string) => JSON.parse(readFileSync(join(dir, runId, 'status.json'), 'utf8')) as RunSummary;
const BASE = ['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--seeds', '0-1', '--steps', '8000', '--eval-episodes', '5', '--parallel', '2', '--json'];

test('a grid of 2 learning rates × 2 seeds runs locally; the summary names the best by the runs’ own objective values', { timeout: 240_000 }, async () => {
  const dir = tmp();
  try {
    const r = await runCli([...BASE, '--grid', 'learning_rate=1e-3,3e-4', '--objective', 'final-mean100', '--runs-dir', dir], { timeoutMs: 230_000 });
    assert.equal(r.code, 0, r.stderr);
    const summary = r.lines.at(-1) as unknown as Summary;
    assert.equal(summary.event, 'summary', 'the last line is the summary');
    assert.equal(summary.status, 'finished');
    assert.equal(summary.runs.length, 4);
    assert.deepEqual(summary.runs.map((x) => [x.config.learning_rate, x.seed]).sort(), [
      [0.0003, 0],
      [0.0003, 1],
      [0.001, 0],
      [0.001, 1],
    ]);
    for (const run of summary.runs) {
      const s = status(dir, run.runId);
      assert.ok(['finished', 'solved'].includes(s.status), `${run.runId} ${s.status}`);
      assert.equal(run.objective, s.mean100, 'final-mean100 is the run’s own last-100 mean');
      assert.ok(s.tags?.includes(`sweep:${summary.sweepId}`), 'sweep runs are tagged with the sweep');
      const config = JSON.parse(readFileSync(join(dir, run.runId, 'config.json'), 'utf8')) as { hyperparameters: { learning_rate: unknown }; seed: number };
      assert.equal(config.hyperparameters.learning_rate, run.config.learning_rate);
      assert.equal(config.seed, run.seed);
    }
    // The best is the configuration with the highest mean over its seeds.
    const byLr = new Map<unknown, number[]>();
    for (const run of summary.runs) byLr.set(run.config.learning_rate, [...(byLr.get(run.config.learning_rate) ?? []), run.objective!]);
    const means = [...byLr].map(([lr, v]) => [lr, v.reduce((a, b) => a + b, 0) / v.length] as const).sort((a, b) => b[1] - a[1]);
    assert.ok(summary.best);
    assert.equal(summary.best.config.learning_rate, means[0][0]);
    assert.ok(Math.abs(summary.best.objective - means[0][1]) < 1e-9);
    assert.equal(summary.best.runIds.length, 2);
    const events = r.lines.map((l) => l.event);
    assert.ok(events.includes('sweep') && events.includes('run'), `events: ${[...new Set(events)].join(', ')}`);

    // A lab started afterwards lists the sweep from its record …
    const lab = new LabService({ runsDir: dir, launcher: new ForkLauncher(), mode: 'cli' });
    const [listed] = await lab.listSweeps();
    assert.equal(listed.sweepId, summary.sweepId);
    assert.equal(listed.status, 'finished');
    assert.deepEqual(listed.best?.point, summary.best.config);
    // … and one whose lab died mid-sweep (its record still says running, its runs queued) shows what the runs really did.
    const file = join(dir, 'sweeps', `${summary.sweepId}.json`);
    const stale = JSON.parse(readFileSync(file, 'utf8')) as SweepSummary;
    stale.status = 'running';
    for (const run of stale.runs) Object.assign(run, { status: 'queued', objective: null });
    stale.best = null;
    writeFileSync(file, JSON.stringify(stale));
    const reread = await lab.getSweep(summary.sweepId);
    assert.equal(reread.status, 'finished');
    assert.deepEqual(
      reread.runs.map((x) => [x.runId, x.status, x.objective]),
      summary.runs.map((x) => [x.runId, x.status, x.objective]),
    );
    assert.deepEqual(reread.best?.point, summary.best.config);
    await lab.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('median pruning stops the runs below the median at a rung and records why', { timeout: 240_000 }, async () => {
  const dir = tmp();
  try {
    // 1e-7 barely moves the policy: after the two 1e-3 runs (trained first, two at a time) have
    // reported, the 1e-7 runs sit below their median at the first rung. 40,000 steps: the stop that
    // follows a pruning decision has 30,000 steps to land before the run could end by itself.
    const base = BASE.map((a) => (a === '8000' ? '40000' : a));
    const r = await runCli([...base, '--grid', 'learning_rate=1e-3,1e-7', '--prune', '--runs-dir', dir], { timeoutMs: 230_000 });
    assert.equal(r.code, 0, r.stderr);
    const start = r.lines.find((l) => l.event === 'sweep') as { rungs: number[] };
    assert.deepEqual(start.rungs, [10000, 20000, 30000]);
    const summary = r.lines.at(-1) as unknown as Summary;
    const pruned = summary.runs.filter((x) => x.pruned);
    const kept = summary.runs.filter((x) => !x.pruned);
    assert.deepEqual(
      pruned.map((x) => x.config.learning_rate),
      [1e-7, 1e-7],
      JSON.stringify(summary.runs),
    );
    assert.deepEqual(
      kept.map((x) => x.config.learning_rate),
      [0.001, 0.001],
    );
    for (const run of pruned) {
      const m =
        /^pruned at step ([\d,]+) \(rung (\d) of 3, ([\d,]+) steps\): 100-episode mean (-?[\d.]+) below the median (-?[\d.]+) of (\d+) other runs$/.exec(
          run.pruned!,
        );
      assert.ok(m, run.pruned);
      assert.ok(Number(m[4]) < Number(m[5]), 'below the median it names');
      const s = status(dir, run.runId);
      assert.equal(s.status, 'stopped');
      assert.ok(s.steps < 40000, `stopped early (${s.steps} steps)`);
      assert.equal(s.notes, run.pruned, 'the run itself records why');
      assert.ok(s.tags?.includes('pruned') && s.tags.includes(`sweep:${summary.sweepId}`));
    }
    for (const run of kept) assert.equal(status(dir, run.runId).steps >= 40000, true);
    assert.equal(summary.best?.config.learning_rate, 0.001, 'a pruned configuration is never best');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C stops the sweep: queued runs never start, running ones stop; the summary still comes', { timeout: 180_000 }, async () => {
  const dir = tmp();
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('../../main/cli.ts', import.meta.url)),
        ...BASE,
        '--steps',
        '2000000',
        '--parallel',
        '1',
        '--grid',
        'learning_rate=1e-3,3e-4',
        '--runs-dir',
        dir,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no run trained within 120 s\n${stderr}`));
      }, 120_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        // A progress line comes from a run's own progress: the first run is training.
        if (stdout.includes('"event":"progress"')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary;
    assert.equal(summary.status, 'stopped');
    assert.deepEqual(
      summary.runs.map((x) => x.status),
      ['stopped', 'stopped', 'stopped', 'stopped'],
    );
    const trained = summary.runs.map((x) => status(dir, x.runId).steps);
    assert.ok(trained[0] > 0 && trained[0] < 2_000_000, `the running one stopped early (${trained[0]} steps)`);
    assert.deepEqual(trained.slice(1), [0, 0, 0], 'the queued ones never trained');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sweep usage errors exit 2 with one line', { timeout: 240_000 }, async () => {
  const cases: [string[], RegExp][] = [
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo'], /needs something to vary/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--grid', 'learnin_rate=1e-3'], /"learnin_rate" is neither a hyperparameter/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--grid', 'learning_rate=1e-3,-1'], /learning_rate=-1.*learning_rate must be/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--random', 'learning_rate=0:1e-3:log'], /a log range needs lo > 0/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--random', 'learning_rate=1e-3'], /key=lo:hi/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--seeds', '4-1'], /--seeds: range 4-1 runs backwards/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--seeds', '0', '--objective', 'fastest'], /--objective must be one of/],
    [['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--grid', 'gamma=0.9', '--trials', '3'], /give at least one random range/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\/work|\/tmp|at .*\.ts:/);
  }
});

test('over the bridge: startSweep, sweep:updated as runs change, getSweep, listSweeps, stopSweep', { timeout: 180_000 }, async () => {
  const { dispatch } = await import('../../main/dispatch.ts');
  const dir = tmp();
  const lab = new LabService({ runsDir: dir, launcher: new ForkLauncher(), mode: 'browser', concurrency: 1 });
  try {
    const updates: SweepSummary[] = [];
    lab.on((event, payload) => {
      if (event === 'sweep:updated') updates.push(payload as SweepSummary);
    });
    const bad = await dispatch(lab, 'startSweep', { env: 'CartPole-v1', algo: 'ppo', grid: { learning_rate: [2] }, seeds: [0] });
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error.message : '', /at learning_rate=2: learning_rate must be/);
    assert.equal((await lab.listRuns()).length, 0, 'a refused sweep starts nothing');

    const started = await dispatch(lab, 'startSweep', {
      env: 'CartPole-v1',
      algo: 'ppo',
      steps: 2_000_000,
      grid: { learning_rate: ['1e-3', '3e-4'] },
      seeds: [0],
      evalEpisodes: 0,
    });
    assert.ok(started.ok, JSON.stringify(started));
    const s = started.result as SweepSummary;
    assert.equal(s.runs.length, 2);
    assert.deepEqual(
      s.runs.map((r) => r.point.learning_rate),
      [0.001, 0.0003],
    );
    // Each run is named for its point and seed, so it tells apart in Runs, Compare and Watch.
    const names = new Map((await lab.listRuns()).map((r) => [r.runId, r.name]));
    assert.deepEqual(
      s.runs.map((r) => names.get(r.runId)),
      ['learning_rate=0.001 · seed 0', 'learning_rate=3e-4 · seed 0'],
    );
    const deadline = Date.now() + 120_000;
    while (!updates.some((u) => u.runs[0].status === 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      updates.some((u) => u.runs[0].status === 'running'),
      `updates: ${updates.map((u) => u.runs.map((r) => r.status).join('/')).join(' ')}`,
    );
    const got = await dispatch(lab, 'getSweep', { sweepId: s.sweepId });
    assert.ok(got.ok && (got.result as SweepSummary).status === 'running');
    const listed = await dispatch(lab, 'listSweeps', {});
    assert.ok(listed.ok && (listed.result as SweepSummary[]).map((x) => x.sweepId).includes(s.sweepId));
    const stopped = await dispatch(lab, 'stopSweep', { sweepId: s.sweepId });
    assert.ok(stopped.ok);
    while (updates.at(-1)?.status === 'running' && Date.now() < deadline + 60_000) await new Promise((r) => setTimeout(r, 200));
    const last = updates.at(-1)!;
    assert.equal(last.status, 'stopped');
    assert.deepEqual(
      last.runs.map((r) => r.status),
      ['stopped', 'stopped'],
    );
    assert.equal(status(dir, last.runs[1].runId).steps, 0, 'the queued run never trained');
    const unknown = await dispatch(lab, 'getSweep', { sweepId: '20200101-000000-abc' });
    assert.ok(!unknown.ok && unknown.error.code === 'not-found');
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
