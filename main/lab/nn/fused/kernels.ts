/**
 * The memory and the one heavy kernel of the fused engine: C = A·B (+ bias) (ReLU) on float32
 * matrices in one flat heap, addressed by float offsets.
 *
 * On the wasm backend the heap is the backend's own wasm memory and the product runs on its
 * XNNPACK fully-connected kernel (~20 GFLOP/s here), called directly: registering three tensor ids,
 * one call, unregistering. Unregistering matters: the backend caches XNNPACK's packed weights by
 * B's tensor id, so a B whose values changed under the same id would silently multiply by the old
 * ones. Elsewhere (cpu backend, unit tests) the heap is a growable ArrayBuffer and the product a
 * plain JS loop (~1 GFLOP/s).
 *
 * Offsets stay valid when the heap grows; the typed-array views do not (a grown wasm memory detaches
 * them), so callers re-read `f32` after alloc() and gemm() rather than keeping views.
 */
import * as tf from '@tensorflow/tfjs';

export interface Kernels {
  /** 'xnnpack' (wasm backend) or 'js'. */
  readonly name: 'xnnpack' | 'js';
  /** The whole heap; re-read after alloc() or gemm(). */
  readonly f32: Float32Array;
  /** n floats, 16-byte aligned, zeroed; returns the float offset. */
  alloc(n: number): number;
  /**
   * C[m×n] = A[m×k] · B[k×n] (+ bias[n] when biasOff ≥ 0), then max(0, ·) when relu; all row-major.
   * C must not overlap A or B.
   */
  gemm(m: number, k: number, n: number, aOff: number, bOff: number, cOff: number, biasOff: number, relu: boolean): void;
  /** Frees everything alloc() handed out. */
  dispose(): void;
}

/** A JS heap that doubles when full (offsets are indices, so they survive the copy). */
export class JsKernels implements Kernels {
  readonly name = 'js' as const;
  f32: Float32Array;
  private top = 0;

  constructor(initialFloats = 1 << 16) {
    this.f32 = new Float32Array(initialFloats);
  }

  alloc(n: number): number {
    const off = (this.top + 3) & ~3;
    const end = off + n;
    if (end > this.f32.length) {
      let size = this.f32.length * 2;
      while (size < end) size *= 2;
      const grown = new Float32Array(size);
      grown.set(this.f32.subarray(0, this.top));
      this.f32 = grown;
    }
    this.f32.fill(0, off, end);
    this.top = end;
    return off;
  }

  gemm(m: number, k: number, n: number, aOff: number, bOff: number, cOff: number, biasOff: number, relu: boolean): void {
    const H = this.f32;
    for (let i = 0; i < m; i++) {
      const c0 = cOff + i * n;
      if (biasOff >= 0) for (let j = 0; j < n; j++) H[c0 + j] = H[biasOff + j];
      else H.fill(0, c0, c0 + n);
      const a0 = aOff + i * k;
      for (let p = 0; p < k; p++) {
        const a = H[a0 + p];
        if (a === 0) continue;
        const b0 = bOff + p * n;
        for (let j = 0; j < n; j++) H[c0 + j] += a * H[b0 + j];
      }
      if (relu) for (let j = 0; j < n; j++) if (H[c0 + j] < 0) H[c0 + j] = 0;
    }
  }

  dispose(): void {
    this.f32 = new Float32Array(0);
    this.top = 0;
  }
}

/** The parts of tfjs-backend-wasm's emscripten module used here (4.22; checked at construction). */
interface WasmModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  __FusedMatMul(
    aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number,
    transposeA: number, transposeB: number, activation: number, biasId: number, preluId: number, leakyAlpha: number, outId: number,
  ): void;
  tfjs: { registerTensor(id: number, size: number, byteOffset: number): void; disposeData(id: number): void };
}

// Tensor ids far above any the backend hands out (it counts up from 1); registered only during a call.
const ID_A = 0x7e000001;
const ID_B = 0x7e000002;
const ID_C = 0x7e000003;
const ID_BIAS = 0x7e000004;
const ACT_LINEAR = 0;
const ACT_RELU = 1;

export class XnnpackKernels implements Kernels {
  readonly name = 'xnnpack' as const;
  f32: Float32Array;
  private readonly ptrs: number[] = [];
  private readonly shapes: number; // byte offset of two rank-3 shapes [1, rows, cols]
  private shapeI32: Int32Array;

  constructor(private readonly mod: WasmModule) {
    this.f32 = mod.HEAPF32;
    const ptr = mod._malloc(32);
    this.ptrs.push(ptr);
    this.shapes = ptr;
    this.shapeI32 = new Int32Array(mod.HEAPF32.buffer);
    this.refresh();
  }

  private refresh(): void {
    if (this.f32.buffer !== this.mod.HEAPF32.buffer || this.f32.length === 0) {
      this.f32 = new Float32Array(this.mod.HEAPF32.buffer);
      this.shapeI32 = new Int32Array(this.mod.HEAPF32.buffer);
    }
  }

  alloc(n: number): number {
    const ptr = this.mod._malloc(Math.max(16, n * 4 + 16));
    if (!ptr) throw new Error(`fused engine: out of wasm memory allocating ${n} floats`);
    this.ptrs.push(ptr);
    this.refresh();
    const off = ((ptr + 15) & ~15) >>> 2;
    this.f32.fill(0, off, off + n);
    return off;
  }

  gemm(m: number, k: number, n: number, aOff: number, bOff: number, cOff: number, biasOff: number, relu: boolean): void {
    if (m === 0 || n === 0) return;
    if (k === 0) throw new Error('fused engine: gemm with an empty inner dimension');
    const { mod } = this;
    const s = this.shapes >>> 2;
    const I = this.shapeI32;
    I[s] = 1;
    I[s + 1] = m;
    I[s + 2] = k;
    I[s + 3] = 1;
    I[s + 4] = k;
    I[s + 5] = n;
    const t = mod.tfjs;
    t.registerTensor(ID_A, m * k, aOff * 4);
    t.registerTensor(ID_B, k * n, bOff * 4);
    t.registerTensor(ID_C, m * n, cOff * 4);
    if (biasOff >= 0) t.registerTensor(ID_BIAS, n, biasOff * 4);
    try {
      mod.__FusedMatMul(ID_A, this.shapes, 3, ID_B, this.shapes + 12, 3, 0, 0, relu ? ACT_RELU : ACT_LINEAR, biasOff >= 0 ? ID_BIAS : 0, 0, 0, ID_C);
    } finally {
      t.disposeData(ID_A);
      t.disposeData(ID_B); // drops the operator (and its packed copy of B) cached under this id
      t.disposeData(ID_C);
      if (biasOff >= 0) t.disposeData(ID_BIAS);
    }
    this.refresh();
  }

  dispose(): void {
    for (const p of this.ptrs.splice(0)) this.mod._free(p);
  }
}

function wasmModule(): WasmModule | null {
  if (tf.getBackend() !== 'wasm') return null;
  const mod = (tf.backend() as unknown as { wasm?: Partial<WasmModule> }).wasm;
  if (!mod || typeof mod._malloc !== 'function' || typeof mod.__FusedMatMul !== 'function' || !mod.tfjs || !(mod.HEAPF32 instanceof Float32Array)) return null;
  return mod as WasmModule;
}

/** XNNPACK kernels when the active tfjs backend is wasm, else the JS ones. */
export function createKernels(prefer: 'auto' | 'js' = 'auto'): Kernels {
  const mod = prefer === 'auto' ? wasmModule() : null;
  return mod ? new XnnpackKernels(mod) : new JsKernels();
}
