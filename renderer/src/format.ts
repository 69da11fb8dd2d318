/** Number and time formatting shared by the views. */

export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}

/** Returns are integers on CartPole and fractional elsewhere; show decimals only when they exist. */
export function formatReturn(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return formatInt(n);
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Seconds as a clock: "0:45", "12:05", "1:02:05" (m:ss under an hour, h:mm:ss above). */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const sign = seconds < 0 ? '-' : '';
  const s = Math.round(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
}

/**
 * Tick spacings a clock axis uses, in seconds: whole seconds, minutes and hours a reader counts in, and
 * tenths for a run that took a second or two (a short run on a fast machine).
 */
const CLOCK_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * Tick values for a wall-time axis from `min` to `max` seconds: multiples of the smallest clock
 * spacing that gives at most `maxTicks` ticks, so labels read "0:30, 1:00, 1:30" rather than "1.3 m".
 */
export function clockTicks(min: number, max: number, maxTicks = 8): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const span = max - min;
  const step = CLOCK_STEPS.find((s) => span / s <= Math.max(1, maxTicks - 1)) ?? Math.ceil(span / Math.max(1, maxTicks - 1) / 86400) * 86400;
  const out: number[] = [];
  // Counted in whole steps (not summed), so tenths do not drift: 0.30000000000000004 would not label well.
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + 1e-9; k++) out.push(+(k * step).toFixed(6));
  return out;
}

/** A clock tick's label: m:ss, with tenths when the ticks are less than a second apart. */
export function formatClockTick(seconds: number, step: number): string {
  if (!(step < 1)) return formatClock(seconds);
  const tenths = Math.round(Math.abs(seconds) * 10);
  return `${seconds < 0 ? '-' : ''}${formatClock(Math.floor(tenths / 10))}.${tenths % 10}`;
}

/**
 * A value axis tick or read-out: compact for large numbers (12.3k), scientific for tiny ones
 * (learning rates, KLs: 3e-4), otherwise `digits` (3) significant digits.
 */
export function axisNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(digits)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(digits)}k`;
  if (a < 1e-3) return shortExp(v, digits - 1);
  return String(+v.toPrecision(digits));
}

/** 0.0003 → "3e-4", 0.000125 → "1.25e-4" (`fractionDigits` of the mantissa at most). */
export function shortExp(v: number, fractionDigits = 2): string {
  const [mant, exp] = v.toExponential(fractionDigits).split('e');
  return `${+mant}e${Number(exp)}`;
}
