/**
 * The queue setting without a Redis: the bridge's field schema, settings.json read and written (other
 * keys kept, owner-only), POLICY_LAB_QUEUE winning, "***" standing for the saved password only for the
 * same address, the capacity and Test texts — and the password in no reply, log line or error, also
 * when Test meets nothing (refused), silence (timeout) or something that is not Redis.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueUrlField, parseQueueUrl, type QueueProbe, type QueueSettings } from '../../main/lab/domain/queue.ts';
import { LabError } from '../../main/lab/domain/errors.ts';
import { QueueLauncher } from '../../main/lab/queue/queue-launcher.ts';
import { QueueChoice, readQueueSetting } from '../../main/lab/queue/queue-choice.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { capacityText, probeText, queueHost } from '../../renderer/src/views/settings/queue-text.ts';

const PW = 'unit-Secret-42';
let dir = '';
const servers: Server[] = [];
const choices: QueueChoice[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pl-queue-choice-'));
});
after(async () => {
  for (const c of choices) await c.close();
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

/** A loopback TCP server answering each connection with `reply` (null: never answering); its port. */
async function tcp(reply: string | null): Promise<number> {
  const s = createServer((sock) => {
    sock.on('error', () => undefined);
    if (reply !== null) sock.once('data', () => sock.end(reply));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A queue launcher for an address nothing answers at, as the real one behaves there (ready() says so),
 * without its connections: BullMQ's would retry for as long as the test process lives.
 */
function unreachableQueue(url: string): QueueLauncher {
  const address = parseQueueUrl(url);
  return Object.assign(Object.create(QueueLauncher.prototype) as QueueLauncher, {
    queue: true,
    address,
    ready: async () => {
      throw new LabError(`cannot reach the queue at ${address.display}: connection refused`);
    },
    close: async () => undefined,
  });
}

function choice(file: string, extra: Partial<ConstructorParameters<typeof QueueChoice>[1]> = {}): QueueChoice {
  const c = new QueueChoice(new ForkLauncher(), {
    settingsFile: file,
    savedIn: 'settings.json in the runs folder',
    probeTimeoutMs: 1500,
    connect: unreachableQueue,
    ...extra,
  });
  choices.push(c);
  return c;
}

const noPassword = (what: string, value: unknown) => assert.ok(!JSON.stringify(value).includes(PW), `${what} holds the password: ${JSON.stringify(value)}`);

test('the bridge field: empty (this machine) or a redis:// / rediss:// address with host and port', () => {
  for (const ok of ['', '  ', 'redis://127.0.0.1:6379', `redis://:${PW}@queue.lan:6380/2`, 'rediss://user:pw@[::1]:6379'])
    assert.ok(QueueUrlField.safeParse(ok).success, ok);
  const bad = {
    'http://h:1': /must start with redis:\/\//,
    [`redis://:${PW}@host`]: /no port/,
    'redis://h:1/x': /database number/,
    'redis://h:1?db=2': /no \?query/,
    'queue.lan:6379': /redis:\/\//,
  };
  for (const [text, why] of Object.entries(bad)) {
    const r = QueueUrlField.safeParse(text);
    assert.equal(r.success, false, text);
    assert.match(r.error!.issues[0].message, why);
    noPassword('a field error', r.error!.issues);
  }
  assert.equal(QueueUrlField.safeParse('redis://h:1/' + 'x'.repeat(2000)).success, false, 'bounded');
});

test('settings.json: read and checked; Save of "this machine" keeps other keys and is readable by its owner only', async () => {
  const file = join(dir, 'a', 'settings.json');
  assert.deepEqual(readQueueSetting(file), { url: null, problem: null }, 'no file yet');
  const c = choice(file);
  const s = await c.settings(3);
  assert.deepEqual([s.queue, s.pinnedBy, s.cores, s.status, s.problem], [null, null, 3, null, null]);
  await c.save('', 3);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {});
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o077, 0);

  await writeFile(file, JSON.stringify({ theme: 'dark', queue: `redis://:${PW}@127.0.0.1:${await closedPort()}` }));
  await c.save('  ', 3);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { theme: 'dark' }, 'the queue cleared, the rest kept');

  await writeFile(file, '{not json');
  assert.deepEqual(readQueueSetting(file), { url: null, problem: 'settings.json is not JSON' });
  await writeFile(file, JSON.stringify({ queue: `http://:${PW}@h:1` }));
  const bad = readQueueSetting(file);
  assert.equal(bad.url, null);
  assert.match(bad.problem!, /must start with redis:\/\//);
  noPassword('a problem', bad);
  const withBad = await choice(file).settings(2);
  assert.equal(withBad.queue, null, 'a bad saved address: runs train here');
  assert.match(withBad.problem!, /settings\.json queue/);
});

test('a saved queue is used at start, shown without its password; an unreachable one is logged without it too', async () => {
  const file = join(dir, 'b', 'settings.json');
  const port = await closedPort();
  await mkdir(join(dir, 'b'));
  await writeFile(file, JSON.stringify({ queue: `redis://:${PW}@127.0.0.1:${port}` }));
  const logged: string[] = [];
  const c = choice(file, { log: (l) => logged.push(l) });
  assert.equal(c.launcher.queue, true, 'new runs go to the queue');
  await assert.rejects(c.ready(), /cannot reach the queue/);
  const s = await c.settings(2);
  assert.equal(s.queue, `redis://:***@127.0.0.1:${port}`);
  assert.deepEqual([s.status?.reachable, s.status?.problem], [false, 'refused']);
  noPassword('settings', s);
  assert.equal(logged.length, 1);
  noPassword('the log', logged);
  // "***" is the saved password for this address (Test reaches the same refusal), and no other's.
  const again = await c.test(`redis://:***@127.0.0.1:${port}`);
  assert.equal(again.problem, 'refused');
  assert.throws(() => c.test(`redis://:***@127.0.0.1:${port + 1}`), /none is saved for 127\.0\.0\.1:/);
  assert.throws(() => c.test(''), /nothing to test/);
  // Clearing it: new runs train here again.
  const cleared = await c.save('', 2);
  assert.deepEqual([cleared.queue, c.launcher.queue], [null, false]);
});

test('Test says why an address cannot be used — refused, timeout, not Redis — never with the password', async () => {
  const c = choice(join(dir, 'c.json'));
  const results: Record<string, QueueProbe> = {
    refused: await c.test(`redis://:${PW}@127.0.0.1:${await closedPort()}`),
    timeout: await c.test(`redis://:${PW}@127.0.0.1:${await tcp(null)}`),
    'not-redis': await c.test(`redis://:${PW}@127.0.0.1:${await tcp('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')}`),
  };
  for (const [problem, r] of Object.entries(results)) {
    assert.deepEqual([r.reachable, r.problem, r.workers], [false, problem, null], JSON.stringify(r));
    assert.match(r.display, /^redis:\/\/:\*\*\*@127\.0\.0\.1:\d+$/);
    noPassword(problem, r);
  }
  assert.match(results.timeout.error!, /no answer .* within 1\.5 s/);
  assert.match(results['not-redis'].error!, /not as Redis does/);
  // A failed Save changes nothing.
  await assert.rejects(
    c.save(`redis://:${PW}@127.0.0.1:${await closedPort()}`, 2),
    (e: Error) => /not saved: nothing listens/.test(e.message) && !e.message.includes(PW),
  );
  assert.equal(c.launcher.queue, false);
});

test('POLICY_LAB_QUEUE wins: shown (without its password), Save refused, the file untouched; a bad one is reported', async () => {
  const file = join(dir, 'd.json');
  const port = await closedPort();
  const c = choice(file, { pinned: { url: `redis://:${PW}@127.0.0.1:${port}`, by: 'POLICY_LAB_QUEUE' }, log: () => undefined });
  const s = await c.settings(2);
  assert.deepEqual([s.queue, s.pinnedBy], [`redis://:***@127.0.0.1:${port}`, 'POLICY_LAB_QUEUE']);
  await assert.rejects(c.save('', 2), /set by POLICY_LAB_QUEUE/);
  assert.deepEqual(readQueueSetting(file), { url: null, problem: null });
  const bad = await choice(file, { pinned: { url: `ftp://:${PW}@h:1`, by: 'POLICY_LAB_QUEUE' } }).settings(2);
  assert.deepEqual([bad.queue, bad.pinnedBy], [null, 'POLICY_LAB_QUEUE']);
  assert.match(bad.problem!, /^POLICY_LAB_QUEUE: /);
  noPassword('a pinned problem', bad);
});

test('what the app says: this machine’s runs at once, or the queue’s host and workers', () => {
  const probe = (p: Partial<QueueProbe>): QueueProbe => ({
    display: 'redis://:***@queue.lan:6380',
    reachable: true,
    workers: 2,
    workerNames: ['a:1', 'b:2'],
    waiting: 3,
    active: 1,
    problem: null,
    error: null,
    checkedAt: '',
    ...p,
  });
  const settings = (p: Partial<QueueSettings>): QueueSettings => ({ queue: null, pinnedBy: null, savedIn: '', problem: null, cores: 4, status: null, ...p });
  assert.equal(queueHost('rediss://user:***@queue.lan:6380/2'), 'queue.lan:6380/2');
  assert.equal(capacityText(null, 2), '2 runs train at once on this machine');
  assert.equal(capacityText(null, null), 'Training slots unknown');
  assert.equal(capacityText(settings({}), 2), '4 runs train at once on this machine');
  assert.equal(capacityText(settings({ cores: 1 }), 2), '1 run trains at once on this machine');
  const q = 'redis://:***@queue.lan:6380';
  assert.equal(capacityText(settings({ queue: q }), 2), 'queue queue.lan:6380 · checking…');
  assert.equal(capacityText(settings({ queue: q, status: probe({}) }), 2), 'queue queue.lan:6380 · 2 workers online');
  assert.equal(capacityText(settings({ queue: q, status: probe({ workers: 1 }) }), 2), 'queue queue.lan:6380 · 1 worker online');
  assert.equal(
    capacityText(settings({ queue: q, status: probe({ workers: null }) }), 2),
    'queue queue.lan:6380 · reachable (the server does not list its workers)',
  );
  assert.equal(
    capacityText(settings({ queue: q, status: probe({ reachable: false, error: 'nothing listens at queue.lan:6380' }) }), 2),
    'queue queue.lan:6380 · not reachable: nothing listens at queue.lan:6380',
  );
  assert.equal(probeText(probe({})), 'queue.lan:6380 answers · 2 workers online (a:1, b:2) · 3 runs waiting');
  assert.equal(probeText(probe({ reachable: false, error: 'x refused the password' })), 'queue.lan:6380: x refused the password');
});

test('Save moves only new runs: one launched before stays on its queue, which closes after that run ends', async () => {
  const file = join(dir, 'e', 'settings.json');
  await mkdir(join(dir, 'e'));
  await writeFile(file, JSON.stringify({ queue: `redis://127.0.0.1:${await closedPort()}` }));
  /** A run process that only records who launched it and ends when told. */
  const proc = (by: string) => {
    const exits: (() => void)[] = [];
    return {
      by,
      send: () => undefined,
      onMessage: () => undefined,
      kill: () => undefined,
      onExit: (l: () => void) => exits.push(l),
      exit: () => exits.forEach((l) => l()),
    };
  };
  let closed = 0;
  const queued = unreachableQueue(`redis://127.0.0.1:1`);
  Object.assign(queued, { launch: () => proc('queue'), close: async () => void closed++ });
  const local = { launch: () => proc('local') };
  const c = new QueueChoice(local as unknown as ForkLauncher, { settingsFile: file, savedIn: '', connect: () => queued, log: () => undefined });
  choices.push(c);
  const before = c.launcher.launch() as unknown as ReturnType<typeof proc>;
  assert.deepEqual([before.by, c.launcher.queue], ['queue', true]);
  await c.save('', 2);
  const after = c.launcher.launch() as unknown as ReturnType<typeof proc>;
  assert.deepEqual([after.by, c.launcher.queue], ['local', false], 'new runs train here');
  assert.equal(closed, 0, 'the queue stays open while its run trains there');
  before.exit();
  assert.equal(closed, 1, 'and closes once that run has ended');
});
