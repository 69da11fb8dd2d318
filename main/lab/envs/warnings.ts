/**
 * Env warnings (Gymnasium's `logger.warn`) go through one replaceable sink, so tests can capture them
 * and the app can route them to its own log instead of the console.
 */
export type WarningSink = (message: string) => void;

const consoleSink: WarningSink = (message) => console.warn(`WARN: ${message}`);
let sink: WarningSink = consoleSink;

/** Installs a sink (null restores console.warn); returns the previous one so callers can restore it. */
export function setWarningSink(fn: WarningSink | null): WarningSink {
  const prev = sink;
  sink = fn ?? consoleSink;
  return prev;
}

/** Emits an env warning. The message is Gymnasium's text without the "WARN: " prefix. */
export function envWarn(message: string): void {
  sink(message);
}
