/**
 * Compare's CSV export: every raw point of the picked runs, or the curves as drawn — each run's
 * smoothed returns, or each group's mean ± std on its grid.
 */
import type { RunSummary } from '../../../../main/lab/domain/runs.ts';
import { emaSmooth, toCsv } from '../../compare-math.ts';
import type { GroupBy, XAxis } from '../../stores/compare.ts';
import type { Group, Member } from './comparison.ts';
import { groupBand, xsOf } from './curves.ts';

export type CsvKind = 'smoothed' | 'raw';

const RUN_COLUMNS = ['run_id', 'name', 'env', 'algo', 'preset', 'seed'];
const runColumns = (r: RunSummary) => [r.runId, r.name ?? '', r.env, r.algo, r.preset ?? '', r.seed];
const axisColumn = (axis: XAxis) => (axis === 'wall' ? 'wall_seconds' : axis);

export function compareCsv(
  kind: CsvKind,
  view: { members: readonly Member[]; groups: readonly Group[]; group: GroupBy; axis: XAxis; smoothing: number },
): { text: string; fileName: string } {
  const { axis, smoothing: w } = view;
  const rows: unknown[][] = [];
  if (kind === 'raw') {
    for (const m of view.members) {
      const c = m.curve;
      if (!c) continue;
      for (let i = 0; i < c.ret.length; i++) rows.push([...runColumns(m.run), c.episode[i], c.step[i], c.wall[i], c.ret[i]]);
    }
    return { text: toCsv([...RUN_COLUMNS, 'episode', 'step', 'wall_seconds', 'return'], rows), fileName: 'compare-raw.csv' };
  }
  if (view.group === 'none') {
    for (const m of view.members) {
      const c = m.curve;
      if (!c) continue;
      const xs = xsOf(c, axis);
      const s = emaSmooth(c.ret, w);
      for (let i = 0; i < s.length; i++) rows.push([...runColumns(m.run), xs[i], c.ret[i], s[i], w]);
    }
    return { text: toCsv([...RUN_COLUMNS, axisColumn(axis), 'return', 'smoothed_return', 'smoothing'], rows), fileName: `compare-smoothed-${axis}.csv` };
  }
  for (const g of view.groups) {
    const band = groupBand(g, axis, w);
    if (!band) continue;
    for (let i = 0; i < band.x.length; i++) rows.push([g.label, band.x[i], band.count[i], band.mean[i], band.std[i], w]);
  }
  return {
    text: toCsv(['group', axisColumn(axis), 'runs', 'mean_smoothed_return', 'std', 'smoothing'], rows),
    fileName: `compare-by-${view.group}-${axis}.csv`,
  };
}
