/** `train`: one run through the lab's own LabService (so the CLI's runs are the app's), with progress, ETA and a summary. */
import { LabService } from '../lab/service.ts';
import { defaultRunsDir } from '../lab/paths.ts';
import { AlgoId } from '../lab/domain/algorithms.ts';
import { EnvId } from '../lab/domain/envs.ts';
import { requestSchemas } from '../../preload/contract.ts';
import type { RunRequest, RunSummary } from '../lab/domain/runs.ts';
import { budgetNote } from '../lab/domain/algorithms.ts';
import { LabError } from '../lab/domain/errors.ts';
import { plannedRunSteps } from '../lab/agents/registry.ts';
import type { TrainerConfig } from '../lab/training/trainer-config.ts';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { formatDuration, ProgressLine } from '../lab/progress.ts';
import { UsageError, out, parse } from './args.ts';
import { REQUEST_FLAGS, requestFlagOptions, requestFromFlags } from './request-flags.ts';
import { QUEUE_OPTION, launcherFor, queueUrl } from './queue.ts';

export async function cmdTrain(args: string[]): Promise<number> {
  const { values } = parse(args, { ...requestFlagOptions(), 'runs-dir': { type: 'string' }, resume: { type: 'string' }, ...QUEUE_OPTION });
  const json = !!values.json;
  const flags = values as Parameters<typeof requestFromFlags>[0];
  const resume = resumeTarget(values.resume as string | undefined, values['runs-dir'] as string | undefined, flags);
  let req: RunRequest | null = null;
  if (!resume) {
    if (flags.env === undefined) throw new UsageError(`--env is required (one of ${EnvId.options.join(', ')})`);
    if (flags.algo === undefined) throw new UsageError(`--algo is required (one of ${AlgoId.options.join(', ')})`);
    const parsed = requestSchemas.startRun.safeParse(requestFromFlags(flags));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const flag = REQUEST_FLAGS.find((f) => f.field === issue.path[0])?.flag;
      throw new UsageError(`${flag ? `--${flag}` : issue.path.join('.')}: ${issue.message}`);
    }
    req = parsed.data;
  }
  const runsDir = resume?.runsDir ?? (values['runs-dir'] as string | undefined) ?? defaultRunsDir();
  const queue = await launcherFor(queueUrl(values.queue as string | undefined));
  const service = new LabService({ runsDir, launcher: queue.launcher, mode: 'cli', allowAnyPolicyPath: true });
  let config: TrainerConfig;
  if (req) {
    try {
      req = await service.withSavedPreset(req); // a saved preset expanded now, for the configuration checked (and shown) before the start
      config = service.buildConfig(req);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const bar = new ProgressLine(!json && process.stderr.isTTY === true);
  let lastJsonProgress = 0;
  service.on((event, payload) => {
    if (event === 'run:progress') {
      const p = payload as import('../lab/domain/runs.ts').ProgressEvent;
      if (json) {
        if (Date.now() - lastJsonProgress >= 1000) {
          lastJsonProgress = Date.now();
          out(true, { event: 'progress', ...p });
        }
      } else bar.update(p);
    } else if (event === 'run:status') {
      const s = payload as RunSummary;
      if (json) out(true, { event: 'status', runId: s.runId, status: s.status, backend: s.backend, engine: s.engine });
    }
  });
  let started: RunSummary;
  if (req) started = await service.startRun(req);
  else {
    try {
      started = await service.continueRun(resume!.runId, resume!.steps);
    } catch (err) {
      await service.close();
      if (err instanceof LabError && err.code !== 'failed') throw new UsageError(err.message);
      throw err;
    }
    config = await service.store.readRunConfig(started.runId);
  }
  if (!json) {
    const n = (x: number) => x.toLocaleString('en-US');
    const budget = budgetNote(config!.totalSteps, plannedRunSteps(config!.algo, config!.hyperparameters, config!.totalSteps));
    process.stderr.write(
      `run ${started.runId}${req ? '' : ` resumed at step ${n(started.steps)} (episode ${n(started.episodes)})`}\n  ${config!.env} · ${config!.algo}${config!.preset ? ` (preset ${config!.preset})` : ''} · seed ${config!.seed} · ${n(config!.totalSteps)} steps${config!.maxEpisodes ? ` or ${n(config!.maxEpisodes)} episodes, whichever comes first` : ''}\n${budget ? `  budget: ${budget}\n` : ''}  folder ${started.runDir}\n`,
    );
  }
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nstopping: saving the policy and evaluating (Ctrl-C again to abort)…\n');
      void service.stopRun(started.runId);
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const s = await service.waitForRun(started.runId);
  process.off('SIGINT', onSigint);
  await queue.close();
  bar.done();
  const summary = {
    runId: s.runId,
    runDir: s.runDir,
    env: s.env,
    algo: s.algo,
    seed: s.seed,
    backend: s.backend,
    engine: s.engine,
    status: s.status,
    steps: s.steps,
    episodes: s.episodes,
    wallSeconds: s.wallSeconds,
    solved: s.solved,
    solvedAtStep: s.solvedAtStep,
    solvedAtEpisode: s.solvedAtEpisode,
    solvedAtSeconds: s.solvedAtSeconds,
    mean100: s.mean100,
    evalMean: s.evalMean,
    evalStd: s.evalStd,
    bestEval: s.bestEval ?? null,
    ...(s.error ? { error: s.error } : {}),
  };
  if (json) out(true, { event: 'summary', ...summary });
  else {
    const f = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));
    process.stdout.write(
      [
        `${s.status}${s.error ? `: ${s.error}` : ''}`,
        `  backend ${s.backend} · engine ${s.engine} · ${s.steps.toLocaleString('en-US')} steps · ${s.episodes} episodes · ${formatDuration(s.wallSeconds)}`,
        `  solved: ${s.solved ? `yes, at step ${s.solvedAtStep} (episode ${s.solvedAtEpisode}, ${formatDuration(s.solvedAtSeconds ?? 0)})` : 'no'} · last-100 mean ${f(s.mean100)}`,
        `  evaluation: ${f(s.evalMean)} ± ${f(s.evalStd)} (${config!.evalEpisodes} deterministic episodes)`,
        ...(s.status === 'stopped'
          ? [`  resume: policy-lab train --resume ${s.runId}${resume?.runsDir || values['runs-dir'] ? ` --runs-dir ${runsDir}` : ''} [--steps TOTAL]`]
          : []),
        `  policy: ${s.hasPolicy ? `${s.runDir}/policy` : 'not saved'}`,
        ...(s.bestEval ? [`  best periodic evaluation: ${f(s.bestEval.mean)} ± ${f(s.bestEval.std)} at step ${s.bestEval.step} → ${s.runDir}/best`] : []),
      ].join('\n') + '\n',
    );
  }
  return s.status === 'crashed' ? 1 : 0;
}

/**
 * `--resume RUN_ID_OR_DIR [--steps TOTAL]`: the run to go on with (a run folder's path, or an id in
 * --runs-dir) and its new total budget; the run's own configuration is kept, so no other request flag.
 */
function resumeTarget(
  value: string | undefined,
  runsDirFlag: string | undefined,
  flags: Parameters<typeof requestFromFlags>[0],
): { runsDir: string | null; runId: string; steps?: number } | null {
  if (value === undefined) return null;
  const others = REQUEST_FLAGS.filter((f) => f.field !== 'steps' && flags[f.flag] !== undefined).map((f) => `--${f.flag}`);
  if (others.length)
    throw new UsageError(`--resume keeps the run's own configuration; only --steps (the new total budget) may go with it, not ${others.join(', ')}`);
  const steps = flags.steps === undefined ? undefined : (requestFromFlags({ steps: flags.steps }).steps as number);
  const asPath = resolve(value);
  if (value.includes('/') || value.includes(sep) || (existsSync(asPath) && statSync(asPath).isDirectory() && !runsDirFlag)) {
    if (!existsSync(join(asPath, 'status.json'))) throw new UsageError(`--resume: "${value}" is not a run folder (it has no status.json)`);
    return { runsDir: dirname(asPath), runId: basename(asPath), steps };
  }
  return { runsDir: null, runId: value, steps };
}
