/**
 * A plain multilayer perceptron: Dense → act → … → Dense (linear output).
 *
 * Weights live in tf.Variables (so tf.variableGrads + an optimizer can train them) and are also
 * mirrored into Float32Arrays for a pure-JS forward pass: acting one step at a time through tfjs
 * costs ~10 op dispatches per layer, while the JS matmul for these tiny nets costs microseconds.
 * Both passes compute the same function; the JS one is what acts (in rollouts, evaluation and
 * loaded policies), so acting is identical on every backend.
 *
 * Initial weights are drawn in JS from our seeded Generator (not tfjs initialisers), so a seed gives
 * the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Generator } from '../envs/numpy-rng.ts';

export type Activation = 'tanh' | 'relu';
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu'];

export interface MlpSpec {
  inputDim: number;
  outputDim: number;
  /** Hidden layer widths, e.g. [64, 64]; [] is a linear model. */
  netArch: readonly number[];
  activation: Activation;
}

export interface MlpInit {
  /** 'orthogonal' as SB3's ortho_init (biases 0); 'glorot' uniform as Keras' default. */
  scheme: 'orthogonal' | 'glorot';
  rng: Generator;
  /** Orthogonal gains: SB3 uses √2 for hidden layers, 0.01 for the policy head, 1 for the value head. */
  hiddenGain?: number;
  outputGain?: number;
}

export interface MlpWeights {
  /** kernels[l] is [in × out] row-major (tfjs Dense layout). */
  kernels: Float32Array[];
  biases: Float32Array[];
}

function layerDims(spec: MlpSpec): number[] {
  return [spec.inputDim, ...spec.netArch, spec.outputDim];
}

/** Standard normal via Box–Muller on the Generator's doubles. */
function normals(rng: Generator, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.random(); // (0, 1]: log stays finite
    const u2 = rng.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * A [rows × cols] (semi-)orthogonal matrix times gain (Saxe et al. 2014): QR of a Gaussian matrix,
 * done as Gram–Schmidt (twice, for numerical orthogonality) on the columns of the tall orientation.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Generator): Float32Array {
  const tall = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const a = normals(rng, tall * k); // column j = a[j*tall .. (j+1)*tall)
  for (let j = 0; j < k; j++) {
    const cj = j * tall;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const cp = p * tall;
        let dot = 0;
        for (let i = 0; i < tall; i++) dot += a[cp + i] * a[cj + i];
        for (let i = 0; i < tall; i++) a[cj + i] -= dot * a[cp + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += a[cj + i] * a[cj + i];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error('orthogonal init: degenerate random matrix');
    for (let i = 0; i < tall; i++) a[cj + i] /= norm;
  }
  // Q is [tall × k] with orthonormal columns; the kernel is Q (rows ≥ cols) or Qᵀ.
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows >= cols ? a[c * tall + r] : a[r * tall + c]);
    }
  }
  return out;
}

/** Glorot/Xavier uniform: U(−l, l), l = √(6 / (fan_in + fan_out)). */
export function glorotUniform(rows: number, cols: number, rng: Generator): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

export function initMlpWeights(spec: MlpSpec, init: MlpInit): MlpWeights {
  const dims = layerDims(spec);
  const kernels: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l < dims.length - 1; l++) {
    const isOut = l === dims.length - 2;
    const gain = isOut ? (init.outputGain ?? 1) : (init.hiddenGain ?? Math.SQRT2);
    kernels.push(init.scheme === 'orthogonal' ? orthogonal(dims[l], dims[l + 1], gain, init.rng) : glorotUniform(dims[l], dims[l + 1], init.rng));
    biases.push(new Float32Array(dims[l + 1]));
  }
  return { kernels, biases };
}

export function validateMlpSpec(spec: MlpSpec): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65536;
  if (!ok(spec.inputDim) || !ok(spec.outputDim) || !spec.netArch.every(ok)) throw new Error(`invalid MLP shape ${JSON.stringify(spec)}`);
  if (!ACTIVATIONS.includes(spec.activation)) throw new Error(`unknown activation "${spec.activation}"`);
}

let mlpCounter = 0;

export class Mlp {
  readonly spec: MlpSpec;
  readonly kernels: tf.Variable[];
  readonly biases: tf.Variable[];
  private cache: MlpWeights | null = null;
  /** The fused engine trains outside tfjs: its weights land in `cache` and the variables catch up when read. */
  private variablesStale = false;
  private scratch: Float32Array[] = [];
  private acc = new Float64Array(0);

  constructor(spec: MlpSpec, weights: MlpWeights) {
    validateMlpSpec(spec);
    const dims = layerDims(spec);
    if (weights.kernels.length !== dims.length - 1 || weights.biases.length !== dims.length - 1) throw new Error('MLP weights do not match its layer count');
    for (let l = 0; l < dims.length - 1; l++) {
      if (weights.kernels[l].length !== dims[l] * dims[l + 1] || weights.biases[l].length !== dims[l + 1]) {
        throw new Error(`MLP weights of layer ${l} do not match shape [${dims[l]} × ${dims[l + 1]}]`);
      }
    }
    this.spec = { ...spec, netArch: [...spec.netArch] };
    // Non-numeric unique names: gradient maps are keyed by variable name and must keep this order
    // (tfjs' default names are integers, which JS objects would reorder numerically).
    const id = `mlp${++mlpCounter}`;
    this.kernels = weights.kernels.map((k, l) => tf.tidy(() => tf.variable(tf.tensor2d(k, [dims[l], dims[l + 1]]), true, `${id}_kernel${l}`)));
    this.biases = weights.biases.map((b, l) => tf.tidy(() => tf.variable(tf.tensor1d(b), true, `${id}_bias${l}`)));
  }

  static create(spec: MlpSpec, init: MlpInit): Mlp {
    validateMlpSpec(spec);
    return new Mlp(spec, initMlpWeights(spec, init));
  }

  /** Trainable variables in a fixed order (the optimizer keys its slots by this order). */
  get variables(): tf.Variable[] {
    this.syncVariables();
    const out: tf.Variable[] = [];
    for (let l = 0; l < this.kernels.length; l++) out.push(this.kernels[l], this.biases[l]);
    return out;
  }

  /** Differentiable tfjs forward: [n × inputDim] → [n × outputDim]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    this.syncVariables();
    let h: tf.Tensor2D = x;
    const last = this.kernels.length - 1;
    for (let l = 0; l <= last; l++) {
      h = tf.add(tf.matMul(h, this.kernels[l]), this.biases[l]);
      if (l < last) h = this.spec.activation === 'tanh' ? tf.tanh(h) : tf.relu(h);
    }
    return h;
  }

  /** Call after the variables change (optimizer step, setWeights) so the JS mirror is re-read. */
  invalidate(): void {
    this.syncVariables();
    this.cache = null;
  }

  /**
   * Sets the weights the JS forward (acting, saving) uses without touching tfjs — the fused engine
   * calls this after every update; the tf.Variables are assigned only if something reads them.
   * Takes ownership of `w`.
   */
  setJsWeights(w: MlpWeights): void {
    this.cache = w;
    this.variablesStale = true;
  }

  private syncVariables(): void {
    if (!this.variablesStale) return;
    this.variablesStale = false;
    this.setWeights(this.cache!);
  }

  /** JS forward on n rows of x; returns a reused buffer unless `out` is given. */
  forward(x: Float32Array, n: number, out?: Float32Array): Float32Array {
    const w = (this.cache ??= this.getWeights());
    const dims = layerDims(this.spec);
    if (x.length < n * dims[0]) throw new Error(`forward: expected ${n}×${dims[0]} inputs, got ${x.length}`);
    let input = x;
    for (let l = 0; l < dims.length - 1; l++) {
      const din = dims[l];
      const dout = dims[l + 1];
      const isOut = l === dims.length - 2;
      let dst: Float32Array;
      if (isOut && out) {
        if (out.length < n * dout) throw new Error('forward: output buffer too small');
        dst = out;
      } else {
        if (!this.scratch[l] || this.scratch[l].length < n * dout) this.scratch[l] = new Float32Array(n * dout);
        dst = this.scratch[l];
      }
      const k = w.kernels[l];
      const b = w.biases[l];
      const relu = this.spec.activation === 'relu';
      // Row-wise with a float64 accumulator row: the kernel is read contiguously, and each output
      // is the same float64 sum, in the same order, as a per-output dot product.
      if (this.acc.length < dout) this.acc = new Float64Array(dout);
      const acc = this.acc;
      for (let r = 0; r < n; r++) {
        const xo = r * din;
        const yo = r * dout;
        for (let j = 0; j < dout; j++) acc[j] = b[j];
        for (let i = 0; i < din; i++) {
          const xi = input[xo + i];
          const ko = i * dout;
          for (let j = 0; j < dout; j++) acc[j] += xi * k[ko + j];
        }
        for (let j = 0; j < dout; j++) {
          const s = acc[j];
          dst[yo + j] = isOut ? s : relu ? (s > 0 ? s : 0) : Math.tanh(s);
        }
      }
      input = dst;
    }
    return input.length === n * this.spec.outputDim ? input : input.subarray(0, n * this.spec.outputDim);
  }

  getWeights(): MlpWeights {
    if (this.variablesStale) return { kernels: this.cache!.kernels.map((k) => k.slice()), biases: this.cache!.biases.map((b) => b.slice()) };
    return {
      kernels: this.kernels.map((v) => new Float32Array(v.dataSync())),
      biases: this.biases.map((v) => new Float32Array(v.dataSync())),
    };
  }

  setWeights(w: MlpWeights): void {
    this.variablesStale = false;
    for (let l = 0; l < this.kernels.length; l++) {
      tf.tidy(() => {
        this.kernels[l].assign(tf.tensor(w.kernels[l], this.kernels[l].shape));
        this.biases[l].assign(tf.tensor(w.biases[l], this.biases[l].shape));
      });
    }
    this.invalidate();
  }

  dispose(): void {
    for (const v of [...this.kernels, ...this.biases]) v.dispose();
    this.cache = null;
  }
}

/**
 * The same network as a tfjs LayersModel (Dense stack) for saving in the standard model.json format.
 * The caller disposes the returned model.
 */
export function toLayersModel(mlp: Mlp, name = 'policy'): tf.LayersModel {
  const { spec } = mlp;
  const dims = layerDims(spec);
  const model = tf.sequential({ name });
  for (let l = 0; l < dims.length - 1; l++) {
    const isOut = l === dims.length - 2;
    model.add(
      tf.layers.dense({
        units: dims[l + 1],
        activation: isOut ? 'linear' : spec.activation,
        inputShape: l === 0 ? [dims[0]] : undefined,
        name: isOut ? `${name}_out` : `${name}_hidden_${l}`,
        kernelInitializer: 'zeros', // overwritten just below; avoids drawing unseeded randoms
      }),
    );
  }
  const w = mlp.getWeights();
  const tensors: tf.Tensor[] = [];
  for (let l = 0; l < dims.length - 1; l++) {
    tensors.push(tf.tensor2d(w.kernels[l], [dims[l], dims[l + 1]]), tf.tensor1d(w.biases[l]));
  }
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/** Reads a Dense-stack LayersModel back into an Mlp; throws if it is any other architecture. */
export function fromLayersModel(model: tf.LayersModel): Mlp {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (layers.length === 0) throw new Error('model has no layers');
  let activation: Activation | null = null;
  const netArch: number[] = [];
  const kernels: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let inputDim = -1;
  layers.forEach((layer, l) => {
    if (layer.getClassName() !== 'Dense') throw new Error(`unsupported layer "${layer.getClassName()}" (only Dense stacks are supported)`);
    const cfg = layer.getConfig() as { units: number; activation: string; useBias?: boolean };
    const isOut = l === layers.length - 1;
    if (isOut) {
      if (cfg.activation !== 'linear') throw new Error(`output layer must be linear, got "${cfg.activation}"`);
    } else {
      if (cfg.activation !== 'tanh' && cfg.activation !== 'relu') throw new Error(`unsupported hidden activation "${cfg.activation}"`);
      if (activation && cfg.activation !== activation) throw new Error('mixed hidden activations are not supported');
      activation = cfg.activation;
      netArch.push(cfg.units);
    }
    const ws = layer.getWeights();
    if (ws.length !== 2) throw new Error(`Dense layer ${layer.name} must have a kernel and a bias`);
    if (l === 0) inputDim = ws[0].shape[0];
    kernels.push(new Float32Array(ws[0].dataSync()));
    biases.push(new Float32Array(ws[1].dataSync()));
  });
  const outputDim = (layers[layers.length - 1].getConfig() as { units: number }).units;
  return new Mlp({ inputDim, outputDim, netArch, activation: activation ?? 'tanh' }, { kernels, biases });
}
