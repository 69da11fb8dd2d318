/**
 * Shared machinery of the app's Chart.js charts: build a chart once (and again when the OS theme
 * flips), coalesce bursts of changes into one redraw per animation frame, put the person's view
 * (zoom, log axis: chart-tools.ts) on every draw, and for the Train view's live charts append only
 * the points a DecimatedSeries gained since the last draw (their smoothed line too) and mark a step
 * with a labelled line.
 */
import { computed, onBeforeUnmount, onMounted, reactive, ref, watch, type ComputedRef, type Ref, type WatchSource } from 'vue';
import { Filler, type ChartDataset, type ChartOptions, type Plugin } from 'chart.js';
import { EmaTail } from '../compare-math.ts';
import { axisNumber, formatInt } from '../format.ts';
import type { DecimatedSeries } from '../series.ts';
import { baseOptions, Chart, hasPoints, legendWith, onThemeChange, readTheme, type ChartTheme, type XY } from './chart-setup.ts';
import { applyView, attachDragZoom, chartCsv, chartPng, newView, type ChartView } from './chart-tools.ts';

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
 * `rebuilt` true), then puts `view` on it (zoom by dragging, log axis) and updates it; tears
 * everything down on unmount. `sync` changes data and options; it does not call chart.update.
 */
export function useLiveChart<C extends Chart<'line', XY[]>>(opts: {
  canvas: Ref<HTMLCanvasElement | null>;
  build: (canvas: HTMLCanvasElement, theme: ChartTheme) => C;
  sync: (chart: C, rebuilt: boolean) => void;
  sources: WatchSource[];
  minIntervalMs?: number;
  /** The person's zoom and log axis (reactive); changes redraw at once. */
  view?: ChartView;
}): { redraw: () => void; chart: () => C | null } {
  const minInterval = opts.minIntervalMs ?? MIN_SYNC_INTERVAL_MS;
  let chart: C | null = null;
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSync = 0;
  let stopTheme: (() => void) | null = null;
  let stopZoom: (() => void) | null = null;

  function draw(c: C, rebuilt: boolean): void {
    opts.sync(c, rebuilt);
    if (opts.view) applyView(c, opts.view);
    c.update('none');
    lastSync = performance.now();
  }

  function make(): void {
    if (!opts.canvas.value) return;
    chart = opts.build(opts.canvas.value, readTheme());
    draw(chart, true);
  }

  function schedule(now = false): void {
    if (frame || !chart) return;
    if (timer && !now) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const wait = now ? 0 : lastSync + minInterval - performance.now();
    const inFrame = () => {
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (chart) draw(chart, false);
      });
    };
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        inFrame();
      }, wait);
    } else inFrame();
  }

  watch(opts.sources, () => schedule());
  const view = opts.view;
  if (view) watch([() => view.xMin, () => view.xMax, () => view.logY], () => schedule(true));

  onMounted(() => {
    make();
    if (view && opts.canvas.value)
      stopZoom = attachDragZoom(
        opts.canvas.value,
        () => chart,
        view,
        () => schedule(true),
      );
    stopTheme = onThemeChange(() => {
      chart?.destroy();
      make();
    });
  });

  onBeforeUnmount(() => {
    cancelAnimationFrame(frame);
    if (timer) clearTimeout(timer);
    stopTheme?.();
    stopZoom?.();
    chart?.destroy();
    chart = null;
  });

  return { redraw: () => schedule(), chart: () => chart };
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
    // The hover reads every curve at the pointer's x (chart-tools.ts).
    interaction: { mode: 'eachX', intersect: false },
    scales: { ...base.scales, ...axes },
    plugins: {
      ...base.plugins,
      legend: legend ? legendWith(base, { filter: hasPoints }) : { display: false },
      tooltip: {
        animation: false,
        callbacks: {
          title: (items) => (items[0] ? `step ${formatInt(items[0].parsed.x)}` : ''),
          label: (item) => `${item.dataset.label}: ${axisNumber(item.parsed.y ?? NaN)}`,
        },
      },
    },
  };
}

/** The props every Train chart has. */
export interface StepChartProps<T> {
  series: DecimatedSeries<T>;
  /** Bumped by the store whenever the series gained points (the series object stays the same). */
  version: number;
  /** The run's step budget, so stacked charts share an x range. */
  xMax: number | null;
  /** Debiased-EMA weight for the chart's smoothed line, if it has one (0 = the raw values). */
  smoothing?: number;
}

/** What useStepChart gives its component: the canvas to draw on, what is plotted, the view and the exports. */
export interface StepChart {
  canvas: Ref<HTMLCanvasElement | null>;
  pointCount: Ref<number>;
  empty: ComputedRef<boolean>;
  view: ChartView;
  png: () => Promise<Blob | null>;
  csv: () => string;
}

/**
 * A Train chart of a DecimatedSeries against env steps, drawn on the returned `canvas`. On every
 * draw it appends the points the series gained to the first datasets (the lanes; all over again
 * when the series was thinned), lets `decorate` do the chart's own part, pins the x axis to
 * [0, step budget] (or the person's zoom) and redraws. `pointCount` is how many points the first
 * lane plots (the charts expose it for tests), `empty` whether that is none. With `smooth`, the
 * dataset `smooth.dataset` is lane `smooth.lane` smoothed by `props.smoothing`, extended point by
 * point as the lane grows (recomputed only when the weight changes or the series was thinned).
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
    smooth?: { lane: number; dataset: number };
  },
): StepChart {
  const canvas = ref<HTMLCanvasElement | null>(null);
  const pointCount = ref(0);
  const cursor = new SeriesCursor();
  const view = reactive(newView());
  const ema = new EmaTail();
  let smoothed = 0;
  const { chart } = useLiveChart({
    canvas,
    view,
    sources: [() => props.version, () => props.series, () => props.xMax, () => props.smoothing, ...(opts.sources ?? [])],
    build(el, theme) {
      cursor.clear();
      smoothed = 0;
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
      if (opts.smooth) {
        const from = chart.data.datasets[opts.smooth.lane].data;
        const to = chart.data.datasets[opts.smooth.dataset];
        const w = props.smoothing ?? 0;
        if (reset || from.length < smoothed || Math.min(0.999, Math.max(0, w)) !== ema.weight) {
          ema.reset(w);
          to.data = [];
          smoothed = 0;
        }
        for (; smoothed < from.length; smoothed++) to.data.push({ x: from[smoothed].x, y: ema.push(from[smoothed].y) });
      }
      // Exactly the step budget (or beyond, if the last update overshot it), so stacked charts line up.
      const right = Math.max(props.xMax ?? 0, s.last?.step ?? 0);
      opts.decorate?.(chart, s, right);
      const x = chart.options.scales?.x;
      if (x) {
        x.min = 0;
        x.max = right || undefined;
      }
    },
  });
  return {
    canvas,
    pointCount,
    empty: computed(() => pointCount.value === 0),
    view,
    png: () => chartPng(canvas.value),
    csv: () => {
      const c = chart();
      return c ? chartCsv(c, 'step') : '';
    },
  };
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
      ctx.textBaseline = 'bottom';
      const w = ctx.measureText(m.label).width;
      // Label on the side with room, at the foot of the plot: the top is where a solved run's
      // returns and the threshold line are.
      const right = px + 6 + w <= chartArea.right;
      ctx.textAlign = right ? 'left' : 'right';
      ctx.fillText(m.label, right ? px + 6 : px - 6, chartArea.bottom - 4);
      ctx.restore();
    },
  };
}
