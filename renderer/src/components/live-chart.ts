/**
 * Shared machinery of the Train view's live charts: build a Chart.js chart once (and again when the
 * OS theme flips), append only the points a DecimatedSeries gained since the last draw, coalesce
 * bursts of events into one redraw per animation frame, and mark a step with a labelled line.
 */
import { onBeforeUnmount, onMounted, watch, type Ref, type WatchSource } from 'vue';
import { Filler, type Plugin } from 'chart.js';
import type { DecimatedSeries } from '../stores/series.ts';
import { Chart, onThemeChange, readTheme, type ChartTheme } from './chart-setup.ts';

// Area fills (the SPS chart); chart-setup registers only what every line chart needs.
Chart.register(Filler);

export type XY = { x: number; y: number };

/**
 * Redraws of one live chart are at least this far apart. Metrics stream in up to 10 times a
 * second per run and a dozen charts follow them: drawing each at most ~4×/s keeps the main
 * thread free for the env animation while the charts still read as live.
 */
const MIN_SYNC_INTERVAL_MS = 250;

/**
 * Builds the chart on mount, calls `sync` in an animation frame after `sources` change (at most
 * every MIN_SYNC_INTERVAL_MS; and right after every build, with `rebuilt` true), and tears
 * everything down on unmount.
 */
export function useLiveChart<C extends Chart<'line', XY[]>>(opts: {
  canvas: Ref<HTMLCanvasElement | null>;
  build: (canvas: HTMLCanvasElement, theme: ChartTheme) => C;
  sync: (chart: C, rebuilt: boolean) => void;
  sources: WatchSource[];
}): { redraw: () => void } {
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
    const wait = lastSync + MIN_SYNC_INTERVAL_MS - performance.now();
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

export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const n = parseInt(hex[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
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
