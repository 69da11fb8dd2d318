/**
 * Compare's summary table: per run, or per group as mean ± std across its runs, the final and best
 * 100-episode means, when it solved the env (steps, episodes, time) and its evaluation score.
 * Computed from the raw returns, not the smoothed curves.
 */
import type { RunSummary } from '../../../../main/lab/domain/runs.ts';
import { bestWindowMean, finalWindow, meanStd, solveIndex, type MeanStd } from '../../compare-math.ts';
import { formatDuration, formatInt, formatReturn } from '../../format.ts';
import { isActive } from '../../stores/compare.ts';
import type { Group, Member } from './comparison.ts';

export interface TableRow {
  key: string;
  label: string;
  sub: string;
  color: number;
  runs: number;
  final: string;
  best: string;
  solveSteps: string;
  solveEpisodes: string;
  solveTime: string;
  solvedOf: string;
  eval: string;
  live: boolean;
}

interface RunStats {
  final: MeanStd | null;
  best: number | null;
  solved: { step: number; episode: number; seconds: number } | null;
  eval: number | null;
  evalStd: number | null;
}

/** What the table needs to know besides the runs. */
export interface TableContext {
  threshold: (r: RunSummary) => number | null;
  runLabel: (r: RunSummary) => string;
  algoName: (id: string) => string;
}

function runStats(m: Member, threshold: number | null): RunStats {
  const r = m.run;
  const c = m.curve;
  let solved: RunStats['solved'] = null;
  if (r.solvedAtStep !== null) {
    solved = { step: r.solvedAtStep, episode: r.solvedAtEpisode ?? NaN, seconds: r.solvedAtSeconds ?? NaN };
  } else if (c && threshold !== null) {
    const i = solveIndex(c.ret, threshold);
    if (i >= 0) solved = { step: c.step[i], episode: c.episode[i], seconds: c.wall[i] };
  }
  return {
    final: c ? finalWindow(c.ret) : null,
    best: (c ? bestWindowMean(c.ret) : null) ?? r.best100 ?? null,
    solved,
    eval: r.evalMean,
    evalStd: r.evalStd,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/** "mean ± std"; just the mean for one value in a group (a std across one run says nothing). */
const pm = (s: MeanStd | null, grouped: boolean) =>
  !s ? '–' : s.n > 1 || !grouped ? `${formatReturn(round2(s.mean))} ± ${formatReturn(round2(s.std))}` : formatReturn(round2(s.mean));

export function runRows(members: readonly Member[], colorIndex: ReadonlyMap<string, number>, ctx: TableContext): TableRow[] {
  return members.map((m) => {
    const s = runStats(m, ctx.threshold(m.run));
    return {
      key: m.run.runId,
      label: ctx.runLabel(m.run),
      sub: `${ctx.algoName(m.run.algo)}${m.run.preset ? ` · ${m.run.preset}` : ''} · seed ${m.run.seed}`,
      color: colorIndex.get(m.run.runId) ?? 0,
      runs: 1,
      final: s.final ? `${pm(s.final, false)}` : '–',
      best: s.best === null ? '–' : formatReturn(round2(s.best)),
      solveSteps: s.solved ? formatInt(s.solved.step) : '–',
      solveEpisodes: s.solved ? formatInt(s.solved.episode) : '–',
      solveTime: s.solved ? formatDuration(s.solved.seconds) : '–',
      solvedOf: s.solved ? 'solved' : '',
      eval: s.eval === null ? '–' : `${formatReturn(round2(s.eval))}${s.evalStd !== null ? ` ± ${formatReturn(round2(s.evalStd))}` : ''}`,
      live: isActive(m.run.status),
    };
  });
}

export function groupRows(groups: readonly Group[], ctx: TableContext): TableRow[] {
  return groups.map((g) => {
    const stats = g.members.map((m) => runStats(m, ctx.threshold(m.run)));
    const solved = stats.flatMap((s) => (s.solved ? [s.solved] : []));
    const mean = (xs: number[]) => meanStd(xs)?.mean ?? NaN;
    return {
      key: g.key,
      label: g.label,
      sub: `${g.members.length} run${g.members.length === 1 ? '' : 's'} · seeds ${g.members.map((m) => m.run.seed).join(', ')}`,
      color: g.color,
      runs: g.members.length,
      final: pm(meanStd(stats.map((s) => s.final?.mean ?? NaN)), true),
      best: pm(meanStd(stats.map((s) => s.best ?? NaN)), true),
      solveSteps: solved.length ? formatInt(mean(solved.map((s) => s.step))) : '–',
      solveEpisodes: solved.length ? formatInt(mean(solved.map((s) => s.episode))) : '–',
      solveTime: solved.length ? formatDuration(mean(solved.map((s) => s.seconds))) : '–',
      solvedOf: `${solved.length}/${g.members.length} solved`,
      eval: pm(meanStd(stats.map((s) => s.eval ?? NaN)), true),
      live: g.members.some((m) => isActive(m.run.status)),
    };
  });
}
