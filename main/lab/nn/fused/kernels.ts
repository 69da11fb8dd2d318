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
import { SIMD_WASM_BASE64 } from './simd-wasm.ts';

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
  gemm(m: number, k: number, n: number, aOff: number, bOff: number, cOff: number, biasOff: number, relu: boolean, cache?: number): void;
  /**
   * A key (1…65535) for gemm's `cache` argument: B and the bias may then be kept prepared between
   * calls that pass it, until forget(key). Only for operands that do not change in between (a target
   * network's weights between syncs); whoever writes them calls forget first.
   */
  cacheKey(): number;
  forget(key: number): void;

  // Elementwise loops and reductions (offsets in floats). JsKernels runs them as JS loops; the
  // XNNPACK kernels as wasm SIMD on the same heap (simd.wat), with bit-identical results.
  /** tanh in place on n floats (tanhInPlace's rational). */
  tanh(off: number, n: number): void;
  /** g[i] *= 1 − y[i]² in float32 (back through tanh, y its output). */
  tanhBackward(g: number, y: number, n: number): void;
  /** g[i] = y[i] > 0 ? g[i] : 0 (back through ReLU, y its output). */
  reluBackward(g: number, y: number, n: number): void;
  /** dst[cols × rows] = src[rows × cols]ᵀ. */
  transpose(src: number, rows: number, cols: number, dst: number): void;
  /** dst[c] = Σ_r src[r × cols + c] (float32 sums, row by row). */
  columnSums(src: number, rows: number, cols: number, dst: number): void;
  /** Σ x[i]², float64. */
  squaredSum(off: number, n: number): number;
  /** Adam over n parameters, float64 per element: see FusedAdam. */
  adam(p: number, g: number, m: number, v: number, n: number, scale: number, b1: number, b2: number, lr: number, c1: number, c2: number, eps: number): void;
  /** torch's RMSprop (no momentum, not centred) over n parameters: see FusedRmsprop. */
  rmsprop(p: number, g: number, v: number, n: number, scale: number, alpha: number, lr: number, eps: number): void;
  /** Frees everything alloc() handed out. */
  dispose(): void;
}

const f32 = Math.fround;
// The rational's coefficients as float32 (simd.wat writes the same decimals as f32.const).
const [P0, P1, P2, P3, P4] = [0.9999999832285981, 0.1339243794258121, 0.0035091405327935493, 2.0832052058225928e-5, 1.3663558590115699e-8].map(f32);
const [Q1, Q2, Q3, Q4] = [0.46725756592745843, 0.025928544475518553, 0.0003307796158417746, 7.902996491671033e-7].map(f32);

/**
 * tanh in place, as x·P(x²)/Q(x²) on x clamped to ±9 (tanh(±9) is ±1 in float32), evaluated in
 * float32 (each fround is one float32 operation, as simd.wat's f32x4 lanes do it). Math.tanh costs
 * ~12 ns an element on this machine's V8 (and the wasm backend's tanhf as much), which made tanh
 * the costliest part of a PPO minibatch; this costs ~3 ns in JS and well under 1 ns in wasm SIMD.
 * Coefficients fitted for this project (iterated least squares on the relative error over [0, 9]);
 * within 4 float32 ulp of Math.tanh (3 measured; unit-tested). NaN stays NaN.
 */
export function tanhInPlace(H: Float32Array, off: number, n: number): void {
  for (let i = off, end = off + n; i < end; i++) {
    let x = H[i];
    x = x > 9 ? 9 : x < -9 ? -9 : x;
    const s = f32(x * x);
    const num = f32(x * f32(P0 + f32(s * f32(P1 + f32(s * f32(P2 + f32(s * f32(P3 + f32(s * P4)))))))));
    const den = f32(1 + f32(s * f32(Q1 + f32(s * f32(Q2 + f32(s * f32(Q3 + f32(s * Q4))))))));
    H[i] = num / den;
  }
}

/** The elementwise loops in JS, on whatever heap `f32` is (the reference for simd.wat). */
abstract class JsLoops {
  abstract readonly f32: Float32Array;

  tanh(off: number, n: number): void {
    tanhInPlace(this.f32, off, n);
  }

  tanhBackward(g: number, y: number, n: number): void {
    const H = this.f32;
    for (let i = 0; i < n; i++) {
      const t = H[y + i];
      H[g + i] *= f32(1 - f32(t * t)); // float32 throughout, as simd.wat
    }
  }

  reluBackward(g: number, y: number, n: number): void {
    const H = this.f32;
    for (let i = 0; i < n; i++) if (!(H[y + i] > 0)) H[g + i] = 0;
  }

  transpose(src: number, rows: number, cols: number, dst: number): void {
    const H = this.f32;
    for (let r = 0; r < rows; r++) {
      const s = src + r * cols;
      for (let c = 0; c < cols; c++) H[dst + c * rows + r] = H[s + c];
    }
  }

  columnSums(src: number, rows: number, cols: number, dst: number): void {
    const H = this.f32;
    H.fill(0, dst, dst + cols);
    for (let r = 0; r < rows; r++) {
      const s = src + r * cols;
      for (let c = 0; c < cols; c++) H[dst + c] += H[s + c];
    }
  }

  squaredSum(off: number, n: number): number {
    const H = this.f32;
    let even = 0; // two running sums, as simd.wat's two lanes
    let odd = 0;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      even += H[off + i] * H[off + i];
      odd += H[off + i + 1] * H[off + i + 1];
    }
    if (i < n) even += H[off + i] * H[off + i];
    return even + odd;
  }

  adam(p: number, g: number, m: number, v: number, n: number, scale: number, b1: number, b2: number, lr: number, c1: number, c2: number, eps: number): void {
    const H = this.f32;
    for (let i = 0; i < n; i++) {
      const gi = H[g + i] * scale;
      const mi = b1 * H[m + i] + (1 - b1) * gi;
      const vi = b2 * H[v + i] + (1 - b2) * gi * gi;
      H[m + i] = mi;
      H[v + i] = vi;
      H[p + i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }

  rmsprop(p: number, g: number, v: number, n: number, scale: number, alpha: number, lr: number, eps: number): void {
    const H = this.f32;
    for (let i = 0; i < n; i++) {
      const gi = H[g + i] * scale;
      const vi = alpha * H[v + i] + (1 - alpha) * gi * gi;
      H[v + i] = vi;
      H[p + i] -= (lr * gi) / (Math.sqrt(vi) + eps);
    }
  }
}

/** A JS heap that doubles when full (offsets are indices, so they survive the copy). */
export class JsKernels extends JsLoops implements Kernels {
  readonly name = 'js' as const;
  f32: Float32Array;
  private top = 0;

  constructor(initialFloats = 1 << 16) {
    super();
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

  cacheKey(): number {
    return 0; // nothing to keep: every call reads B
  }

  forget(): void {}

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
    aId: number,
    aShape: number,
    aRank: number,
    bId: number,
    bShape: number,
    bRank: number,
    transposeA: number,
    transposeB: number,
    activation: number,
    biasId: number,
    preluId: number,
    leakyAlpha: number,
    outId: number,
  ): void;
  tfjs: { registerTensor(id: number, size: number, byteOffset: number): void; disposeData(id: number): void };
  asm: { memory: WebAssembly.Memory };
}

/** simd.wat's exports: the elementwise half of Kernels, the same signatures (pointer arguments in floats). */
const SIMD_LOOPS = ['tanh', 'tanhBackward', 'reluBackward', 'transpose', 'columnSums', 'squaredSum', 'adam', 'rmsprop'] as const;
type SimdExports = Pick<Kernels, (typeof SIMD_LOOPS)[number]>;

let simdModule: WebAssembly.Module | null = null;

/** simd.wat instantiated on the backend's memory; null where wasm SIMD is unavailable. */
function simdOn(memory: WebAssembly.Memory): SimdExports | null {
  try {
    simdModule ??= new WebAssembly.Module(Uint8Array.from(atob(SIMD_WASM_BASE64), (c) => c.charCodeAt(0)));
    return new WebAssembly.Instance(simdModule, { env: { memory } }).exports as unknown as SimdExports;
  } catch {
    return null;
  }
}

// Tensor ids far above any the backend hands out (it counts up from 1); registered only during a call.
const ID_A = 0x7e000001;
const ID_B = 0x7e000002;
const ID_C = 0x7e000003;
const ID_BIAS = 0x7e000004;
const ID_CACHED = 0x7e100000; // + 2·key (B) and + 2·key + 1 (its bias)
const ACT_LINEAR = 0;
const ACT_RELU = 1;

export class XnnpackKernels extends JsLoops implements Kernels {
  readonly name = 'xnnpack' as const;
  f32: Float32Array;
  private readonly ptrs: number[] = [];
  private readonly shapes: number; // byte offset of two rank-3 shapes [1, rows, cols]
  private shapeI32: Int32Array;
  /** Whether the elementwise loops run as wasm SIMD (else JS). */
  readonly simd: boolean;
  private nextKey = 1;
  /** cache key → the tensor ids kept registered for it. */
  private readonly cached = new Map<number, number[]>();

  constructor(private readonly mod: WasmModule) {
    super();
    this.f32 = mod.HEAPF32;
    // The elementwise loops in wasm SIMD on the same memory; the JS ones if it cannot be instantiated.
    const simd = simdOn(mod.asm.memory);
    if (simd) for (const name of SIMD_LOOPS) Object.defineProperty(this, name, { value: simd[name] });
    this.simd = simd !== null;
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

  cacheKey(): number {
    if (this.nextKey > 0xffff) throw new Error('fused engine: out of gemm cache keys');
    return this.nextKey++;
  }

  forget(key: number): void {
    const ids = this.cached.get(key);
    if (!ids) return;
    this.cached.delete(key);
    for (const id of ids) this.mod.tfjs.disposeData(id);
  }

  gemm(m: number, k: number, n: number, aOff: number, bOff: number, cOff: number, biasOff: number, relu: boolean, cache = 0): void {
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
    // A cached call keeps B (and its bias) registered under ids of its own, so the backend reuses the
    // operator it built for them; otherwise they are disposed after the call, which drops it.
    let bId = ID_B;
    let biasId = biasOff >= 0 ? ID_BIAS : 0;
    const kept = cache > 0 ? this.cached.get(cache) : undefined;
    if (cache > 0) {
      bId = ID_CACHED + 2 * cache;
      if (biasOff >= 0) biasId = bId + 1;
      if (!kept) {
        t.registerTensor(bId, k * n, bOff * 4);
        if (biasOff >= 0) t.registerTensor(biasId, n, biasOff * 4);
        this.cached.set(cache, biasOff >= 0 ? [bId, biasId] : [bId]);
      }
    } else {
      t.registerTensor(ID_B, k * n, bOff * 4);
      if (biasOff >= 0) t.registerTensor(ID_BIAS, n, biasOff * 4);
    }
    t.registerTensor(ID_A, m * k, aOff * 4);
    t.registerTensor(ID_C, m * n, cOff * 4);
    try {
      mod.__FusedMatMul(ID_A, this.shapes, 3, bId, this.shapes + 12, 3, 0, 0, relu ? ACT_RELU : ACT_LINEAR, biasId, 0, 0, ID_C);
    } finally {
      t.disposeData(ID_A);
      t.disposeData(ID_C);
      if (cache === 0) {
        t.disposeData(ID_B); // drops the operator (and its packed copy of B) cached under this id
        if (biasOff >= 0) t.disposeData(ID_BIAS);
      }
    }
    this.refresh();
  }

  dispose(): void {
    for (const key of [...this.cached.keys()]) this.forget(key);
    for (const p of this.ptrs.splice(0)) this.mod._free(p);
  }
}

function wasmModule(): WasmModule | null {
  if (tf.getBackend() !== 'wasm') return null;
  const mod = (tf.backend() as unknown as { wasm?: Partial<WasmModule> }).wasm;
  if (!mod || typeof mod._malloc !== 'function' || typeof mod.__FusedMatMul !== 'function' || !mod.tfjs || !(mod.HEAPF32 instanceof Float32Array)) return null;
  if (!(mod.asm?.memory instanceof WebAssembly.Memory)) return null;
  return mod as WasmModule;
}

/** XNNPACK kernels when the active tfjs backend is wasm, else the JS ones. */
export function createKernels(prefer: 'auto' | 'js' = 'auto'): Kernels {
  const mod = prefer === 'auto' ? wasmModule() : null;
  return mod ? new XnnpackKernels(mod) : new JsKernels();
}
