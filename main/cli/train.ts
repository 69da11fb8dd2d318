/** `train`: one run through the lab's own LabService (so the CLI's runs are the app's), with progress, ETA and a summary. */
import { LabService } from '../lab/service.ts';
import { defaultRunsDir } from '../lab/paths.ts';
import { AlgoId } from '../lab/domain/algorithms.ts';
import { EnvId } from '../lab/domain/envs.ts';
import { requestSchemas } from '../../preload/contract.ts';
import type { RunSummary } from '../lab/domain/runs.ts';
import { formatDuration, ProgressLine } from '../lab/progress.ts';
import { UsageError, out, parse } from './args.ts';
import { REQUEST_FLAGS, requestFlagOptions, requestFromFlags } from './request-flags.ts';
import { QUEUE_OPTION, launcherFor, queueUrl } from './queue.ts';

export async function cmdTrain(args: string[]): Promise<number> {
  const { values } = parse(args, { ...requestFlagOptions(), 'runs-dir': { type: 'string' }, ...QUEUE_OPTION });
  const json = !!values.json;
  const flags = values as Parameters<typeof requestFromFlags>[0];
  if (flags.env === undefined) throw new UsageError(`--env is required (one of ${EnvId.options.join(', ')})`);
  if (flags.algo === undefined) throw new UsageError(`--algo is required (one of ${AlgoId.options.join(', ')})`);
  const req = requestSchemas.startRun.safeParse(requestFromFlags(flags));
  if (!req.success) {
    const issue = req.error.issues[0];
    const flag = REQUEST_FLAGS.find((f) => f.field === issue.path[0])?.flag;
    throw new UsageError(`${flag ? `--${flag}` : issue.path.join('.')}: ${issue.message}`);
  }
  const queue = await launcherFor(queueUrl(values.queue));
  const service = new LabService({ runsDir: values['runs-dir'] ?? defaultRunsDir(), launcher: queue.launcher, mode: 'cli', allowAnyPolicyPath: true });
  let config;
  try {
    config = service.buildConfig(req.data);
  } catch (err) {
    throw new UsageError((err as Error).message);
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
  const started = await service.startRun(req.data);
  if (!json) {
    process.stderr.write(
      `run ${started.runId}\n  ${config.env} · ${config.algo}${config.preset ? ` (preset ${config.preset})` : ''} · seed ${config.seed} · ${config.totalSteps.toLocaleString('en-US')} steps${config.maxEpisodes ? ` or ${config.maxEpisodes.toLocaleString('en-US')} episodes, whichever comes first` : ''}\n  folder ${started.runDir}\n`,
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
        `  evaluation: ${f(s.evalMean)} ± ${f(s.evalStd)} (${config.evalEpisodes} deterministic episodes)`,
        `  policy: ${s.hasPolicy ? `${s.runDir}/policy` : 'not saved'}`,
        ...(s.bestEval ? [`  best periodic evaluation: ${f(s.bestEval.mean)} ± ${f(s.bestEval.std)} at step ${s.bestEval.step} → ${s.runDir}/best`] : []),
      ].join('\n') + '\n',
    );
  }
  return s.status === 'crashed' ? 1 : 0;
}
