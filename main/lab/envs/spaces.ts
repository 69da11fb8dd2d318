/** Gymnasium-style spaces. Observations are float32 vectors; actions are a Discrete index or a Box vector. */
export interface DiscreteSpace {
  readonly kind: 'discrete';
  readonly n: number;
}

export interface BoxSpace {
  readonly kind: 'box';
  readonly shape: readonly number[];
  /** Per-element bounds as float32 values; ±Infinity where unbounded. */
  readonly low: readonly number[];
  readonly high: readonly number[];
}

export type Space = DiscreteSpace | BoxSpace;

export function discrete(n: number): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Discrete space needs a positive integer n, got ${n}`);
  return { kind: 'discrete', n };
}

export function box(low: readonly number[], high: readonly number[]): BoxSpace {
  if (low.length !== high.length) throw new Error('Box low/high lengths differ');
  return { kind: 'box', shape: [low.length], low: low.map(Math.fround), high: high.map(Math.fround) };
}

/** Flat size of a space's vector: Box → product of shape, Discrete → 1 (an index). */
export function flatDim(space: Space): number {
  return space.kind === 'box' ? space.shape.reduce((a, b) => a * b, 1) : 1;
}

/** Number of policy outputs a space needs: Discrete → n logits, Box → one mean per dimension. */
export function actionDim(space: Space): number {
  return space.kind === 'discrete' ? space.n : flatDim(space);
}

export function spacesEqual(a: Space, b: Space): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function describeSpace(s: Space): string {
  return s.kind === 'discrete' ? `Discrete(${s.n})` : `Box(${s.shape.join('×')})`;
}
