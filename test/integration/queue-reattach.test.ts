/**
 * A submitting lab that dies while its runs train on a queue worker: a lab started later on the same
 * runs folder and queue follows them again (queue-job.json) — what the worker sent meanwhile is
 * applied once, the run ends as the worker ended it, and it stays live (progress, stop). Restarted
 * without the queue or on another: left as it is, shown on its queue and not followed; after the queue
 * lost the job: crashed, saying so. A lab that closes as the app and `serve` close leaves its queue runs
 * training the same way; closed as the CLI closes it, it stops the runs it started and leaves those it
 * adopted. A real
 * redis-server (Debian's) on a free loopback port, one `policy-lab worker`, and the killed lab a
 * process of its own (queue-lab.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { runCli } from '../helpers/cli.ts';
import { killStartedProcesses, startNdjsonProcess, type NdjsonProcess } from '../helpers/ndjson-process.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { LabService } from '../../main/lab/service.ts';
import { startServer } from '../../main/serve.ts';
import { dispatch } from '../../main/dispatch.ts';
import type { SweepSummary } from '../../main/lab/domain/sweeps.ts';
import { QueueLauncher } from '../../main/lab/queue/queue-launcher.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { inStream, outStream } from '../../main/lab/queue/protocol.ts';
import { QUEUE_RECORD_FILE, readQueueRecord, type QueueRecord } from '../../main/lab/queue/queue-record.ts';
import { remoteNote } from '../../main/lab/domain/run-remote.ts';
import type { EpisodeRecord, MetricRecord, RunSummary, UpdateRecord } from '../../main/lab/domain/runs.ts';

const CLI = fileURLToPath(new URL('../../main/cli.ts', import.meta.url));
const LAB = fileURLToPath(new URL('./queue-lab.ts', import.meta.url));

let dir = '';
let url = '';
let redis: TestRedis | null = null;
let client: Redis | null = null;
let worker: NdjsonProcess | null = null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    assert.ok(Date.now() - t0 < timeoutMs, `timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A lab process that sends `count` runs of `steps` steps; SIGKILLed once it has applied metrics of the first.
 * (From the built worker CartPole PPO trains ~10,000 steps a second: runs meant to outlive the lab need tens of
 * thousands; those meant to end 'finished' stay under 47,500, the fewest steps of 100 episodes averaging 475: never 'solved'.)
 */
async function labKilledMidRun(runsDir: string, count: number, steps: number): Promise<string[]> {
  const lab = startNdjsonProcess([LAB, url, runsDir, String(count), String(steps)]);
  const { runIds } = (await lab.waitFor((l) => l.event === 'submitted', 60_000, 'the lab to submit')) as { runIds: string[] };
  await lab.waitFor((l) => l.event === 'metrics' && l.runId === runIds[0], 120_000, 'metrics of the first run to come back');
  lab.child.kill('SIGKILL');
  await lab.exited;
  // The premise: the lab died while the run trained (else there is nothing to reattach).
  assert.equal(statusOf(runsDir, runIds[0]).status, 'running', 'the first run ended before its lab was killed');
  return runIds;
}

function statusOf(runsDir: string, runId: string): RunSummary {
  return JSON.parse(readFileSync(join(runsDir, runId, 'status.json'), 'utf8')) as RunSummary;
}

async function recordOf(runsDir: string, runId: string): Promise<QueueRecord> {
  const r = await readQueueRecord(join(runsDir, runId));
  assert.ok(r && !('problem' in r), `no readable queue-job.json for ${runId}`);
  return r;
}

/** Entries of a run's out stream after `id`. */
async function entriesAfter(runId: string, id: string): Promise<number> {
  const res = (await client!.xread('COUNT', 100_000, 'STREAMS', outStream(runId), id)) as [string, unknown[]][] | null;
  return res?.[0]?.[1].length ?? 0;
}

/** metrics.ndjson, every line of it a record, and each step of training in it once. */
function checkMetricsOnce(runDir: string): { updates: UpdateRecord[]; episodes: EpisodeRecord[] } {
  const lines = readFileSync(join(runDir, 'metrics.ndjson'), 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'metrics.ndjson ends in a torn line');
  const records = lines.map((l) => JSON.parse(l) as MetricRecord);
  const updates = records.filter((r): r is UpdateRecord => r.kind === 'update');
  const episodes = records.filter((r): r is EpisodeRecord => r.kind === 'episode');
  assert.ok(updates.length > 1 && episodes.length > 1);
  // One update per rollout: numbered 1…n, steps strictly increasing — none doubled, none missing.
  assert.deepEqual(
    updates.map((u) => u.update),
    updates.map((_, i) => i + 1),
    'updates doubled or missing',
  );
  for (let i = 1; i < updates.length; i++) assert.ok(updates[i].step > updates[i - 1].step, `update ${i + 1} does not move the step on`);
  const steps = new Set(updates.map((u) => u.step));
  const perUpdate = updates[1].step - updates[0].step;
  assert.ok(
    updates.every((u, i) => u.step === updates[0].step + i * perUpdate),
    'a rollout is missing between two updates',
  );
  assert.equal(steps.size, updates.length);
  assert.deepEqual(
    episodes.map((e) => e.episode),
    episodes.map((_, i) => i + 1),
    'episodes doubled or missing',
  );
  for (let i = 1; i < episodes.length; i++) assert.ok(episodes[i].step >= episodes[i - 1].step);
  return { updates, episodes };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pl-reattach-'));
  redis = await startRedis();
  url = redis.url;
  client = new Redis({ host: '127.0.0.1', port: redis.port });
  worker = startNdjsonProcess([CLI, 'worker', '--queue', url, '--concurrency', '1', '--name', 'worker-r', '--json']);
  await worker.waitFor((l) => l.event === 'listening', 60_000, 'the worker');
});

after(async () => {
  killStartedProcesses();
  client?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('a lab killed mid-run: the next lab on the same queue ends its runs as the worker did, every metrics line once', { timeout: 300_000 }, async () => {
  const runsDir = join(dir, 'runs-finished');
  // Two runs on a one-run worker: the second waits in the queue while the first trains.
  const [first, second] = await labKilledMidRun(runsDir, 2, 45_000);
  const jobEnd = (runId: string) => (l: Record<string, unknown>) => l.event === 'job-end' && l.runId === runId;
  // The first run ends on the worker while no lab listens.
  await worker!.waitFor(jobEnd(first), 180_000, 'the first run to end on the worker');
  const record = await recordOf(runsDir, first);
  assert.ok(record.lastId !== '0', 'the lab recorded no entry applied');
  assert.ok((await entriesAfter(first, record.lastId)) > 0, 'nothing came after the record');
  // A lab dying mid-append leaves a torn line past the recorded length: it must be cut away.
  await appendFile(join(runsDir, first, 'metrics.ndjson'), '{"kind":"update","step":');

  const launcher = new QueueLauncher(url);
  await launcher.ready();
  const lab = new LabService({ runsDir, launcher, mode: 'cli' });
  try {
    for (const runId of [first, second]) {
      const end = await lab.waitForRun(runId);
      assert.equal(end.status, 'finished', `${runId}: ${end.status} ${end.error ?? ''}`);
      assert.equal(end.worker, 'worker-r');
      // One worker took it once: the lab going away is no takeover (which would start its record over).
      assert.doesNotMatch(end.warning ?? '', /took it over/);
      assert.ok(end.hasPolicy && existsSync(join(runsDir, runId, 'policy', 'policy.json')), `${runId} has no policy in the lab's folder`);
      assert.ok(existsSync(join(runsDir, runId, 'policy', 'model.json')));
      const { updates, episodes } = checkMetricsOnce(join(runsDir, runId));
      assert.equal(end.steps, end.plannedSteps ?? end.totalSteps);
      assert.equal(updates.at(-1)!.step, end.steps);
      assert.equal(episodes.length, end.episodes);
      assert.equal(statusOf(runsDir, runId).status, 'finished');
      assert.ok(!existsSync(join(runsDir, runId, QUEUE_RECORD_FILE)), 'an ended run keeps its queue record');
    }
  } finally {
    await lab.close();
    await launcher.close();
  }
});

test('a run still training when the next lab starts goes on live there: status, progress and stop reach it', { timeout: 300_000 }, async () => {
  const runsDir = join(dir, 'runs-live');
  const [runId] = await labKilledMidRun(runsDir, 1, 5_000_000);
  const record = await recordOf(runsDir, runId);
  // The worker goes on while no lab listens.
  await until('entries sent while the lab was down', async () => (await entriesAfter(runId, record.lastId)) > 0);

  // This lab chooses its queue as the app and `serve` do (a launcher switch), and connects while it recovers.
  const lab = new LabService({
    runsDir,
    launcher: new ForkLauncher(),
    mode: 'browser',
    queue: { settingsFile: join(dir, 'settings.json'), savedIn: 'the test', pinned: { url, by: '--queue' } },
  });
  let lastStep = 0;
  lab.on((event, payload) => {
    if (event === 'run:progress') lastStep = (payload as { step: number }).step;
  });
  try {
    const listed = (await lab.listRuns()).find((r) => r.runId === runId)!;
    assert.equal(listed.status, 'running', listed.error);
    // The record names this lab at once (before anything new arrives), so a third lab started now leaves the run to it.
    assert.equal((await recordOf(runsDir, runId)).labPid, process.pid);
    // What the worker sent while no lab listened is applied as this lab catches up (listRuns does not wait for it): metrics, then progress.
    await until('the lab to catch up on what the worker sent meanwhile', () => lastStep > 0);
    const before = checkMetricsOnce(join(runsDir, runId)).updates.at(-1)!.step;
    await until('progress past what the first lab saw', () => lastStep > before + 2000);
    assert.equal((await lab.setPaused(runId, true)).status, 'paused');
    assert.equal((await lab.setPaused(runId, false)).status, 'running');
    await lab.stopRun(runId);
    const end = await lab.waitForRun(runId);
    assert.equal(end.status, 'stopped', end.error);
    assert.ok(end.steps > before && end.steps < 5_000_000);
    assert.ok(end.hasPolicy && existsSync(join(runsDir, runId, 'policy', 'policy.json')), 'the stopped run’s policy did not come back');
    const { updates } = checkMetricsOnce(join(runsDir, runId));
    assert.equal(updates.at(-1)!.step, end.steps);
  } finally {
    await lab.close();
  }
  await worker!.waitFor((l) => l.event === 'job-end' && l.runId === runId, 60_000, 'the stopped run to end on the worker');
});

test(
  'restarted without the queue or on another: left running, shown on its queue and not followed, stop/pause/continue say so; a lab on the queue then follows it to its end',
  { timeout: 300_000 },
  async () => {
    const runsDir = join(dir, 'runs-elsewhere');
    const [runId] = await labKilledMidRun(runsDir, 1, 45_000);
    const recordLeft = await readFile(join(runsDir, runId, QUEUE_RECORD_FILE), 'utf8');
    const notFollowed = async (lab: LabService): Promise<void> => {
      try {
        const s = (await lab.listRuns()).find((r) => r.runId === runId)!;
        assert.equal(s.status, 'running', s.error);
        assert.equal(s.error, undefined);
        assert.deepEqual(s.remote, { queue: url, followed: false });
        assert.deepEqual((await lab.getRun(runId)).summary.remote, s.remote);
        const why = new RegExp(
          `on queue ${url.replace(/[/.]/g, '\\$&')} · not followed here — choose that queue \\(Settings → Job queue, or start the lab with it\\) to follow it`,
        );
        await assert.rejects(lab.stopRun(runId), (e: Error) => /^cannot stop run /.test(e.message) && why.test(e.message));
        await assert.rejects(lab.setPaused(runId, true), (e: Error) => /^cannot pause run /.test(e.message) && why.test(e.message));
        await assert.rejects(lab.continueRun(runId), (e: Error) => /^cannot continue run /.test(e.message) && why.test(e.message));
        // A rename goes through and keeps both the status and the note.
        const renamed = await lab.updateRun(runId, { name: 'left on the queue' });
        assert.equal(renamed.status, 'running');
        assert.deepEqual(renamed.remote, s.remote);
      } finally {
        await lab.close();
      }
      const onDisk = statusOf(runsDir, runId);
      assert.equal(onDisk.status, 'running');
      assert.equal(onDisk.remote, undefined, 'the note is written into status.json');
      assert.equal(await client!.xlen(inStream(runId)), 0, 'a lab not on the queue sent the run a control message');
      assert.deepEqual(await recordOf(runsDir, runId), JSON.parse(recordLeft) as QueueRecord, 'a lab not on the queue changed the run’s record');
    };

    await notFollowed(new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' }));
    // The app with its queue setting cleared: a launcher switch on this machine.
    await notFollowed(
      new LabService({
        runsDir,
        launcher: new ForkLauncher(),
        mode: 'browser',
        queue: { settingsFile: join(runsDir, 'no-settings.json'), savedIn: 'the test' },
      }),
    );
    const elsewhere = new QueueLauncher(`${url}/1`);
    await elsewhere.ready();
    try {
      await notFollowed(new LabService({ runsDir, launcher: elsewhere, mode: 'cli' }));
    } finally {
      await elsewhere.close();
    }
    // `policy-lab runs` says the same, under the run's name and the worker training it.
    const listed = (await runCli(['runs', '--runs-dir', runsDir])).stdout;
    assert.match(
      listed,
      new RegExp(
        `${runId}\\s+running[^\\n]*\\n\\s+left on the queue\\n\\s+training on worker worker-r\\n\\s+on queue redis://127\\.0\\.0\\.1:\\d+ · not followed here`,
      ),
    );

    const same = new QueueLauncher(url);
    await same.ready();
    const lab = new LabService({ runsDir, launcher: same, mode: 'cli' });
    try {
      assert.equal((await lab.listRuns()).find((r) => r.runId === runId)?.remote, undefined);
      const end = await lab.waitForRun(runId);
      assert.equal(end.status, 'finished', `${end.status} ${end.error ?? ''}`);
      assert.equal(end.name, 'left on the queue');
      assert.equal(end.remote, undefined);
      const { updates } = checkMetricsOnce(join(runsDir, runId));
      assert.equal(updates.at(-1)!.step, end.steps);
    } finally {
      await lab.close();
      await same.close();
    }
  },
);

test(
  'a run left not followed is followed once that queue is chosen in Settings (as localhost: the same Redis), live: stop reaches it',
  { timeout: 300_000 },
  async () => {
    const runsDir = join(dir, 'runs-chosen');
    const [runId] = await labKilledMidRun(runsDir, 1, 5_000_000);
    const lab = new LabService({
      runsDir,
      launcher: new ForkLauncher(),
      mode: 'browser',
      queue: { settingsFile: join(runsDir, 'settings.json'), savedIn: 'the test' },
    });
    const statuses: RunSummary[] = [];
    lab.on((event, payload) => {
      if (event === 'run:status' && (payload as RunSummary).runId === runId) statuses.push(payload as RunSummary);
    });
    try {
      assert.deepEqual((await lab.listRuns()).find((r) => r.runId === runId)?.remote, { queue: url, followed: false });
      // The run was sent to 127.0.0.1; the queue is chosen as localhost.
      await lab.saveQueue(url.replace('127.0.0.1', 'localhost'));
      await until('the run to be followed', () => statuses.some((s) => s.status === 'running' && s.remote === undefined), 30_000);
      const listed = (await lab.listRuns()).find((r) => r.runId === runId)!;
      assert.equal(listed.remote, undefined);
      assert.equal((await recordOf(runsDir, runId)).labPid, process.pid);
      await lab.stopRun(runId);
      const end = await lab.waitForRun(runId);
      assert.equal(end.status, 'stopped', end.error);
      assert.ok(end.hasPolicy, 'the stopped run’s policy did not come back');
      checkMetricsOnce(join(runsDir, runId));
    } finally {
      await lab.close();
    }
    await worker!.waitFor((l) => l.event === 'job-end' && l.runId === runId, 60_000, 'the stopped run to end on the worker');
  },
);

test('a queue that does not answer when the lab starts: its runs are shown so, then followed as soon as it answers', { timeout: 300_000 }, async () => {
  const runsDir = join(dir, 'runs-late');
  const [runId] = await labKilledMidRun(runsDir, 1, 100_000);
  // Stopped, the Redis still accepts connections but answers nothing: what a stalled or unreachable queue looks like.
  process.kill(redis!.pid, 'SIGSTOP');
  let lab: LabService | null = null;
  try {
    lab = new LabService({
      runsDir,
      launcher: new ForkLauncher(),
      mode: 'browser',
      queue: { settingsFile: join(dir, 'settings.json'), savedIn: 'the test', pinned: { url, by: '--queue' } },
    });
    const waiting = (await lab.listRuns()).find((r) => r.runId === runId)!;
    assert.equal(waiting.status, 'running', waiting.error);
    assert.deepEqual(waiting.remote, { queue: url, followed: false, unanswered: true });
    assert.match(remoteNote(waiting.remote!), /not followed yet: the queue does not answer — followed here as soon as it does/);
  } finally {
    process.kill(redis!.pid, 'SIGCONT');
  }
  try {
    await until(
      'the run to be followed once the queue answers',
      async () => (await lab.listRuns()).find((r) => r.runId === runId)?.remote === undefined,
      60_000,
    );
    const end = await lab.waitForRun(runId);
    // CartPole PPO may solve 100,000 steps early (it stops when solved): either is the worker's own end.
    assert.ok(end.status === 'finished' || end.status === 'solved', `${end.status} ${end.error ?? ''}`);
    assert.equal(end.worker, 'worker-r');
    const { updates } = checkMetricsOnce(join(runsDir, runId));
    assert.equal(updates.at(-1)!.step, end.steps);
  } finally {
    await lab.close();
  }
});

test('after the queue lost the job, the lab on that queue marks the run crashed, saying why and where', { timeout: 300_000 }, async () => {
  const runsDir = join(dir, 'runs-lost');
  const [runId] = await labKilledMidRun(runsDir, 1, 5_000_000);
  // The run ends on the worker, and its stream expires before any lab comes back.
  await client!.xadd(inStream(runId), '*', 'm', JSON.stringify({ type: 'stop' }));
  await worker!.waitFor((l) => l.event === 'job-end' && l.runId === runId, 60_000, 'the run to stop on the worker');
  await client!.del(outStream(runId));
  const same = new QueueLauncher(url);
  await same.ready();
  const lab = new LabService({ runsDir, launcher: same, mode: 'cli' });
  const s = (await lab.listRuns()).find((r) => r.runId === runId)!;
  await lab.close();
  await same.close();
  assert.equal(s.status, 'crashed');
  assert.equal(s.remote, undefined);
  assert.equal(statusOf(runsDir, runId).status, 'crashed');
  assert.ok(!existsSync(join(runsDir, runId, QUEUE_RECORD_FILE)), 'a run crashed for good keeps its queue record');
  const error = s.error ?? '';
  assert.ok(!error.includes(dir) && !error.includes(tmpdir()), `a machine path in: ${error}`);
  assert.match(error, /^interrupted: .*job queue at redis:\/\/127\.0\.0\.1:\d+, and the queue no longer has its job or what its worker sent/);
  assert.match(error, /worker may still be training it or have finished it in its own runs folder/);
});

test(
  'a lab closed as the CLI closes it leaves the runs it adopted training (it did not start them); the next lab follows them to their end',
  { timeout: 300_000 },
  async () => {
    const runsDir = join(dir, 'runs-adopted');
    const [runId] = await labKilledMidRun(runsDir, 1, 45_000);
    const launcher = new QueueLauncher(url);
    await launcher.ready();
    const adopting = new LabService({ runsDir, launcher, mode: 'cli' });
    const applied = metricsApplied(adopting);
    try {
      assert.equal((await adopting.listRuns()).find((r) => r.runId === runId)?.status, 'running');
      await until('the adopting lab to apply metrics of the run', () => applied.seen.has(runId));
    } finally {
      // Closed before asserting: a launcher left open keeps the test process alive once it fails.
      const closed = await adopting.close();
      await launcher.close();
      assert.equal(closed.leftTraining, 1);
    }
    const left = statusOf(runsDir, runId);
    assert.equal(left.status, 'running', `the adopted run was not left training: ${left.status} ${left.error ?? ''}`);
    assert.equal(await client!.xlen(inStream(runId)), 0, 'the closing lab sent the adopted run a control message');

    const next = new QueueLauncher(url);
    await next.ready();
    const lab = new LabService({ runsDir, launcher: next, mode: 'cli' });
    try {
      const end = await lab.waitForRun(runId);
      assert.equal(end.status, 'finished', `${end.status} ${end.error ?? ''}`);
      assert.doesNotMatch(end.warning ?? '', /took it over/);
      const { updates } = checkMetricsOnce(join(runsDir, runId));
      assert.equal(updates.at(-1)!.step, end.steps);
      assert.ok(!existsSync(join(runsDir, runId, QUEUE_RECORD_FILE)), 'an ended run keeps its queue record');
    } finally {
      await lab.close();
      await next.close();
    }
  },
);

/** A run as the labs of the tests below start it: CartPole PPO, a checkpoint every second. */
const runRequest = (lab: LabService, steps: number) =>
  lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 0, steps, evalEpisodes: 2, checkpointSeconds: 1 });

/** The runs whose metrics the lab has applied so far (they train on the worker). */
function metricsApplied(lab: LabService): { seen: Set<string> } {
  const seen = new Set<string>();
  lab.on((event, payload) => {
    if (event === 'run:metrics') seen.add((payload as { runId: string }).runId);
  });
  return { seen };
}

/** Labs as `serve` builds them on runsDir: the queue saved in the runs folder's settings.json, chosen through the launcher switch. */
async function serveLabs(runsDir: string): Promise<() => ReturnType<typeof startServer>> {
  await mkdir(runsDir, { recursive: true });
  await writeFile(join(runsDir, 'settings.json'), JSON.stringify({ queue: url }));
  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html>');
  return () => startServer({ host: '127.0.0.1', port: 0, runsDir, rendererDir });
}

test(
  'a lab closed as the app and serve close it leaves its queue run training; the next lab follows it to its end, every metrics line once',
  { timeout: 300_000 },
  async () => {
    const runsDir = join(dir, 'runs-left');
    const serve = await serveLabs(runsDir);

    const first = await serve();
    const applied = metricsApplied(first.service);
    const { runId } = await first.service.startRun(runRequest(first.service, 45_000));
    await until('metrics of the run to come back', () => applied.seen.has(runId));
    const { leftTraining } = await first.close();
    const closedAt = Date.now();
    assert.equal(leftTraining, 1);
    const left = statusOf(runsDir, runId);
    assert.equal(left.status, 'running', `the run was not left training: ${left.status} ${left.error ?? ''}`);
    // The lab sent the worker nothing (no stop), and its record is as far as metrics.ndjson goes.
    assert.equal(await client!.xlen(inStream(runId)), 0, 'the closing lab sent the run a control message');
    const record = await recordOf(runsDir, runId);
    assert.ok(record.lastId !== '0', 'the lab recorded no entry applied');
    assert.equal((await stat(join(runsDir, runId, 'metrics.ndjson'))).size, record.metricsBytes);
    // The worker goes on training with no lab listening.
    await until('the worker to send entries after the lab closed', async () => {
      const after = (await client!.xrange(outStream(runId), String(closedAt + 1), '+')) as [string, string[]][];
      return after.some(([, fields]) => (JSON.parse(fields[1] ?? '{}') as { type?: string }).type === 'metrics');
    });

    const second = await serve();
    try {
      const end = await second.service.waitForRun(runId);
      assert.equal(end.status, 'finished', `${end.status} ${end.error ?? ''}`);
      assert.equal(end.worker, 'worker-r');
      assert.doesNotMatch(end.warning ?? '', /took it over/);
      assert.ok(end.hasPolicy && existsSync(join(runsDir, runId, 'policy', 'policy.json')), 'the run’s policy did not come back');
      const { updates, episodes } = checkMetricsOnce(join(runsDir, runId));
      assert.equal(end.steps, end.plannedSteps ?? end.totalSteps);
      assert.equal(updates.at(-1)!.step, end.steps);
      assert.ok(updates.at(-1)!.step > left.steps, 'no training after the first lab closed');
      assert.equal(episodes.length, end.episodes);
      assert.ok(!existsSync(join(runsDir, runId, QUEUE_RECORD_FILE)), 'an ended run keeps its queue record');
    } finally {
      assert.equal((await second.close()).leftTraining, 0);
    }
  },
);

test('a lab closed as the CLI closes it (train/sweep --queue) stops its queue runs: stopped, with their policies', { timeout: 300_000 }, async () => {
  const runsDir = join(dir, 'runs-cli-close');
  const launcher = new QueueLauncher(url);
  await launcher.ready();
  const lab = new LabService({ runsDir, launcher, mode: 'cli' });
  const applied = metricsApplied(lab);
  let runId = '';
  try {
    ({ runId } = await lab.startRun(runRequest(lab, 5_000_000)));
    await until('metrics of the run to come back', () => applied.seen.has(runId));
  } finally {
    assert.equal((await lab.close()).leftTraining, 0);
    await launcher.close();
  }
  const end = statusOf(runsDir, runId);
  assert.equal(end.status, 'stopped', end.error);
  assert.ok(end.steps > 0 && end.steps < 5_000_000);
  assert.ok(end.hasPolicy && existsSync(join(runsDir, runId, 'policy', 'policy.json')), 'the stopped run’s policy did not come back');
  assert.ok(!existsSync(join(runsDir, runId, QUEUE_RECORD_FILE)), 'a stopped run keeps its queue record');
  await worker!.waitFor((l) => l.event === 'job-end' && l.runId === runId, 60_000, 'the stopped run to end on the worker');
});

test(
  'a sweep whose lab closed as the app and serve close it goes on in the next lab: running, not interrupted, then finished',
  { timeout: 300_000 },
  async () => {
    const runsDir = join(dir, 'runs-sweep');
    const serve = await serveLabs(runsDir);
    const first = await serve();
    const applied = metricsApplied(first.service);
    // Two runs on a one-run worker: one trains while the other waits in the queue when the lab closes.
    const started = await dispatch(first.service, 'startSweep', {
      env: 'CartPole-v1',
      algo: 'ppo',
      steps: 45_000,
      seeds: [0, 1],
      evalEpisodes: 2,
      checkpointSeconds: 1,
    });
    assert.ok(started.ok, JSON.stringify(started));
    const { sweepId, runs } = started.result as SweepSummary;
    await until('metrics of a run to come back', () => runs.some((r) => applied.seen.has(r.runId)));
    assert.equal((await first.close()).leftTraining, 2);
    const recordFile = join(runsDir, 'sweeps', `${sweepId}.json`);
    assert.equal((JSON.parse(await readFile(recordFile, 'utf8')) as SweepSummary).status, 'running');

    const second = await serve();
    try {
      const going = await second.service.getSweep(sweepId);
      assert.equal(going.status, 'running', `the sweep shows ${going.status} while its runs are followed again`);
      assert.equal((await second.service.listSweeps()).find((s) => s.sweepId === sweepId)?.status, 'running');
      let end: SweepSummary | null = null;
      await until('the sweep to end in the next lab', async () => (end = await second.service.getSweep(sweepId)).status !== 'running', 240_000);
      assert.equal(end!.status, 'finished');
      assert.deepEqual(
        end!.runs.map((r) => r.status),
        ['finished', 'finished'],
      );
      assert.ok(end!.runs.every((r) => r.objective !== null) && end!.best, 'the ended runs’ objectives are not in the record');
      // Its record is written to the end, as its own lab would have.
      const onDisk = JSON.parse(await readFile(recordFile, 'utf8')) as SweepSummary;
      assert.equal(onDisk.status, 'finished');
      assert.deepEqual(onDisk.runs, end!.runs);
    } finally {
      assert.equal((await second.close()).leftTraining, 0);
    }
  },
);
