/**
 * Shared machinery of the app's Chart.js charts: build a chart once (and again when the OS theme
 * flips), coalesce bursts of changes into one redraw per animation frame, and for the Train view's
 * live charts append only the points a DecimatedSeries gained since the last draw and mark a step
 * with a labelled line.
 */
import { computed, onBeforeUnmount, onMounted, ref, watch, type ComputedRef, type Ref, type WatchSource } from 'vue';
import { Filler, type ChartDataset, type ChartOptions, type Plugin } from 'chart.js';
import type { DecimatedSeries } from '../series.ts';
import { baseOptions, Chart, hasPoints, legendWith, onThemeChange, readTheme, type ChartTheme, type XY } from './chart-setup.ts';

// Area fills (the SPS chart, Compare's ± std bands); chart-setup registers only what every line chart needs.
Chart.register(Filler);

/**
 * Redraws of one live chart are at least this far apart. Metrics stream in up to 10 times a
 * second per run and a dozen charts follow them: drawing each at most ~4×/s keeps the main
 * thread free for the env animation while the charts still read as live.
 */
const MIN_SYNC_INTERVAL_MS = 250;

/**
 * Builds the chart on mount, calls `sync` in an animation frame after `sources` change (at most
 * every `minIntervalMs`, MIN_SYNC_INTERVAL_MS unless given; and right after every build, with
 * `rebuilt` true), and tears everything down on unmount.
 */
export function useLiveChart<C extends Chart<'line', XY[]>>(opts: {
  canvas: Ref<HTMLCanvasElement | null>;
  build: (canvas: HTMLCanvasElement, theme: ChartTheme) => C;
  sync: (chart: C, rebuilt: boolean) => void;
  sources: WatchSource[];
  minIntervalMs?: number;
}): { redraw: () => void } {
  const minInterval = opts.minIntervalMs ?? MIN_SYNC_INTERVAL_MS;
  let chart: C | null = null;
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSync = 0;
  let stopTheme: (() => void) | null = null;

  function make(): void {
    if (!opts.canvas.value) return;
    chart = opts.build(opts.canvas.value, readTheme());
    opts.sync(chart, true);
    lastSync = performance.now();
  }

  function schedule(): void {
    if (frame || timer || !chart) return;
    const wait = lastSync + minInterval - performance.now();
    const draw = () => {
      frame = requestAnimationFrame(() => {
        frame = 0;
        lastSync = performance.now();
        if (chart) opts.sync(chart, false);
      });
    };
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        draw();
      }, wait);
    } else draw();
  }

  watch(opts.sources, schedule);

  onMounted(() => {
    make();
    stopTheme = onThemeChange(() => {
      chart?.destroy();
      make();
    });
  });

  onBeforeUnmount(() => {
    cancelAnimationFrame(frame);
    if (timer) clearTimeout(timer);
    stopTheme?.();
    chart?.destroy();
    chart = null;
  });

  return { redraw: schedule };
}

/**
 * Remembers how much of a DecimatedSeries a chart already plotted: `start` is where appending
 * resumes, 0 with `reset` when the series was thinned or cleared (the chart must start over).
 */
export class SeriesCursor {
  private generation = -1;
  private length = 0;

  next<T>(series: DecimatedSeries<T>): { reset: boolean; start: number } {
    if (series.generation !== this.generation || series.points.length < this.length) {
      this.generation = series.generation;
      this.length = series.points.length;
      return { reset: true, start: 0 };
    }
    const start = this.length;
    this.length = series.points.length;
    return { reset: false, start };
  }

  /** Forget everything (after the chart was rebuilt). */
  clear(): void {
    this.generation = -1;
    this.length = 0;
  }
}

type ScaleOptions = NonNullable<ChartOptions<'line'>['scales']>[string];

/**
 * The Train charts' options: baseOptions (x = env steps, unless `axes.x` replaces it) with
 * `axes.y` as the value axis and a legend that lists only datasets with points, or none at all.
 */
export function stepChartOptions(theme: ChartTheme, axes: { x?: ScaleOptions; y: ScaleOptions }, legend: boolean): ChartOptions<'line'> {
  const base = baseOptions(theme);
  return {
    ...base,
    normalized: true,
    scales: { ...base.scales, ...axes },
    plugins: { ...base.plugins, legend: legend ? legendWith(base, { filter: hasPoints }) : { display: false } },
  };
}

/** The props every Train chart has. */
export interface StepChartProps<T> {
  series: DecimatedSeries<T>;
  /** Bumped by the store whenever the series gained points (the series object stays the same). */
  version: number;
  /** The run's step budget, so stacked charts share an x range. */
  xMax: number | null;
}

/**
 * A Train chart of a DecimatedSeries against env steps, drawn on the returned `canvas`. On every
 * draw it appends the points the series gained to the first datasets (the lanes; all over again
 * when the series was thinned), lets `decorate` do the chart's own part, pins the x axis to
 * [0, step budget] and redraws. `pointCount` is how many points the first lane plots (the charts
 * expose it for tests), `empty` whether that is none.
 */
export function useStepChart<T extends { step: number }>(
  props: StepChartProps<T>,
  opts: {
    /** What else the drawing depends on (reference values). */
    sources?: WatchSource[];
    config: (theme: ChartTheme) => { datasets: ChartDataset<'line', XY[]>[]; options: ChartOptions<'line'>; plugins?: Plugin<'line'>[] };
    /** Per lane (dataset i): a point's y, or null / undefined to plot nothing for it. */
    lanes: ((p: T) => number | null | undefined)[];
    /** After the new points are in, before the redraw: reference lines (to `right`, the x axis' end), read-outs. */
    decorate?: (chart: Chart<'line', XY[]>, series: DecimatedSeries<T>, right: number) => void;
  },
): { canvas: Ref<HTMLCanvasElement | null>; pointCount: Ref<number>; empty: ComputedRef<boolean> } {
  const canvas = ref<HTMLCanvasElement | null>(null);
  const pointCount = ref(0);
  const cursor = new SeriesCursor();
  useLiveChart({
    canvas,
    sources: [() => props.version, () => props.series, () => props.xMax, ...(opts.sources ?? [])],
    build(el, theme) {
      cursor.clear();
      const { datasets, options, plugins } = opts.config(theme);
      return new Chart<'line', XY[]>(el, { type: 'line', data: { datasets }, options, ...(plugins ? { plugins } : {}) });
    },
    sync(chart) {
      const s = props.series;
      const lanes = chart.data.datasets.slice(0, opts.lanes.length);
      const { reset, start } = cursor.next(s);
      // New arrays: Chart.js re-links on a changed reference.
      if (reset) for (const lane of lanes) lane.data = [];
      for (let i = start; i < s.points.length; i++) {
        const p = s.points[i];
        opts.lanes.forEach((yOf, k) => {
          const y = yOf(p);
          if (y !== null && y !== undefined) lanes[k].data.push({ x: p.step, y });
        });
      }
      pointCount.value = lanes[0]?.data.length ?? 0;
      // Exactly the step budget (or beyond, if the last update overshot it), so stacked charts line up.
      const right = Math.max(props.xMax ?? 0, s.last?.step ?? 0);
      opts.decorate?.(chart, s, right);
      const x = chart.options.scales?.x;
      if (x) {
        x.min = 0;
        x.max = right || undefined;
      }
      chart.update('none');
    },
  });
  return { canvas, pointCount, empty: computed(() => pointCount.value === 0) };
}

/** A horizontal reference line at `y` from x = 0 to `right`; none while `y` is unknown or there is no range yet. */
export function referenceLine(y: number | null, right: number): XY[] {
  return y !== null && right > 0
    ? [
        { x: 0, y },
        { x: right, y },
      ]
    : [];
}

export interface Marker {
  x: number;
  label: string;
  color: string;
}

/** A dashed vertical line at a data x with a label at its top (e.g. "solved at 42k steps"). */
export function markerPlugin(get: () => Marker | null): Plugin<'line'> {
  return {
    id: 'stepMarker',
    afterDatasetsDraw(chart) {
      const m = get();
      const x = chart.scales.x;
      if (!m || !x) return;
      const { ctx, chartArea } = chart;
      const px = x.getPixelForValue(m.x);
      if (!Number.isFinite(px) || px < chartArea.left - 1 || px > chartArea.right + 1) return;
      ctx.save();
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 1.25;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = '600 11px system-ui, sans-serif';
      ctx.fillStyle = m.color;
      ctx.textBaseline = 'top';
      const w = ctx.measureText(m.label).width;
      // Label on the side with room, inside the plot area.
      const right = px + 6 + w <= chartArea.right;
      ctx.textAlign = right ? 'left' : 'right';
      ctx.fillText(m.label, right ? px + 6 : px - 6, chartArea.top + 4);
      ctx.restore();
    },
  };
}
