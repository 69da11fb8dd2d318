/** A one-line terminal progress bar with SPS and ETA (CLI), redrawn at most 5×/s. */
import type { ProgressEvent } from './domain/runs.ts';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function progressText(p: Omit<ProgressEvent, 'runId'>, width = 24): string {
  // Out of the steps the run really takes (whole iterations), which the ETA counts down too.
  const total = p.plannedSteps ?? p.totalSteps;
  const frac = total > 0 ? Math.min(1, p.step / total) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const mean = p.mean100 === null ? '' : ` · mean100 ${p.mean100.toFixed(1)}`;
  return `${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${p.step.toLocaleString('en-US')}/${total.toLocaleString('en-US')} · ${Math.round(p.sps).toLocaleString('en-US')} SPS · ETA ${p.etaSeconds === null ? '–' : formatDuration(p.etaSeconds)} · ep ${p.episodes}${mean}`;
}

export class ProgressLine {
  private last = 0;
  private shown = false;
  private lastPlain = 0;
  constructor(private readonly tty: boolean) {}

  update(p: Omit<ProgressEvent, 'runId'>): void {
    const now = Date.now();
    if (this.tty) {
      if (now - this.last < 200) return;
      this.last = now;
      process.stderr.write(`\r\x1b[2K${progressText(p)}`);
      this.shown = true;
    } else if (now - this.lastPlain >= 10_000) {
      // Not a terminal (CI logs, pipes): a plain line every 10 s instead of a redrawn bar.
      this.lastPlain = now;
      process.stderr.write(progressText(p) + '\n');
    }
  }

  done(): void {
    if (this.shown) process.stderr.write('\n');
    this.shown = false;
  }
}
