/** A run's metrics as one CSV table (Runs → Export metrics). */
import type { MetricRecord } from '../domain/runs.ts';

/** Episode rows then update rows, one header for all columns seen (metric names are the CLI's and the run folder's). */
export function metricsCsv(records: readonly MetricRecord[]): string {
  const cols: string[] = ['kind', 'step'];
  for (const r of records) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  const lines = [cols.join(',')];
  for (const r of records) lines.push(cols.map((c) => cell((r as unknown as Record<string, unknown>)[c])).join(','));
  return lines.join('\n') + '\n';
}
