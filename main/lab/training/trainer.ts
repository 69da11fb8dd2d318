/**
 * The training loop: backend → vec env → algorithm → iterate until the step budget, a stop request
 * or (optionally) "solved"; streams episode/update records, progress and env-0 episode frames through
 * hooks; saves checkpoints and the final policy; ends with a deterministic evaluation on seeds the
 * training never used.
 */
import { basename, join } from 'node:path';
import type { BestEval, EpisodeFramesEvent, EpisodeRecord, ProgressEvent, RunSummary, UpdateRecord } from '../domain/runs.ts';
import type { RenderState } from '../domain/envs.ts';
import { MlpPolicy, NonFiniteLossError, type Algorithm } from '../agents/algorithm.ts';
import { createAlgorithm } from '../agents/registry.ts';
import type { Env } from '../envs/env.ts';
import { npRandom, type Generator } from '../envs/numpy-rng.ts';
import { CollapseWatch } from './collapse.ts';
import { ensureEnvReady, makeEnv, makeVecEnv } from '../envs/registry.ts';
import { initBackend } from '../nn/backend.ts';
import { resolveEngine, type EngineName } from '../nn/fused/engine-choice.ts';
import { evaluatePolicy } from './evaluate.ts';
import { loadPolicy, savePolicy, type LoadedPolicy } from '../runs/policy-file.ts';
import { DiagGaussian } from '../nn/distributions.ts';
import { Mlp } from '../nn/mlp.ts';
import { QNetworkPolicy } from '../agents/q-network-policy.ts';
import { QTablePolicy } from '../agents/q-learning.ts';
import type { TrainerConfig } from './trainer-config.ts';
import { pruneTrainingStates, readFolderFiles, readTrainingState, restoreFolder, writeTrainingState, type TrainingState } from './training-state.ts';

export interface TrainHooks {
  /** Run folder for checkpoints/ and policy/; null/undefined = save nothing (benchmarks, tests). */
  runDir?: string | null;
  /** The backend the run got and the engine resolved for it. */
  onBackend?(backend: string, engine: EngineName): void;
  onEpisode?(rec: EpisodeRecord): void;
  onUpdate?(rec: UpdateRecord): void;
  onProgress?(p: Omit<ProgressEvent, 'runId'>): void;
  /** A problem the run should show while it goes on (a collapsed policy). */
  onWarning?(message: string): void;
  /** Every finished episode of env 0 with a frame per step (the caller throttles). */
  onEpisodeFrames?(f: Omit<EpisodeFramesEvent, 'runId'>): void;
  /**
   * Resume: a checkpoint folder of this run whose training state (training-state.ts) the run goes on
   * from — same steps, episodes, optimizer, random streams and (where it can be captured) env state.
   */
  resumeFrom?: string | null;
  /** A resumed run has restored its state (before its first iteration). */
  onResumed?(r: ResumeInfo): void;
}

/** What a resume restored. */
export interface ResumeInfo {
  steps: number;
  episodes: number;
  /** Finished episodes of the first env so far (the episode recorder's count). */
  env0Episodes: number;
  /** The optimizer's state (and the algorithm's other state) came back; else it starts afresh. */
  algorithmRestored: boolean;
  /** The envs went on mid-episode; else (an env that cannot be captured) they started fresh episodes. */
  envRestored: boolean;
}

export interface TrainControl {
  stopRequested(): boolean;
  /** While true the loop waits between iterations (the clock used for SPS, ETA and wall time stops too). */
  pauseRequested?(): boolean;
  /** Cores the run may use now (absent: 1); asked before every iteration. */
  threads?(): number;
}

/** How a training ended: the run summary's progress and result fields, as the trainer knows them. */
export type TrainResult = Pick<
  RunSummary,
  | 'steps'
  | 'totalSteps'
  | 'episodes'
  | 'wallSeconds'
  | 'solved'
  | 'solvedAtStep'
  | 'solvedAtEpisode'
  | 'solvedAtSeconds'
  | 'mean100'
  | 'evalMean'
  | 'evalStd'
  | 'backend'
  | 'hasPolicy'
> & {
  status: 'finished' | 'solved' | 'stopped';
  /** The resolved training engine. */
  engine: EngineName;
  /** The best periodic evaluation (config.evalEvery), whose policy is in best/; null if none ran. */
  bestEval: BestEval | null;
  /** Set when the run saw its policy collapse (collapse.ts); the run still ends normally. */
  warning: string | null;
};

/** At least this often (training seconds; config.checkpointSeconds) a run with checkpoints saves one, on top of its step schedule. */
export const CHECKPOINT_SECONDS = 60;

/** Episodes per periodic evaluation: SB3's EvalCallback uses 5; 10 halves the noise for little cost. */
export const PERIODIC_EVAL_EPISODES = 10;

/** Offset of evaluation seeds from the run seed: training uses seed … seed + n_envs − 1 (n_envs ≤ 256). */
export const EVAL_SEED_OFFSET = 1_000_000;

/**
 * The algorithm's own random stream, independent of the envs' (sub-env i is seeded seed + i through
 * the same SeedSequence, so reusing `seed` here would correlate init/sampling with env 0's resets).
 */
export function algorithmRng(seed: number): Generator {
  return npRandom((BigInt(seed) << 64n) | 0x5eeda160n);
}

export async function train(config: TrainerConfig, hooks: TrainHooks = {}, control: TrainControl = { stopRequested: () => false }): Promise<TrainResult> {
  const backend = await initBackend(config.backend);
  const engine = resolveEngine(config.engine ?? 'auto', backend.name);
  hooks.onBackend?.(backend.name, engine.name);

  // Complete and checked where the configuration was built (runs/scheduler.ts); trusted here.
  const hp = config.hyperparameters;
  const nEnvs = typeof hp.n_envs === 'number' ? hp.n_envs : 1;
  if (!Number.isSafeInteger(config.totalSteps) || config.totalSteps < 1) throw new Error(`totalSteps must be a positive integer, got ${config.totalSteps}`);
  await ensureEnvReady(config.env);
  const vecEnv = makeVecEnv(config.env, nEnvs, config.envOptions);
  const spec = vecEnv.spec;
  const runDir = hooks.runDir ?? null;
  let algo: Algorithm | null = null;

  // Read (and checked) before anything is built: a damaged state is a clear error, not a crash midway.
  let resumed: TrainingState | null = null;
  if (hooks.resumeFrom) {
    try {
      resumed = readTrainingState(hooks.resumeFrom);
    } catch (err) {
      throw new Error(`cannot resume from checkpoint ${basename(hooks.resumeFrom)}: ${(err as Error).message}`);
    }
    const differs = (['env', 'algo', 'seed', 'numEnvs'] as const).find(
      (k) => resumed![k] !== { env: config.env, algo: config.algo, seed: config.seed, numEnvs: nEnvs }[k],
    );
    if (differs) throw new Error(`cannot resume from checkpoint ${basename(hooks.resumeFrom)}: it was saved by a run with another ${differs}`);
  }

  const t0 = performance.now();
  // Time spent paused or in periodic evaluation: off the training clock (SPS, ETA and wall time).
  let offClockMs = 0;
  // A resumed run's clock goes on from where it stopped.
  const wallBase = resumed?.wallSeconds ?? 0;
  const wall = () => wallBase + (performance.now() - t0 - offClockMs) / 1000;
  let steps = 0;
  let episodes = 0;
  let updates = 0;
  const last100: number[] = [];
  let solvedAtStep: number | null = null;
  let solvedAtEpisode: number | null = null;
  let solvedAtSeconds: number | null = null;
  const collapse = new CollapseWatch(vecEnv.actionSpace.kind === 'discrete' ? vecEnv.actionSpace.n : null);
  let warning: string | null = null;
  let nextCheckpoint = config.checkpointEvery > 0 ? config.checkpointEvery : Infinity;
  // Also on the clock: a crash (or kill) loses at most CHECKPOINT_SECONDS of training, whatever the step budget.
  let lastCheckpointWall = wallBase;
  let lastCheckpointStep = -1;
  const evalEvery = config.evalEvery ?? 0;
  if (!Number.isSafeInteger(evalEvery) || evalEvery < 0) throw new Error(`evalEvery must be a non-negative integer, got ${evalEvery}`);
  let nextEval = evalEvery > 0 ? evalEvery : Infinity;
  let bestEval: BestEval | null = null;
  let evalEnv: Env | null = null;
  const wantFrames = !!hooks.onEpisodeFrames;
  let frames: RenderState[] = [];
  let env0Episodes = 0;
  // What the ETA counts down to: the budget in whole iterations (RunConfig.plannedSteps).
  const plannedSteps = Math.max(config.plannedSteps ?? config.totalSteps, config.totalSteps);

  // Summed afresh (100 adds) rather than kept as a running sum, so no rounding drift near the threshold.
  const mean100 = () => (last100.length ? last100.reduce((a, b) => a + b, 0) / last100.length : null);
  const saveTo = async (dir: string, evalMean: number | null = null, evalStd: number | null = null) => {
    await savePolicy(dir, algo!.policy, {
      env: config.env,
      envOptions: config.envOptions,
      algo: config.algo,
      steps,
      evalMean,
      evalStd,
      critic: criticOf(algo!),
    });
  };

  /** Everything beyond the policy folder that a resumed run needs (saved with every checkpoint). */
  const captureState = (): TrainingState => {
    const envSnap = vecEnv.snapshot?.() ?? null;
    return {
      env: config.env,
      algo: config.algo,
      seed: config.seed,
      engine: engine.name,
      numEnvs: vecEnv.numEnvs,
      steps,
      episodes,
      updates,
      wallSeconds: wall(),
      last100: [...last100],
      solvedAtStep,
      solvedAtEpisode,
      solvedAtSeconds,
      collapse: collapse.getState(),
      warning,
      bestEval,
      env0Episodes,
      env0Frames: envSnap && wantFrames ? [...frames] : null,
      rng: rng.getState(),
      vecEnv: envSnap,
      algorithm: algo!.trainingState?.() ?? null,
      // best/ with the state: a resume from here puts it back as it is now (bestEval describes it).
      ...(runDir ? { bestPolicy: readFolderFiles(join(runDir, 'best')) } : {}),
    };
  };
  const saveCheckpoint = async () => {
    const dir = join(runDir!, 'checkpoints', `step-${steps}`);
    await saveTo(dir);
    writeTrainingState(dir, captureState());
    pruneTrainingStates(join(runDir!, 'checkpoints'));
    lastCheckpointStep = steps;
  };

  const rng = algorithmRng(config.seed);
  try {
    vecEnv.reset(config.seed);
    algo = createAlgorithm(config.algo, { vecEnv, hyperparameters: hp, rng, engine: engine.name });
    if (config.initPolicy) await initFromPolicy(algo, config.initPolicy);
    if (wantFrames) frames = [vecEnv.renderState(0)];
    if (resumed) {
      const r = resumed;
      if (r.engine !== engine.name) throw new Error(`cannot resume: the run trained on the ${r.engine} engine and this one resolves to ${engine.name}`);
      await restoreWeights(algo, hooks.resumeFrom!);
      rng.setState(r.rng);
      ({ steps, episodes, updates, solvedAtStep, solvedAtEpisode, solvedAtSeconds, warning, bestEval, env0Episodes } = r);
      last100.push(...r.last100);
      collapse.setState(r.collapse);
      const algorithmRestored = !!(r.algorithm && algo.restoreTrainingState);
      // The envs go on mid-episode only when the algorithm's own state (its half-collected episodes) comes back too.
      const envRestored = algorithmRestored && !!(r.vecEnv && vecEnv.restore);
      try {
        if (envRestored) vecEnv.restore!(r.vecEnv!);
        else vecEnv.reset((config.seed + steps) % 2 ** 31); // fresh episodes, on seeds the run has not started from
        if (algorithmRestored) algo.restoreTrainingState!(r.algorithm!, { freshEpisodes: !envRestored });
      } catch (err) {
        throw new Error(`cannot resume from checkpoint ${basename(hooks.resumeFrom!)}: ${(err as Error).message}`);
      }
      // A best policy found after the checkpoint came from training this resume drops: best/ goes back
      // to the checkpoint's, which bestEval (restored above) describes, and later evaluations must beat that.
      if (runDir && r.bestPolicy !== undefined) restoreFolder(join(runDir, 'best'), r.bestPolicy);
      if (wantFrames) frames = envRestored && r.env0Frames ? [...r.env0Frames] : [vecEnv.renderState(0)];
      if (config.checkpointEvery > 0) nextCheckpoint = (Math.floor(steps / config.checkpointEvery) + 1) * config.checkpointEvery;
      if (evalEvery > 0) nextEval = (Math.floor(steps / evalEvery) + 1) * evalEvery;
      lastCheckpointStep = steps;
      hooks.onResumed?.({ steps, episodes, env0Episodes, algorithmRestored, envRestored });
    }

    const onEnvStep = () => {
      steps += vecEnv.numEnvs;
      let env0Done = false;
      for (const ep of vecEnv.finishedEpisodes) {
        episodes++;
        const rec: EpisodeRecord = {
          kind: 'episode',
          step: steps,
          episode: episodes,
          return: ep.return,
          length: ep.length,
          outcome: ep.terminated ? 'terminated' : 'truncated',
          wall: wall(),
        };
        hooks.onEpisode?.(rec);
        last100.push(ep.return);
        if (last100.length > 100) last100.shift();
        if (episodes === 100) collapse.startedAt(mean100()!);
        if (solvedAtStep === null && last100.length >= 100 && mean100()! >= spec.rewardThreshold) {
          solvedAtStep = steps;
          solvedAtEpisode = episodes;
          solvedAtSeconds = rec.wall;
        }
        if (ep.envIndex === 0) env0Episodes++;
        if (ep.envIndex === 0 && wantFrames) {
          // Same-step autoreset: env 0 already shows the next episode's first state; the terminal one is kept aside.
          frames.push(vecEnv.finalRenderState(0));
          hooks.onEpisodeFrames!({ episode: episodes, step: steps, return: ep.return, length: ep.length, frames });
          frames = [vecEnv.renderState(0)];
          env0Done = true;
        }
      }
      if (wantFrames && !env0Done) frames.push(vecEnv.renderState(0));
    };

    let status: TrainResult['status'] = 'finished';
    let lastYield = performance.now();
    while (steps < config.totalSteps && (!config.maxEpisodes || episodes < config.maxEpisodes)) {
      if (control.pauseRequested?.()) {
        const p0 = performance.now();
        while (control.pauseRequested() && !control.stopRequested()) await new Promise((r) => setTimeout(r, 50));
        offClockMs += performance.now() - p0;
        lastYield = performance.now();
      }
      if (control.stopRequested()) {
        status = 'stopped';
        break;
      }
      let res;
      try {
        res = await algo.iterate({ totalSteps: config.totalSteps, stepsDone: steps, onEnvStep, threads: control.threads?.() ?? 1 });
      } catch (err) {
        if (err instanceof NonFiniteLossError) {
          let saved = '';
          if (runDir) {
            await saveTo(join(runDir, 'policy'));
            saved = `; the last good policy was saved to ${join(runDir, 'policy')}`;
          }
          throw new Error(`training diverged at step ${steps}: ${err.message}${saved}`);
        }
        throw err;
      }
      updates++;
      const evalMetrics: Record<string, number> = {};
      if (steps >= nextEval) {
        while (nextEval <= steps) nextEval += evalEvery;
        const e0 = performance.now();
        evalEnv ??= makeEnv(config.env, config.envOptions);
        const ev = evaluatePolicy(algo.policy, evalEnv, { episodes: PERIODIC_EVAL_EPISODES, seed: (config.seed + EVAL_SEED_OFFSET) % 2 ** 32 });
        evalMetrics.eval_mean = ev.mean;
        evalMetrics.eval_std = ev.std;
        if (!bestEval || ev.mean > bestEval.mean) {
          bestEval = { step: steps, mean: ev.mean, std: ev.std };
          if (runDir) await saveTo(join(runDir, 'best'), ev.mean, ev.std);
        }
        offClockMs += performance.now() - e0;
      }
      const w = wall();
      const sps = w > 0 ? steps / w : 0;
      hooks.onUpdate?.({ kind: 'update', step: steps, update: updates, wall: w, sps, ...res.metrics, ...evalMetrics });
      const collapsed = collapse.update(res.metrics.entropy, mean100());
      if (collapsed) {
        warning = collapsed;
        hooks.onWarning?.(collapsed);
      }
      hooks.onProgress?.({
        step: steps,
        totalSteps: config.totalSteps,
        ...(plannedSteps !== config.totalSteps ? { plannedSteps } : {}),
        episodes,
        sps,
        // SPS here counts the run's own steps over its own seconds, resumed or not.
        etaSeconds: sps > 0 ? Math.max(0, plannedSteps - steps) / sps : null,
        mean100: mean100(),
      });
      if (runDir && (steps >= nextCheckpoint || (config.checkpointEvery > 0 && w - lastCheckpointWall >= (config.checkpointSeconds ?? CHECKPOINT_SECONDS)))) {
        lastCheckpointWall = w;
        await saveCheckpoint();
        while (nextCheckpoint <= steps) nextCheckpoint += config.checkpointEvery;
      }
      if (solvedAtStep !== null && config.stopWhenSolved) {
        status = 'solved';
        break;
      }
      // Let the event loop run (stop messages, the caller's flush timers) at least every 50 ms.
      if (performance.now() - lastYield > 50) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
    const wallSeconds = wall();
    // Stopped or finished: a checkpoint with its training state, so the run can be resumed (or extended) from here.
    if (runDir && steps > 0 && steps !== lastCheckpointStep) await saveCheckpoint();

    let evalMean: number | null = null;
    let evalStd: number | null = null;
    if (config.evalEpisodes > 0 && steps > 0) {
      evalEnv ??= makeEnv(config.env, config.envOptions);
      const ev = evaluatePolicy(algo.policy, evalEnv, { episodes: config.evalEpisodes, seed: (config.seed + EVAL_SEED_OFFSET) % 2 ** 32 });
      evalMean = ev.mean;
      evalStd = ev.std;
    }
    if (runDir) await saveTo(join(runDir, 'policy'), evalMean, evalStd);

    const m100 = mean100();
    hooks.onProgress?.({
      step: steps,
      totalSteps: config.totalSteps,
      ...(plannedSteps !== config.totalSteps ? { plannedSteps } : {}),
      episodes,
      sps: wallSeconds > 0 ? steps / wallSeconds : 0,
      etaSeconds: 0,
      mean100: m100,
    });
    return {
      status: solvedAtStep !== null && status === 'finished' ? 'solved' : status,
      steps,
      totalSteps: config.totalSteps,
      episodes,
      wallSeconds,
      solved: solvedAtStep !== null,
      solvedAtStep,
      solvedAtEpisode,
      solvedAtSeconds,
      mean100: m100,
      evalMean,
      evalStd,
      backend: backend.name,
      engine: engine.name,
      hasPolicy: !!runDir,
      bestEval,
      warning,
    };
  } finally {
    algo?.dispose();
    vecEnv.close();
    evalEnv?.close();
  }
}

/**
 * Starting from a saved policy: the acting network (and a Gaussian's log σ) take its weights, and so
 * does the critic when the folder has one (critic/) of the same shape. Used by resume (whose training
 * state then restores the optimizer) and by runs that start from another run's policy (whose
 * optimizer moments start fresh, so expect a short dip).
 */
export async function initFromPolicy(algo: Algorithm, dir: string): Promise<void> {
  const saved = await loadPolicy(dir);
  try {
    const target = algo.policy;
    if (!(target instanceof MlpPolicy) || !(saved instanceof MlpPolicy)) throw new Error(`${algo.id} cannot start from a saved policy`);
    const a = target.net.spec;
    const b = saved.net.spec;
    if (!sameNet(target.net, saved.net)) {
      throw new Error(`the saved policy's network (${b.netArch.join('×')} ${b.activation}) differs from this run's (${a.netArch.join('×')} ${a.activation})`);
    }
    target.net.setWeights(saved.net.getWeights());
    if (target.distribution instanceof DiagGaussian && saved.distribution instanceof DiagGaussian)
      target.distribution.setLogStd(saved.distribution.getLogStd());
    target.invalidate();
    // A critic of another shape (e.g. continuing with a different net_arch for it) starts fresh.
    const critic = criticOf(algo);
    const savedCritic = (saved as LoadedPolicy).critic;
    if (critic && savedCritic && sameNet(critic, savedCritic)) {
      critic.setWeights(savedCritic.getWeights());
    }
  } catch (err) {
    throw new Error(`cannot continue from the saved policy: ${(err as Error).message}`);
  } finally {
    saved.dispose();
  }
}

/**
 * Resume: the checkpoint's weights back into a freshly built algorithm of the same configuration —
 * an actor (and critic), a Q-network or a Q-table; baselines have none.
 */
async function restoreWeights(algo: Algorithm, dir: string): Promise<void> {
  const target = algo.policy;
  if (target instanceof MlpPolicy) return initFromPolicy(algo, dir);
  if (!(target instanceof QNetworkPolicy) && !(target instanceof QTablePolicy)) return;
  const saved = await loadPolicy(dir);
  try {
    if (target instanceof QNetworkPolicy && saved instanceof QNetworkPolicy && sameNet(target.net, saved.net)) target.net.setWeights(saved.net.getWeights());
    else if (target instanceof QTablePolicy && saved instanceof QTablePolicy && saved.table.length === target.table.length) target.table.set(saved.table);
    else throw new Error(`cannot resume: the checkpoint's ${saved.kind} policy does not fit this run's ${target.kind}`);
  } finally {
    saved.dispose();
  }
}

function sameNet(x: Mlp, y: Mlp): boolean {
  const a = x.spec;
  const b = y.spec;
  return a.inputDim === b.inputDim && a.outputDim === b.outputDim && a.netArch.join(',') === b.netArch.join(',') && a.activation === b.activation;
}

/** The value network an algorithm trains beside its policy, if it has one (saved for the X-ray). */
function criticOf(algo: Algorithm): Mlp | null {
  const c = (algo as { critic?: unknown }).critic;
  return c instanceof Mlp && c.spec.outputDim === 1 ? c : null;
}
