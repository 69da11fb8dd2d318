/**
 * The policy-gradient and value losses the actor-critic family shares (REINFORCE, actor-critic, A2C):
 * each once as a tfjs loss (the reference engine, autodiff) and once as its gradient with respect to
 * the network's outputs (the fused engine), written side by side so the two can be read together.
 */
import * as tf from '@tensorflow/tfjs';

/** The critic losses (actor-critic's value_loss choices). */
export const VALUE_LOSS_KINDS = ['mse', 'huber'] as const;
export type ValueLossKind = (typeof VALUE_LOSS_KINDS)[number];

/** Policy-gradient loss −mean(log π(a|s)·A); A must carry no gradient. */
export function policyGradientLoss(logp: tf.Tensor1D, advantages: tf.Tensor1D): tf.Scalar {
  return tf.neg(tf.mean(tf.mul(logp, advantages))) as tf.Scalar;
}

/** mse: mean((y − v)²) (SB3's F.mse_loss). huber: mean of ½e² for |e| ≤ 1, |e| − ½ beyond (δ = 1, Keras' Huber). */
export function valueLoss(kind: ValueLossKind, target: tf.Tensor1D, pred: tf.Tensor1D): tf.Scalar {
  const err = tf.sub(target, pred);
  if (kind === 'mse') return tf.mean(tf.square(err)) as tf.Scalar;
  const abs = tf.abs(err);
  const quad = tf.minimum(abs, 1);
  return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(abs, quad))) as tf.Scalar;
}

// ---------- the same pieces for the fused engine: losses and their gradients ----------

/**
 * (Also A2C's and REINFORCE's fused loss for Categorical policies: one policy-gradient loss for all three.)
 * policyGradientLoss − entCoef·mean H(π) on Categorical logits [m × k] at H[zOff]: writes dL/dlogits
 * at H[dOff] and returns both terms. The advantages are constants (detached in the tfjs loss).
 *   ∂log π_a/∂z_j = 1[j = a] − π_j,   ∂H/∂z_j = −π_j (log π_j + H)   (π = softmax of the logits z)
 */
export function categoricalPolicyGrad(
  H: Float32Array,
  zOff: number,
  m: number,
  k: number,
  actions: ArrayLike<number>,
  adv: ArrayLike<number>,
  entCoef: number,
  dOff: number,
): { policyLoss: number; entropy: number } {
  const probs = new Float64Array(k);
  let policyLoss = 0;
  let entropy = 0;
  for (let i = 0; i < m; i++) {
    const row = zOff + i * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (H[row + j] > max) max = H[row + j];
    let sum = 0;
    for (let j = 0; j < k; j++) sum += probs[j] = Math.exp(H[row + j] - max);
    const lse = max + Math.log(sum);
    let rowEntropy = 0;
    for (let j = 0; j < k; j++) {
      probs[j] /= sum;
      rowEntropy -= probs[j] * (H[row + j] - lse);
    }
    const a = actions[i];
    policyLoss -= (H[row + a] - lse) * adv[i];
    entropy += rowEntropy;
    const dLogp = -adv[i] / m;
    for (let j = 0; j < k; j++) {
      H[dOff + i * k + j] = dLogp * ((j === a ? 1 : 0) - probs[j]) + (entCoef / m) * probs[j] * (H[row + j] - lse + rowEntropy);
    }
  }
  return { policyLoss: policyLoss / m, entropy: entropy / m };
}

/**
 * valueLoss(kind, target, V) on V at H[vOff] (m rows): writes coef·dL/dV at H[dOff], returns the loss.
 * The target is a constant. e = y − V; mse: ∂/∂V = −2e/m. huber: −e/m for |e| ≤ 1, −sign(e)/m beyond
 * (what tfjs' autodiff gives through tf.minimum(|e|, 1), whose gradient goes to |e| on ties).
 */
export function valueLossGrad(kind: ValueLossKind, target: ArrayLike<number>, H: Float32Array, vOff: number, m: number, coef: number, dOff: number): number {
  let loss = 0;
  for (let i = 0; i < m; i++) {
    const e = target[i] - H[vOff + i];
    let d: number;
    if (kind === 'mse') {
      loss += e * e;
      d = -2 * e;
    } else if (Math.abs(e) <= 1) {
      loss += 0.5 * e * e;
      d = -e;
    } else {
      loss += Math.abs(e) - 0.5;
      d = e > 0 ? -1 : 1;
    }
    H[dOff + i] = (coef * d) / m;
  }
  return loss / m;
}
