/** The timing harness the throughput benchmarks share. */

export interface Result {
  name: string;
  unit: string;
  perSecond: number;
  ops: number;
  seconds: number;
}

/**
 * Runs `batch` (which performs `opsPerBatch` operations) for about `seconds`, after `warmupMs` of
 * warm-up so the JIT (and wasm tiers) settle first.
 */
export function measure(name: string, unit: string, opsPerBatch: number, batch: () => void, seconds: number, warmupMs: number): Result {
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) batch();
  let ops = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  while (now < end) {
    batch();
    ops += opsPerBatch;
    now = performance.now();
  }
  const took = (now - t0) / 1000;
  return { name, unit, perSecond: ops / took, ops, seconds: took };
}

/** The refdata README's LCG: random-ish actions that cost almost nothing next to the env. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(1664525, s) + 1013904223) >>> 0);
}
