/**
 * Compare's curves as drawn and exported: each run's returns against the chosen x axis, smoothed
 * (debiased EMA), or a group's mean ± std over its runs' smoothed curves on a common grid.
 */
import type { XY } from '../../components/chart-setup.ts';
import type { ChartBand, ChartSeries } from '../../components/compare-chart.ts';
import { downsample, emaSmooth, meanStdBand } from '../../compare-math.ts';
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

/** A group's mean ± std of its runs' smoothed curves (null while none has an episode). */
export function groupBand(g: Group, axis: XAxis, smoothing: number): ReturnType<typeof meanStdBand> {
  const curves = g.members.filter((m) => m.curve && m.curve.ret.length > 0).map((m) => ({ xs: xsOf(m.curve!, axis), ys: emaSmooth(m.curve!.ret, smoothing) }));
  return meanStdBand(curves, BAND_POINTS);
}

/** The raw curve does not depend on the smoothing: downsample it once per (run, length, axis). */
const rawCache = new WeakMap<RunCurve, { key: string; points: XY[] }>();
function rawPoints(c: RunCurve, axis: XAxis): XY[] {
  const key = `${axis}:${c.ret.length}`;
  const hit = rawCache.get(c);
  if (hit?.key === key) return hit.points;
  const points = downsample(xsOf(c, axis), c.ret, MAX_POINTS);
  rawCache.set(c, { key, points });
  return points;
}

/** One series per run (raw points faintly behind when smoothed). */
export function runSeries(
  members: readonly Member[],
  axis: XAxis,
  smoothing: number,
  color: (runId: string) => number,
  label: (m: Member) => string,
): ChartSeries[] {
  const series: ChartSeries[] = [];
  for (const m of members) {
    if (!m.curve || m.curve.ret.length === 0) continue;
    series.push({
      key: m.run.runId,
      label: label(m),
      color: color(m.run.runId),
      points: downsample(xsOf(m.curve, axis), emaSmooth(m.curve.ret, smoothing), MAX_POINTS),
      raw: smoothing > 0 ? rawPoints(m.curve, axis) : undefined,
    });
  }
  return series;
}

/** One mean series and one ± std band per group. */
export function groupSeries(groups: readonly Group[], axis: XAxis, smoothing: number): { series: ChartSeries[]; bands: ChartBand[] } {
  const series: ChartSeries[] = [];
  const bands: ChartBand[] = [];
  for (const g of groups) {
    const band = groupBand(g, axis, smoothing);
    if (!band) continue;
    const mean: XY[] = [];
    const upper: XY[] = [];
    const lower: XY[] = [];
    for (let i = 0; i < band.x.length; i++) {
      if (!Number.isFinite(band.mean[i])) continue;
      mean.push({ x: band.x[i], y: band.mean[i] });
      upper.push({ x: band.x[i], y: band.mean[i] + band.std[i] });
      lower.push({ x: band.x[i], y: band.mean[i] - band.std[i] });
    }
    const runs = g.members.filter((m) => m.curve && m.curve.ret.length > 0).length;
    series.push({ key: g.key, label: `${g.label} (${runs} run${runs === 1 ? '' : 's'})`, color: g.color, points: mean });
    bands.push({ key: g.key, color: g.color, upper, lower });
  }
  return { series, bands };
}
