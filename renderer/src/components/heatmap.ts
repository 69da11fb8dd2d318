/** Types and colours shared by Heatmap.vue and the views that configure it. */

/** How values map to colours: a continuous ramp (fixed or data domain) or one colour per category. */
export type HeatmapScale =
  { kind: 'diverging' | 'sequential'; label: string; domain?: [number, number] } | { kind: 'categorical'; label: string; labels: string[] };

/** Tableau 10: distinct for a handful of actions, in light and dark themes alike. */
export const CATEGORY_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];
