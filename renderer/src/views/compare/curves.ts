/**
 * Compare's curves as drawn and exported: each run's values of one metric (episode return or
 * length, or any update metric: losses, entropy, KL, eval return, steps per second) against the
 * chosen x axis, smoothed (debiased EMA), or a group's mean ± std over its runs' smoothed curves on
 * a common grid over the union of their x ranges, with how many runs stand on each point.
 */
import type { XY } from '../../components/chart-setup.ts';
import type { ChartBand, ChartSeries } from '../../components/compare-chart.ts';
import { isEpisodeMetric } from '../../components/metric-labels.ts';
import { downsample, emaSmooth, meanStdBand, type Band } from '../../compare-math.ts';
import type { RunCurve, XAxis } from '../../stores/compare.ts';
import type { Group, Member } from './comparison.ts';

/** Points per drawn curve: enough to look exact at chart width, few enough to redraw instantly. */
const MAX_POINTS = 1200;
/** Grid points of a group's mean ± std. */
const BAND_POINTS = 300;

export const X_LABELS: Record<XAxis, string> = { step: 'env steps', episode: 'episodes', wall: 'wall time' };

export function xsOf(c: RunCurve, axis: XAxis): number[] {
  return axis === 'step' ? c.step : axis === 'episode' ? c.episode : c.wall;
}

/** The run's episode count when it had taken `step` env steps (its last episode ending by then). */
export function episodesAt(c: RunCurve, step: number): number {
  let lo = 0;
  let hi = c.step.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.step[mid] <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : c.episode[lo - 1];
}

export interface MetricCurve {
  xs: number[];
  ys: number[];
}

/** Built once per (run, metric, axis) and again only when the run gained records. */
const curveCache = new WeakMap<RunCurve, Map<string, { n: number; curve: MetricCurve }>>();

/** One run's values of `metric` against `axis`, finite values only (empty when the run has none). */
export function metricCurve(c: RunCurve, metric: string, axis: XAxis): MetricCurve {
  if (metric === 'return') return { xs: xsOf(c, axis), ys: c.ret };
  if (metric === 'length') return { xs: xsOf(c, axis), ys: c.length };
  const u = c.updates;
  const col = u.metrics.get(metric);
  if (!col) return { xs: [], ys: [] };
  const key = `${metric}:${axis}`;
  let byKey = curveCache.get(c);
  if (!byKey) curveCache.set(c, (byKey = new Map()));
  const n = u.step.length * 1e6 + c.step.length;
  const hit = byKey.get(key);
  if (hit?.n === n) return hit.curve;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < col.length; i++) {
    if (!Number.isFinite(col[i])) continue;
    xs.push(axis === 'step' ? u.step[i] : axis === 'wall' ? u.wall[i] : episodesAt(c, u.step[i]));
    ys.push(col[i]);
  }
  const curve = { xs, ys };
  byKey.set(key, { n, curve });
  return curve;
}

/** Whether a run has any value of `metric` yet. */
export function hasMetric(c: RunCurve | undefined, metric: string): c is RunCurve {
  if (!c) return false;
  if (isEpisodeMetric(metric)) return c.ret.length > 0;
  return metricCurve(c, metric, 'step').ys.length > 0;
}

/** A group's mean ± std of its runs' smoothed curves (null while none has a value); whole-number grid on steps and episodes. */
export function groupBand(g: Group, metric: string, axis: XAxis, smoothing: number): Band | null {
  const curves = g.members
    .filter((m) => hasMetric(m.curve, metric))
    .map((m) => {
      const { xs, entry } = smoothed(m.curve!, metric, axis, smoothing);
      return { xs, ys: entry.ys };
    });
  return meanStdBand(curves, BAND_POINTS, { integral: axis !== 'wall' });
}

/** The raw curve does not depend on the smoothing: downsample it once per (run, metric, length, axis). */
const rawCache = new WeakMap<RunCurve, Map<string, { n: number; points: XY[] }>>();
function rawPoints(c: RunCurve, metric: string, axis: XAxis): XY[] {
  const mc = metricCurve(c, metric, axis);
  let byKey = rawCache.get(c);
  if (!byKey) rawCache.set(c, (byKey = new Map()));
  const hit = byKey.get(`${metric}:${axis}`);
  if (hit?.n === mc.ys.length) return hit.points;
  const points = downsample(mc.xs, mc.ys, MAX_POINTS);
  byKey.set(`${metric}:${axis}`, { n: mc.ys.length, points });
  return points;
}

/**
 * A finished run's smoothed values never change, and a live run's only grow: the smoothed values
 * and their downsampled points are kept per (run, metric, axis) for the last weight and length,
 * so a redraw while one run streams recomputes that run alone.
 */
const smoothCache = new WeakMap<RunCurve, Map<string, { n: number; w: number; ys: Float64Array; points: XY[] | null }>>();
function smoothed(c: RunCurve, metric: string, axis: XAxis, smoothing: number): { xs: number[]; entry: { ys: Float64Array; points: XY[] | null } } {
  const mc = metricCurve(c, metric, axis);
  let byKey = smoothCache.get(c);
  if (!byKey) smoothCache.set(c, (byKey = new Map()));
  const key = `${metric}:${axis}`;
  let entry = byKey.get(key);
  if (entry?.n !== mc.ys.length || entry.w !== smoothing) {
    entry = { n: mc.ys.length, w: smoothing, ys: emaSmooth(mc.ys, smoothing), points: null };
    byKey.set(key, entry);
  }
  return { xs: mc.xs, entry };
}

function smoothPoints(c: RunCurve, metric: string, axis: XAxis, smoothing: number): XY[] {
  const { xs, entry } = smoothed(c, metric, axis, smoothing);
  return (entry.points ??= downsample(xs, entry.ys, MAX_POINTS));
}

/** One series per run (raw points faintly behind when smoothed). */
export function runSeries(
  members: readonly Member[],
  metric: string,
  axis: XAxis,
  smoothing: number,
  color: (runId: string) => number,
  label: (m: Member) => string,
): ChartSeries[] {
  const series: ChartSeries[] = [];
  for (const m of members) {
    if (!hasMetric(m.curve, metric)) continue;
    series.push({
      key: m.run.runId,
      label: label(m),
      color: color(m.run.runId),
      points: smoothPoints(m.curve, metric, axis, smoothing),
      raw: smoothing > 0 ? rawPoints(m.curve, metric, axis) : undefined,
    });
  }
  return series;
}

/**
 * One mean series and one ± std band per group. The mean carries how many runs stand on each of
 * its points (`counts`, out of `of`), so the chart can dash it where fewer than all contribute.
 */
export function groupSeries(groups: readonly Group[], metric: string, axis: XAxis, smoothing: number): { series: ChartSeries[]; bands: ChartBand[] } {
  const series: ChartSeries[] = [];
  const bands: ChartBand[] = [];
  for (const g of groups) {
    const band = groupBand(g, metric, axis, smoothing);
    if (!band) continue;
    const mean: XY[] = [];
    const upper: XY[] = [];
    const lower: XY[] = [];
    const counts: number[] = [];
    for (let i = 0; i < band.x.length; i++) {
      if (!Number.isFinite(band.mean[i])) continue;
      mean.push({ x: band.x[i], y: band.mean[i] });
      upper.push({ x: band.x[i], y: band.mean[i] + band.std[i] });
      lower.push({ x: band.x[i], y: band.mean[i] - band.std[i] });
      counts.push(band.count[i]);
    }
    const runs = g.members.filter((m) => hasMetric(m.curve, metric)).length;
    series.push({ key: g.key, label: `${g.label} (${runs} run${runs === 1 ? '' : 's'})`, color: g.color, points: mean, counts, of: runs });
    bands.push({ key: g.key, color: g.color, upper, lower, counts, of: runs });
  }
  return { series, bands };
}
