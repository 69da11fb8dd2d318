/**
 * Picks and initialises the tfjs backend.
 *
 * 'auto' tries, fastest first: tfjs-node-gpu (only when a GPU is visible), tfjs-node, wasm, cpu.
 * The native packages are optionalDependencies whose install can fail, so they are loaded with a
 * dynamic import inside try/catch; an explicit request that cannot be met is an error, never a
 * silent fallback.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' */
  name: string;
  /** Why this one was chosen / why faster ones were skipped. */
  detail: string;
}

let current: BackendInfo | null = null;
let nativeLoaded: 'tensorflow-gpu' | 'tensorflow' | null = null;

function errMsg(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 200);
}

/** A visible NVIDIA GPU, judged without loading CUDA (loading tfjs-node-gpu registers the same
 *  'tensorflow' backend as tfjs-node, so we must decide before importing either). */
function gpuVisible(): { ok: boolean; why: string } {
  const cvd = process.env.CUDA_VISIBLE_DEVICES;
  if (cvd !== undefined && (cvd.trim() === '' || cvd.trim() === '-1')) return { ok: false, why: 'CUDA_VISIBLE_DEVICES hides all GPUs' };
  if (process.platform !== 'linux' && process.platform !== 'win32') return { ok: false, why: `no CUDA on ${process.platform}` };
  if (process.platform === 'linux') {
    try {
      if (existsSync('/proc/driver/nvidia/gpus') && readdirSync('/proc/driver/nvidia/gpus').length > 0) return { ok: true, why: '' };
    } catch {
      /* fall through */
    }
    if (existsSync('/dev/nvidia0')) return { ok: true, why: '' };
    return { ok: false, why: 'no NVIDIA GPU visible' };
  }
  // Windows: no cheap probe; let the import decide.
  return { ok: true, why: '' };
}

async function importOptional(spec: string): Promise<void> {
  // A variable specifier keeps TypeScript and the bundler from requiring the package to exist.
  const name: string = spec;
  await import(/* @vite-ignore */ name);
}

async function tryNative(which: 'tensorflow-gpu' | 'tensorflow'): Promise<string | null> {
  if (nativeLoaded && nativeLoaded !== which) return `${nativeLoaded} is already loaded in this process`;
  if (!nativeLoaded) {
    try {
      await importOptional(which === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
    } catch (e) {
      return `@tensorflow/tfjs-node${which === 'tensorflow-gpu' ? '-gpu' : ''} not loadable (${errMsg(e)})`;
    }
    nativeLoaded = which;
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return 'the tensorflow backend failed to initialise';
    await tf.ready();
    return sanityCheck();
  } catch (e) {
    return `the tensorflow backend failed (${errMsg(e)})`;
  }
}

function wasmDistDir(): string | null {
  try {
    const req = createRequire(import.meta.url);
    // "main" is dist/tf-backend-wasm.node.js, next to the .wasm binaries.
    const dir = dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
    return existsSync(join(dir, 'tfjs-backend-wasm.wasm')) ? dir : null;
  } catch {
    return null;
  }
}

let wasmPathsSet = false;

async function tryWasm(): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      // Explicit file paths: a bundled build (electron-vite) moves the JS away from the .wasm files.
      const dir = wasmDistDir();
      if (dir) wasm.setWasmPaths(dir + '/');
      wasmPathsSet = true;
    }
    // Node has no wasm threads in tfjs; pin it off so results never depend on a thread count.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend failed to initialise';
    await tf.ready();
    transposeBeforeWasmMatMul();
    return sanityCheck();
  } catch (e) {
    return `wasm backend failed (${errMsg(e)})`;
  }
}

let matMulPatched = false;

/**
 * tfjs-wasm's BatchMatMul (XNNPACK) is ~10× slower when asked to read an operand transposed, and
 * every backward pass of a dense layer asks for exactly that (dW = xᵀ·dy, dx = dy·Wᵀ). Transposing
 * the operand into a fresh buffer first and running the plain kernel gives the same product (to
 * float rounding) 10–17× faster for 128×256 operands, and made a DQN gradient step ~3× faster.
 * Re-registering keeps the original kernel's setup hook, so a re-initialised backend still works.
 */
function transposeBeforeWasmMatMul(): void {
  if (matMulPatched) return;
  const plain = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!plain || !transpose) return; // a tfjs version without these kernels: leave it alone
  const plainMatMul = plain.kernelFunc;
  const transposeKernel = transpose.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...plain,
    kernelFunc: (args) => {
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return plainMatMul(args);
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const backend = args.backend as { disposeData(id: object): void };
      const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
        const r = x.shape.length;
        const perm = [...Array(r - 2).keys(), r - 1, r - 2];
        return transposeKernel({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const a2 = transposeA ? swapLast(a) : a;
      const b2 = transposeB ? swapLast(b) : b;
      const out = plainMatMul({ inputs: { a: a2, b: b2 }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
      return out;
    },
  });
  matMulPatched = true;
}

async function tryCpu(): Promise<string | null> {
  try {
    if (!(await tf.setBackend('cpu'))) return 'the cpu backend failed to initialise';
    await tf.ready();
    return sanityCheck();
  } catch (e) {
    return `cpu backend failed (${errMsg(e)})`;
  }
}

/** A backend that registers but computes garbage must not be used: check one small matmul + grad. */
function sanityCheck(): string | null {
  const got = tf.tidy(() => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, -1, 0.5, 2, -2, 0], [3, 2]);
    const y = tf.matMul(a, b);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.tanh(x)))(tf.tensor1d([0, 1]));
    return tf.concat([y.flatten(), g]);
  });
  const v = got.dataSync();
  got.dispose();
  // [1,2,3;4,5,6]·[1,-1;0.5,2;-2,0] = [-4, 3; -5.5, 6]; d tanh = [1, 1 - tanh(1)^2]
  const want = [-4, 3, -5.5, 6, 1, 1 - Math.tanh(1) ** 2];
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(v[i] - want[i]) < 1e-5)) return `sanity check failed (got ${Array.from(v).join(',')})`;
  }
  return null;
}

/**
 * Initialises tfjs once per process for the requested backend. Calling it again with a compatible
 * request returns the current backend.
 */
/**
 * Serialised: two callers at once (e.g. browser mode answering systemInfo and a policy load
 * together) would otherwise race tfjs's global backend registry and both fail half-way.
 */
let initQueue: Promise<unknown> = Promise.resolve();

export function initBackend(requested: BackendRequest): Promise<BackendInfo> {
  const next = initQueue.then(() => initBackendNow(requested));
  initQueue = next.catch(() => undefined);
  return next;
}

async function initBackendNow(requested: BackendRequest): Promise<BackendInfo> {
  // Production mode: skips debug checks and the "install tfjs-node" console banner.
  tf.enableProdMode();
  if (current && (requested === 'auto' || current.name === requested || (requested === 'tensorflow' && current.name === 'tensorflow-gpu'))) {
    if (tf.getBackend() === (current.name === 'tensorflow-gpu' ? 'tensorflow' : current.name)) return current;
  }

  const skipped: string[] = [];
  const done = (name: string): BackendInfo => {
    current = { name, detail: skipped.length ? skipped.join('; ') : `${name} requested` };
    return current;
  };

  switch (requested) {
    case 'cpu': {
      const err = await tryCpu();
      if (err) throw new Error(`backend "cpu" unavailable: ${err}`);
      return done('cpu');
    }
    case 'wasm': {
      const err = await tryWasm();
      if (err) throw new Error(`backend "wasm" unavailable: ${err}`);
      return done('wasm');
    }
    case 'tensorflow': {
      // An explicit 'tensorflow' accepts either native package; GPU first if one is visible.
      const gpu = gpuVisible();
      if (gpu.ok) {
        const err = await tryNative('tensorflow-gpu');
        if (!err) return done('tensorflow-gpu');
        skipped.push(`tensorflow-gpu: ${err}`);
      }
      const err = await tryNative('tensorflow');
      if (err) throw new Error(`backend "tensorflow" unavailable: ${err}${skipped.length ? `; ${skipped.join('; ')}` : ''}`);
      return done('tensorflow');
    }
    case 'auto': {
      const gpu = gpuVisible();
      if (gpu.ok) {
        const err = await tryNative('tensorflow-gpu');
        if (!err) return done('tensorflow-gpu');
        skipped.push(`tensorflow-gpu skipped: ${err}`);
      } else {
        skipped.push(`tensorflow-gpu skipped: ${gpu.why}`);
      }
      let err = await tryNative('tensorflow');
      if (!err) return done('tensorflow');
      skipped.push(`tensorflow skipped: ${err}`);
      err = await tryWasm();
      if (!err) return done('wasm');
      skipped.push(`wasm skipped: ${err}`);
      err = await tryCpu();
      if (!err) return done('cpu');
      throw new Error(`no usable tfjs backend: ${skipped.join('; ')}; cpu: ${err}`);
    }
    default:
      throw new Error(`unknown backend "${String(requested)}" (expected auto, tensorflow, wasm or cpu)`);
  }
}

/** The backend chosen by the last successful initBackend(), if any. */
export function currentBackend(): BackendInfo | null {
  return current;
}
