/**
 * The queue setting as the app uses it, through the bridge's dispatch and a real redis-server with a
 * password: Test says reachable with 0 workers, then 1 once a `policy-lab worker` runs (by its name);
 * a wrong password is an auth failure; Save keeps it in settings.json (owner-only) and the next run
 * goes to the worker and finishes in this lab's library; a lab started on that settings.json uses it;
 * clearing it sends the next run to a local process. The password is in no reply.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../helpers/cli.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { dispatch } from '../../main/dispatch.ts';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { QueueProbe, QueueSettings } from '../../main/lab/domain/queue.ts';
import type { RunSummary } from '../../main/lab/domain/runs.ts';

const CLI = fileURLToPath(new URL('../../main/cli.ts', import.meta.url));
const PASSWORD = 'pl-s3cret-Zq9';

let dir = '';
let redis: TestRedis;
let worker: ChildProcess | null = null;
const labs: LabService[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pl-queue-setting-'));
  redis = await startRedis({ password: PASSWORD });
});

after(async () => {
  for (const lab of labs) await lab.close().catch(() => undefined);
  if (worker?.pid && worker.exitCode === null) worker.kill('SIGKILL');
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function lab(settingsFile: string, pinned: { url: string; by: 'POLICY_LAB_QUEUE' } | null = null): LabService {
  const l = new LabService({
    runsDir: join(dir, 'runs'),
    launcher: new ForkLauncher(),
    mode: 'browser',
    queue: { settingsFile, savedIn: 'settings.json in the runs folder', pinned },
  });
  labs.push(l);
  return l;
}

/** A bridge request; every reply, error or not, is checked for the password. */
async function call<T>(service: LabService, name: string, payload: unknown): Promise<T> {
  const reply = await dispatch(service, name, payload);
  assert.ok(!JSON.stringify(reply).includes(PASSWORD), `${name} replied with the password: ${JSON.stringify(reply)}`);
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result as T;
}

const tiny = { env: 'CartPole-v1', algo: 'reinforce', steps: 300, evalEpisodes: 1, seed: 0 };

test('Test, Save, a run on the worker, clear, a run here — through the bridge, never echoing the password', { timeout: 180_000 }, async () => {
  const settingsFile = join(dir, 'settings.json');
  const service = lab(settingsFile);
  const display = `redis://:***@127.0.0.1:${redis.port}`;

  const start = await call<QueueSettings>(service, 'queueSettings', {});
  assert.equal(start.queue, null);
  assert.equal(start.pinnedBy, null);
  assert.ok(start.cores >= 1);

  // Not a queue address: refused at the bridge's schema, saying why.
  await assert.rejects(call(service, 'testQueue', { url: `http://:${PASSWORD}@127.0.0.1:${redis.port}` }), /testQueue: url: .*redis:\/\//);
  await assert.rejects(call(service, 'saveQueue', { url: `redis://:${PASSWORD}@127.0.0.1` }), /saveQueue: url: .*no port/);

  const wrong = await call<QueueProbe>(service, 'testQueue', { url: `redis://:not-it@127.0.0.1:${redis.port}` });
  assert.deepEqual([wrong.reachable, wrong.problem], [false, 'auth']);
  assert.match(wrong.error ?? '', /refused the password/);
  const none = await call<QueueProbe>(service, 'testQueue', { url: `redis://127.0.0.1:${redis.port}` });
  assert.equal(none.problem, 'auth');
  assert.match(none.error ?? '', /asks for a password/);

  const empty = await call<QueueProbe>(service, 'testQueue', { url: redis.url });
  assert.deepEqual([empty.reachable, empty.workers, empty.display], [true, 0, display]);

  worker = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--queue', redis.url, '--concurrency', '1', '--name', 'lab-w1', '--json'], {
    cwd: ROOT,
    stdio: 'ignore', // never read: a full pipe would stall it
  });
  let probe: QueueProbe = empty;
  const t0 = Date.now();
  while (probe.workers !== 1) {
    assert.ok(Date.now() - t0 < 60_000, `Test never saw the worker: ${JSON.stringify(probe)}`);
    await new Promise((r) => setTimeout(r, 500));
    probe = await call<QueueProbe>(service, 'testQueue', { url: redis.url });
  }
  assert.deepEqual(probe.workerNames, ['lab-w1']);

  const saved = await call<QueueSettings>(service, 'saveQueue', { url: redis.url });
  assert.equal(saved.queue, display);
  assert.equal(saved.status?.workers, 1);
  assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8')).queue, redis.url, 'kept with its password, for the next start');
  if (process.platform !== 'win32') assert.equal(statSync(settingsFile).mode & 0o077, 0, 'settings.json readable by its owner only');
  // The address as the UI shows it ("***") means the saved password: Test and Save take it.
  assert.equal((await call<QueueProbe>(service, 'testQueue', { url: display })).workers, 1);
  assert.equal((await call<QueueSettings>(service, 'saveQueue', { url: display })).queue, display);
  assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8')).queue, redis.url);

  const remote = await call<RunSummary>(service, 'startRun', tiny);
  assert.equal(remote.status, 'queued');
  const remoteEnd = await service.waitForRun(remote.runId);
  assert.equal(remoteEnd.status, 'finished', remoteEnd.error ?? '');
  assert.equal(remoteEnd.worker, 'lab-w1', 'trained by the worker');
  assert.ok(existsSync(join(remoteEnd.runDir, 'policy', 'policy.json')), 'its policy came back');

  // A lab started on the same settings.json sends its runs there too.
  const restarted = lab(settingsFile);
  assert.equal((await call<QueueSettings>(restarted, 'queueSettings', {})).queue, display);
  await restarted.close();

  const cleared = await call<QueueSettings>(service, 'saveQueue', { url: '' });
  assert.deepEqual([cleared.queue, cleared.status], [null, null]);
  assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8')).queue, undefined);
  const local = await call<RunSummary>(service, 'startRun', { ...tiny, seed: 1 });
  const localEnd = await service.waitForRun(local.runId);
  assert.equal(localEnd.status, 'finished', localEnd.error ?? '');
  assert.equal(localEnd.worker, undefined, 'trained by a local process');
});

test('POLICY_LAB_QUEUE wins: the setting is read-only, Save is refused, and the password stays out of replies', async () => {
  const settingsFile = join(dir, 'pinned-settings.json');
  const service = lab(settingsFile, { url: redis.url, by: 'POLICY_LAB_QUEUE' });
  await service.queueReady();
  const s = await call<QueueSettings>(service, 'queueSettings', {});
  assert.deepEqual([s.queue, s.pinnedBy, s.status?.reachable], [`redis://:***@127.0.0.1:${redis.port}`, 'POLICY_LAB_QUEUE', true]);
  await assert.rejects(call(service, 'saveQueue', { url: '' }), /set by POLICY_LAB_QUEUE/);
  assert.ok(!existsSync(settingsFile), 'nothing written');
  // The masked address tests the pinned queue.
  assert.equal((await call<QueueProbe>(service, 'testQueue', { url: s.queue! })).reachable, true);
});
