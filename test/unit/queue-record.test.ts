/**
 * queue-job.json, what a lab keeps to follow a queue run again after a restart: read through its schema
 * (it is input), and the recovery's decision — no record, a lab still following it, a lab not on its
 * queue (which leaves it alone), or the launcher's own answer. The queue side itself is in test/integration/queue-reattach.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  QUEUE_RECORD_FILE,
  reattachQueueRun,
  readQueueRecord,
  sameQueue,
  writeQueueRecord,
  type QueueRecord,
  type QueueRef,
} from '../../main/lab/queue/queue-record.ts';
import { remoteNote, type RunRemote } from '../../main/lab/domain/run-remote.ts';
import { queueDisplay } from '../../main/lab/domain/queue.ts';
import { execFileSync } from 'node:child_process';
import type { RunLauncher, RunProcess } from '../../main/lab/runs/launcher.ts';

const local: RunLauncher = { launch: () => assert.fail('nothing is launched while recovering') };

async function withRun(fn: (runDir: string, record: QueueRecord) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pl-queue-record-'));
  const runDir = join(root, 'ppo-cartpole-s0-abc');
  try {
    await mkdir(runDir);
    const record: QueueRecord = {
      queue: { host: '10.0.0.5', port: 6380, db: 2, tls: true },
      jobId: 'ppo-cartpole-s0-abc',
      lastId: '1733550000000-3',
      metricsBytes: 1234,
      taken: 1,
      takeover: null,
      labPid: 2 ** 22 + 12345, // above Linux's pid_max: no such process
    };
    await fn(runDir, record);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('the record is read back through its schema; none, not JSON and a bad field are told apart', () =>
  withRun(async (runDir, record) => {
    assert.equal(await readQueueRecord(runDir), null);
    await writeQueueRecord(runDir, record);
    assert.deepEqual(await readQueueRecord(runDir), record);
    await writeFile(join(runDir, QUEUE_RECORD_FILE), '{"queue":');
    assert.deepEqual(await readQueueRecord(runDir), { problem: 'is not JSON' });
    await writeFile(join(runDir, QUEUE_RECORD_FILE), JSON.stringify({ ...record, lastId: '$' }));
    const bad = await readQueueRecord(runDir);
    assert.match(bad && 'problem' in bad ? bad.problem : '', /lastId/);
    await writeFile(join(runDir, QUEUE_RECORD_FILE), JSON.stringify({ ...record, metricsBytes: -1 }));
    assert.ok(await readQueueRecord(runDir).then((r) => r !== null && 'problem' in r));
  }));

test('the queue as messages show it: scheme by TLS, brackets for IPv6, the db only when not 0', () => {
  assert.equal(queueDisplay({ host: 'q.lan', port: 6379, db: 0, tls: false }), 'redis://q.lan:6379');
  assert.equal(queueDisplay({ host: '::1', port: 6380, db: 3, tls: true }), 'rediss://[::1]:6380/3');
  // An address with a user and password shows the user, never the password (the same function shows a parsed URL).
  assert.equal(queueDisplay({ host: 'q.lan', port: 6379, db: 2, tls: true, username: 'lab', password: 'p@ss' }), 'rediss://lab:***@q.lan:6379/2');
  assert.equal(queueDisplay({ host: 'q.lan', port: 6379, db: 0, tls: false, password: 'x' }), 'redis://:***@q.lan:6379');
});

test('recovery: no record, a lab still following the run, no queue or another here (left, not followed), an unreadable record, else the launcher decides', () =>
  withRun(async (runDir, record) => {
    assert.equal(await reattachQueueRun(local, runDir), null);

    await writeQueueRecord(runDir, { ...record, labPid: process.ppid }); // alive, and not this process
    assert.equal(await reattachQueueRun(local, runDir), 'elsewhere');

    const asked: [string, QueueRecord][] = [];
    const proc = { kill() {} } as unknown as RunProcess;
    const on = (q: QueueRef | null) => ({
      ...local,
      queue: q !== null,
      followsQueue: () => q,
      reattach: async (dir: string, r: QueueRecord) => {
        asked.push([dir, r]);
        return { proc };
      },
    });

    // Only a lab on the run's own queue may follow it or conclude it is lost; any other leaves it as it is.
    await writeQueueRecord(runDir, record);
    const remote = { remote: { queue: 'rediss://10.0.0.5:6380/2', followed: false } };
    assert.deepEqual(await reattachQueueRun(local, runDir), remote);
    assert.deepEqual(await reattachQueueRun(on(null), runDir), remote); // the app with its queue setting cleared
    for (const other of [
      { ...record.queue, db: 0 },
      { ...record.queue, port: 6379 },
      { ...record.queue, host: '10.0.0.6' },
      { ...record.queue, tls: false },
    ])
      assert.deepEqual(await reattachQueueRun(on(other), runDir), remote);
    assert.equal(asked.length, 0);

    assert.deepEqual(await reattachQueueRun(on({ ...record.queue }), runDir), { proc });
    assert.deepEqual(asked, [[runDir, record]]);

    await writeFile(join(runDir, QUEUE_RECORD_FILE), 'not json');
    for (const l of [local, on(record.queue)]) {
      const bad = await reattachQueueRun(l, runDir);
      assert.ok(bad && typeof bad === 'object' && 'lost' in bad && /queue-job\.json\) is not JSON/.test(bad.lost));
      assert.ok(!bad.lost.includes(runDir));
    }
    assert.equal(asked.length, 1);
  }));

test('the note of a run not followed here names its queue and how to follow it', () => {
  assert.equal(
    remoteNote({ queue: 'redis://q.lan:6379', followed: false }),
    'on queue redis://q.lan:6379 · not followed here — choose that queue (Settings → Job queue, or start the lab with it) to follow it',
  );
});

test('the same queue by another name of this machine: localhost, 127.0.0.1 and ::1 are one; other hosts, ports, dbs or TLS are not', () => {
  const q = (host: string, over: Partial<QueueRef> = {}): QueueRef => ({ host, port: 6379, db: 0, tls: false, ...over });
  assert.ok(sameQueue(q('localhost'), q('127.0.0.1')));
  assert.ok(sameQueue(q('::1'), q('LocalHost')));
  assert.ok(sameQueue(q('Queue.Lan'), q('queue.lan')));
  assert.ok(!sameQueue(q('localhost'), q('queue.lan')));
  assert.ok(!sameQueue(q('localhost'), q('127.0.0.1', { port: 6380 })));
  assert.ok(!sameQueue(q('localhost'), q('127.0.0.1', { db: 1 })));
  assert.ok(!sameQueue(q('localhost'), q('127.0.0.1', { tls: true })));
});

test('a lab on the run’s queue that does not answer at start leaves the run alone, saying why', async () => {
  // In a process of its own: BullMQ never finishes closing clients of a Redis that never answered (their
  // reconnect timers would keep this test file from ending); the app and the CLI exit instead.
  const { freePort } = await import('../helpers/redis.ts');
  const port = await freePort(); // nothing listens there
  await withRun(async (runDir, record) => {
    await writeQueueRecord(runDir, { ...record, queue: { host: '127.0.0.1', port, db: 0, tls: false } });
    const script = [
      `import { QueueLauncher } from ${JSON.stringify(new URL('../../main/lab/queue/queue-launcher.ts', import.meta.url).href)};`,
      `import { reattachQueueRun } from ${JSON.stringify(new URL('../../main/lab/queue/queue-record.ts', import.meta.url).href)};`,
      `const r = await reattachQueueRun(new QueueLauncher('redis://127.0.0.1:${port}'), ${JSON.stringify(runDir)});`,
      'process.stdout.write(JSON.stringify(r));',
      'process.exit(0);',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out) as { remote?: RunRemote };
    assert.deepEqual(r.remote, { queue: `redis://127.0.0.1:${port}`, followed: false, unanswered: true }, out);
    assert.match(remoteNote(r.remote), /not followed yet: the queue does not answer — followed here as soon as it does/);
  });
});
