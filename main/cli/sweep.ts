/**
 * `sweep`: a search over hyperparameters and env options × seeds through LabService.startSweep, so its
 * runs are ordinary runs of the library (tagged sweep:<id>). Progress on stderr (runs done/total, best
 * so far, ETA); with --json one event per line and the last line {"event":"summary", …}.
 */
import { LabService } from '../lab/service.ts';
import { QUEUE_OPTION, launcherFor, queueUrl } from './queue.ts';
import { defaultRunsDir } from '../lab/paths.ts';
import { AlgoId } from '../lab/domain/algorithms.ts';
import { EnvId } from '../lab/domain/envs.ts';
import { LabError } from '../lab/domain/errors.ts';
import { MAX_SEEDS, parseSeeds } from '../lab/domain/seeds.ts';
import type { HyperValue } from '../lab/domain/hyperparameters.ts';
import { ENDED_STATUSES, type ProgressEvent } from '../lab/domain/runs.ts';
import {
  MAX_SWEEP_RUNS,
  OBJECTIVES,
  splitGridValues,
  sweepPointText,
  SweepObjective,
  SweepRequest,
  type SweepPoint,
  type SweepRunRecord,
  type SweepSummary,
} from '../lab/domain/sweeps.ts';
import { formatDuration } from '../lab/progress.ts';
import { UsageError, intArg, out, parse, parseSetting } from './args.ts';
import { REQUEST_FLAGS, requestFlagOptions, requestFromFlags } from './request-flags.ts';

/** The usage line's sweep-only part (the run request's flags come from request-flags.ts). */
export const SWEEP_USAGE =
  '[--grid key=v1,v2...]... [--random key=lo:hi[:log]]... [--trials N] [--sample-seed N] [--seeds 0-4] ' +
  `[--objective ${SweepObjective.options.join('|')}] [--prune] [--parallel N] [--runs-dir DIR] [--queue URL] [--json]`;

/** What a sweep must vary, and its caps, for the help text. */
export const SWEEP_LIMITS = `varies at least one of --grid, --random, --seeds; at most ${MAX_SEEDS} seeds and ${MAX_SWEEP_RUNS.toLocaleString('en-US')} runs`;

/** Sweep fields whose flag is not the field's name. */
const SWEEP_FLAGS: Record<string, string> = {
  grid: 'grid',
  random: 'random',
  trials: 'trials',
  sampleSeed: 'sample-seed',
  seeds: 'seeds',
  objective: 'objective',
};

/** --grid key=v1,v2 (repeatable): each value as text, read by its rule as --set's are (net_arch=128 is [128]). */
export function gridArg(list: readonly string[]): Record<string, HyperValue[]> {
  const grid: Record<string, HyperValue[]> = {};
  for (const s of list) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--grid expects key=v1,v2,…, got "${s}"`);
    const key = s.slice(0, eq).trim();
    const values = splitGridValues(s.slice(eq + 1));
    if (values.some((v) => v === '')) throw new UsageError(`--grid ${key}: an empty value in "${s.slice(eq + 1)}"`);
    if (key in grid) throw new UsageError(`--grid ${key} is given twice; list all its values in one --grid`);
    grid[key] = values.map((v) => parseSetting(`${key}=${v}`, 'text')[1]);
  }
  return grid;
}

/** --random key=lo:hi[:log] (repeatable). */
export function randomArg(list: readonly string[]): Record<string, { lo: number; hi: number; log: boolean }> {
  const out: Record<string, { lo: number; hi: number; log: boolean }> = {};
  for (const s of list) {
    const m = /^([^=]+)=([^:]+):([^:]+)(?::(log))?$/.exec(s.trim());
    const lo = Number(m?.[2]);
    const hi = Number(m?.[3]);
    if (!m || m[2].trim() === '' || m[3].trim() === '' || !Number.isFinite(lo) || !Number.isFinite(hi))
      throw new UsageError(`--random expects key=lo:hi or key=lo:hi:log with numbers, got "${s}"`);
    const key = m[1].trim();
    if (hi < lo) throw new UsageError(`--random ${key}: hi (${hi}) is below lo (${lo})`);
    if (m[4] && lo <= 0) throw new UsageError(`--random ${key}: a log range needs lo > 0, got ${lo}`);
    out[key] = { lo, hi, log: !!m[4] };
  }
  return out;
}

const pointText = (p: SweepPoint) => sweepPointText(p) || '(base)';
const fmt = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1));

export async function cmdSweep(args: string[]): Promise<number> {
  const { seed: _seed, ...runFlags } = requestFlagOptions();
  const { values } = parse(args, {
    ...runFlags,
    grid: { type: 'string', multiple: true },
    random: { type: 'string', multiple: true },
    trials: { type: 'string' },
    'sample-seed': { type: 'string' },
    seeds: { type: 'string' },
    objective: { type: 'string' },
    prune: { type: 'boolean' },
    parallel: { type: 'string' },
    'runs-dir': { type: 'string' },
    ...QUEUE_OPTION,
  });
  const json = !!values.json;
  const flags = values as Parameters<typeof requestFromFlags>[0];
  if (flags.env === undefined) throw new UsageError(`--env is required (one of ${EnvId.options.join(', ')})`);
  if (flags.algo === undefined) throw new UsageError(`--algo is required (one of ${AlgoId.options.join(', ')})`);
  const grid = gridArg((values.grid as string[] | undefined) ?? []);
  const random = randomArg((values.random as string[] | undefined) ?? []);
  if (!Object.keys(grid).length && !Object.keys(random).length && values.seeds === undefined)
    throw new UsageError('a sweep needs something to vary: --grid key=v1,v2, --random key=lo:hi or --seeds 0-4');
  const seeds = values.seeds === undefined ? undefined : parseSeeds(values.seeds as string);
  if (seeds && 'error' in seeds) throw new UsageError(`--seeds: ${seeds.error}`);
  const objective = values.objective as string | undefined;
  if (objective !== undefined && !SweepObjective.safeParse(objective).success)
    throw new UsageError(`--objective must be one of ${SweepObjective.options.join(', ')}, got "${objective}"`);
  const parsed = SweepRequest.safeParse({
    ...requestFromFlags(flags),
    grid,
    random,
    ...(values.trials !== undefined ? { trials: intArg('trials', values.trials as string, 1, 1000) } : {}),
    ...(values['sample-seed'] !== undefined ? { sampleSeed: intArg('sample-seed', values['sample-seed'] as string, 0, 2 ** 32 - 1) } : {}),
    ...(seeds ? { seeds: seeds.seeds } : {}),
    ...(objective !== undefined ? { objective } : {}),
    prune: !!values.prune,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    const flag = SWEEP_FLAGS[field] ?? REQUEST_FLAGS.find((f) => f.field === field)?.flag;
    const rest = issue.path.slice(1).join('.');
    throw new UsageError(`${flag ? `--${flag}` : field}${rest ? ` ${rest}` : ''}: ${issue.message}`);
  }
  const parallel = intArg('parallel', values.parallel as string | undefined, 1, 1024);
  const runsDir = (values['runs-dir'] as string | undefined) ?? defaultRunsDir();
  // Where runs train: local processes, or jobs on a queue that workers take (--queue, POLICY_LAB_QUEUE).
  const queue = await launcherFor(queueUrl(values.queue as string | undefined));
  const service = new LabService({ runsDir, launcher: queue.launcher, mode: 'cli', concurrency: parallel });

  let sweep;
  try {
    sweep = await service.startSweep(parsed.data); // --preset may name a saved preset
  } catch (err) {
    // A point the lab refuses (an unknown key, a value out of range) is a mistake in the command line.
    await queue.close();
    if (err instanceof LabError && err.code === 'invalid') throw new UsageError(err.message);
    throw err;
  }
  const first = sweep.summary;
  const total = first.runs.length;
  const started = Date.now();
  const higher = OBJECTIVES[first.objective].higherIsBetter;
  out(
    json,
    {
      event: 'sweep',
      sweepId: first.sweepId,
      runs: total,
      totalSteps: first.totalSteps,
      objective: first.objective,
      rungs: first.rungs,
      runsDir: service.store.root,
    },
    undefined,
  );
  if (!json)
    process.stderr.write(
      `sweep ${first.sweepId}: ${total} run(s) of ${first.env} · ${first.algo} · ${first.totalSteps.toLocaleString('en-US')} steps each · objective ${first.objective} (${higher ? 'higher' : 'lower'} is better)${first.rungs ? ` · median pruning at steps ${first.rungs.map((s) => s.toLocaleString('en-US')).join(', ')}` : ''}\n` +
        `  runs tagged sweep:${first.sweepId} in ${service.store.root}\n`,
    );

  // Progress: each run's steps (an ended run counts its whole budget), and what each run's record says.
  const steps = new Map<string, number>();
  const known = new Map<string, string>();
  let latest: SweepSummary = first;
  const ended = () => latest.runs.filter((r) => ENDED_STATUSES.has(r.status)).length;
  const etaSeconds = (): number | null => {
    const done = latest.runs.reduce((n, r) => n + (ENDED_STATUSES.has(r.status) ? first.totalSteps : (steps.get(r.runId) ?? 0)), 0);
    const elapsed = (Date.now() - started) / 1000;
    // The first seconds are process starts and backend loading: no rate to speak of yet.
    if (done <= 0 || elapsed < 5) return null;
    return ((total * first.totalSteps - done) * elapsed) / done;
  };
  const progress = () => ({
    done: ended(),
    total,
    running: latest.runs.filter((r) => r.status === 'running').length,
    best: latest.best ? { config: latest.best.point, objective: latest.best.objective } : null,
    etaSeconds: etaSeconds(),
  });
  const tty = !json && process.stderr.isTTY === true;
  let lastProgress = 0;
  const showProgress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < (json ? 1000 : tty ? 250 : 10_000)) return;
    lastProgress = now;
    const p = progress();
    if (json) return out(true, { event: 'progress', ...p });
    const eta = p.etaSeconds === null ? '' : ` · ETA ${formatDuration(p.etaSeconds)}`;
    const best = p.best ? ` · best ${fmt(p.best.objective)} (${pointText(p.best.config)})` : '';
    const line = `${p.done}/${p.total} runs done · ${p.running} running${best}${eta}`;
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const say = (text: string) => process.stderr.write(tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  const onRun = (r: SweepRunRecord) => {
    const state = `${r.status}|${r.pruned ?? ''}|${r.objective}`;
    if (known.get(r.runId) === state) return;
    known.set(r.runId, state);
    if (json)
      out(true, {
        event: 'run',
        runId: r.runId,
        status: r.status,
        config: r.point,
        seed: r.seed,
        objective: r.objective,
        ...(r.pruned ? { pruned: r.pruned } : {}),
      });
    else if (r.pruned && !ENDED_STATUSES.has(r.status)) say(`  ${r.runId} ${r.pruned}`);
    else if (ENDED_STATUSES.has(r.status))
      say(`  ${ended()}/${total} ${r.runId} ${r.status} · ${pointText(r.point)} seed ${r.seed} · ${first.objective} ${fmt(r.objective)}`);
  };
  for (const r of first.runs) onRun(r);
  service.on((event, payload) => {
    if (event === 'run:progress') {
      const p = payload as ProgressEvent;
      steps.set(p.runId, p.step);
      showProgress();
    } else if (event === 'sweep:updated') {
      const s = payload as SweepSummary;
      if (s.sweepId !== first.sweepId) return;
      latest = s;
      for (const r of s.runs) onRun(r);
      showProgress();
    }
  });

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      say('stopping the sweep: queued runs will not start; running ones save their policies and evaluate (Ctrl-C again to abort)…');
      void sweep.stop();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const final = await sweep.done;
  process.off('SIGINT', onSigint);
  latest = final;
  for (const r of final.runs) onRun(r);
  if (tty) process.stderr.write('\r\x1b[2K');

  const runsOut = final.runs.map((r) => ({
    runId: r.runId,
    status: r.status,
    config: r.point,
    seed: r.seed,
    objective: r.objective,
    ...(r.pruned ? { pruned: r.pruned } : {}),
  }));
  const best = final.best
    ? {
        config: final.best.point,
        objective: final.best.objective,
        runIds: final.runs.filter((r) => JSON.stringify(r.point) === JSON.stringify(final.best!.point)).map((r) => r.runId),
      }
    : null;
  const crashed = final.runs.filter((r) => r.status === 'crashed').length;
  if (json) {
    out(true, {
      event: 'summary',
      sweepId: final.sweepId,
      status: final.status,
      objective: final.objective,
      wallSeconds: (Date.now() - started) / 1000,
      runs: runsOut,
      ranking: final.ranking.map((r) => ({ config: r.point, objective: r.objective, runs: r.runs })),
      best,
    });
  } else {
    const lines = [
      `sweep ${final.sweepId} ${final.status} in ${formatDuration((Date.now() - started) / 1000)}: ${final.runs.length} run(s)${crashed ? `, ${crashed} crashed` : ''}${final.runs.some((r) => r.pruned) ? `, ${final.runs.filter((r) => r.pruned).length} pruned` : ''}`,
      `  ${final.objective} by configuration (mean over seeds; ${higher ? 'higher' : 'lower'} is better):`,
      ...final.ranking.map(
        (r, i) => `  ${String(i + 1).padStart(3)}. ${fmt(r.objective).padStart(9)}  ${pointText(r.point)}  (${r.runs} run${r.runs === 1 ? '' : 's'})`,
      ),
      best
        ? `  best: ${pointText(best.config)} → ${fmt(best.objective)} (runs ${best.runIds.join(', ')})`
        : '  best: none (no configuration finished every run with a value)',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  await queue.close();
  return crashed ? 1 : 0;
}
