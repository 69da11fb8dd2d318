/**
 * Optimizers over a ParamSet's flat buffers, with torch.nn.utils.clip_grad_norm_'s global-norm
 * clipping in the same pass: step() reads the gradient norm, applies nothing if it is not finite
 * (the caller reports it; the weights keep their last good values), else scales the gradients by
 * max_norm / (norm + 1e-6) when norm > max_norm and takes the step.
 *
 * Same update rules as the tfjs path (tf.train.adam; agents/a2c.ts's torch-style RMSprop) and as
 * torch, computed in float64 per element and stored as float32 (the loops: Kernels.adam/rmsprop).
 */
import type { ParamSet } from './fused-mlp.ts';

export interface FusedOptimizer {
  readonly set: ParamSet;
  /** Returns the pre-clip global gradient norm; a non-finite norm means nothing was applied. */
  step(learningRate: number, maxGradNorm: number): number;
}

/** clip_grad_norm_'s factor for a global gradient norm: max_norm / (norm + 1e-6) above max_norm, else 1. */
export function clipFactor(norm: number, maxGradNorm: number): number {
  return maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
}

function clipScale(set: ParamSet, maxGradNorm: number): { norm: number; scale: number } {
  const norm = Math.sqrt(set.gradSquaredSum());
  return { norm, scale: clipFactor(norm, maxGradNorm) };
}

/** An Adam's whole state, to move it between threads. */
export interface AdamState {
  t: number;
  m: Float32Array;
  v: Float32Array;
}

/** Adam (Kingma & Ba) with bias correction: p −= lr · m̂ / (√v̂ + ε). */
export class FusedAdam implements FusedOptimizer {
  private readonly m: number;
  private readonly v: number;
  private t = 0;

  constructor(
    readonly set: ParamSet,
    readonly epsilon: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
  ) {
    this.m = set.k.alloc(set.size);
    this.v = set.k.alloc(set.size);
  }

  step(learningRate: number, maxGradNorm: number): number {
    const { norm, scale } = clipScale(this.set, maxGradNorm);
    if (!Number.isFinite(norm)) return norm;
    this.stepScaled(learningRate, scale);
    return norm;
  }

  /** The step with gradients scaled by `scale`: the clip decided over several sets (clipFactor). */
  stepScaled(learningRate: number, scale: number): void {
    this.t++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    this.set.weightsChanged();
    const { paramOff, gradOff, size } = this.set;
    this.set.k.adam(paramOff, gradOff, this.m, this.v, size, scale, b1, b2, learningRate, c1, c2, eps);
  }

  getState(): AdamState {
    const H = this.set.k.f32;
    const n = this.set.size;
    return { t: this.t, m: H.slice(this.m, this.m + n), v: H.slice(this.v, this.v + n) };
  }

  setState(s: AdamState): void {
    const n = this.set.size;
    if (s.m.length !== n || s.v.length !== n) throw new Error('FusedAdam.setState: sizes differ');
    if (!Number.isSafeInteger(s.t) || s.t < 0) throw new Error('FusedAdam.setState: the step count is not a count');
    this.t = s.t;
    this.set.k.f32.set(s.m, this.m);
    this.set.k.f32.set(s.v, this.v);
  }
}

/** torch.optim.RMSprop without momentum, not centred: v = α·v + (1 − α)·g², p −= lr · g / (√v + ε). */
export class FusedRmsprop implements FusedOptimizer {
  private readonly v: number;

  constructor(
    readonly set: ParamSet,
    readonly epsilon: number,
    readonly alpha = 0.99,
  ) {
    this.v = set.k.alloc(set.size);
  }

  step(learningRate: number, maxGradNorm: number): number {
    const { norm, scale } = clipScale(this.set, maxGradNorm);
    if (!Number.isFinite(norm)) return norm;
    const { alpha: a, epsilon: eps } = this;
    this.set.weightsChanged();
    const { paramOff, gradOff, size } = this.set;
    this.set.k.rmsprop(paramOff, gradOff, this.v, size, scale, a, learningRate, eps);
    return norm;
  }

  /** The running squares (a checkpoint's training state). */
  getState(): Float32Array {
    return this.set.k.f32.slice(this.v, this.v + this.set.size);
  }

  setState(v: Float32Array): void {
    if (v.length !== this.set.size) throw new Error('FusedRmsprop.setState: sizes differ');
    this.set.k.f32.set(v, this.v);
  }
}
