/**
 * LabService: the one API of the lab. Electron IPC, the browser-mode WebSocket bridge and the CLI are
 * thin adapters over it. It owns the runs folder, starts each run in a process of its own (through a
 * RunLauncher), streams the run's events to listeners, and serves policies and rollouts.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type {
  EventName,
  EventTypes,
  EnvInfo,
  GifExport,
  InsightGrid,
  MetricRecord,
  RunExport,
  ParsedRequest,
  PolicyInfo,
  RequestName,
  RequestPayload,
  ResultTypes,
  RunSummary,
  RolloutResult,
  SystemInfo,
} from '../../preload/contract.ts';
import { requestSchemas } from '../../preload/contract.ts';
import { LabError } from './dispatch.ts';
import { RunStore, processAlive, progressFromMetrics, progressPath, readMetrics, readProgress, writeJsonAtomic, writeProblem, type RunProgress } from './runs/run-store.ts';
import type { RunLauncher, RunProcess } from './runs/launcher.ts';
import type { FromWorker } from './training/protocol.ts';
import type { TrainerConfig } from './training/trainer-config.ts';
import { algoInfos, defaultPreset, resolveHyperparameters } from './agents/registry.ts';
import { ENV_IDS, ensureEnvReady, envOptionDefs, envSpec, makeEnv, resolveEnvOptions } from './envs/registry.ts';
import type { Actor } from './agents/baselines.ts';
import { makeActor, runEpisode, type ActorSource } from './rollout.ts';
import { checkPolicyFolder, loadPolicy, type LoadedPolicy } from './runs/policy-file.ts';
import { checkPolicyOffThread } from './runs/policy-check.ts';
import { initBackend } from './nn/backend.ts';
import { resolveEngine } from './nn/fused/engine-choice.ts';
import { LAB_VERSION } from './version.ts';
import { ACTION_LABELS, OBS_LABELS, insightGrid, xray, type XrayPolicy } from './xray.ts';
import { flatDim } from './envs/spaces.ts';

type Listener = <E extends EventName>(event: E, payload: EventTypes[E]) => void;

export interface LabServiceOptions {
  runsDir: string;
  launcher: RunLauncher;
  mode: 'electron' | 'browser' | 'cli';
  /** Folder with bundled demo policies (resources/). */
  resourcesDir?: string;
  /** Max runs training at once; more are queued. Default: CPU cores. */
  concurrency?: number;
  /** The CLI may read policies anywhere; bridges only under the lab's own folders. */
  allowAnyPolicyPath?: boolean;
  /** Opens a file manager at a path (Electron's shell.showItemInFolder); absent elsewhere. */
  reveal?: (path: string) => Promise<void>;
}

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
}

/** The files of a policy folder (policy-file.ts); an import keeps these and nothing else. */
const IMPORTABLE_FILES = new Set(['policy.json', 'model.json', 'weights.bin', 'qtable.bin']);

export class LabService {
  readonly store: RunStore;
  readonly importsDir: string;
  private readonly opts: LabServiceOptions;
  private readonly listeners = new Set<Listener>();
  private readonly active = new Map<string, ActiveRun>();
  /** status.json writes not yet on disk (of active runs and of runs that just ended). */
  private readonly unsettled = new Set<Promise<void>>();
  private readonly queue: string[] = [];
  private readonly policyCache = new Map<string, LoadedPolicy>();
  private backendName: string | null = null;
  private recovered: Promise<void>;

  constructor(opts: LabServiceOptions) {
    this.opts = opts;
    this.store = new RunStore(opts.runsDir);
    this.importsDir = join(resolve(opts.runsDir), '..', 'imported-policies');
    this.recovered = this.recoverInterrupted();
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends EventName>(event: E, payload: EventTypes[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        /* a broken listener must not break the run */
      }
    }
  }

  /** Typed request handler; payloads are already validated by dispatch(). */
  async handle<K extends RequestName>(name: K, p: ParsedRequest<K>): Promise<ResultTypes[K]> {
    const h = this.handlers[name] as (p: ParsedRequest<K>) => Promise<ResultTypes[K]>;
    return h(p);
  }

  private readonly handlers: { [K in RequestName]: (p: ParsedRequest<K>) => Promise<ResultTypes[K]> } = {
    systemInfo: () => this.systemInfo(),
    listEnvs: () => this.listEnvs(),
    listAlgos: async () => algoInfos(),
    startRun: (p) => this.startRun(p),
    startRuns: async (p) => {
      const { seeds, ...rest } = p;
      // Validate every run before queueing any, so a bad request queues nothing.
      for (const seed of seeds) this.buildConfig({ ...rest, seed });
      const out: RunSummary[] = [];
      for (const seed of seeds) out.push(await this.startRun({ ...rest, seed }));
      return out;
    },
    pauseRun: (p) => this.setPaused(p.runId, true),
    resumeRun: (p) => this.setPaused(p.runId, false),
    continueRun: (p) => this.continueRun(p.runId, p.steps),
    updateRun: (p) => this.updateRun(p.runId, p),
    deleteRun: (p) => this.deleteRun(p.runId),
    exportRun: (p) => this.exportRun(p.runId, p.format),
    revealRun: async (p) => {
      if (!this.opts.reveal) return { revealed: false };
      await this.opts.reveal(this.store.runDir(p.runId));
      return { revealed: true };
    },
    insights: (p) => this.insights(p),
    stopRun: (p) => this.stopRun(p.runId),
    listRuns: () => this.listRuns(),
    getRun: (p) => this.getRun(p.runId),
    listPolicies: () => this.listPolicies(),
    importPolicy: (p) => this.importPolicy(p.files),
    rollout: (p) => this.rollout(p),
    exportGif: (p) => this.exportGif(p),
  };

  async systemInfo(): Promise<SystemInfo> {
    const backend = this.backendName ?? (this.backendName = (await initBackend('auto')).name);
    return {
      version: LAB_VERSION,
      backend,
      engine: resolveEngine('auto', backend).name,
      runsDir: this.store.root,
      mode: this.opts.mode === 'electron' ? 'electron' : 'browser',
      concurrency: this.concurrency(),
      canReveal: !!this.opts.reveal,
    };
  }

  async listEnvs(): Promise<EnvInfo[]> {
    await Promise.all(ENV_IDS.map((id) => ensureEnvReady(id)));
    return ENV_IDS.map((id) => {
      const env = makeEnv(id);
      const info: EnvInfo = {
        id,
        options: Object.entries(envOptionDefs(id)).map(([key, d]) => ({ key, type: d.type, default: d.default, description: d.description })),
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        maxEpisodeSteps: env.spec.maxEpisodeSteps,
        rewardThreshold: env.spec.rewardThreshold,
      };
      env.close();
      return info;
    });
  }

  // ---------------- runs ----------------

  /** Validates everything before anything touches the disk, so a bad request leaves no run folder. */
  buildConfig(p: ParsedRequest<'startRun'>): TrainerConfig {
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
    const checkpointEvery = Math.max(10_000, Math.round((p.steps ?? resolved.steps) / 10));
    return {
      env: p.env,
      envOptions: { ...resolved.envOptions, ...p.envOptions }, // a preset's env options (e.g. continuous), the request's win
      algo: p.algo,
      seed: p.seed,
      totalSteps: p.steps ?? resolved.steps,
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
    };
  }

  /** Fills a startRun request's defaults the way the bridge's schema would (CLI, tests). */
  buildConfigRequest(p: RequestPayload<'startRun'>): ParsedRequest<'startRun'> {
    const parsed = requestSchemas.startRun.safeParse(p);
    if (!parsed.success) throw new LabError(parsed.error.issues[0]?.message ?? 'invalid run request', 'invalid');
    return parsed.data;
  }

  async startRun(p: ParsedRequest<'startRun'>, extra: { initPolicy?: string; continuesRunId?: string } = {}): Promise<RunSummary> {
    await this.recovered;
    const config = this.buildConfig(p);
    if (extra.initPolicy) config.initPolicy = extra.initPolicy;
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
      name: p.name ?? null,
      tags: [...new Set(p.tags)],
      preset: config.preset,
      envOptions: config.envOptions as Record<string, number | boolean>,
      best100: null,
      continuesRunId: extra.continuesRunId ?? null,
    };
    // The folder, config.json, metrics.ndjson and status.json all, or none: a full disk or a read-only
    // runs folder gives a clear error and leaves no half-made run behind.
    try {
      await this.store.create(summary, config, { name: p.name ?? null, labVersion: LAB_VERSION, createdAt: new Date().toISOString() });
    } catch (err) {
      throw new LabError(`cannot start the run: ${writeProblem(err)}`, 'failed');
    }
    let resolveExited!: () => void;
    const exited = new Promise<void>((r) => (resolveExited = r));
    this.active.set(runId, { summary, config, proc: null, stopRequested: false, writes: Promise.resolve(), exited, resolveExited });
    this.queue.push(runId);
    this.emit('run:status', summary);
    this.pump();
    return summary;
  }

  private concurrency(): number {
    return this.opts.concurrency ?? availableParallelism();
  }

  private runningCount(): number {
    let n = 0;
    for (const r of this.active.values()) if (r.proc) n++;
    return n;
  }

  private pump(): void {
    const limit = this.concurrency();
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
    const running = [...this.active.values()].filter((r) => r.proc);
    const cap = Number(process.env.POLICY_LAB_MAX_THREADS) || 2;
    const threads = running.length === 1 && availableParallelism() >= 2 ? Math.min(2, cap) : 1;
    for (const r of running) {
      if (r.threads === threads) continue;
      r.threads = threads;
      r.proc!.send({ type: 'threads', threads });
    }
  }

  private launch(run: ActiveRun): void {
    const proc = this.opts.launcher.launch();
    run.proc = proc;
    let finished = false;
    this.updateSummary(run, { status: 'running' });
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
    // meanwhile (after a crash of this one) that the run is alive, not interrupted.
    proc.onSpawn?.((pid) => {
      const p: RunProgress = { pid, steps: 0, episodes: 0, mean100: null, best100: null, wallSeconds: 0, updatedAt: new Date().toISOString() };
      void writeJsonAtomic(progressPath(run.summary.runDir), p).catch(() => undefined);
    });
    proc.send({ type: 'start', runDir: run.summary.runDir, config: run.config });
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
    const run = this.active.get(runId);
    if (!run) {
      const s = await this.store.readStatus(runId);
      if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
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
    const run = this.active.get(runId);
    if (run) {
      await run.exited;
      await run.writes;
    }
    const s = await this.store.readStatus(runId);
    if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
    return s;
  }

  private async setPaused(runId: string, paused: boolean): Promise<RunSummary> {
    const run = this.active.get(runId);
    if (!run) {
      const s = await this.store.readStatus(runId);
      if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
      throw new LabError(`run ${runId} is ${s.status}; only a running run can be paused or resumed (a stopped one can be continued from its last checkpoint)`, 'invalid');
    }
    if (!run.proc) throw new LabError(`run ${runId} is still queued`, 'invalid');
    if (paused === (run.summary.status === 'paused')) return { ...run.summary };
    run.proc.send({ type: paused ? 'pause' : 'resume' });
    this.updateSummary(run, { status: paused ? 'paused' : 'running' });
    return { ...run.summary };
  }

  /** A new run that starts from another run's latest saved policy (final, else last checkpoint). */
  async continueRun(runId: string, steps?: number): Promise<RunSummary> {
    if (this.active.has(runId)) throw new LabError(`run ${runId} is still active; stop it first`, 'invalid');
    const s = await this.store.readStatus(runId);
    if (!s) throw new LabError(`no run "${runId}"`, 'not-found');
    const from = await this.latestPolicyDir(runId);
    if (!from) throw new LabError(`run ${runId} has no saved policy or checkpoint to continue from`, 'invalid');
    const config = (await this.store.readConfig(runId)) as unknown as TrainerConfig;
    // Default: what the source run had left of its budget, or (if it used it all) its whole budget again.
    const left = config.totalSteps - s.steps;
    const remaining = Math.max(1, Math.round(steps ?? (left > 0 ? left : config.totalSteps)));
    const summary = await this.startRun(
      {
        env: config.env,
        envOptions: config.envOptions as Record<string, number | boolean>,
        algo: config.algo,
        seed: config.seed,
        steps: remaining,
        preset: config.preset ?? 'none',
        hyperparameters: config.hyperparameters,
        backend: config.backend === 'auto' ? undefined : config.backend,
        engine: config.engine,
        name: s.name ? `${s.name} (continued)` : undefined,
        evalEpisodes: config.evalEpisodes,
        evalEvery: config.evalEvery ?? 0,
        checkpointSeconds: config.checkpointSeconds,
        stopWhenSolved: config.stopWhenSolved,
        maxEpisodes: 0,
        tags: s.tags ?? [],
        force: config.force ?? false,
      },
      { initPolicy: from, continuesRunId: runId },
    );
    return summary;
  }

  /** The newest policy folder of a run: policy/, else the highest checkpoints/step-N/. */
  async latestPolicyDir(runId: string): Promise<string | null> {
    const dir = this.store.runDir(runId);
    if (existsSync(join(dir, 'policy', 'policy.json'))) return join(dir, 'policy');
    const cps = await this.checkpoints(runId);
    return cps.length ? cps[cps.length - 1].dir : null;
  }

  private async checkpoints(runId: string): Promise<{ step: number; dir: string }[]> {
    const root = join(this.store.runDir(runId), 'checkpoints');
    if (!existsSync(root)) return [];
    return (await readdir(root))
      .map((n) => ({ step: Number(/^step-(\d+)$/.exec(n)?.[1] ?? NaN), dir: join(root, n) }))
      .filter((c) => Number.isFinite(c.step) && existsSync(join(c.dir, 'policy.json')))
      .sort((a, b) => a.step - b.step);
  }

  async updateRun(runId: string, p: { name?: string | null; tags?: string[] }): Promise<RunSummary> {
    const patch: Partial<RunSummary> = {};
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
    this.emit('run:status', next);
    return next;
  }

  async deleteRun(runId: string): Promise<{ runId: string; deleted: true }> {
    if (this.active.has(runId)) throw new LabError(`run ${runId} is active; stop it before deleting it`, 'invalid');
    const dir = this.store.runDir(runId);
    if (!existsSync(dir)) throw new LabError(`no run "${runId}"`, 'not-found');
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
    for (const k of this.policyCache.keys()) if (k.startsWith(dir + sep)) this.policyCache.delete(k);
    this.emit('run:deleted', { runId });
    return { runId, deleted: true };
  }

  async exportRun(runId: string, format: 'csv' | 'json' | 'policy-zip'): Promise<RunExport> {
    const detail = await this.getRun(runId);
    if (format === 'json') {
      return { fileName: `${runId}.json`, mime: 'application/json', text: JSON.stringify(detail, null, 1) };
    }
    if (format === 'csv') return { fileName: `${runId}-metrics.csv`, mime: 'text/csv', text: metricsCsv(detail.metrics) };
    const dir = await this.latestPolicyDir(runId);
    if (!dir) throw new LabError(`run ${runId} has no saved policy`, 'not-found');
    const { zipFolder } = await import('./runs/zip.ts');
    return { fileName: `${runId}-policy.zip`, mime: 'application/zip', dataBase64: Buffer.from(await zipFolder(dir)).toString('base64') };
  }

  async listRuns(): Promise<RunSummary[]> {
    await this.recovered;
    const onDisk = await this.store.list();
    return onDisk.map((s) => (this.active.has(s.runId) ? { ...this.active.get(s.runId)!.summary } : s));
  }

  async getRun(runId: string): Promise<ResultTypes['getRun']> {
    const active = this.active.get(runId);
    const summary = active ? { ...active.summary } : await this.store.readStatus(runId);
    if (!summary) throw new LabError(`no run "${runId}"`, 'not-found');
    const dir = this.store.runDir(runId);
    return { summary, config: await this.store.readConfig(runId), metrics: await readMetrics(dir) };
  }

  /**
   * Runs a lab that died left "running" or "queued". A run whose process still trains (progress.json
   * names a live pid) is left to finish: it writes its own end into status.json. Any other is rebuilt
   * from its folder — progress from its metrics (or progress.json), the policy if one was saved — and marked crashed;
   * its files are kept as they are, and it can be continued from its last checkpoint.
   */
  private async recoverInterrupted(): Promise<void> {
    await this.store.sweepPartial();
    const runs = await this.store.list().catch(() => []);
    for (const s of runs) {
      if (s.status !== 'running' && s.status !== 'queued') continue;
      const progress = await readProgress(s.runDir);
      // Still training: its own process writes how it ends (writing status.json here could overwrite that).
      if (progress && processAlive(progress.pid) && progress.pid !== process.pid) continue;
      // Whichever record went further: the metrics normally (appended every 100 ms), else progress.json.
      const logged = progressFromMetrics(await readMetrics(s.runDir));
      const rebuilt =
        progress && progress.steps > logged.steps
          ? { steps: progress.steps, episodes: progress.episodes, mean100: progress.mean100, best100: progress.best100, wallSeconds: progress.wallSeconds }
          : logged;
      await this.store
        .writeStatus({
          ...s,
          ...rebuilt,
          status: 'crashed',
          hasPolicy: existsSync(join(s.runDir, 'policy', 'policy.json')),
          error: 'interrupted: the lab and this run stopped while it trained; its metrics and checkpoints are kept, and it can be continued from the last checkpoint',
        })
        .catch(() => undefined);
    }
  }

  // ---------------- policies ----------------

  async listPolicies(): Promise<PolicyInfo[]> {
    const out: PolicyInfo[] = [];
    for (const s of await this.listRuns()) {
      const base = { env: s.env, algo: s.algo, runId: s.runId, envOptions: s.envOptions };
      const runLabel = `${s.env} · ${s.algo} · seed ${s.seed} · ${s.name ?? s.runId}`;
      const dir = join(s.runDir, 'policy');
      if (existsSync(join(dir, 'policy.json'))) {
        out.push({ ...base, path: dir, label: runLabel, steps: s.steps, evalMean: s.evalMean, source: 'run' });
      }
      const best = join(s.runDir, 'best');
      if (s.bestEval && existsSync(join(best, 'policy.json'))) {
        const at = s.bestEval.step.toLocaleString('en-US');
        out.push({ ...base, path: best, label: `${runLabel} · checkpoint @ ${at} · best evaluation ${s.bestEval.mean.toFixed(1)}`, steps: s.bestEval.step, evalMean: s.bestEval.mean, source: 'checkpoint' });
      }
      for (const cp of await this.checkpoints(s.runId)) {
        out.push({ ...base, path: cp.dir, label: `${runLabel} · checkpoint @ ${cp.step.toLocaleString('en-US')}`, steps: cp.step, evalMean: null, source: 'checkpoint' });
      }
    }
    for (const [root, source] of [
      [this.opts.resourcesDir ? join(this.opts.resourcesDir, 'policies') : null, 'demo'],
      [this.importsDir, 'file'],
    ] as const) {
      if (!root || !existsSync(root)) continue;
      for (const name of (await readdir(root)).sort()) {
        const dir = join(root, name);
        try {
          const p = await this.policy(dir);
          out.push({ path: dir, label: `${source === 'demo' ? 'demo' : 'imported'} · ${name}`, env: p.meta.env, algo: p.meta.algo, steps: p.meta.steps, evalMean: p.meta.evalMean ?? null, source });
        } catch {
          /* unreadable folders are skipped in the list; loading one directly reports why */
        }
      }
    }
    return out;
  }

  async importPolicy(files: { name: string; dataBase64: string }[]): Promise<PolicyInfo> {
    // Only a policy folder's own files are kept (whatever else was picked is ignored), each once.
    const kept = files.filter((f) => IMPORTABLE_FILES.has(f.name));
    if (!kept.some((f) => f.name === 'policy.json')) throw new LabError(`no policy.json among the files (a policy is ${[...IMPORTABLE_FILES].join(', ')})`, 'invalid');
    const names = kept.map((f) => f.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new LabError(`${twice} was given twice`, 'invalid');
    const id = `import-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    const dir = join(this.importsDir, id);
    const { rm } = await import('node:fs/promises');
    try {
      await mkdir(dir, { recursive: true });
      for (const f of kept) await writeFile(join(dir, f.name), Buffer.from(f.dataBase64, 'base64'));
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw new LabError(`could not store the imported policy: ${writeProblem(err)}`, 'failed');
    }
    let p: LoadedPolicy;
    try {
      await checkPolicyFolder(dir); // bounded checks here: a hostile folder is refused at once
      await checkPolicyOffThread(dir); // then a real load where a file that got past them cannot stall this process
      p = await this.policy(dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new LabError((err as Error).message, 'invalid');
    }
    return { path: dir, label: `imported · ${id}`, env: p.meta.env, algo: p.meta.algo, steps: p.meta.steps, evalMean: p.meta.evalMean ?? null, source: 'file' };
  }

  private checkPolicyPath(path: string): string {
    const abs = resolve(path);
    if (this.opts.allowAnyPolicyPath) return abs;
    const roots = [this.store.root, this.importsDir, this.opts.resourcesDir].filter((r): r is string => !!r).map((r) => resolve(r) + sep);
    if (!roots.some((r) => abs.startsWith(r))) throw new LabError('policies can only be loaded from the runs library, imported files or bundled demos', 'invalid');
    return abs;
  }

  private async policy(path: string): Promise<LoadedPolicy> {
    const abs = this.checkPolicyPath(path);
    const cached = this.policyCache.get(abs);
    if (cached) return cached;
    if (!this.backendName) this.backendName = (await initBackend('auto')).name;
    const p = await loadPolicy(abs);
    this.policyCache.set(abs, p);
    return p;
  }

  async rollout(p: ParsedRequest<'rollout'>): Promise<RolloutResult> {
    await ensureEnvReady(p.env);
    let env;
    try {
      env = makeEnv(p.env, p.envOptions);
    } catch (err) {
      throw new LabError((err as Error).message, 'invalid');
    }
    try {
      let actor: Actor;
      const loaded = p.policy ? await this.policy(p.policy) : null;
      const source: ActorSource = loaded ? { policy: loaded, deterministic: p.deterministic } : { agent: p.agent ?? 'random' };
      try {
        actor = makeActor(source, env, p.env, p.envOptions, p.seed);
      } catch (err) {
        throw new LabError((err as Error).message, 'invalid');
      }
      const ep = runEpisode(env, actor, { seed: p.seed, maxSteps: p.maxSteps ?? envSpec(p.env).maxEpisodeSteps });
      const obs = [ep.resetObs, ...ep.steps.map((s) => s.obs)];
      return {
        env: p.env,
        seed: p.seed,
        frames: ep.frames,
        obs,
        actions: ep.steps.map((s) => (typeof s.action === 'number' ? [s.action] : s.action)),
        rewards: ep.steps.map((s) => s.reward),
        // X-ray at the observation each action was chosen from (the final obs has no action).
        ...(loaded ? xray(loaded as unknown as XrayPolicy, obs.slice(0, ep.length)) : {}),
        return: ep.return,
        length: ep.length,
        terminated: ep.terminated,
        truncated: ep.truncated,
      };
    } finally {
      env.close();
    }
  }

  async insights(p: ParsedRequest<'insights'>): Promise<InsightGrid> {
    const policy = await this.policy(p.policy);
    const env = policy.meta.env;
    const obsDim = flatDim(policy.observationSpace);
    const labels = OBS_LABELS[env];
    const actions = ACTION_LABELS[env];
    try {
      return insightGrid(policy as unknown as XrayPolicy, env, obsDim, p, {
        x: labels[p.xDim] ?? `obs[${p.xDim}]`,
        y: labels[p.yDim] ?? `obs[${p.yDim}]`,
        action: policy.actionSpace.kind === 'discrete' ? `P(${actions[p.actionIndex] ?? `action ${p.actionIndex}`})` : `mean action[${p.actionIndex}]`,
      });
    } catch (err) {
      throw new LabError((err as Error).message, 'invalid');
    }
  }

  /** The same episode as rollout() (same seed, same actor), encoded as a GIF from the shared scene. */
  async exportGif(p: ParsedRequest<'exportGif'>): Promise<GifExport> {
    const ep = await this.rollout(p);
    const { encodeGif } = await import('./media/gif.ts');
    const gif = await encodeGif(ep.frames, { fps: p.fps, scale: p.scale });
    const who = p.policy ? 'policy' : (p.agent ?? 'random');
    return {
      fileName: `${p.env}-${who}-seed${p.seed}.gif`,
      dataBase64: Buffer.from(gif).toString('base64'),
      frames: ep.frames.length,
      bytes: gif.length,
      return: ep.return,
      length: ep.length,
    };
  }

  /** Stops every active run and waits for the processes to exit and their status files to be written. */
  async close(): Promise<void> {
    this.queue.length = 0;
    const waits: Promise<void>[] = [];
    for (const [id, run] of this.active) {
      waits.push(run.exited);
      void this.stopRun(id);
    }
    await Promise.all(waits);
    await Promise.all([...this.unsettled]);
  }
}

/** Episode rows then update rows, one header for all columns seen (metric names are the CLI's and the run folder's). */
export function metricsCsv(records: readonly MetricRecord[]): string {
  const cols: string[] = ['kind', 'step'];
  for (const r of records) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  const lines = [cols.join(',')];
  for (const r of records) lines.push(cols.map((c) => cell((r as unknown as Record<string, unknown>)[c])).join(','));
  return lines.join('\n') + '\n';
}
