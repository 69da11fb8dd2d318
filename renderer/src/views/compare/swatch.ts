import { onBeforeUnmount, onMounted, shallowRef } from 'vue';
import { onThemeChange, readTheme } from '../../components/chart-setup.ts';
import { seriesColor } from '../../components/compare-chart.ts';

/** The colour of series `i` as the chart draws it, for swatches outside the chart; follows a theme switch. */
export function useSwatch(): (i: number) => string {
  const theme = shallowRef(readTheme());
  let stopTheme: (() => void) | null = null;
  onMounted(() => {
    theme.value = readTheme();
    stopTheme = onThemeChange(() => (theme.value = readTheme()));
  });
  onBeforeUnmount(() => stopTheme?.());
  return (i) => seriesColor(theme.value, i);
}
