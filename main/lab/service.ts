/**
 * LabService: the one API of the lab, in front of its parts: the run scheduler (runs/scheduler.ts),
 * the policy library (runs/policy-library.ts) and playback (playback.ts). Electron IPC, the
 * browser-mode WebSocket bridge (both through main/dispatch.ts) and the CLI are thin adapters over it.
 * It knows nothing of the bridges: requests arrive as domain types, events leave as RunEvents.
 */
import { join, resolve } from 'node:path';
import type { EnvInfo } from './domain/envs.ts';
import type { ExportGifParams, GifExport, InsightGrid, InsightsParams, PolicyInfo, RolloutParams, RolloutResult } from './domain/policies.ts';
import type { RecordedEpisodeFrames, RecordedGifParams, RunDetail, RunEvents, RunExport, RunRequest, RunSummary, StartRunRequest } from './domain/runs.ts';
import { LabError } from './domain/errors.ts';
import type { SweepEvents, SweepParams, SweepSummary } from './domain/sweeps.ts';
import { followSweep, startSweep, type RunningSweep, type SweepHost } from './sweeps/sweep-runner.ts';
import { getSweepRecord, listSweepRecords, sweepsToFollow, type SweepRecords } from './sweeps/sweep-records.ts';
import { algorithmDef } from './agents/registry.ts';
import { readRecordedEpisode } from './runs/run-media.ts';
import type { SystemInfo } from './domain/system.ts';
import { RunStore } from './runs/run-store.ts';
import type { RunLauncher } from './runs/launcher.ts';
import { QueueLauncher } from './queue/queue-launcher.ts';
import { RunScheduler, type CloseOptions } from './runs/scheduler.ts';
import { PolicyLibrary } from './runs/policy-library.ts';
import { Playback } from './playback.ts';
import type { TrainerConfig } from './training/trainer-config.ts';
import { ENV_IDS, ensureEnvReady, envOptionDefs, makeEnv } from './envs/registry.ts';
import { initBackend } from './nn/backend.ts';
import { resolveEngine } from './nn/fused/engine-choice.ts';
import { LAB_VERSION } from './version.ts';
import type { QueueProbe, QueueSettings } from './domain/queue.ts';
import { QueueChoice, type QueueChoiceOptions } from './queue/queue-choice.ts';
import { PresetStore, type PresetFields } from './runs/preset-store.ts';
import type { PresetList, SavePresetParams } from './domain/presets.ts';

/** Everything the lab tells listeners: the runs' events and the sweeps'. */
interface LabEvents extends RunEvents, SweepEvents {}
type Listener = <E extends keyof LabEvents>(event: E, payload: LabEvents[E]) => void;

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
  /** Where new runs train can be changed while the lab runs (the app's Settings): `launcher` trains them here, a queue elsewhere. */
  queue?: QueueChoiceOptions;
}

export class LabService {
  readonly store: RunStore;
  readonly importsDir: string;
  private readonly opts: LabServiceOptions;
  private readonly listeners = new Set<Listener>();
  private readonly runs: RunScheduler;
  private readonly policies: PolicyLibrary;
  private readonly playback: Playback;
  private backendName: Promise<string> | null = null;
  private readonly queueChoice: QueueChoice | null;
  private readonly presets: PresetStore;

  constructor(opts: LabServiceOptions) {
    this.opts = opts;
    this.store = new RunStore(opts.runsDir);
    this.importsDir = join(resolve(opts.runsDir), 'imported-policies');
    this.queueChoice = opts.queue ? new QueueChoice(opts.launcher, opts.queue) : null;
    this.runs = new RunScheduler({
      store: this.store,
      launcher: this.queueChoice?.launcher ?? opts.launcher,
      concurrency: opts.concurrency,
      emit: (event, payload) => this.emit(event, payload as LabEvents[typeof event]),
      // A sweep whose runs were not followed when the lab started goes on here once they are.
      onFollowed: () => void (this.sweepsFollowed = this.sweepsFollowed.then(() => this.followLeftSweeps()).catch(() => undefined)),
    });
    this.policies = new PolicyLibrary({
      store: this.store,
      importsDir: this.importsDir,
      legacyImportsDir: join(resolve(opts.runsDir), '..', 'imported-policies'),
      resourcesDir: opts.resourcesDir,
      allowAnyPolicyPath: opts.allowAnyPolicyPath,
      listRuns: () => this.runs.listRuns(),
      ensureBackend: () => this.backend(),
    });
    this.playback = new Playback(this.policies);
    this.presets = new PresetStore({ dir: this.store.root, checkRun: (req) => this.buildConfig(this.buildConfigRequest(req)) });
    this.sweepsFollowed = this.followLeftSweeps().catch(() => undefined);
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends keyof LabEvents>(event: E, payload: LabEvents[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        /* a broken listener must not break the run */
      }
    }
  }

  /** The TensorFlow.js backend this process uses, started once. */
  private backend(): Promise<string> {
    return (this.backendName ??= initBackend('auto').then((b) => b.name));
  }

  // ---------------- the lab ----------------

  async systemInfo(): Promise<SystemInfo> {
    const backend = await this.backend();
    return {
      version: LAB_VERSION,
      backend,
      engine: resolveEngine('auto', backend).name,
      runsDir: this.store.root,
      mode: this.opts.mode === 'electron' ? 'electron' : 'browser',
      concurrency: this.runs.concurrency(),
      canReveal: !!this.opts.reveal,
    };
  }

  async listEnvs(): Promise<EnvInfo[]> {
    await Promise.all(ENV_IDS.map((id) => ensureEnvReady(id)));
    return ENV_IDS.map((id) => {
      const env = makeEnv(id);
      const info: EnvInfo = {
        id,
        options: Object.entries(envOptionDefs(id)).map(([key, d]) => ({ key, ...d })),
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

  buildConfig(p: RunRequest): TrainerConfig {
    return this.runs.buildConfig(p);
  }

  /** Fills a startRun request's defaults the way the bridge's schema would (CLI, tests). */
  buildConfigRequest(p: StartRunRequest): RunRequest {
    return this.runs.buildConfigRequest(p);
  }

  /** `preset` may name a saved preset, here as everywhere a run or sweep is started (withSavedPreset). */
  async startRun(p: RunRequest, extra: { initPolicy?: string; continuesRunId?: string } = {}): Promise<RunSummary> {
    return this.runs.startRun(await this.withSavedPreset(p), extra);
  }

  /** One run per seed; every one is validated before any is queued, so a bad request queues nothing. */
  async startRuns(request: RunRequest, seeds: readonly number[]): Promise<RunSummary[]> {
    const p = await this.withSavedPreset(request);
    for (const seed of seeds) this.runs.buildConfig({ ...p, seed });
    const out: RunSummary[] = [];
    for (const seed of seeds) out.push(await this.runs.startRun({ ...p, seed }));
    return out;
  }

  stopRun(runId: string): Promise<RunSummary> {
    return this.runs.stopRun(runId);
  }

  setPaused(runId: string, paused: boolean): Promise<RunSummary> {
    return this.runs.setPaused(runId, paused);
  }

  waitForRun(runId: string): Promise<RunSummary> {
    return this.runs.waitForRun(runId);
  }

  /** Resume: the same run goes on from its last checkpoint up to `steps`, a new total budget (RunScheduler.continueRun). */
  continueRun(runId: string, steps?: number): Promise<RunSummary> {
    return this.runs.continueRun(runId, steps);
  }

  latestPolicyDir(runId: string): Promise<string | null> {
    return this.store.latestPolicyDir(runId);
  }

  updateRun(runId: string, p: { name?: string | null; tags?: string[]; notes?: string | null }): Promise<RunSummary> {
    return this.runs.updateRun(runId, p);
  }

  async deleteRun(runId: string): Promise<{ runId: string; deleted: true }> {
    const r = await this.runs.deleteRun(runId);
    this.policies.forget(this.store.runDir(runId));
    return r;
  }

  exportRun(runId: string, format: 'csv' | 'json' | 'policy-zip'): Promise<RunExport> {
    return this.runs.exportRun(runId, format);
  }

  async revealRun(runId: string): Promise<{ revealed: boolean }> {
    if (!this.opts.reveal) return { revealed: false };
    await this.opts.reveal(this.store.runDir(runId));
    return { revealed: true };
  }

  listRuns(): Promise<RunSummary[]> {
    return this.runs.listRuns();
  }

  getRun(runId: string): Promise<RunDetail> {
    return this.runs.getRun(runId);
  }

  // ---------------- policies and playback ----------------

  listPolicies(): Promise<PolicyInfo[]> {
    return this.policies.list();
  }

  importPolicy(files: { name: string; dataBase64: string }[], name?: string): Promise<PolicyInfo> {
    return this.policies.import(files, name);
  }

  rollout(p: RolloutParams): Promise<RolloutResult> {
    return this.playback.rollout(p);
  }

  insights(p: InsightsParams): Promise<InsightGrid> {
    return this.playback.insights(p);
  }

  exportGif(p: ExportGifParams): Promise<GifExport> {
    return this.playback.exportGif(p);
  }

  // ---------------- saved presets (runs/preset-store.ts) ----------------

  listPresets(): Promise<PresetList> {
    return this.presets.list();
  }

  savePreset(p: SavePresetParams): Promise<PresetList> {
    return this.presets.save(p);
  }

  deletePreset(name: string): Promise<PresetList> {
    return this.presets.delete(name);
  }

  /** A run or sweep request naming a saved preset, as the request it stands for (built-in names win). */
  withSavedPreset<R extends PresetFields>(req: R): Promise<R> {
    return this.presets.apply(req);
  }

  // ---------------- sweeps ----------------

  /** Where sweep records are kept (beside the runs, which carry the sweep's tag). */
  get sweepsDir(): string {
    return join(this.store.root, 'sweeps');
  }

  /** Sweeps this lab runs now, by id: their latest records. */
  private readonly liveSweeps = new Map<string, SweepSummary>();
  private readonly sweepStops = new Map<string, () => Promise<void>>();

  /** Sweeps an earlier lab left running whose runs this lab follows again (on a queue): going on here once it has recovered. */
  private sweepsFollowed: Promise<void>;

  /** Plans and checks every run of the sweep, then queues them all; `done` resolves when all have ended. */
  async startSweep(p: SweepParams): Promise<RunningSweep> {
    return this.track(await startSweep(this.sweepHost(), await this.withSavedPreset(p)));
  }

  /** A sweep the lab left running when it closed or died, its runs training on a job queue: not interrupted, it goes on here. */
  private async followLeftSweeps(): Promise<void> {
    const active = await this.runs.activeRuns();
    for (const record of await sweepsToFollow(this.sweepRecords, (runId) => active.has(runId))) this.track(followSweep(this.sweepHost(), record));
  }

  private sweepHost(): SweepHost {
    return {
      rules: (algo) => algorithmDef(algo).rules,
      envOptions: (env) => envOptionDefs(env),
      checkRun: (req) => this.buildConfig(req),
      startRun: (req) => this.runs.startRun(req), // its preset is already a built-in one's (or none)
      stopRun: (id) => this.stopRun(id),
      updateRun: (id, u) => this.updateRun(id, u),
      waitForRun: (id) => this.waitForRun(id),
      onMetrics: (listener) =>
        this.on((event, payload) => {
          if (event === 'run:metrics') listener((payload as RunEvents['run:metrics']).runId, (payload as RunEvents['run:metrics']).records);
        }),
      onStatus: (listener) =>
        this.on((event, payload) => {
          if (event === 'run:status') listener(payload as RunSummary);
        }),
      changed: (summary) => {
        this.liveSweeps.set(summary.sweepId, summary);
        this.emit('sweep:updated', summary);
      },
      sweepsDir: this.sweepsDir,
    };
  }

  /** A sweep this lab runs: listed live, stoppable, until it ends. */
  private track(running: RunningSweep): RunningSweep {
    const id = running.summary.sweepId;
    if (!this.liveSweeps.has(id)) this.liveSweeps.set(id, running.summary); // a followed sweep, before its record changes
    this.sweepStops.set(id, running.stop);
    void running.done
      .catch(() => undefined)
      .finally(() => {
        this.liveSweeps.delete(id);
        this.sweepStops.delete(id);
      });
    return running;
  }

  private get sweepRecords(): SweepRecords {
    return { dir: this.sweepsDir, live: this.liveSweeps, readStatus: (id) => this.store.readStatus(id) };
  }

  /** Every sweep in the runs folder, newest first; one an earlier lab left unfinished shows its runs' real statuses. */
  async listSweeps(): Promise<SweepSummary[]> {
    await this.sweepsFollowed;
    return listSweepRecords(this.sweepRecords);
  }

  async getSweep(sweepId: string): Promise<SweepSummary> {
    await this.sweepsFollowed;
    return getSweepRecord(this.sweepRecords, sweepId);
  }

  /** Stops a sweep this lab is running: its queued runs never start, its running ones stop (saving their policies). */
  async stopSweep(sweepId: string): Promise<SweepSummary> {
    await this.sweepsFollowed;
    const stop = this.sweepStops.get(sweepId);
    if (stop) await stop();
    return this.getSweep(sweepId);
  }

  // ---------------- recorded training episodes ----------------

  async recordedEpisode(runId: string, index: number): Promise<RecordedEpisodeFrames> {
    const ep = await readRecordedEpisode(this.store.runDir(runId), index);
    if (!ep) throw new LabError(`run ${runId} has no recorded episode ${index}`, 'not-found');
    return ep;
  }

  /** A recorded training episode as a GIF, drawn by the same scene as every other GIF. */
  async exportRecordedGif(p: RecordedGifParams): Promise<GifExport> {
    const ep = await this.recordedEpisode(p.runId, p.index);
    const { encodeGif } = await import('./media/gif.ts');
    const { expandFrames } = await import('./media/frames.ts');
    const gif = await encodeGif(expandFrames(ep), { fps: p.fps, scale: p.scale });
    return {
      fileName: `${p.runId}-episode-${ep.episode}.gif`,
      dataBase64: Buffer.from(gif).toString('base64'),
      frames: ep.frames.length,
      bytes: gif.length,
      return: ep.return,
      length: ep.length,
    };
  }

  // ---------------- where runs train (this machine or a job queue) ----------------

  /** Where new runs go, and the queue's state now (workers online), without its password. */
  async queueSettings(): Promise<QueueSettings> {
    if (this.queueChoice) return this.queueChoice.settings(this.runs.concurrency());
    // A lab started with a fixed launcher (the CLI's train and sweep): what it was given.
    const fixed = this.opts.launcher instanceof QueueLauncher ? this.opts.launcher.address.display : null;
    return {
      queue: fixed,
      pinnedBy: fixed ? '--queue' : null,
      savedIn: 'nowhere (this lab keeps no settings)',
      problem: null,
      cores: this.runs.concurrency(),
      status: null,
    };
  }

  /** Looks at a queue address: reachable, how many workers, or why not. */
  testQueue(url: string): Promise<QueueProbe> {
    if (!this.queueChoice) throw new LabError('this lab keeps no queue setting', 'invalid');
    return this.queueChoice.test(url);
  }

  /** New runs go to this queue (empty: this machine), kept for the next start; runs already started stay where they are. */
  async saveQueue(url: string): Promise<QueueSettings> {
    if (!this.queueChoice) throw new LabError('this lab keeps no queue setting', 'invalid');
    const settings = await this.queueChoice.save(url, this.runs.concurrency());
    void this.runs.followAgain(); // runs an earlier lab left on this queue are followed from now on
    return settings;
  }

  /** Resolves once the queue chosen at start answers (at once without one). */
  queueReady(): Promise<void> {
    return this.queueChoice?.ready() ?? Promise.resolve();
  }

  /**
   * Stops every active run and waits for the processes to exit and their status files to be written;
   * `leaveQueueRuns` (the app quitting, `serve` stopping) leaves runs on a job queue training instead,
   * for the next lab on that queue to follow again. Returns how many were left training.
   */
  async close(opts: CloseOptions = {}): Promise<{ leftTraining: number }> {
    const closed = await this.runs.close(opts);
    await this.queueChoice?.close();
    return closed;
  }
}
