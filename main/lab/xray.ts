/**
 * What a policy "thinks" at given observations, for Watch's X-ray and the Insights heatmaps:
 * action probabilities (Discrete), the Gaussian's mean and σ (Box) and V(s) where a critic or
 * Q-function was saved with the policy. All observations go through one batched forward pass.
 * Capabilities are optional: a baseline or tabular policy simply shows less.
 */
import type { InsightGrid } from './domain/policies.ts';

export interface XrayPolicy {
  readonly actionSpace: { kind: 'discrete'; n: number } | { kind: 'box'; shape: readonly number[] };
  actionProbs?(obs: Float32Array, n?: number): Float32Array;
  /** Box policies: the action means [n × d] and σ [d] (state-independent). */
  gaussian?(obs: Float32Array, n: number): { mean: Float32Array; std: Float32Array };
  /** V(s) (or max_a Q(s,a)) per row, where the policy has a value function. */
  values?(obs: Float32Array, n: number): Float32Array;
}

export interface Xray {
  probs?: number[][];
  means?: number[][];
  stds?: number[][];
  values?: number[];
}

function rows(flat: Float32Array, n: number, d: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from(flat.subarray(i * d, (i + 1) * d)));
  return out;
}

export function xray(policy: XrayPolicy, obs: number[][]): Xray {
  const n = obs.length;
  if (n === 0) return {};
  const d = obs[0].length;
  const flat = new Float32Array(n * d);
  obs.forEach((o, i) => flat.set(o, i * d));
  const out: Xray = {};
  const space = policy.actionSpace;
  if (space.kind === 'discrete' && policy.actionProbs) out.probs = rows(policy.actionProbs(flat, n), n, space.n);
  if (space.kind === 'box' && policy.gaussian) {
    const g = policy.gaussian(flat, n);
    const k = space.shape[0];
    out.means = rows(g.mean, n, k);
    const std = Array.from(g.std);
    out.stds = Array.from({ length: n }, () => std);
  }
  if (policy.values) out.values = Array.from(policy.values(flat, n));
  return out;
}

export interface GridSpec {
  xDim: number;
  yDim: number;
  xRange: [number, number];
  yRange: [number, number];
  fixed: number[];
  resolution: number;
  actionIndex: number;
}

/** Evaluates the policy (and value) on a resolution × resolution slice of observation space. */
export function insightGrid(
  policy: XrayPolicy,
  env: InsightGrid['env'],
  obsDim: number,
  spec: GridSpec,
  labels: { x: string; y: string; action: string },
): InsightGrid {
  const { resolution: r, xDim, yDim } = spec;
  if (xDim >= obsDim || yDim >= obsDim) throw new Error(`xDim/yDim must be observation indices below ${obsDim}`);
  if (xDim === yDim) throw new Error('xDim and yDim must differ');
  const lin = (lo: number, hi: number) => Array.from({ length: r }, (_, i) => lo + ((hi - lo) * i) / (r - 1));
  const xs = lin(...spec.xRange);
  const ys = lin(...spec.yRange);
  const obs: number[][] = [];
  for (const y of ys) {
    for (const x of xs) {
      const o = Array.from({ length: obsDim }, (_, i) => spec.fixed[i] ?? 0);
      o[xDim] = x;
      o[yDim] = y;
      obs.push(o);
    }
  }
  const xr = xray(policy, obs);
  const grid = <T>(f: (i: number) => T): T[][] => ys.map((_, yi) => xs.map((_, xi) => f(yi * r + xi)));
  let policyGrid: number[][];
  let greedy: number[][] | undefined;
  if (xr.probs) {
    const a = Math.min(spec.actionIndex, xr.probs[0].length - 1);
    policyGrid = grid((i) => xr.probs![i][a]);
    greedy = grid((i) => xr.probs![i].indexOf(Math.max(...xr.probs![i])));
  } else if (xr.means) {
    policyGrid = grid((i) => xr.means![i][Math.min(spec.actionIndex, xr.means![i].length - 1)]);
  } else {
    throw new Error('this policy exposes neither action probabilities nor Gaussian means');
  }
  return {
    env,
    xLabel: labels.x,
    yLabel: labels.y,
    xs,
    ys,
    policy: policyGrid,
    actionLabel: labels.action,
    greedy,
    value: xr.values ? grid((i) => xr.values![i]) : null,
  };
}

/** Human names of observation dimensions (Gymnasium's docs) for axis labels. */
