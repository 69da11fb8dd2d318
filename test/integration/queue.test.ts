/**
 * Training on many machines through the job queue, with a real redis-server (Debian's, started here on
 * a free loopback port with no persistence and stopped at the end): `policy-lab worker` processes
 * drain a sweep a third process submits; a worker killed mid-run loses and doubles nothing; stop and
 * pause from the lab reach a run on a worker; the queue address is checked where it enters.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { killStartedProcesses, startNdjsonProcess, type NdjsonProcess } from '../helpers/ndjson-process.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runCli } from '../helpers/cli.ts';
import { LabService } from '../../main/lab/service.ts';
import { QueueLauncher } from '../../main/lab/queue/queue-launcher.ts';
import { parseQueueUrl, redisOptions } from '../../main/lab/queue/queue-url.ts';
import { KEY_PREFIX, QUEUE_NAME } from '../../main/lab/queue/protocol.ts';
import { appQueueOptions } from '../../main/electron/queue-setting.ts';
import type { MetricRecord, RunSummary } from '../../main/lab/domain/runs.ts';

const CLI = fileURLToPath(new URL('../../main/cli.ts', import.meta.url));
const SUBMIT = fileURLToPath(new URL('./queue-submit.ts', import.meta.url));

let dir = '';
let url = '';
let redis: TestRedis | null = null;

function worker(name: string): NdjsonProcess {
  // A 2 s lock: a dead worker's run goes back to the queue within ~3 s instead of BullMQ's default 30.
  return startNdjsonProcess([CLI, 'worker', '--queue', url, '--concurrency', '1', '--name', name, '--lock-seconds', '2', '--retries', '2', '--json']);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function metricsOf(runDir: string): MetricRecord[] {
  return readFileSync(join(runDir, 'metrics.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MetricRecord);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pl-queue-'));
  redis = await startRedis();
  url = redis.url;
});

after(async () => {
  killStartedProcesses();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('the queue address: redis:// and rediss:// (TLS), with or without a password, never repeated in errors', () => {
  const a = parseQueueUrl('redis://:s3cret@10.0.0.5:6380');
  assert.deepEqual([a.host, a.port, a.password, a.tls, a.display], ['10.0.0.5', 6380, 's3cret', false, 'redis://:***@10.0.0.5:6380']);
  const b = parseQueueUrl('rediss://lab:p%40ss@queue.example.org:6379/2');
  assert.deepEqual([b.username, b.password, b.tls, b.db], ['lab', 'p@ss', true, 2]);
  for (const bad of ['http://h:1', 'redis://:pw@host', 'redis://host:6379/x?pw=1', 'not a url']) {
    assert.throws(
      () => parseQueueUrl(bad),
      (e: Error) => !e.message.includes('pw'),
    );
  }
});

test('a queue that cannot be reached: train, sweep and worker say why in one line and exit, never hang', { timeout: 180_000 }, async () => {
  const { freePort } = await import('../helpers/redis.ts');
  const dead = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
  const runsDir = join(dir, 'unreachable');
  for (const args of [
    ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '3000', '--queue', dead, '--runs-dir', runsDir],
    ['sweep', '--env', 'CartPole-v1', '--algo', 'ppo', '--seeds', '0-1', '--steps', '3000', '--queue', 'redis://nohost.invalid:6379', '--runs-dir', runsDir],
    ['worker', '--queue', dead],
  ]) {
    const r = await runCli(args, { timeoutMs: 60_000 });
    assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /^policy-lab: cannot reach the queue at redis:\/\/\S+: (nothing listens at 127\.0\.0\.1:\d+ \(connection refused\)|the host name nohost\.invalid does not resolve)/,
    );
  }
  assert.ok(!existsSync(runsDir) || readdirSync(runsDir).filter((n) => !n.startsWith('.')).length === 0, 'a run was made for a queue that never answered');
});

test("the app's queue setting lives in its data folder's settings.json; POLICY_LAB_QUEUE pins it (read and checked by QueueChoice: test/unit/queue-choice.test.ts)", () => {
  const o = appQueueOptions('/data/policy-lab', {});
  assert.equal(o.settingsFile, join('/data/policy-lab', 'settings.json'));
  assert.equal(o.pinned, null);
  assert.deepEqual(appQueueOptions('/data/policy-lab', { POLICY_LAB_QUEUE: 'redis://10.1.1.1:6379' }).pinned, {
    url: 'redis://10.1.1.1:6379',
    by: 'POLICY_LAB_QUEUE',
  });
});

test('two workers drain a six-run sweep a third process submits; one killed mid-run loses and doubles nothing', { timeout: 180_000 }, async () => {
  const runsDir = join(dir, 'runs');
  const a = worker('worker-a');
  const b = worker('worker-b');
  await Promise.all([a.waitFor((l) => l.event === 'listening', 60_000, 'worker a'), b.waitFor((l) => l.event === 'listening', 60_000, 'worker b')]);
  const submit = startNdjsonProcess([SUBMIT, url, runsDir, '6', '45000']);
  try {
    // Worker a finishes one run, takes another and trains it until a checkpoint has come back (one a
    // second here); then it dies without a word. A run that ends first, or is half done, is passed over for the next.
    // (45,000 steps: fewer than 100 episodes averaging 475 need, so every run ends 'finished', never 'solved'.)
    await a.waitFor((l) => l.event === 'job-end', 150_000, 'worker a to finish a run');
    const endedOnA = (runId: unknown) => a.lines.some((e) => e.event === 'job-end' && e.runId === runId);
    const hasCheckpoint = (runId: string) =>
      existsSync(join(runsDir, runId, 'checkpoints')) &&
      readdirSync(join(runsDir, runId, 'checkpoints')).some((n) => existsSync(join(runsDir, runId, 'checkpoints', n, 'policy.json')));
    let killedRun = '';
    let runProcess = 0;
    const passed = new Set<unknown>();
    while (!killedRun) {
      const next = await a.waitFor((l) => l.event === 'job-start' && !endedOnA(l.runId) && !passed.has(l.runId), 60_000, 'another run on a');
      passed.add(next.runId);
      const t0 = Date.now();
      while (!hasCheckpoint(next.runId as string) && !endedOnA(next.runId)) {
        assert.ok(Date.now() - t0 < 60_000, 'no checkpoint of the run on worker a came back');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Killed only with most of its training ahead, so it cannot end on a before the kill lands.
      const stepNow = Math.max(0, ...metricsOf(join(runsDir, next.runId as string)).map((m) => m.step));
      if (!endedOnA(next.runId) && stepNow < 22_000) [killedRun, runProcess] = [next.runId as string, next.pid as number];
    }
    a.child.kill('SIGKILL');
    // Its run process notices and exits: the run does not go on training where nobody hears it.
    const t1 = Date.now();
    while (alive(runProcess)) {
      assert.ok(Date.now() - t1 < 10_000, 'the dead worker’s run process kept running');
      await new Promise((r) => setTimeout(r, 100));
    }

    assert.equal(await submit.exited, 0, submit.stderr());
    const summary = submit.lines.find((l) => l.event === 'summary');
    assert.ok(summary, 'no summary');
    const runs = summary.runs as RunSummary[];
    assert.equal(runs.length, 6);
    assert.equal(new Set(runs.map((r) => r.runId)).size, 6);
    for (const r of runs) {
      assert.equal(r.status, 'finished', `${r.runId}: ${r.status} ${r.error ?? ''}`);
      assert.ok(r.hasPolicy && existsSync(join(r.runDir, 'policy', 'policy.json')), `${r.runId} has no policy in the submitter's folder`);
      assert.ok(existsSync(join(r.runDir, 'policy', 'model.json')));
      const metrics = metricsOf(r.runDir);
      const episodes = metrics.filter((m) => m.kind === 'episode').map((m) => (m as { episode: number }).episode);
      // Numbered 1…n once each: nothing of a lost attempt left beside the attempt that finished.
      assert.deepEqual(
        episodes,
        episodes.map((_, i) => i + 1),
        `${r.runId}: episodes out of order or doubled`,
      );
      assert.equal(episodes.length, r.episodes);
      assert.equal(Math.max(...metrics.map((m) => m.step)), r.steps);
      assert.ok(r.worker === 'worker-a' || r.worker === 'worker-b', `${r.runId} trained by ${r.worker}`);
    }
    // Both worked, and the run whose worker died was trained to the end by the other one.
    const byA = runs.filter((r) => r.worker === 'worker-a').length;
    assert.ok(byA >= 1 && runs.length - byA >= 1, `runs by a: ${byA}, by b: ${runs.length - byA}`);
    const killed = runs.find((r) => r.runId === killedRun)!;
    assert.equal(killed.worker, 'worker-b');
    // …from its newest checkpoint (kept in Redis by a), not from the start.
    assert.match(killed.warning ?? '', /worker-b took it over from its checkpoint at step [\d,]+/);
    assert.ok(b.lines.some((l) => l.event === 'job-start' && l.runId === killedRun));
    // Every run was taken by b at most once, and ended once.
    for (const r of runs) {
      assert.ok(b.lines.filter((l) => l.event === 'job-end' && l.runId === r.runId).length <= 1);
      assert.ok(
        a.lines.filter((l) => l.event === 'job-end' && l.runId === r.runId).length +
          b.lines.filter((l) => l.event === 'job-end' && l.runId === r.runId).length ===
          1,
      );
    }
    const q = new Queue(QUEUE_NAME, { connection: { ...redisOptions(parseQueueUrl(url)), maxRetriesPerRequest: null }, prefix: KEY_PREFIX });
    const counts = await q.getJobCounts('active', 'waiting', 'delayed', 'failed');
    await q.close();
    assert.deepEqual(counts, { active: 0, waiting: 0, delayed: 0, failed: 0 });

    b.child.kill('SIGINT'); // Ctrl-C: nothing in hand, so it leaves at once
    assert.equal(await b.exited, 0, b.stderr());
  } finally {
    for (const p of [a, b, submit]) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
});

test('pause, resume and stop from the lab reach a run on a worker; the policy it saves comes back', { timeout: 120_000 }, async () => {
  const w = worker('worker-c');
  await w.waitFor((l) => l.event === 'listening', 60_000, 'worker c');
  const launcher = new QueueLauncher(url);
  await launcher.ready();
  const lab = new LabService({ runsDir: join(dir, 'lab2'), launcher, mode: 'cli' });
  const seen: RunSummary[] = [];
  let lastStep = 0;
  lab.on((event, payload) => {
    if (event === 'run:status') seen.push(payload as RunSummary);
    if (event === 'run:progress') lastStep = (payload as { step: number }).step;
  });
  try {
    const run = await lab.startRun(lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', steps: 5_000_000, evalEpisodes: 2 }));
    assert.equal(run.status, 'queued');
    await w.waitFor((l) => l.event === 'job-start' && l.runId === run.runId, 60_000, 'worker c to take the run');
    const t0 = Date.now();
    while (lastStep < 2000) {
      assert.ok(Date.now() - t0 < 60_000, 'no progress from the remote run');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seen.some((s) => s.status === 'running' && s.worker === 'worker-c'));

    await lab.setPaused(run.runId, true);
    // The pause arrives within ~0.2 s, and the iteration in hand still ends and reports (slowly on a loaded
    // machine); from then on the run stands still: 2 s without a step, within 30 s of pausing.
    const t2 = Date.now();
    let pausedAt = -1;
    while (pausedAt < 0) {
      const before = lastStep;
      await new Promise((r) => setTimeout(r, 2000));
      if (lastStep === before) pausedAt = before;
      else assert.ok(Date.now() - t2 < 30_000, 'the remote run kept training while paused');
    }
    await lab.setPaused(run.runId, false);
    const t1 = Date.now();
    while (lastStep === pausedAt) {
      assert.ok(Date.now() - t1 < 30_000, 'the remote run did not resume');
      await new Promise((r) => setTimeout(r, 100));
    }

    await lab.stopRun(run.runId);
    const end = await lab.waitForRun(run.runId);
    assert.equal(end.status, 'stopped');
    assert.ok(end.steps < 5_000_000);
    assert.ok(end.hasPolicy && existsSync(join(end.runDir, 'policy', 'policy.json')), 'the stopped run’s policy did not come back');
    assert.equal(end.worker, 'worker-c');

    // Resuming it sends its checkpoint along: the worker goes on from there, on one step axis.
    const more = await lab.continueRun(run.runId, end.steps + 3000);
    assert.equal(more.runId, run.runId);
    const last = await lab.waitForRun(run.runId);
    assert.equal(last.status, 'finished', last.error);
    assert.ok(last.steps >= end.steps + 3000);
    const episodes = metricsOf(last.runDir)
      .filter((m) => m.kind === 'episode')
      .map((m) => (m as { episode: number }).episode);
    assert.deepEqual(
      episodes,
      episodes.map((_, i) => i + 1),
    );
    assert.ok(episodes.length > end.episodes);
  } finally {
    await lab.close();
    await launcher.close();
    w.child.kill('SIGTERM');
    await w.exited;
  }
});
