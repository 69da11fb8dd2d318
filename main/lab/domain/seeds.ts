/**
 * How seeds are written wherever several are asked for (the Train form, sweeps, the head-to-head,
 * the CLI): "0,1,2", "0-4", "0-2, 7 9". Without zod, so the renderer may import it.
 */

/** numpy's seeds: unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;
/** Seeds per request (a multi-seed start, a sweep). */
export const MAX_SEEDS = 64;

/** Distinct seeds in the order given, or a message saying what is wrong. */
export function parseSeeds(text: string): { seeds: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'enter a seed, a list (0,1,2) or a range (0-4)' };
  const seeds = new Set<number>();
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return { error: `"${part}" is not a seed or a range` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > MAX_SEED || hi > MAX_SEED) return { error: `seeds are integers in [0, ${MAX_SEED}]` };
    if (hi < lo) return { error: `range ${part} runs backwards` };
    if (hi - lo >= MAX_SEEDS) return { error: `at most ${MAX_SEEDS} seeds at once` };
    for (let n = lo; n <= hi; n++) seeds.add(n);
    if (seeds.size > MAX_SEEDS) return { error: `at most ${MAX_SEEDS} seeds at once` };
  }
  return { seeds: [...seeds] };
}
