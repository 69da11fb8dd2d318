/**
 * The working side of the job queue (`policy-lab worker`): takes run jobs from BullMQ, trains each in a
 * run process of its own (main/worker.ts, as the lab does locally) in a scratch folder, and streams
 * back everything the submitting lab needs: the run process's messages, the files it writes
 * (checkpoints/, best/, policy/, media/ — each as soon as it is complete, all of them before the run's
 * last message) and how it exited. A job is data only: its configuration is read through the lab's
 * own schema and checked against the lab's rules before anything starts; nothing from the queue runs
 * as code, and only files of those four folders travel.
 *
 * Never lost, never twice at once: BullMQ locks a job to the worker that took it and renews the lock
 * while it trains. A worker that dies stops renewing; another worker's stalled-job check puts the job
 * back (up to `retries` times, then fails it, and the lab marks the run crashed). The dead worker's
 * run process notices its parent is gone and exits (POLICY_LAB_RUN_OWNER), and a worker that loses a
 * lock kills that run at once, so the run never trains in two places.
 */
import type { Job } from 'bullmq';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultWorkerPath } from '../runs/fork-launcher.ts';
import type { FromWorker, ToWorker } from '../training/protocol.ts';
import type { TrainerConfig } from '../training/trainer-config.ts';
import { resolveHyperparameters } from '../agents/registry.ts';
import { resolveEnvOptions } from '../envs/registry.ts';
import { RunId } from '../domain/runs.ts';
import { TRAINING_STATE_FILE } from '../training/training-state.ts';
import {
  CheckpointFiles,
  ControlMessage,
  JobData,
  KEY_PREFIX,
  QUEUE_NAME,
  RunFilePath,
  STREAM_TTL_SECONDS,
  inStream,
  outStream,
  resumeKey,
  type OutMessage,
} from './protocol.ts';
import { parseQueueUrl, redisOptions } from './queue-url.ts';
import { redisLibs } from './redis-libs.ts';
import { describeFailure } from './queue-probe.ts';

export interface QueueWorkerOptions {
  url: string;
  /** Runs trained at once (each in its own process). */
  concurrency: number;
  /** How this worker is named in the runs it trains; default hostname:pid. */
  name?: string;
  /** How long a job's lock lasts unrenewed: how soon a dead worker's run goes to another (default 30 s). */
  lockSeconds?: number;
  /** How many times a run whose worker died is started again before it is failed (default 2). */
  retries?: number;
  /** Scratch folder for the runs while they train (default: the system's temp folder). */
  workDir?: string;
  /** Where the worker tells what it does (the CLI prints it). */
  log?: (event: WorkerEvent) => void;
  /** The run process to fork (tests, builds); default main/worker.ts or the bundled worker.js. */
  runProcessPath?: string;
}

export type WorkerEvent =
  | { event: 'job-start'; runId: string; pid: number; env: string; algo: string; seed: number }
  | { event: 'job-end'; runId: string; code: number | null; signal: string | null; status: string | null }
  | { event: 'job-rejected'; runId: string | null; reason: string }
  | { event: 'lock-lost'; runId: string }
  | { event: 'error'; message: string };

/** Files larger than this are not sent back (a policy is kilobytes; media episodes a few MB). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const SHIP_EVERY_MS = 1000;
const CONTROL_EVERY_MS = 200;
const SHIPPED_DIRS = ['checkpoints', 'best', 'policy', 'media'];

const checkpointStep = (dir: string): number => Number(/step-(\d+)$/.exec(dir)?.[1] ?? -1);

export interface QueueWorker {
  readonly id: string;
  /** Stops taking jobs. Graceful: the runs in hand finish first; force: they are killed (and go back to the queue). */
  close(force?: boolean): Promise<void>;
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const address = parseQueueUrl(opts.url);
  const id = opts.name ?? `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => undefined);
  const workDir = opts.workDir ?? join(tmpdir(), `policy-lab-worker-${process.pid}`);
  const lockDuration = Math.round((opts.lockSeconds ?? 30) * 1000);
  const { Redis, Worker } = await redisLibs();
  const conn = new Redis({ ...redisOptions(address), lazyConnect: true });
  // ioredis reconnects by itself (a job in hand waits for it); its first error says best why it cannot connect.
  let firstError: Error | null = null;
  conn.on('error', (err: Error) => (firstError ??= err));
  await conn.connect().catch((err: Error) => {
    conn.disconnect();
    throw new Error(`cannot reach the queue at ${address.display}: ${describeFailure(firstError ?? err, address, 10_000).error}`);
  });
  const jobs = new Map<string, RunningJob>();

  const worker = new Worker(QUEUE_NAME, (job: Job) => runJob(job), {
    connection: { ...redisOptions(address), maxRetriesPerRequest: null },
    prefix: KEY_PREFIX,
    name: id,
    concurrency: opts.concurrency,
    lockDuration,
    stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
    maxStalledCount: opts.retries ?? 2,
    removeOnComplete: { count: 0 },
    autorun: false,
  });
  worker.on('error', (err) => log({ event: 'error', message: err.message }));
  worker.on('lockRenewalFailed', (ids) => {
    for (const jobId of ids) jobs.get(jobId)?.lose();
  });

  async function runJob(job: Job): Promise<void> {
    const parsed = JobData.safeParse(job.data);
    const runId = RunId.safeParse((job.data as { runId?: unknown } | null)?.runId).data ?? null;
    if (!parsed.success) {
      const reason = `not a run job (${parsed.error.issues[0]?.path.join('.') || 'top'}: ${parsed.error.issues[0]?.message})`;
      log({ event: 'job-rejected', runId, reason });
      if (runId) await rejectRun(runId, reason);
      else throw new Error(reason); // no run to tell: the job fails, and its submitter hears it from BullMQ
      return;
    }
    let config: TrainerConfig;
    try {
      config = checkConfig(parsed.data.config);
    } catch (err) {
      log({ event: 'job-rejected', runId: parsed.data.runId, reason: (err as Error).message });
      await rejectRun(parsed.data.runId, (err as Error).message);
      return;
    }
    const run = new RunningJob(parsed.data.runId, config, parsed.data.initPolicy, parsed.data.resume);
    jobs.set(parsed.data.runId, run);
    try {
      await run.train();
    } finally {
      jobs.delete(parsed.data.runId);
    }
  }

  /** The lab's own checks of a configuration: the schema's shapes above, the rules' values here. */
  function checkConfig(config: JobData['config']): TrainerConfig {
    resolveHyperparameters(config.algo, config.env, null, config.hyperparameters, { force: config.force });
    resolveEnvOptions(config.env, config.envOptions);
    return config;
  }

  async function rejectRun(runId: string, reason: string): Promise<void> {
    const key = outStream(runId);
    await conn.xadd(key, '*', 'm', JSON.stringify({ type: 'error', message: `the worker ${id} refused the run: ${reason}` } satisfies OutMessage));
    await conn.xadd(key, '*', 'm', JSON.stringify({ type: 'exit', code: 1, signal: null } satisfies OutMessage));
    await conn.expire(key, STREAM_TTL_SECONDS);
  }

  class RunningJob {
    private readonly runId: string;
    private readonly config: TrainerConfig;
    private readonly initPolicy: Record<string, string> | undefined;
    private readonly resume: CheckpointFiles | undefined;
    private readonly dir: string;
    /** The step of the newest checkpoint kept in Redis for a worker that takes over. */
    private keptStep = -1;
    /**
     * The newest checkpoint step keeping was tried for. While the run trains, only checkpoints up to it
     * are sent back, so the lab never holds a checkpoint newer than the one a takeover would go on from.
     */
    private settledStep = -1;
    private child: ChildProcess | null = null;
    /** Stream writes in order: a file lands before any message after it. */
    private chain: Promise<unknown> = Promise.resolve();
    private lost = false;
    private controlId = '0';
    private readonly shipped = new Map<string, string>();

    constructor(runId: string, config: TrainerConfig, initPolicy: Record<string, string> | undefined, resume: CheckpointFiles | undefined) {
      this.runId = runId;
      this.config = config;
      this.initPolicy = initPolicy;
      this.resume = resume;
      this.dir = join(workDir, runId);
    }

    private put(msg: OutMessage): void {
      const key = outStream(this.runId);
      this.chain = this.chain.then(() => (this.lost ? undefined : conn.xadd(key, '*', 'm', JSON.stringify(msg)))).catch(() => undefined);
    }

    /** The lock went to someone else: this run must stop here at once and say nothing more. */
    lose(): void {
      this.lost = true;
      log({ event: 'lock-lost', runId: this.runId });
      this.child?.kill('SIGKILL');
    }

    async train(): Promise<void> {
      void conn.expire(outStream(this.runId), STREAM_TTL_SECONDS).catch(() => undefined);
      // What the lab asked before this worker took the run (stop, pause) applies from the start; a
      // worker that died kept the run's newest checkpoint in Redis, to go on from instead of the job's own.
      const [controls, kept] = await Promise.all([this.readControl(), conn.get(resumeKey(this.runId)).catch(() => null)]);
      let paused = false;
      for (const c of controls) {
        if (c.type === 'stop' || c.type === 'kill') {
          this.put({ type: 'exit', code: null, signal: null });
          await this.chain;
          return;
        }
        paused = c.type === 'pause';
      }
      let resume = this.resume;
      if (kept) {
        try {
          const c = CheckpointFiles.safeParse(JSON.parse(kept));
          if (c.success) resume = c.data;
        } catch {
          /* not ours: the job's own */
        }
      }
      this.put({ type: 'assigned', worker: id, ...(resume ? { resumedFrom: checkpointStep(resume.dir) } : {}) });
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { recursive: true });
      let resumeFrom: string | undefined;
      if (resume) {
        resumeFrom = join(this.dir, ...resume.dir.split('/'));
        for (const [rel, b64] of Object.entries(resume.files)) {
          await mkdir(dirname(join(resumeFrom, rel)), { recursive: true });
          await writeFile(join(resumeFrom, rel), Buffer.from(b64, 'base64'));
          const st = await stat(join(resumeFrom, rel));
          this.shipped.set(`${resume.dir}/${rel}`, `${st.size}:${st.mtimeMs}`); // the lab has it already
        }
        this.keptStep = this.settledStep = checkpointStep(resume.dir);
      }
      const config: TrainerConfig = { ...this.config };
      if (this.initPolicy) {
        const initDir = join(this.dir, '.init-policy'); // a dot-name: never sent back
        for (const [rel, b64] of Object.entries(this.initPolicy)) {
          await mkdir(dirname(join(initDir, rel)), { recursive: true });
          await writeFile(join(initDir, rel), Buffer.from(b64, 'base64'));
        }
        config.initPolicy = initDir;
      }

      const path = opts.runProcessPath ?? defaultWorkerPath();
      const execArgv = path.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
      const child = fork(path, [], {
        execArgv,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'json',
        env: { ...process.env, POLICY_LAB_RUN_OWNER: 'queue-worker' },
      });
      this.child = child;
      // The run's last word ('done' or 'error') waits until every file it wrote has been sent.
      const held: { last: FromWorker | null } = { last: null };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'done' || m.type === 'error') held.last = m;
        else this.put(m);
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        child.once('error', (err) => {
          held.last = { type: 'error', message: `the run process did not start: ${err.message}` };
          resolve({ code: 1, signal: null });
        });
      });
      child.once('spawn', () =>
        log({ event: 'job-start', runId: this.runId, pid: child.pid!, env: this.config.env, algo: this.config.algo, seed: this.config.seed }),
      );
      const send = (msg: ToWorker) => {
        if (child.connected) child.send(msg);
      };
      send({ type: 'start', runDir: this.dir, config, ...(resumeFrom ? { resumeFrom } : {}) });
      if (paused) send({ type: 'pause' });

      const control = setInterval(() => {
        void this.readControl().then((cs) => {
          for (const c of cs) {
            if (c.type === 'kill') child.kill('SIGKILL');
            else send(c);
          }
        });
      }, CONTROL_EVERY_MS);
      const shipper = setInterval(
        () =>
          (this.chain = this.chain
            .then(() => this.keepCheckpoint())
            .then(() => this.shipFiles(false))
            .catch(() => undefined)),
        SHIP_EVERY_MS,
      );
      const { code, signal } = await exited;
      clearInterval(control);
      clearInterval(shipper);
      this.chain = this.chain.then(() => this.shipFiles(true));
      const last = held.last;
      if (last) this.put(last);
      this.put({ type: 'exit', code, signal });
      await this.chain;
      const status = last?.type === 'done' ? last.summary.status : null;
      log({ event: 'job-end', runId: this.runId, code, signal, status: this.lost ? 'lost' : status });
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    }

    /** New entries of the run's control stream (only what the lab writes there is read). */
    private async readControl(): Promise<ControlMessage[]> {
      const res = (await conn.xread('COUNT', 100, 'STREAMS', inStream(this.runId), this.controlId).catch(() => null)) as
        [string, [string, string[]][]][] | null;
      const out: ControlMessage[] = [];
      for (const [, entries] of res ?? []) {
        for (const [entryId, fields] of entries) {
          this.controlId = entryId;
          try {
            const c = ControlMessage.safeParse(JSON.parse(fields[1] ?? ''));
            if (c.success) out.push(c.data);
          } catch {
            /* not ours */
          }
        }
      }
      return out;
    }

    /**
     * Keeps the newest complete checkpoint with a training state in Redis (one per run, replaced), so a
     * worker that takes the run over goes on from there rather than from the start.
     */
    private async keepCheckpoint(): Promise<void> {
      let names: string[];
      try {
        names = await readdir(join(this.dir, 'checkpoints'));
      } catch {
        return;
      }
      const newest = names
        .filter((n) => /^step-\d+$/.test(n))
        .map((n) => ({ n, step: checkpointStep(`checkpoints/${n}`) }))
        .filter(
          (c) =>
            c.step > this.keptStep &&
            existsSync(join(this.dir, 'checkpoints', c.n, 'policy.json')) &&
            existsSync(join(this.dir, 'checkpoints', c.n, TRAINING_STATE_FILE)),
        )
        .sort((a, b) => b.step - a.step)[0];
      if (!newest || this.lost) return;
      const dir = `checkpoints/${newest.n}`;
      const files: Record<string, string> = {};
      const walk = async (rel: string, depth: number): Promise<void> => {
        for (const e of await readdir(join(this.dir, dir, rel), { withFileTypes: true })) {
          if (e.name.startsWith('.')) continue;
          const sub = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory() && depth < 2) await walk(sub, depth + 1);
          else if (e.isFile()) files[sub] = (await readFile(join(this.dir, dir, sub))).toString('base64');
        }
      };
      try {
        await walk('', 0);
      } catch {
        return; // replaced meanwhile: the next look keeps the next one
      }
      try {
        await conn.set(resumeKey(this.runId), JSON.stringify({ dir, files } satisfies CheckpointFiles), 'EX', STREAM_TTL_SECONDS);
        this.keptStep = newest.step;
      } catch {
        /* Redis refused it (too large, gone): a takeover goes on from an older one */
      }
      this.settledStep = newest.step; // kept or not, it may go back to the lab now
    }

    /**
     * Sends each file of the shipped folders that is new or changed since the last look; policy.json last
     * in its folder (it marks a policy complete). Until the run has ended (`all`), a checkpoint newer than
     * the one kept for a takeover waits for the next look.
     */
    private async shipFiles(all: boolean): Promise<void> {
      const files: string[] = [];
      const walk = async (rel: string, depth: number): Promise<void> => {
        let entries;
        try {
          entries = await readdir(join(this.dir, rel), { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (e.name.startsWith('.') || e.name.endsWith('.tmp')) continue; // being written: a later look sends it whole
          const sub = `${rel}/${e.name}`;
          if (!all && rel === 'checkpoints' && checkpointStep(sub) > this.settledStep) continue;
          if (e.isDirectory() && depth < 3) await walk(sub, depth + 1);
          else if (e.isFile() && RunFilePath.safeParse(sub).success) files.push(sub);
        }
      };
      for (const d of SHIPPED_DIRS) await walk(d, 0);
      files.sort((a, b) => Number(a.endsWith('/policy.json')) - Number(b.endsWith('/policy.json')) || a.localeCompare(b));
      for (const rel of files) {
        try {
          const st = await stat(join(this.dir, rel));
          const sig = `${st.size}:${st.mtimeMs}`;
          if (this.shipped.get(rel) === sig) continue;
          if (st.size > MAX_FILE_BYTES) {
            this.shipped.set(rel, sig);
            this.put({ type: 'warning', message: `${rel} (${Math.round(st.size / 1e6)} MB) is too large to send back; it stays on the worker` });
            continue;
          }
          const data = (await readFile(join(this.dir, rel))).toString('base64');
          this.shipped.set(rel, sig);
          if (!this.lost) await conn.xadd(outStream(this.runId), '*', 'm', JSON.stringify({ type: 'file', path: rel, data } satisfies OutMessage));
        } catch {
          /* replaced meanwhile (a new best/): the next look sends it */
        }
      }
    }
  }

  await mkdir(workDir, { recursive: true });
  void worker.run();
  await worker.waitUntilReady();
  return {
    id,
    async close(force = false) {
      if (force) for (const j of jobs.values()) j.lose();
      await worker.close(force);
      await conn.quit().catch(() => undefined);
      if (!opts.workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
