/**
 * How seeds are written wherever several are asked for (the Train form, sweeps, the head-to-head,
 * the CLI): "0,1,2", "0-4", "0-2, 7 9". Without zod, so the renderer may import it.
 */

/** numpy's seeds: unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;
/** Seeds per request (a multi-seed start, a sweep). */
export const MAX_SEEDS = 64;

/** The parts of a seeds text ("0-4, 7"). */
const seedParts = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/** One part as the range it names ("7" is 7–7); null when it is not a seed or a range. */
function seedRange(part: string): [number, number] | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(part);
  if (!m) return null;
  const lo = Number(m[1]);
  return [lo, m[2] === undefined ? lo : Number(m[2])];
}

/** How many distinct seeds the ranges hold, overlaps counted once (without listing them: a range may be huge). */
function distinctCount(ranges: readonly [number, number][]): number {
  let count = 0;
  let end = -1;
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (hi <= end) continue;
    count += hi - Math.max(lo, end + 1) + 1;
    end = hi;
  }
  return count;
}

/** Distinct seeds in the order given, or a message saying what is wrong. */
export function parseSeeds(text: string): { seeds: number[] } | { error: string } {
  const parts = seedParts(text);
  if (parts.length === 0) return { error: 'enter a seed, a list (0,1,2) or a range (0-4)' };
  const ranges: [number, number][] = [];
  for (const part of parts) {
    const range = seedRange(part);
    if (!range) return { error: `"${part}" is not a seed or a range` };
    const [lo, hi] = range;
    if (lo > MAX_SEED || hi > MAX_SEED) return { error: `seeds are integers in [0, ${MAX_SEED}]` };
    if (hi < lo) return { error: `range ${part} runs backwards` };
    ranges.push(range);
    if (distinctCount(ranges) > MAX_SEEDS) return { error: `at most ${MAX_SEEDS} seeds at once` };
  }
  const seeds = new Set<number>();
  for (const [lo, hi] of ranges) for (let n = lo; n <= hi; n++) seeds.add(n);
  return { seeds: [...seeds] };
}

/**
 * How many distinct seeds the text names, past MAX_SEEDS too (parseSeeds stops there with an
 * error, while a form says how far over it is); null when the text is not seeds at all.
 */
export function countSeeds(text: string): number | null {
  const ranges: [number, number][] = [];
  for (const part of seedParts(text)) {
    const range = seedRange(part);
    if (!range || range[1] < range[0]) return null;
    ranges.push(range);
  }
  return ranges.length ? distinctCount(ranges) : null;
}
