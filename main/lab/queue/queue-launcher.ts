/**
 * The submitting side of the job queue: a RunLauncher whose run processes are BullMQ jobs. The lab's
 * scheduler drives one as it drives a local process — `start` adds the job, stop/pause/resume go to
 * the run's control stream, and what the worker streams back (messages, files, exit) is replayed into
 * this lab's run folder and handed to the scheduler in order. The worker's run process writes its
 * files on the worker's disk; they are written here again, so the run folder is complete on the lab's
 * side: metrics.ndjson (appended before each batch is passed on, as a local run process does),
 * checkpoints/, best/, policy/ and media/ (each file before any message that follows it).
 *
 * A lab that dies leaves its runs training on the workers. Each run's folder keeps queue-job.json
 * (queue-record.ts: the queue, the job, the last stream entry applied and metrics.ndjson's length
 * then); a lab started later on the same queue follows the run again from there (`reattach`). A lab
 * that closes may leave its runs training the same way (`detach`: the app quits, `serve` stops).
 */
import type { Redis } from 'ioredis';
import type { Queue, QueueEvents } from 'bullmq';
import { mkdir, readFile, readdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { RunProcess } from '../runs/launcher.ts';
import type { FromWorker, ToWorker } from '../training/protocol.ts';
import { RunStore, appendMetricsSync, metricsPath } from '../runs/run-store.ts';
import { LabError } from '../domain/errors.ts';
import { TRAINING_STATE_FILE, pruneTrainingStates } from '../training/training-state.ts';
import { JobData, KEY_PREFIX, OutEnvelope, QUEUE_NAME, STREAM_TTL_SECONDS, inStream, outStream, resumeKey, type ControlMessage } from './protocol.ts';
import { parseQueueUrl, redisOptions, type QueueAddress } from './queue-url.ts';
import { GONE, forgetQueueRecord, lostReason, sameQueue, writeQueueRecord, type QueueRecord, type ReattachingLauncher } from './queue-record.ts';
import type { RunRemote } from '../domain/run-remote.ts';
import { redisLibs } from './redis-libs.ts';
import { probeQueue } from './queue-probe.ts';
import { queueDisplay } from '../domain/queue.ts';

/** How long the reader blocks on the run streams; a run launched meanwhile joins the next read. */
const READ_BLOCK_MS = 200;
/** After a kill, how long to wait for the worker's word before the run is given up as ended. */
const KILL_GRACE_MS = 15_000;
/** How soon a run followed again asks a queue that did not answer once more. */
const FOLLOW_RETRY_MS = 2000;
/** How often at most a run's queue-job.json is rewritten as entries are applied (files and takeovers: at once). */
const RECORD_EVERY_MS = 1000;
/** How long close() waits for the runs' records to be written. */
const CLOSE_FLUSH_MS = 2000;
/** How long a failed ready() answers for every run a look follows again (the scheduler looks every 5 s). */
const READY_MEMO_MS = 4000;

export interface QueueLauncherOptions {
  /** How long a stop/kill waits for a worker that no longer answers (tests shorten it). */
  killGraceMs?: number;
  /** Each entry of a run's out stream as it is applied, with the time the worker wrote it (bench/queue.ts measures latency). */
  onApplied?: (runId: string, type: string, writtenAtMs: number) => void;
}

interface Clients {
  /** Commands (one at a time is enough for them). */
  conn: Redis;
  /** The blocking XREAD of every followed run's out stream. */
  reader: Redis;
  jobs: Queue;
  events: QueueEvents;
}

export class QueueLauncher implements ReattachingLauncher {
  readonly queue = true;
  readonly address: QueueAddress;
  /** The address with its password (for probeQueue); never shown. */
  private readonly url: string;
  /** Its Redis clients, made once bullmq and ioredis have loaded (redis-libs.ts). */
  private readonly clients: Promise<Clients>;
  private readonly runs = new Map<string, RemoteRun>();
  private readonly opts: QueueLauncherOptions;
  private reading = false;
  private readyMemo: { p: Promise<void>; failedAt: number | null } | null = null;
  private closed = false;
  private connecting?: Promise<void>;

  constructor(url: string, opts: QueueLauncherOptions = {}) {
    this.address = parseQueueUrl(url);
    this.url = url;
    this.opts = opts;
    const o = redisOptions(this.address);
    this.clients = redisLibs().then(({ Redis, Queue, QueueEvents }) => {
      // Without these handlers ioredis reports a lost connection as an unhandled 'error' event (a crash);
      // it reconnects by itself, and ready() says why when it cannot.
      const conn = new Redis({ ...o, lazyConnect: true });
      conn.on('error', () => undefined);
      const reader = new Redis({ ...o, lazyConnect: true });
      reader.on('error', () => undefined);
      const connection = { ...o, maxRetriesPerRequest: null };
      const jobs = new Queue(QUEUE_NAME, { connection, prefix: KEY_PREFIX });
      jobs.on('error', () => undefined);
      const events = new QueueEvents(QUEUE_NAME, { connection, prefix: KEY_PREFIX });
      events.on('error', () => undefined);
      events.on('failed', ({ jobId, failedReason }) => this.runs.get(jobId)?.failed(failedReason));
      return { conn, reader, jobs, events };
    });
    this.clients.catch(() => undefined); // said by whichever call needs them
  }

  /** Connects, or says why it cannot (within timeoutMs). Call before the first launch. */
  async ready(timeoutMs = 5000): Promise<void> {
    const fail = (why: string) => new LabError(`cannot reach the queue at ${this.address.display}: ${why}`, 'failed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(fail(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)));
    try {
      await Promise.race([
        (async () => {
          await this.connect();
          const { conn, jobs, events } = await this.clients;
          await conn.ping();
          await jobs.waitUntilReady();
          await events.waitUntilReady();
        })(),
        timeout,
      ]);
    } catch (err) {
      // Why, in words: a fresh one-attempt look says refused / no such host / wrong password / timeout
      // where the reconnecting clients only say "Connection is closed" or nothing at all.
      const probe = await probeQueue(this.url, Math.min(3000, timeoutMs)).catch(() => null);
      if (probe && !probe.reachable && probe.error) throw fail(probe.error);
      if (err instanceof LabError) throw err;
      throw fail((err as Error).message.replace(/\S*:\/\/\S*/g, '').trim() || 'connection refused');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * ready() for following runs again: one answer serves every run looked at within READY_MEMO_MS (a
   * queue that does not answer costs its timeout once per look, not once per run); a later look asks again.
   */
  private readyOnce(): Promise<void> {
    if (!this.readyMemo || (this.readyMemo.failedAt !== null && Date.now() - this.readyMemo.failedAt > READY_MEMO_MS)) {
      const memo: { p: Promise<void>; failedAt: number | null } = { p: this.ready(), failedAt: null };
      memo.p.catch(() => (memo.failedAt = Date.now()));
      this.readyMemo = memo;
    }
    return this.readyMemo.p;
  }

  /** Once, even when ready() and a reattach ask at the same time; after a failure ioredis retries by itself. */
  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const { conn, reader } = await this.clients;
      if (conn.status === 'wait') await conn.connect();
      if (reader.status === 'wait') await reader.connect();
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  followsQueue(): QueueAddress {
    return this.address;
  }

  launch(): RunProcess {
    return new RemoteRun(this, this.opts.killGraceMs ?? KILL_GRACE_MS, this.opts.onApplied);
  }

  /**
   * A run a lab before this one submitted and then lost (it crashed or was killed): the RunProcess that
   * follows it again from the stream entry after the one its record names, or why it cannot be followed.
   * Its 'start' goes on reading; it does not submit the run again.
   */
  async reattach(runDir: string, record: QueueRecord): Promise<{ proc: RunProcess } | { lost: string } | { remote: RunRemote }> {
    if (!sameQueue(record.queue, this.address)) return { remote: { queue: queueDisplay(record.queue), followed: false } }; // another queue's run: left alone
    if (basename(runDir) !== record.jobId) return { lost: lostReason(record.queue, 'its record names the job of another run (a copied folder?)') };
    let state: string;
    let streamed: number;
    try {
      // Once for every run being followed again: a queue that does not answer costs its timeout once, not per run.
      await this.readyOnce();
      const { conn, jobs } = await this.clients;
      [state, streamed] = await Promise.all([jobs.getJobState(record.jobId), conn.exists(outStream(record.jobId))]);
    } catch {
      // Not an answer about the job: the worker may well be training it. Leave the run as it is, saying why.
      return { remote: { queue: queueDisplay(record.queue), followed: false, unanswered: true } };
    }
    if (state === 'unknown' && streamed === 0) return { lost: lostReason(record.queue, GONE) };
    // Back to the moment of the record: what the dead lab appended after it comes again from the stream.
    const metrics = metricsPath(runDir);
    const size = (await stat(metrics).catch(() => null))?.size ?? 0;
    if (size > record.metricsBytes) await truncate(metrics, record.metricsBytes);
    // This lab follows it now: another lab starting meanwhile must see a live pid, not the dead lab's, and leave it.
    await writeQueueRecord(runDir, { ...record, labPid: process.pid });
    return { proc: new RemoteRun(this, this.opts.killGraceMs ?? KILL_GRACE_MS, this.opts.onApplied, record) };
  }

  /** @internal RemoteRun's access to the queue. */
  async submit(run: RemoteRun, data: JobData): Promise<void> {
    // What an earlier attempt of this run left (a lab restored from a copy, a run resumed) must not replay into this one.
    const { conn, jobs } = await this.clients;
    await conn.del(outStream(data.runId), inStream(data.runId), resumeKey(data.runId));
    // Recorded before the job exists: a lab that dies from here on leaves a run a later lab can follow.
    await run.saveRecord();
    this.runs.set(data.runId, run);
    this.goLive(run);
    // The run id is the job id: adding the same run twice is a no-op, and a worker's retry is the same job.
    await jobs.add('train', data, { jobId: data.runId, attempts: 1, removeOnComplete: true, removeOnFail: { age: STREAM_TTL_SECONDS } });
  }

  /** @internal */
  async control(runId: string, msg: ControlMessage): Promise<void> {
    const { conn } = await this.clients;
    await conn.multi().xadd(inStream(runId), '*', 'm', JSON.stringify(msg)).expire(inStream(runId), STREAM_TTL_SECONDS).exec();
  }

  /** @internal Removes a job no worker has taken yet; false once one has (then the control stream reaches it). */
  async withdraw(runId: string): Promise<boolean> {
    try {
      return (await (await this.clients).jobs.remove(runId)) === 1;
    } catch {
      return false; // locked by a worker meanwhile
    }
  }

  /** @internal */
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal A reattached run, before it reads: BullMQ's word that its job failed reaches it from now on. */
  track(run: RemoteRun): void {
    this.runs.set(run.runId, run);
  }

  /** @internal A run left training (detached): the shared reader and BullMQ's word no longer reach it. */
  untrack(run: RemoteRun): void {
    if (this.runs.get(run.runId) === run) this.runs.delete(run.runId);
  }

  /** @internal The run's entries come from the shared XREAD from here on, after `run.lastId`. */
  goLive(run: RemoteRun): void {
    run.live = true;
    void this.readLoop();
  }

  /** @internal Up to `count` entries of a run's out stream after `afterId` (not blocking). */
  async readAfter(runId: string, afterId: string, count: number): Promise<[string, string[]][]> {
    const { conn } = await this.clients;
    const res = (await conn.xread('COUNT', count, 'STREAMS', outStream(runId), afterId)) as [string, [string, string[]][]][] | null;
    return res?.[0]?.[1] ?? [];
  }

  /** @internal The job's BullMQ state ('unknown' once it is gone) and, for a failed one, why. */
  async jobState(runId: string): Promise<{ state: string; failedReason: string }> {
    const { jobs } = await this.clients;
    const state = await jobs.getJobState(runId);
    const failedReason = state === 'failed' ? ((await jobs.getJob(runId))?.failedReason ?? '') : '';
    return { state, failedReason };
  }

  /** @internal */
  async forget(runId: string): Promise<void> {
    this.runs.delete(runId);
    await this.clients.then(({ conn }) => conn.del(outStream(runId), inStream(runId), resumeKey(runId))).catch(() => undefined);
  }

  /** One reader for every run's out stream: XREAD blocks on all of them at once. */
  private async readLoop(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const clients = await this.clients.catch(() => null);
      if (!clients) return; // the libraries did not load: ready() and submit say so
      const { reader } = clients;
      for (;;) {
        const runs = [...this.runs.values()].filter((r) => r.live);
        if (this.closed || runs.length === 0) break;
        let res: [string, [string, string[]][]][] | null;
        try {
          res = (await reader.xread('COUNT', 200, 'BLOCK', READ_BLOCK_MS, 'STREAMS', ...runs.map((r) => outStream(r.runId)), ...runs.map((r) => r.lastId))) as
            [string, [string, string[]][]][] | null;
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
            run.receive(id, fields[1] ?? '', Number(id.split('-')[0]));
          }
        }
      }
    } finally {
      this.reading = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // Each run's record as far as it was applied, so a lab started later goes on from there.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.runs.values()].map((r) => r.flush())), new Promise((r) => (timer = setTimeout(r, CLOSE_FLUSH_MS)))]);
    clearTimeout(timer);
    const clients = await this.clients.catch(() => null);
    if (!clients) return;
    await Promise.allSettled([clients.jobs.close(), clients.events.close()]);
    clients.reader.disconnect();
    await clients.conn.quit().catch(() => undefined);
  }
}

/** One run as a job: the RunProcess the scheduler sees. */
class RemoteRun implements RunProcess {
  runId = '';
  runDir = '';
  /** How far the shared reader has read the run's out stream (applied or still in the chain). */
  lastId = '0';
  /** Read by the shared XREAD (a reattached run first catches up on its own). */
  live = false;
  /** The last entry applied to the run folder: what queue-job.json records. */
  private appliedId = '0';
  private recordedAt = 0;
  /**
   * The run's last word (done, error, exit) has been applied. The record is no longer moved on, so a
   * lab that dies before the scheduler has written the run's end replays that last word.
   */
  private final = false;
  /** A run a lab before this one submitted: its record, to go on from. */
  private readonly reattached: QueueRecord | null;
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
  /** The lab closed and left the run training: nothing more is applied here (the next lab applies it). */
  private detached = false;
  private killTimer?: NodeJS.Timeout;
  private readonly onApplied?: QueueLauncherOptions['onApplied'];

  constructor(launcher: QueueLauncher, killGraceMs: number, onApplied?: QueueLauncherOptions['onApplied'], reattached: QueueRecord | null = null) {
    this.launcher = launcher;
    this.killGraceMs = killGraceMs;
    this.onApplied = onApplied;
    this.reattached = reattached;
    if (reattached) {
      this.runId = reattached.jobId;
      this.lastId = this.appliedId = reattached.lastId;
      this.takenCount = reattached.taken;
      this.takeover = reattached.takeover;
    }
  }

  send(msg: ToWorker): void {
    if (msg.type === 'start') {
      this.runDir = msg.runDir;
      this.runId = basename(msg.runDir);
      this.chain = this.chain.then(() => (this.reattached ? this.follow() : this.start(msg.config, msg.resumeFrom)));
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

  /**
   * A reattached run goes on: first what its worker sent while no lab listened (read here, in order),
   * then live. A job that ended meanwhile ends the run as its stream says; one BullMQ gave up, as failed().
   */
  private async follow(): Promise<void> {
    this.launcher.track(this);
    try {
      await this.catchUp();
      if (this.ended || this.detached) return;
      const job = await this.launcher.jobState(this.runId);
      if (job.state === 'failed') return this.failed(job.failedReason);
      if (job.state === 'unknown' || job.state === 'completed') {
        await this.catchUp(); // a worker writes its exit before the job completes: it is there now
        if (this.ended || this.detached) return;
        this.deliver({
          type: 'error',
          message: lostReason(this.reattached!.queue, 'its job ended on the queue without the run’s end in what its worker sent'),
        });
        return this.end(null, null);
      }
    } catch {
      // Redis away for a moment. Going live without the job's state could wait forever for a run whose job ended
      // meanwhile, so ask again until it answers (or the lab closes).
      if (!this.ended && !this.detached && !this.launcher.isClosed()) setTimeout(() => void this.follow(), FOLLOW_RETRY_MS).unref();
      return;
    }
    if (this.detached) return;
    this.lastId = this.appliedId;
    this.launcher.goLive(this);
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const entries = await this.launcher.readAfter(this.runId, this.appliedId, 200);
      if (entries.length === 0 || this.detached) return;
      for (const [id, fields] of entries) {
        await this.applyEntry(id, fields[1] ?? '', Number(id.split('-')[0]));
        if (this.ended || this.detached) return;
      }
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
  receive(id: string, raw: string, writtenAtMs: number): void {
    this.chain = this.chain.then(() => this.applyEntry(id, raw, writtenAtMs)).catch(() => undefined);
  }

  private async applyEntry(id: string, raw: string, writtenAtMs: number): Promise<void> {
    if (this.detached) return; // left to the next lab, which reads on from the record
    let type: string | null = null;
    try {
      type = await this.apply(raw);
    } catch {
      /* a file that could not be written (full disk): the run goes on, as a local one would */
    }
    this.appliedId = id;
    if (type) this.onApplied?.(this.runId, type, writtenAtMs);
    if (type === 'done' || type === 'error' || type === 'exit') this.final = true;
    else if (type === 'file' || type === 'assigned' || Date.now() - this.recordedAt >= RECORD_EVERY_MS) await this.saveRecord();
  }

  /** @internal Writes queue-job.json: this run's queue, job, last entry applied and metrics.ndjson's size now. */
  async saveRecord(): Promise<void> {
    if (this.final || this.ended || !this.runDir) return;
    this.recordedAt = Date.now();
    const { host, port, db, tls } = this.launcher.address;
    try {
      const metricsBytes = (await stat(metricsPath(this.runDir)).catch(() => null))?.size ?? 0;
      await writeQueueRecord(this.runDir, {
        queue: { host, port, db, tls },
        jobId: this.runId,
        lastId: this.appliedId,
        metricsBytes,
        taken: this.takenCount,
        takeover: this.takeover,
        labPid: process.pid,
      });
    } catch {
      /* a full disk: the record before stays true, only further back (what follows it is replayed) */
    }
  }

  /** @internal The record as far as the entries so far are applied (the lab closes). */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.saveRecord());
    return this.chain;
  }

  /**
   * The lab closes and leaves the run training on its worker: entries from here on are left in the
   * stream, and queue-job.json is written as far as they were applied (within CLOSE_FLUSH_MS; else the
   * record before stays, true but further back). False when the run had already ended.
   */
  async detach(): Promise<boolean> {
    if (this.ended) return false;
    this.detached = true;
    clearTimeout(this.killTimer);
    const written = (this.chain = this.chain.then(async () => {
      this.launcher.untrack(this);
      await this.saveRecord();
    }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([written.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, CLOSE_FLUSH_MS)))]);
    clearTimeout(timer);
    return !this.ended;
  }

  /** BullMQ gave the job up (its workers stalled more often than allowed, or one failed it). */
  failed(reason: string): void {
    this.chain = this.chain.then(async () => {
      if (this.ended || this.detached) return;
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
    // Over: nothing to follow again (a later local continuation of the run must not look like a queue run).
    if (this.runDir) await forgetQueueRecord(this.runDir);
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
  // The worker keeps only its newest checkpoints' training states; so does the run folder here.
  if (basename(target) === TRAINING_STATE_FILE) pruneTrainingStates(dirname(dirname(target)));
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

/**
 * Closes a queue launcher, waiting at most `ms`: BullMQ's clients of a Redis that never answered never
 * finish closing, and a lab or CLI must not hang on them.
 */
export function closeWithin(l: QueueLauncher, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([l.close(), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
