/**
 * Which training engine a run uses.
 *
 *   fused  one call per minibatch over flat parameter buffers (nn/fused/): forward, the algorithm's
 *          loss gradient, backward, clipping and the optimizer step, with matmuls on the wasm
 *          backend's XNNPACK kernel (plain JS loops on other backends).
 *   tfjs   the op-by-op TensorFlow.js path (tf.variableGrads + tf optimizers): the reference
 *          implementation, and the one that can use tfjs-node / tfjs-node-gpu's native kernels.
 *
 * 'auto' picks fused where it was measured faster (wasm, cpu: BENCHMARKS.md) and tfjs on the native
 * backends, whose per-op overhead is lower and which could not be measured on the reference machine.
 */
export type EngineName = 'fused' | 'tfjs';
export type EngineRequest = 'auto' | EngineName;
export const ENGINE_REQUESTS: readonly EngineRequest[] = ['auto', 'fused', 'tfjs'];

export interface EngineChoice {
  name: EngineName;
  /** Why it was chosen (shown next to the backend). */
  detail: string;
}

export function resolveEngine(requested: EngineRequest, backendName: string): EngineChoice {
  switch (requested) {
    case 'fused':
    case 'tfjs':
      return { name: requested, detail: `${requested} requested` };
    case 'auto':
      if (backendName === 'wasm' || backendName === 'cpu') return { name: 'fused', detail: `fused: faster than op-by-op tfjs on the ${backendName} backend` };
      return { name: 'tfjs', detail: `tfjs: the ${backendName} backend runs ops natively` };
    default:
      throw new Error(`unknown engine "${String(requested)}" (expected auto, fused or tfjs)`);
  }
}
