/**
 * The crash matrix: kill -9 the run process, its parent (the CLI's lab), or both, at random moments of
 * a run (from the lab's start-up to the end of training), then open a new lab on the runs folder. Every
 * run must end with a true status and a summary that matches its folder, no torn metrics line, no
 * half-made run, and at most the checkpoint interval of learning lost (1 s here instead of 60, so the
 * runs stay short). The moments come from a seeded generator; a failure prints the seed, and
 * CRASH_SEED=… reruns the same moments (CRASH_TRIALS sets the count per kind, 10 by default).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { processAlive, readProgress } from '../../main/lab/runs/run-store.ts';
import { startTrain } from './cli-train.ts';

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const TRIALS = Number(process.env.CRASH_TRIALS ?? 10);
const STEPS = 24_000;
const CHECKPOINT_SECONDS = 1;
/**
 * Kill moments fall in this many seconds after the CLI starts: start-up (~2-4 s here), then training.
 * PPO with 30 epochs per rollout trains ~3k steps/s here, so the step schedule's checkpoints (every
 * 10k steps) are ~3 s apart and only the 1 s clock keeps the loss under the bound.
 */
const WINDOW_S = 11;

type Kind = 'worker' | 'parent' | 'both';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run process the CLI forked (Linux /proc: a child running main/worker), once it exists. tsx has a child of its own. */
function runProcessOf(pid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && /worker\.(ts|js)/.test(readFileSync(`/proc/${name}/cmdline`, 'utf8'))) return Number(name);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

async function untilGone(pids: number[], timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (pids.some(processAlive)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`processes ${pids.filter(processAlive).join(', ')} still alive`);
    await sleep(100);
  }
}

interface Trial {
  kind: Kind;
  atSeconds: number;
}

interface Outcome {
  trial: Trial;
  /** Was the run process alive when the kill came? */
  workerSeen: boolean;
}

async function runTrial(trial: Trial): Promise<void> {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-matrix-'));
  try {
    const outcome = await killAt(trial, runsDir);
    await checkFolder(outcome, runsDir);
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
}

async function killAt(trial: Trial, runsDir: string): Promise<Outcome> {
  const cli = startTrain(
    runsDir,
    ['--set', 'n_epochs=30', '--seed', '0', '--steps', String(STEPS), '--eval-episodes', '0', '--checkpoint-seconds', String(CHECKPOINT_SECONDS)],
    { POLICY_LAB_MAX_THREADS: '1' },
  );
  const cliExited = new Promise<void>((r) => cli.once('exit', () => r()));
  const t0 = Date.now();
  let worker: number | undefined;
  // The worker kind needs a run process to kill: its moment counts from when there is one.
  while (Date.now() - t0 < trial.atSeconds * 1000 || (trial.kind === 'worker' && worker === undefined)) {
    worker ??= runProcessOf(cli.pid!);
    if (cli.exitCode !== null) break; // the run ended before the moment came
    if (Date.now() - t0 > 60_000) throw new Error('no run process within 60 s');
    await sleep(20);
  }
  worker ??= runProcessOf(cli.pid!);
  const workerSeen = worker !== undefined && processAlive(worker);
  if (trial.kind !== 'worker') cli.kill('SIGKILL');
  if (trial.kind !== 'parent' && worker !== undefined) {
    try {
      process.kill(worker, 'SIGKILL');
    } catch {
      /* it had just ended */
    }
  }
  // Whatever survives (the CLI after its run process died, or an orphaned run process) finishes on its own.
  await cliExited;
  if (worker !== undefined) await untilGone([worker]);
  return { trial, workerSeen };
}

/** One line per trial, printed as test diagnostics. */
const report: string[] = [];

async function checkFolder({ trial, workerSeen }: Outcome, runsDir: string): Promise<void> {
  const what = `${trial.kind} killed at ${trial.atSeconds.toFixed(2)} s (seed ${SEED})`;
  const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
  const runs = await lab.listRuns();
  const visible = existsSync(runsDir) ? (await readdir(runsDir)).filter((n) => !n.startsWith('.')) : [];
  assert.equal(runs.length, visible.length, `${what}: every run folder is a run with a status (${visible.join(', ')})`);
  if (runs.length === 0) {
    report.push(`${trial.kind} @${trial.atSeconds.toFixed(2)} s: no run yet`);
    return; // killed before the run was made
  }
  assert.equal(runs.length, 1, what);
  const s = runs[0];
  const dir = s.runDir;

  // True status: nothing is left running; a run that lost its process is crashed, one that trained to
  // its budget is finished.
  assert.ok(['crashed', 'finished', 'solved'].includes(s.status), `${what}: status ${s.status}`);
  // An orphaned run process finishes its run, unless its lab died before the run's start reached it
  // (it then ends without training, and the run is truly crashed at step 0).
  const neverStarted = s.status === 'crashed' && s.steps === 0 && (await readFile(join(dir, 'metrics.ndjson'), 'utf8')) === '';
  if (trial.kind === 'parent' && workerSeen && !neverStarted)
    assert.ok(s.status === 'finished' || s.status === 'solved', `${what}: the orphaned run finishes (${s.status}: ${s.error ?? ''})`);
  if (s.status === 'crashed') assert.ok(s.error && !s.error.includes(runsDir), `${what}: a reason, without a machine path`);
  else assert.ok(s.steps >= STEPS, `${what}: finished with ${s.steps} steps`);
  assert.equal(s.hasPolicy, existsSync(join(dir, 'policy', 'policy.json')), `${what}: hasPolicy matches the folder`);

  // No torn line: every newline-terminated metrics line parses; a partial last line is all a kill may leave.
  const text = await readFile(join(dir, 'metrics.ndjson'), 'utf8');
  const lines = text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean);
  const records = lines.map((l, i) => {
    try {
      return JSON.parse(l) as { kind: string; step: number; wall?: number };
    } catch {
      throw new Error(`${what}: metrics line ${i + 1} is torn`);
    }
  });
  const updates = records.filter((r) => r.kind === 'update');
  const progress = await readProgress(dir);
  if (s.status === 'crashed' && progress) {
    // The summary is the folder's: its steps lie between the last progress write and the last update logged.
    const lastLogged = Math.max(0, ...records.map((r) => r.step));
    assert.ok(
      s.steps >= Math.min(progress.steps, lastLogged) && s.steps <= Math.max(progress.steps, lastLogged),
      `${what}: steps ${s.steps} vs progress ${progress.steps} / metrics ${lastLogged}`,
    );
  }

  // Learning lost: from the newest saved policy (checkpoint or final) to the last update logged, at
  // most the checkpoint interval plus one update and a save.
  if (s.status === 'crashed' && updates.length > 0) {
    const steps = (existsSync(join(dir, 'checkpoints')) ? await readdir(join(dir, 'checkpoints')) : [])
      .filter((n) => existsSync(join(dir, 'checkpoints', n, 'policy.json')))
      .map((n) => Number(/^step-(\d+)$/.exec(n)?.[1] ?? NaN))
      .filter(Number.isFinite);
    const newest = steps.length ? Math.max(...steps) : 0;
    // The checkpoint is saved right after its update; that update's line may not have been flushed
    // before the kill, so the checkpoint can be newer than every logged update (then nothing is lost).
    const savedAt = newest === 0 ? { wall: 0 } : updates.find((u) => u.step >= newest);
    const lost = savedAt ? (updates.at(-1)!.wall ?? 0) - (savedAt.wall ?? 0) : 0;
    const gaps = updates.map((u, i) => (u.wall ?? 0) - (i ? (updates[i - 1].wall ?? 0) : 0));
    const slack = Math.max(...gaps) + 0.5;
    report.push(`${trial.kind} @${trial.atSeconds.toFixed(2)} s: ${s.status} at step ${s.steps}, newest checkpoint ${newest}, ${lost.toFixed(2)} s lost`);
    assert.ok(lost <= CHECKPOINT_SECONDS + slack, `${what}: ${lost.toFixed(2)} s of training after the newest checkpoint (step ${newest})`);
    if (newest > 0) assert.ok(await lab.latestPolicyDir(s.runId), `${what}: the crashed run can be continued`);
  }
  if (!(s.status === 'crashed' && updates.length > 0)) report.push(`${trial.kind} @${trial.atSeconds.toFixed(2)} s: ${s.status} at step ${s.steps}`);
  await lab.close();
}

test(
  `crash matrix: the run process, its lab, or both killed at ${TRIALS} random moments each; every run ends true, nothing torn, ≤ ${CHECKPOINT_SECONDS} s of learning lost`,
  { timeout: 40 * 60_000 },
  async (t) => {
    const rand = mulberry32(SEED);
    t.diagnostic(`CRASH_SEED=${SEED}`);
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) for (const kind of ['worker', 'parent', 'both'] as Kind[]) trials.push({ kind, atSeconds: rand() * WINDOW_S });
    // Two at a time (two cores): each trial has its own runs folder and processes.
    let next = 0;
    const failures: string[] = [];
    const lane = async () => {
      while (next < trials.length) {
        const trial = trials[next++];
        try {
          await runTrial(trial);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    await Promise.all([lane(), lane()]);
    for (const line of report) t.diagnostic(line);
    assert.deepEqual(failures, [], `CRASH_SEED=${SEED}`);
  },
);
