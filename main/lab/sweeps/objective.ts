/** A sweep's objective: each run's value, a point's over its seeds, and the ranking of points. */
import type { RunSummary } from '../domain/runs.ts';
import { OBJECTIVES, type SweepObjective, type SweepPoint, type SweepRunRecord, type SweepSummary } from '../domain/sweeps.ts';

/** The run's value, or null when it has none (no episode yet; no evaluation; never solved). */
export function runObjective(s: RunSummary, objective: SweepObjective): number | null {
  switch (objective) {
    case 'final-mean100':
      return s.mean100;
    case 'best-mean100':
      return s.best100 ?? s.mean100;
    case 'eval-mean':
      return s.evalMean;
    case 'steps-to-solve':
      return s.solvedAtStep;
  }
}

/**
 * A point's value over its seeds: the mean for returns (runs without a value left out); for steps to
 * solve the median with unsolved runs as never, so a point most seeds solve ranks by how fast, and
 * one most seeds never solve has none.
 */
export function pointObjective(values: readonly (number | null)[], objective: SweepObjective): number | null {
  if (objective === 'steps-to-solve') {
    const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
    if (sorted.length === 0) return null;
    const m = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return Number.isFinite(m) ? m : null;
  }
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

const keyOf = (p: SweepPoint) => JSON.stringify(Object.entries(p).sort(([a], [b]) => a.localeCompare(b)));

/** Points best first (no value last); a point any of whose runs was pruned or did not finish cannot be best. */
export function rank(runs: readonly SweepRunRecord[], objective: SweepObjective): Pick<SweepSummary, 'ranking' | 'best'> {
  const groups = new Map<string, SweepRunRecord[]>();
  for (const r of runs) groups.set(keyOf(r.point), [...(groups.get(keyOf(r.point)) ?? []), r]);
  const higher = OBJECTIVES[objective].higherIsBetter;
  const ranking = [...groups.values()].map((g) => ({
    point: g[0].point,
    objective: pointObjective(
      g.map((r) => r.objective),
      objective,
    ),
    runs: g.length,
    eligible: g.every((r) => !r.pruned && (r.status === 'finished' || r.status === 'solved')),
  }));
  ranking.sort((a, b) => {
    if (a.objective === null || b.objective === null) return a.objective === null ? (b.objective === null ? 0 : 1) : -1;
    return higher ? b.objective - a.objective : a.objective - b.objective;
  });
  const top = ranking.find((r) => r.eligible && r.objective !== null);
  return {
    ranking: ranking.map(({ eligible: _e, ...r }) => r),
    best: top ? { point: top.point, objective: top.objective } : null,
  };
}
