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

function clipScale(set: ParamSet, maxGradNorm: number): { norm: number; scale: number } {
  const norm = Math.sqrt(set.gradSquaredSum());
  return { norm, scale: maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1 };
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
    this.t++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    this.set.weightsChanged();
    const { paramOff, gradOff, size } = this.set;
    this.set.k.adam(paramOff, gradOff, this.m, this.v, size, scale, b1, b2, learningRate, c1, c2, eps);
    return norm;
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
}
