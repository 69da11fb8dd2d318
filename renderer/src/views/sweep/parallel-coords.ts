/**
 * A parallel-coordinates plot of a sweep, as geometry: one vertical axis per swept key and one for the
 * objective (best at the top whichever way it counts), one polyline per run. Numbers spread over
 * two decades or more sit on a log axis; anything else that is not a number (lists, names,
 * booleans) on evenly spaced ticks.
 */
import type { HyperValue } from '../../../../main/lab/domain/hyperparameters.ts';
import { OBJECTIVES } from '../../../../main/lab/domain/sweep-space.ts';
import type { SweepSummary } from '../../../../main/lab/domain/sweeps.ts';
import { formatHyper } from '../../forms/hyperparams.ts';

export interface Axis {
  key: string;
  x: number;
  kind: 'linear' | 'log' | 'category';
  ticks: { y: number; label: string }[];
}
export interface Line {
  runId: string;
  points: { x: number; y: number }[];
  /** 0 (worst) … 1 (best) by objective; null when the run has none. */
  shade: number | null;
  best: boolean;
  pruned: boolean;
}

/**
 * The plot's box; values sit `pad` inside each axis's ends, so a line at an extreme (the worst run,
 * often at the bottom of every axis) does not run along the axes' ends where it reads as a frame.
 */
export const PLOT = { width: 720, height: 280, top: 24, bottom: 36, left: 56, right: 56, pad: 24 };

/**
 * How much of the accent the palest line (the worst run) keeps, mixed with the background: 75 %
 * keeps it at 3:1 contrast or more on both themes (WCAG's minimum for graphics), so every run shows.
 */
export const MIN_MIX = 75;

/** A line's stroke: better runs darker and wider, the best bold; every run at least MIN_MIX of the accent. */
export function lineStyle(l: Pick<Line, 'shade' | 'best'>): { mix: number | null; width: number } {
  if (l.shade === null) return { mix: null, width: 1.5 };
  return { mix: Math.round(MIN_MIX + (100 - MIN_MIX) * l.shade), width: l.best ? 3 : 1.5 + l.shade };
}

/** The lines in drawing order: runs without a value first, then worst to best, so the best is on top. */
export function drawOrder(lines: Line[]): Line[] {
  return [...lines].sort((a, b) => (a.shade ?? -1) - (b.shade ?? -1) || Number(a.best) - Number(b.best));
}

const textOf = (v: HyperValue) => (Array.isArray(v) ? `[${v.join(',')}]` : formatHyper(v));

function scale(values: (HyperValue | number)[], top: number, bottom: number, invert = false) {
  const nums = values.filter((v): v is number => typeof v === 'number');
  if (nums.length === values.length && nums.length > 0) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const log = lo > 0 && hi / lo >= 100;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const span = f(hi) - f(lo);
    const y = (v: number) => {
      const t = span === 0 ? 0.5 : (f(v) - f(lo)) / span;
      return invert ? top + t * (bottom - top) : bottom - t * (bottom - top);
    };
    const tickValues = span === 0 ? [lo] : log ? [lo, Math.sqrt(lo * hi), hi] : [lo, (lo + hi) / 2, hi];
    return {
      kind: (log ? 'log' : 'linear') as Axis['kind'],
      at: (v: HyperValue | number) => y(v as number),
      ticks: tickValues.map((v) => ({ y: y(v), label: formatHyper(Number(v.toPrecision(3))) })),
    };
  }
  const cats = [...new Set(values.map((v) => textOf(v as HyperValue)))];
  const y = (i: number) => (cats.length === 1 ? (top + bottom) / 2 : bottom - (i / (cats.length - 1)) * (bottom - top));
  return {
    kind: 'category' as const,
    at: (v: HyperValue | number) => y(cats.indexOf(textOf(v as HyperValue))),
    ticks: cats.map((c, i) => ({ y: y(i), label: c })),
  };
}

export function parallelCoords(s: SweepSummary): { axes: Axis[]; lines: Line[] } {
  const keys = [...new Set(s.runs.flatMap((r) => Object.keys(r.point)))];
  const { width, height, top, bottom, left, right } = PLOT;
  const n = keys.length + 1;
  const xOf = (i: number) => (n === 1 ? width / 2 : left + (i * (width - left - right)) / (n - 1));
  const y0 = top + PLOT.pad;
  const y1 = height - bottom - PLOT.pad;
  const scales = keys.map((k) =>
    scale(
      s.runs.filter((r) => k in r.point).map((r) => r.point[k]),
      y0,
      y1,
    ),
  );
  const objectives = s.runs.flatMap((r) => (r.objective === null ? [] : [r.objective]));
  const higher = OBJECTIVES[s.objective].higherIsBetter;
  // Lower-is-better objectives are drawn upside down, so the best is always at the top.
  const obj = objectives.length ? scale(objectives, y0, y1, !higher) : null;
  const axes: Axis[] = keys.map((key, i) => ({ key, x: xOf(i), kind: scales[i].kind, ticks: scales[i].ticks }));
  axes.push({ key: s.objective, x: xOf(keys.length), kind: obj?.kind ?? 'linear', ticks: obj?.ticks ?? [] });
  const lo = Math.min(...objectives);
  const hi = Math.max(...objectives);
  const bestKey = s.best ? JSON.stringify(s.best.point) : null;
  const lines = s.runs.map((r): Line => {
    const points = keys.flatMap((k, i) => (k in r.point ? [{ x: xOf(i), y: scales[i].at(r.point[k]) }] : []));
    if (r.objective !== null && obj) points.push({ x: xOf(keys.length), y: obj.at(r.objective) });
    const t = r.objective === null ? null : hi === lo ? 1 : (r.objective - lo) / (hi - lo);
    return { runId: r.runId, points, shade: t === null ? null : higher ? t : 1 - t, best: JSON.stringify(r.point) === bestKey, pruned: !!r.pruned };
  });
  return { axes, lines };
}
