/**
 * Compare's CSV export of one chart's metric: every raw point of the picked runs, or the curves as
 * drawn — each run's smoothed values, or each group's mean ± std on its grid with how many runs
 * stand on each point. Episodes and env steps are whole numbers.
 */
import type { RunSummary } from '../../../../main/lab/domain/runs.ts';
import { isEpisodeMetric } from '../../components/metric-labels.ts';
import { emaSmooth, toCsv } from '../../compare-math.ts';
import type { GroupBy, XAxis } from '../../stores/compare.ts';
import type { Group, Member } from './comparison.ts';
import { episodesAt, groupBand, hasMetric, metricCurve } from './curves.ts';

export type CsvKind = 'smoothed' | 'raw';

const RUN_COLUMNS = ['run_id', 'name', 'env', 'algo', 'preset', 'seed'];
const runColumns = (r: RunSummary) => [r.runId, r.name ?? '', r.env, r.algo, r.preset ?? '', r.seed];
const axisColumn = (axis: XAxis) => (axis === 'wall' ? 'wall_seconds' : axis);
/** A metric's column name ("return", "policy_loss"). */
const column = (metric: string) => metric.replace(/[^A-Za-z0-9_]/g, '_');
/** File names name the metric, except the episode return's (Compare's first chart, named as before). */
export const filePrefix = (metric: string) => (metric === 'return' ? '' : `${column(metric)}-`);

export function compareCsv(
  kind: CsvKind,
  view: { members: readonly Member[]; groups: readonly Group[]; group: GroupBy; axis: XAxis; smoothing: number; metric: string },
): { text: string; fileName: string } {
  const { axis, smoothing: w, metric } = view;
  const name = column(metric);
  const rows: unknown[][] = [];
  if (kind === 'raw') {
    for (const m of view.members) {
      const c = m.curve;
      if (!c) continue;
      if (isEpisodeMetric(metric)) {
        const ys = metric === 'return' ? c.ret : c.length;
        for (let i = 0; i < ys.length; i++) rows.push([...runColumns(m.run), c.episode[i], c.step[i], c.wall[i], ys[i]]);
        continue;
      }
      const u = c.updates;
      const col = u.metrics.get(metric);
      if (!col) continue;
      for (let i = 0; i < col.length; i++)
        if (Number.isFinite(col[i])) rows.push([...runColumns(m.run), episodesAt(c, u.step[i]), u.step[i], u.wall[i], col[i]]);
    }
    return { text: toCsv([...RUN_COLUMNS, 'episode', 'step', 'wall_seconds', name], rows), fileName: `compare-${filePrefix(metric)}raw.csv` };
  }
  if (view.group === 'none') {
    for (const m of view.members) {
      if (!hasMetric(m.curve, metric)) continue;
      const c = metricCurve(m.curve, metric, axis);
      const s = emaSmooth(c.ys, w);
      for (let i = 0; i < s.length; i++) rows.push([...runColumns(m.run), c.xs[i], c.ys[i], s[i], w]);
    }
    return {
      text: toCsv([...RUN_COLUMNS, axisColumn(axis), name, `smoothed_${name}`, 'smoothing'], rows),
      fileName: `compare-${filePrefix(metric)}smoothed-${axis}.csv`,
    };
  }
  for (const g of view.groups) {
    const band = groupBand(g, metric, axis, w);
    if (!band) continue;
    for (let i = 0; i < band.x.length; i++) rows.push([g.label, band.x[i], band.count[i], band.mean[i], band.std[i], w]);
  }
  return {
    text: toCsv(['group', axisColumn(axis), 'runs', `mean_smoothed_${name}`, 'std', 'smoothing'], rows),
    fileName: `compare-${filePrefix(metric)}by-${view.group}-${axis}.csv`,
  };
}
