/**
 * The submitting side of the job queue: a RunLauncher whose run processes are BullMQ jobs. The lab's
 * scheduler drives one as it drives a local process — `start` adds the job, stop/pause/resume go to
 * the run's control stream, and what the worker streams back (messages, files, exit) is replayed into
 * this lab's run folder and handed to the scheduler in order. The worker's run process writes its
 * files on the worker's disk; they are written here again, so the run folder is complete on the lab's
 * side: metrics.ndjson (appended before each batch is passed on, as a local run process does),
 * checkpoints/, best/, policy/ and media/ (each file before any message that follows it).
 */
import { Redis } from 'ioredis';
import { Queue, QueueEvents } from 'bullmq';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { RunLauncher, RunProcess } from '../runs/launcher.ts';
import type { FromWorker, ToWorker } from '../training/protocol.ts';
import { RunStore, appendMetricsSync, metricsPath } from '../runs/run-store.ts';
import { LabError } from '../domain/errors.ts';
import { JobData, KEY_PREFIX, OutEnvelope, QUEUE_NAME, STREAM_TTL_SECONDS, inStream, outStream, resumeKey, type ControlMessage } from './protocol.ts';
import { parseQueueUrl, redisOptions, type QueueAddress } from './queue-url.ts';

/** How long the reader blocks on the run streams; a run launched meanwhile joins the next read. */
const READ_BLOCK_MS = 200;
/** After a kill, how long to wait for the worker's word before the run is given up as ended. */
const KILL_GRACE_MS = 15_000;

export interface QueueLauncherOptions {
  /** How long a stop/kill waits for a worker that no longer answers (tests shorten it). */
  killGraceMs?: number;
  /** Each entry of a run's out stream as it is applied, with the time the worker wrote it (bench/queue.ts measures latency). */
  onApplied?: (runId: string, type: string, writtenAtMs: number) => void;
}

export class QueueLauncher implements RunLauncher {
  readonly queue = true;
  readonly address: QueueAddress;
  private readonly conn: Redis;
  private readonly reader: Redis;
  private readonly jobs: Queue;
  private readonly events: QueueEvents;
  private readonly runs = new Map<string, RemoteRun>();
  private readonly opts: QueueLauncherOptions;
  private reading = false;
  private closed = false;

  constructor(url: string, opts: QueueLauncherOptions = {}) {
    this.address = parseQueueUrl(url);
    this.opts = opts;
    const o = redisOptions(this.address);
    // Without these handlers ioredis reports a lost connection as an unhandled 'error' event (a crash);
    // it reconnects by itself, and ready() says why when it cannot.
    this.conn = new Redis({ ...o, lazyConnect: true });
    this.conn.on('error', () => undefined);
    this.reader = new Redis({ ...o, lazyConnect: true });
    this.reader.on('error', () => undefined);
    const connection = { ...o, maxRetriesPerRequest: null };
    this.jobs = new Queue(QUEUE_NAME, { connection, prefix: KEY_PREFIX });
    this.jobs.on('error', () => undefined);
    this.events = new QueueEvents(QUEUE_NAME, { connection, prefix: KEY_PREFIX });
    this.events.on('error', () => undefined);
    this.events.on('failed', ({ jobId, failedReason }) => this.runs.get(jobId)?.failed(failedReason));
  }

  /** Connects, or says why it cannot (within timeoutMs). Call before the first launch. */
  async ready(timeoutMs = 5000): Promise<void> {
    const fail = (why: string) => new LabError(`cannot reach the queue at ${this.address.display}: ${why}`, 'failed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(fail(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)));
    try {
      await Promise.race([
        (async () => {
          await this.conn.connect();
          await this.reader.connect();
          await this.conn.ping();
          await this.jobs.waitUntilReady();
          await this.events.waitUntilReady();
        })(),
        timeout,
      ]);
    } catch (err) {
      if (err instanceof LabError) throw err;
      throw fail((err as Error).message.replace(/\S*:\/\/\S*/g, '').trim() || 'connection refused');
    } finally {
      clearTimeout(timer);
    }
  }

  launch(): RunProcess {
    return new RemoteRun(this, this.opts.killGraceMs ?? KILL_GRACE_MS, this.opts.onApplied);
  }

  /** @internal RemoteRun's access to the queue. */
  async submit(run: RemoteRun, data: JobData): Promise<void> {
    // What an earlier attempt of this run left (a lab restored from a copy, a run resumed) must not replay into this one.
    await this.conn.del(outStream(data.runId), inStream(data.runId), resumeKey(data.runId));
    this.runs.set(data.runId, run);
    void this.readLoop();
    // The run id is the job id: adding the same run twice is a no-op, and a worker's retry is the same job.
    await this.jobs.add('train', data, { jobId: data.runId, attempts: 1, removeOnComplete: true, removeOnFail: { age: STREAM_TTL_SECONDS } });
  }

  /** @internal */
  async control(runId: string, msg: ControlMessage): Promise<void> {
    await this.conn.multi().xadd(inStream(runId), '*', 'm', JSON.stringify(msg)).expire(inStream(runId), STREAM_TTL_SECONDS).exec();
  }

  /** @internal Removes a job no worker has taken yet; false once one has (then the control stream reaches it). */
  async withdraw(runId: string): Promise<boolean> {
    try {
      return (await this.jobs.remove(runId)) === 1;
    } catch {
      return false; // locked by a worker meanwhile
    }
  }

  /** @internal */
  async forget(runId: string): Promise<void> {
    this.runs.delete(runId);
    await this.conn.del(outStream(runId), inStream(runId), resumeKey(runId)).catch(() => undefined);
  }

  /** One reader for every run's out stream: XREAD blocks on all of them at once. */
  private async readLoop(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (!this.closed && this.runs.size > 0) {
        const runs = [...this.runs.values()];
        let res: [string, [string, string[]][]][] | null;
        try {
          res = (await this.reader.xread(
            'COUNT',
            200,
            'BLOCK',
            READ_BLOCK_MS,
            'STREAMS',
            ...runs.map((r) => outStream(r.runId)),
            ...runs.map((r) => r.lastId),
          )) as [string, [string, string[]][]][] | null;
        } catch {
          if (this.closed) break;
          await new Promise((r) => setTimeout(r, 500)); // Redis away: ioredis reconnects, the run waits
          continue;
        }
        for (const [key, entries] of res ?? []) {
          const run = runs.find((r) => outStream(r.runId) === key);
          if (!run) continue;
          for (const [id, fields] of entries) {
            run.lastId = id;
            run.receive(fields[1] ?? '', Number(id.split('-')[0]));
          }
        }
      }
    } finally {
      this.reading = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.jobs.close(), this.events.close()]);
    this.reader.disconnect();
    await this.conn.quit().catch(() => undefined);
  }
}

/** One run as a job: the RunProcess the scheduler sees. */
class RemoteRun implements RunProcess {
  runId = '';
  runDir = '';
  lastId = '0';
  private readonly launcher: QueueLauncher;
  private readonly killGraceMs: number;
  private readonly messageListeners: ((msg: FromWorker) => void)[] = [];
  private readonly exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
  /** Everything from the stream, applied one after another (a file lands before the message after it). */
  private chain: Promise<void> = Promise.resolve();
  private takenCount = 0;
  /** Why another worker took the run over, if one did. */
  private takeover: string | null = null;
  private ended = false;
  private killTimer?: NodeJS.Timeout;
  private readonly onApplied?: QueueLauncherOptions['onApplied'];

  constructor(launcher: QueueLauncher, killGraceMs: number, onApplied?: QueueLauncherOptions['onApplied']) {
    this.launcher = launcher;
    this.killGraceMs = killGraceMs;
    this.onApplied = onApplied;
  }

  send(msg: ToWorker): void {
    if (msg.type === 'start') {
      this.runDir = msg.runDir;
      this.runId = basename(msg.runDir);
      this.chain = this.chain.then(() => this.start(msg.config, msg.resumeFrom));
      return;
    }
    if (msg.type === 'threads' || this.ended) return; // a worker shares its own cores
    this.chain = this.chain.then(() => this.control(msg));
  }

  private async start(config: Extract<ToWorker, { type: 'start' }>['config'], resumeFrom: string | undefined): Promise<void> {
    try {
      const { initPolicy, ...rest } = config;
      const data: JobData = {
        runId: this.runId,
        config: rest,
        ...(initPolicy ? { initPolicy: await readPolicyFiles(initPolicy) } : {}),
        // A resumed run's checkpoint travels with it: the worker has no other way to read it.
        ...(resumeFrom ? { resume: { dir: relative(this.runDir, resumeFrom).split(sep).join('/'), files: await readPolicyFiles(resumeFrom) } } : {}),
      };
      await this.launcher.submit(this, data);
    } catch (err) {
      this.deliver({ type: 'error', message: `the run could not be sent to the queue: ${(err as Error).message}` });
      await this.end(1, null);
    }
  }

  private async control(msg: Exclude<ToWorker, { type: 'start' | 'threads' }>): Promise<void> {
    if (msg.type === 'stop' && this.takenCount === 0 && (await this.launcher.withdraw(this.runId))) {
      await this.end(null, null); // never started: the scheduler records it stopped
      return;
    }
    await this.launcher.control(this.runId, msg).catch(() => undefined);
  }

  kill(): void {
    if (this.ended) return;
    this.chain = this.chain.then(async () => {
      if (this.takenCount === 0 && (await this.launcher.withdraw(this.runId))) return this.end(null, 'SIGKILL');
      await this.launcher.control(this.runId, { type: 'kill' }).catch(() => undefined);
      // A worker that does not answer is gone; its job's lock lapses and BullMQ fails or retries it.
      this.killTimer ??= setTimeout(() => void this.end(null, 'SIGKILL'), this.killGraceMs);
    });
  }

  onMessage(listener: (msg: FromWorker) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(listener);
  }

  /** An entry of the out stream (written at writtenAtMs, the stream id's time), applied in order. */
  receive(raw: string, writtenAtMs: number): void {
    this.chain = this.chain
      .then(async () => {
        const type = await this.apply(raw);
        if (type) this.onApplied?.(this.runId, type, writtenAtMs);
      })
      .catch(() => undefined);
  }

  /** BullMQ gave the job up (its workers stalled more often than allowed, or one failed it). */
  failed(reason: string): void {
    this.chain = this.chain.then(async () => {
      if (this.ended) return;
      const why = /stalled/i.test(reason)
        ? 'the workers training it stopped answering more often than the queue retries a run (a worker died or lost its connection)'
        : reason.slice(0, 300);
      this.deliver({ type: 'error', message: `the queue gave the run up: ${why}; metrics and checkpoints so far are kept` });
      await this.end(null, null);
    });
  }

  /** Applies an entry; returns its type (null if it was not one to apply). */
  private async apply(raw: string): Promise<string | null> {
    if (this.ended) return null;
    let parsed: ReturnType<typeof OutEnvelope.safeParse>;
    try {
      parsed = OutEnvelope.safeParse(JSON.parse(raw));
    } catch {
      return null; // not JSON: nothing a worker of this lab writes
    }
    if (!parsed.success) return null;
    const msg = parsed.data as Record<string, unknown> & { type: string };
    await this.applyMessage(msg);
    return msg.type;
  }

  private async applyMessage(msg: Record<string, unknown> & { type: string }): Promise<void> {
    switch (msg.type) {
      case 'assigned': {
        const from = typeof msg.resumedFrom === 'number' ? msg.resumedFrom : null;
        if (++this.takenCount > 1) {
          // Another worker took the run over, from its newest checkpoint or from the start: the record goes back there too.
          if (from !== null) await new RunStore(dirname(this.runDir)).rewindTo(this.runId, from);
          else await this.resetFolder();
          const where = from !== null ? `from its checkpoint at step ${from.toLocaleString('en-US')}` : 'from the beginning';
          this.takeover = `the worker training this run stopped answering; ${String(msg.worker)} took it over ${where}`;
          this.deliver({ type: 'warning', message: this.takeover });
        }
        this.deliver(msg as unknown as FromWorker);
        return;
      }
      case 'file':
        await writeRunFile(this.runDir, msg.path as string, msg.data as string);
        return;
      case 'exit':
        await this.end(msg.code as number | null, msg.signal as string | null);
        return;
      case 'metrics':
        appendMetricsSync(this.runDir, (msg as Extract<FromWorker, { type: 'metrics' }>).records);
        this.deliver(msg as unknown as FromWorker);
        return;
      case 'done': {
        // The run's record keeps that it was taken over (the run process knows only its own warnings).
        const done = msg as unknown as Extract<FromWorker, { type: 'done' }>;
        if (this.takeover && !done.summary.warning) done.summary.warning = this.takeover;
        this.deliver(done);
        return;
      }
      default:
        this.deliver(msg as unknown as FromWorker);
    }
  }

  private async resetFolder(): Promise<void> {
    await writeFile(metricsPath(this.runDir), '');
    for (const d of ['checkpoints', 'best', 'policy', 'media']) await rm(join(this.runDir, d), { recursive: true, force: true });
  }

  private deliver(msg: FromWorker): void {
    for (const l of this.messageListeners) l(msg);
  }

  private async end(code: number | null, signal: string | null): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.killTimer);
    if (this.runId) await this.launcher.forget(this.runId);
    for (const l of this.exitListeners) l(code, signal);
  }
}

/** A run file from the stream, written whole (a temporary name, then renamed) inside the run folder. */
async function writeRunFile(runDir: string, path: string, base64: string): Promise<void> {
  const target = join(runDir, ...path.split('/'));
  if (relative(runDir, target).startsWith('..')) return; // RunFilePath already rules this out
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.part`;
  await writeFile(tmp, Buffer.from(base64, 'base64'));
  await rename(tmp, target);
}

/** A policy folder's files (two levels: the critic has its own folder) as the job carries them. */
async function readPolicyFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (sub: string, depth: number): Promise<void> => {
    for (const e of await readdir(join(dir, sub), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory() && depth < 2) await walk(rel, depth + 1);
      else if (e.isFile()) out[rel] = (await readFile(join(dir, rel))).toString('base64');
    }
  };
  await walk('', 0);
  return out;
}
