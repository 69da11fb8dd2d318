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
}

export interface ChartBand {
  key: string;
  color: number;
  upper: XY[];
  lower: XY[];
}
