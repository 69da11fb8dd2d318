/**
 * The head-to-head's plot, as the notebook draws it: each episode's return replaced by the mean of
 * the last `window` episodes (fewer at the start), per run, then per group (algorithm/preset) the
 * mean ± std over the runs that reached that episode.
 */

/** A chart point (chart-setup.ts' XY, not imported so the unit tests stay free of the renderer's imports). */
type XY = { x: number; y: number };

/** At most this many points per line (every k-th episode beyond it). */
const MAX_POINTS = 600;

/** Trailing moving average: out[i] = mean of xs[max(0, i − window + 1) … i]. */
export function movingAverage(xs: readonly number[], window: number): number[] {
  const out = new Array<number>(xs.length);
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (i >= window) sum -= xs[i - window];
    out[i] = sum / Math.min(i + 1, window);
  }
  return out;
}

export interface MovingAverageGroup {
  group: string;
  runs: number;
  /** By episode (1-based): the group's mean of its runs' moving averages, and mean ± std. */
  mean: XY[];
  upper: XY[];
  lower: XY[];
}

/** Groups in the order they first appear among `members`. */
export function movingAverageGroups(members: readonly { group: string; ret: readonly number[] }[], window: number): MovingAverageGroup[] {
  const byGroup = new Map<string, number[][]>();
  for (const m of members) {
    const list = byGroup.get(m.group) ?? [];
    list.push(movingAverage(m.ret, window));
    byGroup.set(m.group, list);
  }
  const out: MovingAverageGroup[] = [];
  for (const [group, curves] of byGroup) {
    const longest = Math.max(0, ...curves.map((c) => c.length));
    const stride = Math.max(1, Math.ceil(longest / MAX_POINTS));
    const g: MovingAverageGroup = { group, runs: curves.length, mean: [], upper: [], lower: [] };
    const at: number[] = [];
    for (let i = 0; i < longest; i += stride) at.push(i);
    if (at.length && at[at.length - 1] !== longest - 1) at.push(longest - 1); // always end on the last episode
    for (const i of at) {
      const ys = curves.filter((c) => i < c.length).map((c) => c[i]);
      const mean = ys.reduce((a, y) => a + y, 0) / ys.length;
      const sd = Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / ys.length);
      g.mean.push({ x: i + 1, y: mean });
      g.upper.push({ x: i + 1, y: mean + sd });
      g.lower.push({ x: i + 1, y: mean - sd });
    }
    out.push(g);
  }
  return out;
}
