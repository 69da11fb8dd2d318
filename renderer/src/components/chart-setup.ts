/** Chart.js, registered piecemeal (only what our line charts use, so the rest tree-shakes away). */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartOptions, type Scale, type Tick } from 'chart.js';
import { axisNumber } from '../format.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export { Chart };

export type XY = { x: number; y: number };

export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  accent: string;
  ok: string;
  series: [string, string, string];
}

/** Colours come from the app's CSS variables, so charts follow the light/dark theme. */
export function readTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--fg', '#1d2330'),
    muted: v('--muted', '#6b7280'),
    grid: v('--chart-grid', 'rgba(0,0,0,0.08)'),
    accent: v('--accent', '#3b6fd8'),
    ok: v('--ok', '#1f9d63'),
    series: [v('--series-1', '#3b6fd8'), v('--series-2', '#d9822b'), v('--series-3', '#8b5cf6')],
  };
}

/** Calls `listener` when the OS switches between light and dark. Returns an unsubscribe function. */
export function onThemeChange(listener: () => void): () => void {
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', listener);
  return () => mq.removeEventListener('change', listener);
}

/** `#rrggbb` with an alpha, as rgba(); other colour strings are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (!hex) return color;
  const n = parseInt(hex[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toFixed(3)}`;
}

/** Options both charts share: no animation (live data), x = env steps. */
export function baseOptions(theme: ChartTheme): ChartOptions<'line'> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    spanGaps: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { color: theme.text, boxWidth: 12, boxHeight: 12, usePointStyle: true } },
      tooltip: { animation: false },
    },
    scales: {
      x: {
        type: 'linear',
        title: { display: true, text: 'env steps', color: theme.muted },
        ticks: { color: theme.muted, callback: (v) => compactNumber(Number(v)), maxRotation: 0 },
        grid: { color: theme.grid },
      },
    },
  };
}

type ScaleOptions = NonNullable<ChartOptions<'line'>['scales']>[string];
type LegendOptions = NonNullable<NonNullable<ChartOptions<'line'>['plugins']>['legend']>;
type LegendLabels = NonNullable<LegendOptions['labels']>;

/** The most significant digits a tick label gets: beyond this the differences are float noise. */
const MAX_TICK_DIGITS = 12;

/**
 * Labels for an axis' tick values: axisNumber with the fewest significant digits (3 or more) at
 * which no two ticks read the same, so a narrow range (0.30001 to 0.30003) is not labelled
 * "0.3" all the way up.
 */
export function tickLabels(values: readonly number[]): string[] {
  for (let digits = 3; ; digits++) {
    const labels = values.map((v) => axisNumber(v, digits));
    if (new Set(labels).size === labels.length || digits >= MAX_TICK_DIGITS) return labels;
  }
}

// One computation per set of ticks: Chart.js asks for each tick's label with the same array.
const labelsOf = new WeakMap<Tick[], string[]>();

/**
 * A value axis tick label: tickLabels, and on a log axis only the 1-2-5 ticks (Chart.js puts one
 * at every integer multiple of each power of ten, too many to label).
 */
export function valueTick(this: Scale, value: number | string, index: number, ticks: Tick[]): string {
  const v = Number(value);
  // Within one decade every tick is worth a label.
  if (this.type === 'logarithmic' && v !== 0 && this.max / this.min >= 10) {
    const mantissa = Math.round(Math.abs(v) / 10 ** Math.floor(Math.log10(Math.abs(v))));
    if (![1, 2, 5, 10].includes(mantissa)) return '';
  }
  let labels = labelsOf.get(ticks);
  if (!labels) {
    labels = tickLabels(ticks.map((t) => t.value));
    labelsOf.set(ticks, labels);
  }
  return labels[index] ?? axisNumber(v);
}

/** A spread this small relative to the values' size is a flat series (a constant learning rate, maybe with float noise). */
const FLAT_SPREAD = 1e-6;

/**
 * The value axis' range for data from `min` to `max`: 5% of headroom above and below, so returns
 * at the cap (500 on CartPole) and lines at the edge are not clipped; a flat series ±10% around
 * its value (0 to 1 when it is 0), so it draws as the straight line it is rather than its float
 * noise blown up to the whole height; never below 0 for data that is not negative (Chart.js's
 * `grace` would turn returns of 10–500 into an axis from −100).
 */
export function axisRange(min: number, max: number): { min: number; max: number } {
  const size = Math.max(Math.abs(min), Math.abs(max));
  let lo: number;
  let hi: number;
  if (max - min <= size * FLAT_SPREAD) {
    const mid = (min + max) / 2;
    const half = Math.abs(mid) * 0.1 || 1;
    [lo, hi] = [mid - half, mid + half];
  } else {
    const pad = (max - min) * 0.05;
    [lo, hi] = [min - pad, max + pad];
  }
  return { min: min >= 0 ? Math.max(0, lo) : lo, max: hi };
}

function padRange(scale: Scale): void {
  if (scale.type === 'logarithmic' || !Number.isFinite(scale.min) || !Number.isFinite(scale.max)) return;
  const r = axisRange(scale.min, scale.max);
  scale.min = r.min;
  scale.max = r.max;
}

/** A titled value axis (linear until the person asks for log) with compact tick labels and headroom, as the Train and Compare charts draw it. */
export function valueAxis(theme: ChartTheme, title: string | null, limits: { min?: number; maxTicksLimit?: number; fontSize?: number } = {}): ScaleOptions {
  // Set only the limits asked for; the others keep Chart.js's defaults.
  const min = limits.min !== undefined ? { min: limits.min } : {};
  const maxTicks = limits.maxTicksLimit !== undefined ? { maxTicksLimit: limits.maxTicksLimit } : {};
  const font = limits.fontSize !== undefined ? { font: { size: limits.fontSize } } : {};
  return {
    type: 'linear',
    ...min,
    afterDataLimits: padRange,
    title: title === null ? { display: false } : { display: true, text: title, color: theme.muted },
    ticks: { color: theme.muted, callback: valueTick, ...maxTicks, ...font },
    grid: { color: theme.grid },
  };
}

/** The base options' legend with some label options replaced (a filter, smaller boxes). */
export function legendWith(base: ChartOptions<'line'>, labels: LegendLabels): LegendOptions {
  return { ...base.plugins?.legend, labels: { ...base.plugins?.legend?.labels, ...labels } };
}

/** Legend filter: only datasets with something drawn (a threshold not known yet, not solved yet). */
export const hasPoints: NonNullable<LegendLabels['filter']> = (item, data) => (data.datasets[item.datasetIndex ?? 0]?.data.length ?? 0) > 0;
