/**
 * Observation binning for tabular methods: each observation dimension d is clipped to
 * [low_d, high_d] and cut into bins_d equal-width bins; the state is the mixed-radix number of the
 * per-dimension bin indices (dimension 0 most significant). bins_d = 1 ignores that dimension.
 *
 *   k_d = min(bins_d − 1, floor((clip(x_d) − low_d) / (high_d − low_d) · bins_d))
 *
 * so low_d opens bin 0, every interior edge low_d + j·(high_d − low_d)/bins_d opens bin j, and
 * everything at or beyond high_d falls in the last bin.
 */
import type { TabularBinningDef } from '../domain/env-def.ts';
import { ENV_DEFS, EnvId, findEnvDef } from '../domain/envs.ts';
import { flatDim, type Space } from '../envs/spaces.ts';

export interface BinSpec {
  /** Bins per observation dimension (≥ 1). */
  bins: number[];
  /** Clip range per dimension (low < high, finite). */
  low: number[];
  high: number[];
}

/** Largest table the lab builds (states); the Q-table holds states × actions float64 values. */
export const MAX_STATES = 1_000_000;

/** A binning of one's own, copied from a definition. */
const copyOf = (b: TabularBinningDef): BinSpec => ({ bins: [...b.bins], low: [...b.low], high: [...b.high] });

/** Each env's default binning: its EnvDef's tabularBinning (where the choice of bins is explained). */
export const DEFAULT_BINNING = Object.fromEntries(EnvId.options.map((id) => [id, copyOf(ENV_DEFS[id].tabularBinning)])) as Readonly<Record<EnvId, BinSpec>>;

export function numStates(spec: BinSpec): number {
  return spec.bins.reduce((a, b) => a * b, 1);
}

/** Throws (with what is wrong) unless `spec` is a usable binning of `obsDim`-dimensional observations. */
export function validateBinSpec(spec: BinSpec, obsDim: number): void {
  const { bins, low, high } = spec;
  if (!Array.isArray(bins) || !Array.isArray(low) || !Array.isArray(high)) throw new Error('binning needs bins, low and high arrays');
  if (bins.length !== obsDim || low.length !== obsDim || high.length !== obsDim) {
    throw new Error(`binning has ${bins.length} bins, ${low.length} lows and ${high.length} highs; the observation has ${obsDim} dimensions`);
  }
  for (let d = 0; d < obsDim; d++) {
    if (!Number.isSafeInteger(bins[d]) || bins[d] < 1) throw new Error(`bins[${d}] must be a positive integer, got ${bins[d]}`);
    if (!Number.isFinite(low[d]) || !Number.isFinite(high[d]) || !(low[d] < high[d]))
      throw new Error(`clip range ${d} must be finite with low < high, got [${low[d]}, ${high[d]}]`);
  }
  const n = numStates(spec);
  if (n > MAX_STATES) throw new Error(`binning makes ${n} states (product of ${bins.join('×')}); at most ${MAX_STATES} are supported`);
}

/**
 * The binning for an env: its default ranges (or, for another env, the observation space's own
 * bounds, which must then be finite) with `bins` overriding the default counts when given.
 */
export function binSpecFor(env: string, observationSpace: Space, bins: readonly number[] = []): BinSpec {
  if (observationSpace.kind !== 'box') throw new Error('observation binning needs a Box observation space');
  const dim = flatDim(observationSpace);
  const def = findEnvDef(env)?.tabularBinning;
  const spec: BinSpec = def ? copyOf(def) : { bins: new Array<number>(dim).fill(6), low: [...observationSpace.low], high: [...observationSpace.high] };
  if (bins.length) {
    if (bins.length !== dim) throw new Error(`bins must list ${dim} counts (one per observation dimension), got ${bins.length}`);
    spec.bins = [...bins];
  }
  validateBinSpec(spec, dim);
  return spec;
}

/** The bin index of one dimension's value. */
export function binOf(x: number, bins: number, low: number, high: number): number {
  if (bins === 1 || !(x > low)) return 0; // NaN also lands in bin 0
  if (x >= high) return bins - 1;
  const k = Math.floor(((x - low) / (high - low)) * bins);
  return k < bins - 1 ? k : bins - 1;
}

/** State index of the observation at obs[offset … offset + dims). */
export function stateIndex(spec: BinSpec, obs: ArrayLike<number>, offset = 0): number {
  const { bins, low, high } = spec;
  let s = 0;
  for (let d = 0; d < bins.length; d++) s = s * bins[d] + binOf(obs[offset + d], bins[d], low[d], high[d]);
  return s;
}
