/**
 * MLPs for the fused engine: every trainable value of a model group lives in one flat parameter
 * buffer in the kernels' heap, its gradient in a parallel buffer (so clipping and the optimizer are
 * single loops), and a forward/backward pass is a handful of gemm calls plus tight loops.
 *
 *   const set = new ParamSet(kernels);
 *   const actor = set.mlp(spec), critic = set.mlp(spec2), logStd = set.vector(d);
 *   set.build();                       // allocates params + grads
 *   const y = actor.forward(xOff, m);  // keeps the activations for backward
 *   …write dL/dy at dyOff…
 *   actor.backward(dyOff, m);          // writes (overwrites) its gradients
 *
 * The layout of a layer is tfjs Dense's: kernel [in × out] row-major, then bias [out], so weights
 * copy to and from Mlp/MlpWeights without reordering.
 */
import type { Activation, MlpSpec, MlpWeights } from '../mlp.ts';
import type { Kernels } from './kernels.ts';

/** A slice of a ParamSet that is not an MLP (a Gaussian's log σ). Offsets are absolute after build(). */
export class ParamVector {
  constructor(
    private readonly owner: ParamSet,
    private readonly rel: number,
    readonly size: number,
  ) {}
  get paramOff(): number {
    return this.owner.paramOff + this.rel;
  }
  get gradOff(): number {
    return this.owner.gradOff + this.rel;
  }
  get(): Float32Array {
    return this.owner.k.f32.slice(this.paramOff, this.paramOff + this.size);
  }
  set(values: ArrayLike<number>): void {
    if (values.length !== this.size) throw new Error(`expected ${this.size} values, got ${values.length}`);
    this.owner.weightsChanged();
    this.owner.k.f32.set(values, this.paramOff);
  }
}

/** Models trained together: one parameter buffer, one gradient buffer, one optimizer. */
export class ParamSet {
  /** Total floats; fixed by build(). */
  size = 0;
  paramOff = -1;
  gradOff = -1;
  private readonly members: FusedMlp[] = [];
  /** Whether gemm may keep these weights prepared between calls (see cacheWeights()). */
  cachesWeights = false;

  constructor(readonly k: Kernels) {}

  /**
   * Lets the kernels keep this set's weights prepared (packed) between forwards: for weights read
   * far more often than written, such as a target network between syncs. Every write here
   * (copyFrom, polyakFrom, setWeights, an optimizer step) drops what was kept.
   */
  cacheWeights(): this {
    this.cachesWeights = true;
    return this;
  }

  /** Called before any write to the parameters. */
  weightsChanged(): void {
    if (this.cachesWeights) for (const net of this.members) net.forgetCachedWeights();
  }

  mlp(spec: MlpSpec): FusedMlp {
    if (this.paramOff >= 0) throw new Error('ParamSet: add models before build()');
    const net = new FusedMlp(this, spec, this.size);
    this.size += net.paramCount;
    this.members.push(net);
    return net;
  }

  vector(n: number): ParamVector {
    if (this.paramOff >= 0) throw new Error('ParamSet: add vectors before build()');
    const v = new ParamVector(this, this.size, n);
    this.size += n;
    return v;
  }

  build(): this {
    this.paramOff = this.k.alloc(this.size);
    this.gradOff = this.k.alloc(this.size);
    return this;
  }

  /** Σ g² over the whole gradient buffer (float64). */
  gradSquaredSum(): number {
    return this.k.squaredSum(this.gradOff, this.size);
  }

  /** Copies every parameter from another set of the same layout (target networks). */
  copyFrom(other: ParamSet): void {
    if (other.size !== this.size || other.k !== this.k) throw new Error('ParamSet.copyFrom: layouts differ');
    this.weightsChanged();
    this.k.f32.copyWithin(this.paramOff, other.paramOff, other.paramOff + other.size);
  }

  /** this ← τ·other + (1 − τ)·this (Polyak averaging). */
  polyakFrom(other: ParamSet, tau: number): void {
    if (other.size !== this.size || other.k !== this.k) throw new Error('ParamSet.polyakFrom: layouts differ');
    this.weightsChanged();
    const H = this.k.f32;
    for (let i = 0; i < this.size; i++) H[this.paramOff + i] = tau * H[other.paramOff + i] + (1 - tau) * H[this.paramOff + i];
  }
}

export class FusedMlp {
  readonly dims: number[];
  readonly activation: Activation;
  readonly paramCount: number;
  /** Offsets of each layer's kernel and bias relative to the set's start. */
  private readonly wRel: number[] = [];
  private readonly bRel: number[] = [];
  // Batch-sized work buffers (absolute offsets), grown on demand.
  private cap = 0;
  private acts: number[] = []; // post-activation output of every layer, [cap × dims[l+1]]
  private gA = -1; // gradient ping-pong buffers [cap × maxWidth]
  private gB = -1;
  private xT = -1; // a layer input transposed [maxWidth × cap]
  private wT = -1; // a kernel transposed [maxIn × maxOut]
  private dxT = -1; // an input gradient transposed [maxWidth × cap]
  private inputOff = -1;
  private batch = 0;
  /** Per layer, the kernels' cache key while its weights are kept prepared (ParamSet.cacheWeights). */
  private cacheKeys: number[] = [];

  constructor(
    readonly set: ParamSet,
    spec: MlpSpec,
    relOff: number,
  ) {
    this.dims = [spec.inputDim, ...spec.netArch, spec.outputDim];
    this.activation = spec.activation;
    let off = relOff;
    for (let l = 0; l < this.dims.length - 1; l++) {
      this.wRel.push(off);
      off += this.dims[l] * this.dims[l + 1];
      this.bRel.push(off);
      off += this.dims[l + 1];
    }
    this.paramCount = off - relOff;
  }

  get inputDim(): number {
    return this.dims[0];
  }
  get outputDim(): number {
    return this.dims[this.dims.length - 1];
  }
  private get layers(): number {
    return this.dims.length - 1;
  }
  kernelOff(l: number): number {
    return this.set.paramOff + this.wRel[l];
  }
  biasOff(l: number): number {
    return this.set.paramOff + this.bRel[l];
  }
  private kernelGradOff(l: number): number {
    return this.set.gradOff + this.wRel[l];
  }
  private biasGradOff(l: number): number {
    return this.set.gradOff + this.bRel[l];
  }
  /** Offset of the last forward's post-activation output of layer l (the last layer: the outputs). */
  activationOff(l: number): number {
    return this.acts[l];
  }

  /** Makes room for batches of m rows. */
  reserve(m: number): void {
    if (m <= this.cap) return;
    const k = this.set.k;
    const maxW = Math.max(...this.dims);
    this.acts = this.dims.slice(1).map((d) => k.alloc(m * d));
    this.gA = k.alloc(m * maxW);
    this.gB = k.alloc(m * maxW);
    this.xT = k.alloc(m * maxW);
    this.dxT = k.alloc(m * maxW);
    let maxKernel = 0;
    for (let l = 0; l < this.layers; l++) maxKernel = Math.max(maxKernel, this.dims[l] * this.dims[l + 1]);
    this.wT = k.alloc(maxKernel);
    this.cap = m;
  }

  /**
   * Forward on m rows at xOff ([m × inputDim], left untouched until backward). Returns the offset of
   * the outputs [m × outputDim] (valid until the next forward).
   */
  forward(xOff: number, m: number): number {
    this.reserve(m);
    const { k } = this.set;
    const relu = this.activation === 'relu';
    let inOff = xOff;
    for (let l = 0; l < this.layers; l++) {
      const hidden = l < this.layers - 1;
      const out = this.acts[l];
      k.gemm(m, this.dims[l], this.dims[l + 1], inOff, this.kernelOff(l), out, this.biasOff(l), hidden && relu, this.cacheKey(l));
      if (hidden && !relu) k.tanh(out, m * this.dims[l + 1]);
      inOff = out;
    }
    this.inputOff = xOff;
    this.batch = m;
    return this.acts[this.layers - 1];
  }

  /**
   * Backward through the last forward: dyOff holds dL/d(outputs) [m × outputDim]. Overwrites this
   * network's gradients in the set. hiddenGradOff (optional, [m × last hidden width]) is added to
   * dL/d(last hidden activation) — the value head of a shared trunk. dxOff (optional) receives
   * dL/d(inputs) [m × inputDim].
   */
  backward(dyOff: number, m: number, opts: { hiddenGradOff?: number; dxOff?: number } = {}): void {
    if (m !== this.batch || this.inputOff < 0) throw new Error('FusedMlp.backward: call forward on the same batch first');
    const { k } = this.set;
    const relu = this.activation === 'relu';
    let g = dyOff;
    for (let l = this.layers - 1; l >= 0; l--) {
      const din = this.dims[l];
      const dout = this.dims[l + 1];
      const inOff = l === 0 ? this.inputOff : this.acts[l - 1];
      // dW = xᵀ·g (XNNPACK reads plain row-major operands fastest: transpose here).
      k.transpose(inOff, m, din, this.xT);
      k.gemm(din, m, dout, this.xT, g, this.kernelGradOff(l), -1, false);
      k.columnSums(g, m, dout, this.biasGradOff(l));
      if (l === 0 && opts.dxOff === undefined) break;
      // dx = g·Wᵀ, then through the previous layer's activation. The gemm's right operand is packed
      // on every call, so for wide layers and small batches (DQN's 256×256 on 64 rows) dxᵀ = W·gᵀ,
      // which packs gᵀ instead of Wᵀ, moves fewer floats: 2·m·dout + m·din against 2·din·dout.
      const dst = l === 0 ? opts.dxOff! : g === this.gA ? this.gB : this.gA;
      if (m * (2 * dout + din) < 2 * din * dout) {
        k.transpose(g, m, dout, this.xT);
        k.gemm(din, dout, m, this.kernelOff(l), this.xT, this.dxT, -1, false);
        k.transpose(this.dxT, din, m, dst);
      } else {
        k.transpose(this.kernelOff(l), din, dout, this.wT);
        k.gemm(m, dout, din, g, this.wT, dst, -1, false);
      }
      if (l === 0) break;
      const H = k.f32;
      const n = m * din;
      if (l === this.layers - 1 && opts.hiddenGradOff !== undefined) {
        for (let i = 0; i < n; i++) H[dst + i] += H[opts.hiddenGradOff + i];
      }
      if (relu) k.reluBackward(dst, this.acts[l - 1], n);
      else k.tanhBackward(dst, this.acts[l - 1], n);
      g = dst;
    }
  }

  private cacheKey(l: number): number {
    if (!this.set.cachesWeights) return 0;
    return (this.cacheKeys[l] ||= this.set.k.cacheKey());
  }

  forgetCachedWeights(): void {
    for (const key of this.cacheKeys) if (key) this.set.k.forget(key);
  }

  getWeights(): MlpWeights {
    const H = this.set.k.f32;
    const kernels: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (let l = 0; l < this.layers; l++) {
      kernels.push(H.slice(this.kernelOff(l), this.kernelOff(l) + this.dims[l] * this.dims[l + 1]));
      biases.push(H.slice(this.biasOff(l), this.biasOff(l) + this.dims[l + 1]));
    }
    return { kernels, biases };
  }

  setWeights(w: MlpWeights): void {
    const H = this.set.k.f32;
    if (w.kernels.length !== this.layers || w.biases.length !== this.layers) throw new Error('FusedMlp.setWeights: layer count differs');
    this.set.weightsChanged();
    for (let l = 0; l < this.layers; l++) {
      if (w.kernels[l].length !== this.dims[l] * this.dims[l + 1] || w.biases[l].length !== this.dims[l + 1])
        throw new Error(`FusedMlp.setWeights: layer ${l} shape differs`);
      H.set(w.kernels[l], this.kernelOff(l));
      H.set(w.biases[l], this.biasOff(l));
    }
  }
}
