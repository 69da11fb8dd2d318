/**
 * TensorBoard-style tools every line chart in the app shares: drag across the plot to zoom the x
 * axis (double-click or "Reset" to undo), a log y axis, a hover that reads every curve at the
 * pointer's x, and PNG / CSV export of what the chart shows. Written on Chart.js's own scales
 * (min/max, type) and a few lines of pointer handling instead of a zoom plugin.
 */
import { Chart, Interaction, LogarithmicScale, type InteractionItem, type InteractionModeFunction, type Plugin } from 'chart.js';
import { toCsv } from '../compare-math.ts';
import type { XY } from './chart-setup.ts';

declare module 'chart.js' {
  interface InteractionModeMap {
    /** Every curve's point nearest the pointer's x (curves that do not reach that x are left out). */
    eachX: InteractionModeFunction;
  }
}

/** How far (CSS px) past a curve's first or last point the hover still reads it. */
const END_SLACK_PX = 8;
/** A drag shorter than this (CSS px) is a click, not a zoom. */
const MIN_DRAG_PX = 6;

/**
 * Datasets with `pointHitRadius: 0` are decoration (reference lines, bands, faint raw curves):
 * the hover and the CSV leave them out.
 */
function isDecoration(chart: Chart, i: number): boolean {
  return (chart.data.datasets[i] as { pointHitRadius?: unknown }).pointHitRadius === 0;
}

const eachX: InteractionModeFunction = (chart, e, _options, useFinalPosition) => {
  const area = chart.chartArea;
  const ex = e.x;
  if (!area || ex === null || ex < area.left || ex > area.right) return [];
  const items: InteractionItem[] = [];
  chart.data.datasets.forEach((_ds, i) => {
    if (!chart.isDatasetVisible(i) || isDecoration(chart, i)) return;
    const els = chart.getDatasetMeta(i).data;
    if (els.length === 0) return;
    const px = (k: number) => (useFinalPosition ? (els[k].getProps(['x'], true) as { x: number }).x : (els[k] as unknown as { x: number }).x);
    if (ex < px(0) - END_SLACK_PX || ex > px(els.length - 1) + END_SLACK_PX) return;
    // The points are in x order: binary search for the first at or right of the pointer.
    let lo = 0;
    let hi = els.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (px(mid) < ex) lo = mid + 1;
      else hi = mid;
    }
    const k = lo > 0 && ex - px(lo - 1) < px(lo) - ex ? lo - 1 : lo;
    if ((els[k] as unknown as { skip?: boolean }).skip) return;
    items.push({ element: els[k], datasetIndex: i, index: k });
  });
  return items;
};
Interaction.modes.eachX = eachX;

// ---------- the view: zoom and log axis ----------

/** What the person did to a chart's view (kept in a reactive object by the chart's component). */
export interface ChartView {
  /** The zoomed x range, or null for the chart's own. */
  xMin: number | null;
  xMax: number | null;
  logY: boolean;
}

export function newView(): ChartView {
  return { xMin: null, xMax: null, logY: false };
}

export function resetZoom(view: ChartView): void {
  view.xMin = null;
  view.xMax = null;
}

export function toggleLogY(view: ChartView): void {
  view.logY = !view.logY;
}

const zoomBoxes = new WeakMap<Chart, { from: number; to: number }>();
/** Each chart's linear y minimum as built (0 for lengths, speeds), restored when the log axis is turned off. */
const linearYMin = new WeakMap<Chart, number | undefined>();

/** The drag's extent, shaded over the plot while the button is down. */
const zoomBoxPlugin: Plugin<'line'> = {
  id: 'zoomBox',
  afterDatasetsDraw(chart) {
    const box = zoomBoxes.get(chart as unknown as Chart);
    if (!box) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.fillStyle = 'rgba(120, 140, 180, 0.18)';
    ctx.strokeStyle = 'rgba(120, 140, 180, 0.7)';
    const left = Math.max(chartArea.left, Math.min(box.from, box.to));
    const right = Math.min(chartArea.right, Math.max(box.from, box.to));
    ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
    ctx.strokeRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
    ctx.restore();
  },
};

Chart.register(LogarithmicScale, zoomBoxPlugin);

/**
 * Puts the view on the chart's options (call before chart.update): the zoomed x range over the
 * chart's own, and the y axis linear or logarithmic (a log axis has no minimum of 0).
 */
export function applyView(chart: Chart<'line', XY[]>, view: ChartView): void {
  const x = chart.options.scales?.x;
  if (x && view.xMin !== null && view.xMax !== null && view.xMax > view.xMin) {
    x.min = view.xMin;
    x.max = view.xMax;
  }
  const y = chart.options.scales?.y as { type?: string; min?: number } | undefined;
  if (!y) return;
  const c = chart as unknown as Chart;
  if (!linearYMin.has(c)) linearYMin.set(c, y.min);
  const type = view.logY ? 'logarithmic' : 'linear';
  if (y.type !== type) {
    y.type = type;
    y.min = view.logY ? undefined : linearYMin.get(c);
  }
}

/**
 * Drag across the plot to zoom x to the dragged range; double-click to reset. Listens on the
 * canvas (which outlives a rebuilt chart, hence `chart` is a getter); returns the unsubscribe.
 */
export function attachDragZoom(canvas: HTMLCanvasElement, chart: () => Chart<'line', XY[]> | null, view: ChartView, changed: () => void): () => void {
  let from: number | null = null;
  const localX = (e: PointerEvent | MouseEvent) => e.clientX - canvas.getBoundingClientRect().left;

  function down(e: PointerEvent): void {
    const c = chart();
    if (!c || e.button !== 0) return;
    const x = localX(e);
    const { left, right, top, bottom } = c.chartArea;
    const y = e.clientY - canvas.getBoundingClientRect().top;
    if (x < left || x > right || y < top || y > bottom) return;
    from = x;
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up, { once: true });
  }
  function move(e: PointerEvent): void {
    const c = chart();
    if (!c || from === null) return;
    zoomBoxes.set(c as unknown as Chart, { from, to: localX(e) });
    c.draw();
  }
  function up(e: PointerEvent): void {
    window.removeEventListener('pointermove', move);
    const c = chart();
    const start = from;
    from = null;
    if (!c || start === null) return;
    zoomBoxes.delete(c as unknown as Chart);
    const end = Math.min(c.chartArea.right, Math.max(c.chartArea.left, localX(e)));
    if (Math.abs(end - start) < MIN_DRAG_PX) {
      c.draw();
      return;
    }
    const scale = c.scales.x;
    view.xMin = scale.getValueForPixel(Math.min(start, end)) ?? null;
    view.xMax = scale.getValueForPixel(Math.max(start, end)) ?? null;
    changed();
  }
  function dbl(): void {
    if (view.xMin === null) return;
    resetZoom(view);
    changed();
  }

  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('dblclick', dbl);
  return () => {
    canvas.removeEventListener('pointerdown', down);
    canvas.removeEventListener('dblclick', dbl);
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
  };
}

// ---------- export ----------

/** The chart as a PNG on the theme's surface colour (the canvas itself is transparent). */
export function chartPng(src: HTMLCanvasElement | null): Promise<Blob | null> {
  if (!src) return Promise.resolve(null);
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height;
  const ctx = out.getContext('2d');
  if (!ctx) return Promise.resolve(null);
  ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--surface').trim() || '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(src, 0, 0);
  return new Promise((resolve) => out.toBlob((b) => resolve(b), 'image/png'));
}

/** Every plotted (non-decoration) curve's points, one row per point: series, x, value. */
export function chartCsv(chart: Chart<'line', XY[]>, xName: string): string {
  const rows: unknown[][] = [];
  chart.data.datasets.forEach((ds, i) => {
    if (isDecoration(chart as unknown as Chart, i)) return;
    for (const p of ds.data) rows.push([ds.label ?? '', p.x, p.y]);
  });
  return toCsv(['series', xName, 'value'], rows);
}
