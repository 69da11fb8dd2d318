/** Shapes and colours for the Compare tab's chart (CompareChart.vue). */
import type { ChartTheme, XY } from './chart-setup.ts';

/** The theme's three series colours first, then fixed ones that read on light and dark. */
const EXTRA = ['#2a9d8f', '#e05d5d', '#c9a227', '#4cb5e6', '#d45fa8', '#6c9a3b', '#a1887f', '#7f8c9d'];

export function seriesColor(theme: ChartTheme, index: number): string {
  const all = [...theme.series, ...EXTRA];
  return all[((index % all.length) + all.length) % all.length];
}

export interface ChartSeries {
  key: string;
  label: string;
  /** Index into the palette (seriesColor). */
  color: number;
  points: XY[];
  /** The unsmoothed curve drawn faintly behind (omitted when smoothing is off or for group means). */
  raw?: XY[];
  /** A group mean's runs per point (beside `points`), out of `of`: dashed where fewer contribute. */
  counts?: number[];
  of?: number;
}

export interface ChartBand {
  key: string;
  color: number;
  upper: XY[];
  lower: XY[];
  /** Runs per point, out of `of`: fainter where fewer contribute. */
  counts?: number[];
  of?: number;
}

/** Whether the stretch between points i0 and i1 stands on fewer runs than the group has. */
export function isPartial(counts: readonly number[] | undefined, of: number | undefined, i0: number, i1: number): boolean {
  if (!counts || of === undefined) return false;
  return Math.min(counts[i0] ?? of, counts[i1] ?? of) < of;
}
