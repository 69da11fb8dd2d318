/**
 * The numbers behind the Compare tab, kept free of Vue, Chart.js and the DOM so they can be unit
 * tested: TensorBoard's debiased EMA, linear interpolation onto a common grid, mean ± std bands
 * across seeds, largest-triangle-three-buckets downsampling and the summary-table statistics.
 */

/**
 * TensorBoard's scalar smoothing: an exponential moving average started from 0 and debiased, so the
 * first points are not dragged towards 0.
 *   s_t = w·s_{t−1} + (1 − w)·x_t   (s_0 = 0),   smoothed_t = s_t / (1 − w^t)
 * t counts the finite points seen so far; non-finite points pass through unchanged. w = 0 returns
 * the values as they are; w is clamped to [0, 0.999].
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  const w = Math.min(0.999, Math.max(0, Number.isFinite(weight) ? weight : 0));
  const out = new Float64Array(values.length);
  let last = 0;
  // w^t, kept as a running product (t = finite points so far).
  let wPow = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    wPow *= w;
    out[i] = last / (1 - wPow);
  }
  return out;
}

/**
 * emaSmooth one value at a time, for live charts that append: pushing x_1…x_n gives exactly
 * emaSmooth([x_1…x_n], weight). `reset` starts over (a new weight, a thinned series).
 */
export class EmaTail {
  private w = 0;
  private last = 0;
  private wPow = 1;

  constructor(weight = 0) {
    this.reset(weight);
  }

  get weight(): number {
    return this.w;
  }

  reset(weight: number): void {
    this.w = Math.min(0.999, Math.max(0, Number.isFinite(weight) ? weight : 0));
    this.last = 0;
    this.wPow = 1;
  }

  push(v: number): number {
    if (!Number.isFinite(v)) return v;
    this.last = this.last * this.w + (1 - this.w) * v;
    this.wPow *= this.w;
    return this.last / (1 - this.wPow);
  }
}

/** `n` evenly spaced points from `lo` to `hi` inclusive ([lo] when the range is empty). */
export function makeGrid(lo: number, hi: number, n: number): number[] {
  if (!(hi > lo) || n < 2) return [lo];
  const out = new Array<number>(n);
  const dx = (hi - lo) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = lo + i * dx;
  out[n - 1] = hi;
  return out;
}

/**
 * Linear interpolation of the curve (xs, ys) at each grid point; NaN outside [xs[0], xs[last]]
 * (no extrapolation). `xs` must be non-decreasing (repeated x: the later point wins), as must `grid`.
 */
export function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, grid: ArrayLike<number>): number[] {
  const n = Math.min(xs.length, ys.length);
  const out = new Array<number>(grid.length);
  let j = 0;
  for (let k = 0; k < grid.length; k++) {
    const g = grid[k];
    if (n === 0 || !(g >= xs[0]) || !(g <= xs[n - 1])) {
      out[k] = NaN;
      continue;
    }
    if (n === 1) {
      out[k] = ys[0];
      continue;
    }
    while (j < n - 2 && xs[j + 1] < g) j++;
    const x0 = xs[j];
    const x1 = xs[j + 1];
    out[k] = x1 === x0 ? ys[j + 1] : ys[j] + ((g - x0) / (x1 - x0)) * (ys[j + 1] - ys[j]);
  }
  return out;
}

export interface MeanStd {
  mean: number;
  /** Population standard deviation (numpy's default, ddof = 0); 0 for a single value. */
  std: number;
  n: number;
}

/** Mean and population std of the finite values; null when there are none. */
export function meanStd(values: ArrayLike<number>): MeanStd | null {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      sum += values[i];
      n++;
    }
  }
  if (n === 0) return null;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n), n };
}

export interface Curve {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
}

export interface Band {
  x: number[];
  mean: number[];
  std: number[];
  /** How many curves cover each grid point. */
  count: number[];
}

/**
 * Mean ± std across curves (e.g. one per seed): each curve is interpolated onto a common grid of
 * `points` x values and the statistics are taken per grid point over the curves that cover it.
 * The grid spans the union of the curves' ranges, so a run that stopped early never hides the runs
 * that went on; `count` says how many curves each point stands on, for the chart to show it.
 * With `integral` (episodes, env steps) the grid holds whole numbers only.
 */
export function meanStdBand(curves: readonly Curve[], points = 300, opts: { integral?: boolean } = {}): Band | null {
  const usable = curves.filter((c) => Math.min(c.xs.length, c.ys.length) > 0);
  if (usable.length === 0) return null;
  const lo = Math.min(...usable.map((c) => c.xs[0]));
  const hi = Math.max(...usable.map((c) => c.xs[Math.min(c.xs.length, c.ys.length) - 1]));
  const x = opts.integral ? integralGrid(lo, hi, points) : makeGrid(lo, hi, points);
  const columns = usable.map((c) => interpolate(c.xs, c.ys, x));
  const mean: number[] = [];
  const std: number[] = [];
  const count: number[] = [];
  const at = new Array<number>(columns.length);
  for (let k = 0; k < x.length; k++) {
    for (let c = 0; c < columns.length; c++) at[c] = columns[c][k];
    const s = meanStd(at);
    mean.push(s ? s.mean : NaN);
    std.push(s ? s.std : NaN);
    count.push(s ? s.n : 0);
  }
  return { x, mean, std, count };
}

/** Up to `n` whole numbers spread evenly over [ceil(lo), floor(hi)], each once. */
export function integralGrid(lo: number, hi: number, n: number): number[] {
  const a = Math.ceil(lo);
  const b = Math.floor(hi);
  if (b < a) return [lo];
  const out: number[] = [];
  for (const v of makeGrid(a, b, Math.min(n, b - a + 1))) {
    const r = Math.round(v);
    if (out.length === 0 || r > out[out.length - 1]) out.push(r);
  }
  return out;
}

export interface CoverageSegment {
  /** First and last grid index of the stretch (inclusive). */
  from: number;
  to: number;
  /** How many curves stand on every point of it. */
  count: number;
}

/**
 * A band's `count` as stretches of equal coverage, e.g. [0–199: 3 runs, 200–299: 2 runs], so a
 * chart can dash or fade where fewer runs than the group has contribute and say from where.
 */
export function coverageSegments(count: readonly number[]): CoverageSegment[] {
  const out: CoverageSegment[] = [];
  for (let i = 0; i < count.length; i++) {
    const last = out[out.length - 1];
    if (last && last.count === count[i]) last.to = i;
    else out.push({ from: i, to: i, count: count[i] });
  }
  return out;
}

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): the indices of at most `threshold` points that
 * keep the curve's visual shape (first and last always kept). Assumes xs sorted.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = Math.min(xs.length, ys.length);
  if (threshold >= n || threshold < 3) {
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const out: number[] = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // The average of the next bucket is the third corner of the triangle.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(n, Math.floor((i + 2) * every) + 1);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[j];
      avgY += ys[j];
    }
    const len = Math.max(1, nextEnd - nextStart);
    avgX /= len;
    avgY /= len;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a]));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(best);
    a = best;
  }
  out.push(n - 1);
  return out;
}

/** Downsampled {x, y} points for a chart: LTTB when there are more than `max`, skipping non-finite y. */
export function downsample(xs: ArrayLike<number>, ys: ArrayLike<number>, max: number): { x: number; y: number }[] {
  const n = Math.min(xs.length, ys.length);
  let finite = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) finite++;
  let fx = xs;
  let fy = ys;
  if (finite < n) {
    // Only copy when something has to be left out (the usual curve is all finite).
    const cx = new Float64Array(finite);
    const cy = new Float64Array(finite);
    for (let i = 0, k = 0; i < n; i++) {
      if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
        cx[k] = xs[i];
        cy[k++] = ys[i];
      }
    }
    fx = cx;
    fy = cy;
  }
  return lttbIndices(fx, fy, max).map((i) => ({ x: fx[i], y: fy[i] }));
}

// ---------- summary statistics ----------

/** Mean ± std of the last (up to) `window` returns: the "final performance" of a run. */
export function finalWindow(returns: ArrayLike<number>, window = 100): MeanStd | null {
  const from = Math.max(0, returns.length - window);
  return meanStd(Array.prototype.slice.call(returns, from) as number[]);
}

/** The best `window`-episode moving average (null with fewer than `window` episodes). */
export function bestWindowMean(returns: ArrayLike<number>, window = 100): number | null {
  if (returns.length < window || window < 1) return null;
  let sum = 0;
  for (let i = 0; i < window; i++) sum += returns[i];
  let best = sum;
  for (let i = window; i < returns.length; i++) {
    sum += returns[i] - returns[i - window];
    if (sum > best) best = sum;
  }
  return best / window;
}

/**
 * Index of the first episode at which the mean of the last `window` returns reaches `threshold`
 * (the env's "solved" criterion; needs `window` episodes), or −1.
 */
export function solveIndex(returns: ArrayLike<number>, threshold: number, window = 100): number {
  if (returns.length < window || window < 1) return -1;
  let sum = 0;
  for (let i = 0; i < returns.length; i++) {
    sum += returns[i];
    if (i >= window) sum -= returns[i - window];
    // A little slack for the rounding in the running sum.
    if (i >= window - 1 && sum / window >= threshold - 1e-9) return i;
  }
  return -1;
}

// ---------- CSV ----------

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}
