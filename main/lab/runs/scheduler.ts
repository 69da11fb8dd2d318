/**
 * The run scheduler: starts each run in a process of its own (through a RunLauncher), at most as many
 * at once as there are cores (the rest queue), shares the cores between them, relays each process's
 * messages as run events and keeps status.json true — also for runs a crashed lab left behind.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../domain/errors.ts';
import {
  ENDED_STATUSES,
  RunConfig,
  StartRunRequest,
  type RunDetail,
  type RunEventName,
  type RunEvents,
  type RunExport,
  type RunRemote,
  type RunRequest,
  type RunSummary,
} from '../domain/runs.ts';
import { remoteNote } from '../domain/run-remote.ts';
import {
  RunStore,
  processAlive,
  progressFromMetrics,
  progressPath,
  readMetrics,
  readProgress,
  writeJsonAtomic,
  writeProblem,
  type RunProgress,
} from './run-store.ts';
import { TRAINING_STATE_FILE, readTrainingState, type TrainingState } from '../training/training-state.ts';
import type { RunLauncher, RunProcess } from './launcher.ts';
import { metricsCsv } from './metrics-csv.ts';
import { listRecordedEpisodes } from './run-media.ts';
import type { FromWorker } from '../training/protocol.ts';
import type { TrainerConfig } from '../training/trainer-config.ts';
import { defaultPreset, plannedRunSteps, resolveHyperparameters } from '../agents/registry.ts';
import { resolveEnvOptions } from '../envs/registry.ts';
import { LAB_VERSION } from '../version.ts';
import { forgetQueueRecord, lostReason, reattachQueueRun } from '../queue/queue-record.ts';

export type Emit = <E extends RunEventName>(event: E, payload: RunEvents[E]) => void;

export interface SchedulerOptions {
  store: RunStore;
  launcher: RunLauncher;
  /** Max runs training at once; more are queued. Default: CPU cores. */
  concurrency?: number;
  emit: Emit;
  /** Runs left not followed when the lab started are followed here now (followAgain). */
  onFollowed?: () => void;
}

/** How often runs whose queue did not answer are looked at again. */
const FOLLOW_AGAIN_MS = 5000;

interface ActiveRun {
  summary: RunSummary;
  config: TrainerConfig;
  proc: RunProcess | null;
  stopRequested: boolean;
  killTimer?: NodeJS.Timeout;
  /** status.json writes, chained so they land in order and waitForRun can await the last one. */
  writes: Promise<void>;
  exited: Promise<void>;
  resolveExited: () => void;
  /** Cores last granted to its process (shareCores). */
  threads?: number;
  /** A resumed run: the checkpoint folder its process goes on from. */
  resumeFrom?: string;
  /** Left training elsewhere when this lab closed (RunProcess.detach): it has not ended. */
  detached?: boolean;
  /** Started by a lab before this one (followed again on its queue): closing leaves it training, never stops it. */
  adopted?: boolean;
  /** Launched as a queue job: it trains on a worker, so it takes none of this machine's cores (the queue can be switched off meanwhile). */
  onQueue?: boolean;
}

export interface CloseOptions {
  /**
   * Runs training on another machine (a job queue) are left training instead of stopped, for the next
   * lab on that queue to follow again: the app quitting, `serve` stopping. Runs of this machine stop.
   */
  leaveQueueRuns?: boolean;
}

export class RunScheduler {
  private readonly store: RunStore;
  private readonly opts: SchedulerOptions;
  private readonly emit: Emit;
  private readonly active = new Map<string, ActiveRun>();
  /** status.json writes not yet on disk (of active runs and of runs that just ended). */
  private readonly unsettled = new Set<Promise<void>>();
  private readonly queue: string[] = [];
  private readonly recovered: Promise<void>;
  /** Runs an earlier lab left on a job queue this lab is not on: left as they are, shown with where they train. */
  private readonly remote = new Map<string, RunRemote>();
  private followTimer?: NodeJS.Timeout;
  /** followAgain's looks, one after another. */
  private following: Promise<number> = Promise.resolve(0);
  private closing = false;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.emit = opts.emit;
    this.recovered = this.recoverInterrupted();
  }

  /** Validates everything before anything touches the disk, so a bad request leaves no run folder. */
  buildConfig(p: RunRequest): TrainerConfig {
    let resolved: { hyperparameters: TrainerConfig['hyperparameters']; steps: number; preset: string | null; envOptions: TrainerConfig['envOptions'] };
    // No preset named: the env's first (tuned) preset, e.g. rl-baselines3-zoo's for PPO; "none": plain defaults.
    const preset = p.preset === undefined ? defaultPreset(p.algo, p.env) : p.preset === 'none' ? null : p.preset;
    try {
      resolved = resolveHyperparameters(p.algo, p.env, preset, p.hyperparameters, { force: p.force });
    } catch (err) {
      throw new LabError((err as Error).message, 'invalid');
    }
    try {
      resolveEnvOptions(p.env, { ...resolved.envOptions, ...p.envOptions });
    } catch (err) {
      throw new LabError((err as Error).message, 'invalid');
    }
    const totalSteps = p.steps ?? resolved.steps;
    const checkpointEvery = Math.max(10_000, Math.round(totalSteps / 10));
    const plan = plannedRunSteps(p.algo, resolved.hyperparameters, totalSteps);
    return {
      env: p.env,
      envOptions: { ...resolved.envOptions, ...p.envOptions }, // a preset's env options (e.g. continuous), the request's win
      algo: p.algo,
      seed: p.seed,
      totalSteps,
      ...(plan.steps !== totalSteps ? { plannedSteps: plan.steps } : {}),
      preset: resolved.preset,
      hyperparameters: resolved.hyperparameters,
      backend: p.backend ?? 'auto',
      engine: p.engine ?? 'auto',
      evalEpisodes: p.evalEpisodes,
      checkpointEvery,
      evalEvery: p.evalEvery ?? checkpointEvery,
      stopWhenSolved: p.stopWhenSolved,
      maxEpisodes: p.maxEpisodes,
      ...(p.checkpointSeconds !== undefined ? { checkpointSeconds: p.checkpointSeconds } : {}),
      ...(p.force ? { force: true } : {}),
      ...(p.recordEvery !== undefined ? { recordEvery: p.recordEvery } : {}),
    };
  }

  /** Fills a startRun request's defaults the way the bridge's schema would (CLI, tests). */
  buildConfigRequest(p: StartRunRequest): RunRequest {
    const parsed = StartRunRequest.safeParse(p);
    if (!parsed.success) throw new LabError(parsed.error.issues[0]?.message ?? 'invalid run request', 'invalid');
    return parsed.data;
  }

  async startRun(p: RunRequest, extra: { initPolicy?: string; continuesRunId?: string } = {}): Promise<RunSummary> {
    const config = this.buildConfig(p);
    if (extra.initPolicy) config.initPolicy = extra.initPolicy;
    return this.queueRun(config, { name: p.name ?? null, tags: p.tags, continuesRunId: extra.continuesRunId ?? null });
  }

  /** Makes the run folder for a complete, checked configuration and queues the run. */
  private async queueRun(config: TrainerConfig, label: { name: string | null; tags: readonly string[]; continuesRunId: string | null }): Promise<RunSummary> {
    await this.recovered;
    const runId = this.store.newRunId(config);
    const runDir = this.store.runDir(runId);
    const summary: RunSummary = {
      runId,
      runDir,
      env: config.env,
      algo: config.algo,
      seed: config.seed,
      backend: config.backend,
      engine: config.engine ?? 'auto',
      status: 'queued',
      steps: 0,
      totalSteps: config.totalSteps,
      ...(config.plannedSteps !== undefined ? { plannedSteps: config.plannedSteps } : {}),
      episodes: 0,
      wallSeconds: 0,
      solved: false,
      solvedAtStep: null,
      solvedAtEpisode: null,
      solvedAtSeconds: null,
      mean100: null,
      evalMean: null,
      evalStd: null,
      createdAt: new Date().toISOString(),
      hasPolicy: false,
      name: label.name,
      tags: [...new Set(label.tags)],
      preset: config.preset,
      envOptions: config.envOptions as Record<string, number | boolean>,
      best100: null,
      continuesRunId: label.continuesRunId,
    };
    // The folder, config.json, metrics.ndjson and status.json all, or none: a full disk or a read-only
    // runs folder gives a clear error and leaves no half-made run behind.
    try {
      await this.store.create(summary, config, { name: label.name, labVersion: LAB_VERSION, createdAt: new Date().toISOString() });
    } catch (err) {
      throw new LabError(`cannot start the run: ${writeProblem(err)}`, 'failed');
    }
    this.enqueue(summary, config);
    return summary;
  }

  /** A run this lab now drives (not yet launched), with the promise its end resolves. */
  private activate(summary: RunSummary, config: TrainerConfig, extra: Pick<ActiveRun, 'resumeFrom' | 'adopted'>): ActiveRun {
    let resolveExited!: () => void;
    const exited = new Promise<void>((r) => (resolveExited = r));
    const run: ActiveRun = { summary, config, proc: null, stopRequested: false, writes: Promise.resolve(), exited, resolveExited, ...extra };
    this.active.set(summary.runId, run);
    return run;
  }

  /** Queues a run whose folder exists (new, or resumed with `resumeFrom`). */
  private enqueue(summary: RunSummary, config: TrainerConfig, resumeFrom?: string): void {
    const run = this.activate(summary, config, { resumeFrom });
    this.queue.push(summary.runId);
    if (resumeFrom) this.updateSummary(run, {});
    else this.emit('run:status', summary);
    this.pump();
  }

  concurrency(): number {
    return this.opts.concurrency ?? availableParallelism();
  }

  private runningCount(): number {
    let n = 0;
    for (const r of this.active.values()) if (r.proc && !r.onQueue) n++;
    return n;
  }

  private pump(): void {
    const limit = this.opts.launcher.queue ? Infinity : this.concurrency();
    while (this.queue.length > 0 && this.runningCount() < limit) {
      const runId = this.queue.shift()!;
      const run = this.active.get(runId);
      if (run) this.launch(run);
    }
    this.shareCores();
  }

  /**
   * A run that trains alone may use a second core (PPO's critic on a thread of its own); as soon as
   * another runs, each gets one again. Results do not depend on it. POLICY_LAB_MAX_THREADS=1 turns it off.
   */
  private shareCores(): void {
    const running = [...this.active.values()].filter((r) => r.proc && !r.onQueue);
    const cap = Number(process.env.POLICY_LAB_MAX_THREADS) || 2;
    const threads = running.length === 1 && availableParallelism() >= 2 ? Math.min(2, cap) : 1;
    for (const r of running) {
      if (r.threads === threads) continue;
      r.threads = threads;
      r.proc!.send({ type: 'threads', threads });
    }
  }

  /** Starts the run's process, or (`reattached`) goes on with one a lab before this one started. */
  private launch(run: ActiveRun, reattached?: RunProcess): void {
    run.onQueue = reattached !== undefined || this.opts.launcher.queue === true;
    const proc = reattached ?? this.opts.launcher.launch();
    run.proc = proc;
    let finished = false;
    this.updateSummary(run, reattached ? {} : { status: this.opts.launcher.queue ? 'queued' : 'running' });
    proc.onMessage((msg) => {
      if (msg.type === 'done' || msg.type === 'error') finished = true;
      this.onWorkerMessage(run, msg);
    });
    proc.onExit((code, signal) => {
      if (run.killTimer) clearTimeout(run.killTimer);
      run.proc = null;
      if (!finished) {
        const why = run.stopRequested
          ? 'stopped (the run process did not exit in time and was killed)'
          : `the run process exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); metrics and checkpoints so far are kept`;
        this.updateSummary(run, { status: run.stopRequested ? 'stopped' : 'crashed', error: why });
      }
      this.active.delete(run.summary.runId);
      run.resolveExited();
      this.pump();
    });
    // Until the run process writes its own progress.json, one with its pid tells a lab that starts
    // meanwhile (after a crash of this one) that the run is alive, not interrupted. Created only if
    // absent ('wx'): a late write here must never replace the run process's own progress.
    proc.onSpawn?.((pid) => {
      const p: RunProgress = { pid, steps: 0, episodes: 0, mean100: null, best100: null, wallSeconds: 0, updatedAt: new Date().toISOString() };
      void writeFile(progressPath(run.summary.runDir), JSON.stringify(p) + '\n', { flag: 'wx' }).catch(() => undefined);
    });
    proc.send({ type: 'start', runDir: run.summary.runDir, config: run.config, ...(run.resumeFrom ? { resumeFrom: run.resumeFrom } : {}) });
  }

  private onWorkerMessage(run: ActiveRun, msg: FromWorker): void {
    const runId = run.summary.runId;
    switch (msg.type) {
      case 'ready':
        this.updateSummary(run, { backend: msg.backend, engine: msg.engine });
        break;
      case 'metrics':
        this.emit('run:metrics', { runId, records: msg.records });
        break;
      case 'progress': {
        const p = msg.progress;
        // Progress changes often: keep it in memory and persist only on status changes.
        const best = p.episodes >= 100 && p.mean100 !== null ? Math.max(run.summary.best100 ?? -Infinity, p.mean100) : (run.summary.best100 ?? null);
        Object.assign(run.summary, { steps: p.step, episodes: p.episodes, mean100: p.mean100, best100: best });
        this.emit('run:progress', { runId, ...p });
        break;
      }
      case 'episode':
        this.emit('run:episode', { runId, ...msg.frames });
        break;
      case 'warning':
        this.updateSummary(run, { warning: msg.message });
        break;
      case 'assigned':
        this.updateSummary(run, { worker: msg.worker, ...(run.summary.status === 'queued' ? { status: 'running' as const } : {}) });
        break;
      case 'done':
        this.updateSummary(run, { ...msg.summary, hasPolicy: existsSync(join(run.summary.runDir, 'policy', 'policy.json')) });
        break;
      case 'error':
        this.updateSummary(run, {
          status: 'crashed',
          error: msg.message,
          hasPolicy: existsSync(join(run.summary.runDir, 'policy', 'policy.json')),
        });
        break;
    }
  }

  private updateSummary(run: ActiveRun, patch: Partial<RunSummary>): void {
    Object.assign(run.summary, patch);
    const snapshot = { ...run.summary };
    run.writes = run.writes.then(() => this.store.writeStatus(snapshot)).catch(() => undefined);
    // A run's last writes may outlive its entry in `active`; close() waits for them too.
    const last = run.writes;
    this.unsettled.add(last);
    void last.then(() => this.unsettled.delete(last));
    this.emit('run:status', snapshot);
  }

  async stopRun(runId: string): Promise<RunSummary> {
    await this.recovered;
    const run = this.active.get(runId);
    if (!run) {
      const s = await this.store.readStatus(runId);
      if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
      this.refuseRemote(s, 'stop');
      return s; // already over: stopping is a no-op
    }
    run.stopRequested = true;
    if (!run.proc) {
      // still queued: never started
      const i = this.queue.indexOf(runId);
      if (i >= 0) this.queue.splice(i, 1);
      this.updateSummary(run, { status: 'stopped' });
      this.active.delete(runId);
      run.resolveExited();
      return { ...run.summary };
    }
    run.proc.send({ type: 'stop' });
    // The worker saves its policy and evaluates before exiting; give it time, then insist.
    run.killTimer = setTimeout(() => run.proc?.kill(), 60_000);
    return { ...run.summary };
  }

  /** Resolves when the run's process has exited (or immediately if it is not active). */
  async waitForRun(runId: string): Promise<RunSummary> {
    await this.recovered;
    const run = this.active.get(runId);
    if (run) {
      await run.exited;
      await run.writes;
      if (run.detached) throw new LabError(`run ${runId} was left training on the job queue when the lab closed`, 'failed');
    }
    const s = await this.store.readStatus(runId);
    if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
    return s;
  }

  async setPaused(runId: string, paused: boolean): Promise<RunSummary> {
    await this.recovered;
    const run = this.active.get(runId);
    if (!run) {
      const s = await this.store.readStatus(runId);
      if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
      this.refuseRemote(s, paused ? 'pause' : 'resume');
      throw new LabError(
        `run ${runId} is ${s.status}; only a running run can be paused or resumed (a stopped one can be continued from its last checkpoint)`,
        'invalid',
      );
    }
    if (!run.proc) throw new LabError(`run ${runId} is still queued`, 'invalid');
    if (paused === (run.summary.status === 'paused')) return { ...run.summary };
    run.proc.send({ type: paused ? 'pause' : 'resume' });
    this.updateSummary(run, { status: paused ? 'paused' : 'running' });
    return { ...run.summary };
  }

  /** A run that has said how it ended (stopped, finished…) may still be exiting: a moment's wait, not a refusal. */
  private async untilExited(runId: string): Promise<void> {
    const run = this.active.get(runId);
    if (run && ENDED_STATUSES.has(run.summary.status)) await run.exited;
  }

  /**
   * Resume: the same run goes on from its newest checkpoint — steps, episodes, optimizer, random
   * streams and (CartPole) the envs mid-episode, as saved in the checkpoint's training state — up to
   * `steps`, the new total budget (default: the run's own budget if it has not run it, else that many
   * steps more). Its metrics and recorded episodes past the checkpoint (a crash's last moments) are
   * dropped, so its curves go on along one step axis. A run from before checkpoints kept a training
   * state continues as a new run from its latest policy (continueFromPolicy).
   */
  async continueRun(runId: string, steps?: number): Promise<RunSummary> {
    await this.recovered;
    await this.untilExited(runId);
    if (this.active.has(runId)) throw new LabError(`run ${runId} is still active; stop it first`, 'invalid');
    const s = await this.store.readStatus(runId);
    if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
    this.refuseRemote(s, 'continue');
    // The newest checkpoint with a training state (a crash between a checkpoint's policy and its state leaves one without).
    const cp = (await this.store.checkpoints(runId)).filter((c) => existsSync(join(c.dir, TRAINING_STATE_FILE))).at(-1);
    if (!cp) return this.continueFromPolicy(runId, s, steps);
    let state: TrainingState;
    try {
      state = readTrainingState(cp.dir);
    } catch (err) {
      throw new LabError(
        `cannot resume run ${runId}: the training state of its last checkpoint (step ${cp.step.toLocaleString('en-US')}) ${(err as Error).message}; delete that checkpoint's folder to resume from the one before`,
        'invalid',
      );
    }
    let config: TrainerConfig;
    let raw: Record<string, unknown>;
    try {
      raw = await this.store.readConfig(runId);
      config = await this.store.readRunConfig(runId);
    } catch (err) {
      throw new LabError((err as Error).message, 'failed');
    }
    const at = state.steps;
    const ownPlan = config.plannedSteps ?? config.totalSteps;
    const totalSteps = steps !== undefined ? Math.round(steps) : at < ownPlan ? config.totalSteps : at + config.totalSteps;
    if (totalSteps <= at) {
      throw new LabError(`run ${runId} is already at step ${at.toLocaleString('en-US')}: give a total budget above that to resume it`, 'invalid');
    }
    const plan = plannedRunSteps(config.algo, config.hyperparameters, totalSteps);
    const next: TrainerConfig = {
      ...config,
      totalSteps,
      plannedSteps: plan.steps !== totalSteps ? plan.steps : undefined,
      // The engine it trained on (an 'auto' could resolve otherwise now); an episode budget already met no longer applies.
      engine: state.engine === 'fused' || state.engine === 'tfjs' ? state.engine : config.engine,
      maxEpisodes: config.maxEpisodes && state.episodes < config.maxEpisodes ? config.maxEpisodes : 0,
      stopWhenSolved: config.stopWhenSolved && state.solvedAtStep === null,
    };
    if (next.plannedSteps === undefined) delete next.plannedSteps;
    let logged;
    try {
      logged = await this.store.rewindTo(runId, at);
      const resumes = Array.isArray(raw.resumes) ? raw.resumes : [];
      await writeJsonAtomic(join(s.runDir, 'config.json'), {
        ...raw,
        ...next,
        resumes: [...resumes, { fromStep: at, totalSteps, at: new Date().toISOString() }],
      });
    } catch (err) {
      throw new LabError(`cannot resume run ${runId}: ${writeProblem(err)}`, 'failed');
    }
    const summary: RunSummary = {
      ...s,
      runDir: this.store.runDir(runId),
      status: 'queued',
      totalSteps,
      steps: at,
      episodes: state.episodes,
      wallSeconds: state.wallSeconds,
      mean100: logged.mean100,
      best100: logged.best100,
      solved: state.solvedAtStep !== null,
      solvedAtStep: state.solvedAtStep,
      solvedAtEpisode: state.solvedAtEpisode,
      solvedAtSeconds: state.solvedAtSeconds,
      bestEval: state.bestEval,
      evalMean: null,
      evalStd: null,
      warning: state.warning,
      error: undefined,
    };
    if (next.plannedSteps !== undefined) summary.plannedSteps = next.plannedSteps;
    else delete summary.plannedSteps;
    this.enqueue(summary, next, cp.dir);
    return { ...summary };
  }

  /** Runs without a training state (from before it was saved): a new run from the latest saved policy, its optimizer fresh. */
  private async continueFromPolicy(runId: string, s: RunSummary, steps?: number): Promise<RunSummary> {
    const from = await this.store.latestPolicyDir(runId);
    if (!from) throw new LabError(`run ${runId} has no saved policy or checkpoint to continue from`, 'invalid');
    let config: TrainerConfig;
    try {
      config = await this.store.readRunConfig(runId);
    } catch (err) {
      throw new LabError((err as Error).message, 'failed');
    }
    // `steps` is the total counted from the source's start; default: what it had left, or (if it used it all) its whole budget again.
    const left = config.totalSteps - s.steps;
    const totalSteps = Math.max(1, Math.round(steps !== undefined ? steps - s.steps : left > 0 ? left : config.totalSteps));
    const plan = plannedRunSteps(config.algo, config.hyperparameters, totalSteps);
    // The stored configuration as it is, with the new budget and the source's latest policy to start from.
    const { plannedSteps: _old, ...rest } = config;
    const summary = await this.queueRun(
      { ...rest, totalSteps, ...(plan.steps !== totalSteps ? { plannedSteps: plan.steps } : {}), maxEpisodes: 0, initPolicy: from },
      { name: s.name ? `${s.name} (continued)` : null, tags: s.tags ?? [], continuesRunId: runId },
    );
    return summary;
  }

  async updateRun(runId: string, p: { name?: string | null; tags?: string[]; notes?: string | null }): Promise<RunSummary> {
    const patch: Partial<RunSummary> = {};
    if (p.notes !== undefined) patch.notes = p.notes === null || p.notes.trim() === '' ? null : p.notes;
    if (p.name !== undefined) patch.name = p.name === null || p.name.trim() === '' ? null : p.name.trim();
    if (p.tags !== undefined) patch.tags = [...new Set(p.tags.map((t) => t.trim()).filter(Boolean))];
    const run = this.active.get(runId);
    if (run) {
      this.updateSummary(run, patch);
      return { ...run.summary };
    }
    const s = await this.store.readStatus(runId);
    if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
    const next = { ...s, ...patch };
    await this.store.writeStatus(next);
    this.emit('run:status', this.withRemote(next));
    return this.withRemote(next);
  }

  async deleteRun(runId: string): Promise<{ runId: string; deleted: true }> {
    await this.untilExited(runId);
    if (this.active.has(runId)) throw new LabError(`run ${runId} is active; stop it before deleting it`, 'invalid');
    const dir = this.store.runDir(runId);
    if (!existsSync(dir)) throw new LabError(`no run "${runId}"`, 'not-found');
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
    this.remote.delete(runId);
    this.emit('run:deleted', { runId });
    return { runId, deleted: true };
  }

  async exportRun(runId: string, format: 'csv' | 'json' | 'policy-zip'): Promise<RunExport> {
    const detail = await this.getRun(runId);
    if (format === 'json') {
      return { fileName: `${runId}.json`, mime: 'application/json', text: JSON.stringify(detail, null, 1) };
    }
    if (format === 'csv') return { fileName: `${runId}-metrics.csv`, mime: 'text/csv', text: metricsCsv(detail.metrics) };
    const dir = await this.store.latestPolicyDir(runId);
    if (!dir) throw new LabError(`run ${runId} has no saved policy`, 'not-found');
    const { zipFolder } = await import('./zip.ts');
    return { fileName: `${runId}-policy.zip`, mime: 'application/zip', dataBase64: Buffer.from(await zipFolder(dir)).toString('base64') };
  }

  /** The runs active in this lab once its recovery is done (runs a lab before it left on a queue included). */
  async activeRuns(): Promise<ReadonlySet<string>> {
    await this.recovered;
    return new Set(this.active.keys());
  }

  async listRuns(): Promise<RunSummary[]> {
    await this.recovered;
    const onDisk = await this.store.list();
    return onDisk.map((s) => (this.active.has(s.runId) ? { ...this.active.get(s.runId)!.summary } : this.withRemote(s)));
  }

  /** A run on a queue this lab is not on, as long as it has not ended (a lab on that queue may have ended it since). */
  private remoteOf(s: RunSummary): RunRemote | null {
    const r = this.remote.get(s.runId);
    return r && (s.status === 'running' || s.status === 'queued' || s.status === 'paused') ? r : null;
  }

  private withRemote(s: RunSummary): RunSummary {
    const r = this.remoteOf(s);
    return r ? { ...s, remote: r } : s;
  }

  /** Stop, pause and continue reach a run only through its queue: a lab not on it says so instead of acting. */
  private refuseRemote(s: RunSummary, what: string): void {
    const r = this.remoteOf(s);
    if (r) throw new LabError(`cannot ${what} run ${s.runId} here: it is ${remoteNote(r)}`, 'invalid');
  }

  async getRun(runId: string): Promise<RunDetail> {
    const active = this.active.get(runId);
    const stored = active ? { ...active.summary } : await this.store.readStatus(runId);
    if (!stored) throw new LabError(`no run "${runId}"`, 'not-found');
    const summary = active ? stored : this.withRemote(stored);
    const dir = this.store.runDir(runId);
    const config = await this.store.readConfig(runId);
    const parsed = RunConfig.safeParse(config);
    const checked = parsed.success
      ? { runConfig: parsed.data }
      : { runConfig: null, configError: `${parsed.error.issues[0]?.path.join('.') || 'top'}: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    return { summary, config, ...checked, metrics: await readMetrics(dir), recorded: await listRecordedEpisodes(dir) };
  }

  /**
   * Runs a lab that died left "running" or "queued". A run whose process still trains (progress.json
   * names a live pid) is left to finish: it writes its own end into status.json. Any other is rebuilt
   * from its folder — progress from its metrics (or progress.json), the policy if one was saved — and marked crashed;
   * its files are kept as they are, and it can be continued from its last checkpoint. A run on a job
   * queue (also one left paused) is followed again when this lab's launcher is on the same queue; a lab
   * not on it (none, or another) leaves it as it is — the worker may still train it — and lists where it trains.
   */
  private async recoverInterrupted(): Promise<void> {
    await this.store.sweepPartial();
    const runs = await this.store.list().catch(() => []);
    for (const s of runs) {
      if (s.status !== 'running' && s.status !== 'queued' && s.status !== 'paused') continue;
      const progress = await readProgress(s.runDir);
      // Still training: its own process writes how it ends (writing status.json here could overwrite that).
      if (progress && processAlive(progress.pid) && progress.pid !== process.pid) continue;
      if (await this.followQueueRun(s)) continue;
      if (s.status === 'paused') continue; // a local run left paused: as it always was
      await this.markInterrupted(
        s,
        'interrupted: the lab and this run stopped while it trained; its metrics and checkpoints are kept, and it can be continued from the last checkpoint',
      );
    }
    this.followAgainLater();
  }

  /**
   * A run an earlier lab left on a job queue (queue/queue-record.ts): followed again here, left as it is
   * (another lab follows it; or this lab is not on its queue, or the queue did not answer: then listed
   * with where it trains), or marked crashed saying why it cannot be followed. False: it never went to a queue.
   */
  private async followQueueRun(s: RunSummary): Promise<boolean> {
    const remote = await reattachQueueRun(this.opts.launcher, s.runDir).catch(() => null);
    if (remote === null) return false;
    this.remote.delete(s.runId);
    if (remote === 'elsewhere') return true;
    if ('remote' in remote) {
      this.remote.set(s.runId, remote.remote);
      this.emit('run:status', this.withRemote(s)); // where it trains, and why it is not followed, may have changed
    } else if (!('proc' in remote && (await this.adopt(s, remote.proc)))) {
      // Crashed here for good: a record left behind would make a later lab take a local continuation of it for a queue run.
      await forgetQueueRecord(s.runDir);
      await this.markInterrupted(s, 'lost' in remote ? remote.lost : lostReason(null, 'its configuration cannot be read'));
    }
    return true;
  }

  /** Rebuilds a run that can no longer go on from its folder and marks it crashed, saying why. */
  private async markInterrupted(s: RunSummary, why: string): Promise<void> {
    const progress = await readProgress(s.runDir);
    // Whichever record went further: the metrics normally (appended every 100 ms), else progress.json.
    const logged = progressFromMetrics(await readMetrics(s.runDir));
    const rebuilt =
      progress && progress.steps > logged.steps
        ? { steps: progress.steps, episodes: progress.episodes, mean100: progress.mean100, best100: progress.best100, wallSeconds: progress.wallSeconds }
        : logged;
    const summary: RunSummary = { ...s, ...rebuilt, status: 'crashed', hasPolicy: existsSync(join(s.runDir, 'policy', 'policy.json')), error: why };
    await this.store.writeStatus(summary).catch(() => undefined);
    this.emit('run:status', summary);
  }

  /**
   * Runs left not followed are looked at again: every FOLLOW_AGAIN_MS while one waits for its queue to
   * answer, and at once when the queue setting changes (followAgain). `onFollowed` hears of each run
   * this lab follows from then on (a sweep of them goes on here).
   */
  private followAgainLater(): void {
    clearTimeout(this.followTimer);
    if (this.closing || ![...this.remote.values()].some((r) => r.unanswered)) return;
    this.followTimer = setTimeout(() => void this.followAgain(), FOLLOW_AGAIN_MS);
    this.followTimer.unref();
  }

  /** Looks again at the runs left not followed (one look at a time); resolves with how many this lab follows now. */
  followAgain(): Promise<number> {
    this.following = this.following.then(async () => {
      await this.recovered;
      let followed = 0;
      for (const runId of [...this.remote.keys()]) {
        if (this.closing) break;
        const s = await this.store.readStatus(runId).catch(() => null);
        if (!s || (s.status !== 'running' && s.status !== 'queued' && s.status !== 'paused')) {
          this.remote.delete(runId); // ended meanwhile, by a lab on its queue
          continue;
        }
        await this.followQueueRun(s);
        if (this.active.has(runId)) followed++;
      }
      this.followAgainLater();
      if (followed > 0) this.opts.onFollowed?.();
      return followed;
    });
    return this.following;
  }

  /** A run a lab before this one left training on a worker, active again here: false if its configuration cannot be read. */
  private async adopt(s: RunSummary, proc: RunProcess): Promise<boolean> {
    const config = await this.store.readRunConfig(s.runId).catch(() => null);
    if (!config) return false;
    // Progress as far as the run's metrics go; what the worker sent meanwhile moves it on.
    const summary: RunSummary = { ...s, ...progressFromMetrics(await readMetrics(s.runDir)), runDir: this.store.runDir(s.runId), error: undefined };
    this.launch(this.activate(summary, config, { adopted: true }), proc);
    return true;
  }

  /**
   * Stops every run this lab started (with `leaveQueueRuns`, leaves those on a job queue training) and
   * waits for the processes to exit and their status files to be written. Runs it adopted from a lab
   * before it are always left training: it did not start them, and the next lab on the queue follows
   * them. Returns how many runs were left training.
   */
  async close(opts: CloseOptions = {}): Promise<{ leftTraining: number }> {
    await this.recovered; // else a run followed again after this point would launch on a closed launcher
    this.closing = true;
    clearTimeout(this.followTimer);
    await this.following;
    this.queue.length = 0;
    const waits: Promise<void>[] = [];
    let leftTraining = 0;
    for (const [id, run] of this.active) {
      const proc = run.proc;
      if ((opts.leaveQueueRuns || run.adopted) && proc?.detach) {
        waits.push(
          proc.detach().then((left) => {
            if (!left) return run.exited; // it ended meanwhile, as the scheduler records
            leftTraining++;
            clearTimeout(run.killTimer);
            run.detached = true;
            this.updateSummary(run, {}); // status.json with its progress so far, still running
            this.active.delete(id);
            run.resolveExited();
          }),
        );
        continue;
      }
      waits.push(run.exited);
      void this.stopRun(id);
    }
    await Promise.all(waits);
    await Promise.all([...this.unsettled]);
    return { leftTraining };
  }
}
