/** A saved or training Q-network as a policy: acts greedily (argmax Q), or ε-greedy when stochastic. */
import type { Generator } from '../envs/numpy-rng.ts';
import { flatDim, type Space } from '../envs/spaces.ts';
import type { Mlp } from '../nn/mlp.ts';
import type { PolicyKind, SavablePolicy } from './algorithm.ts';

/** A Q-network as an acting policy: greedy argmax, or ε-greedy with a fixed ε when stochastic. */
export class QNetworkPolicy implements SavablePolicy {
  readonly kind: PolicyKind = 'q-network';
  readonly obsDim: number;
  readonly nActions: number;

  constructor(
    readonly net: Mlp,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    /** ε of stochastic acting. */
    readonly epsilon: number,
  ) {
    if (actionSpace.kind !== 'discrete') throw new Error('a Q-network needs a Discrete action space');
    this.obsDim = flatDim(observationSpace);
    this.nActions = actionSpace.n;
    if (net.spec.inputDim !== this.obsDim) throw new Error(`Q-network input ${net.spec.inputDim} ≠ observation size ${this.obsDim}`);
    if (net.spec.outputDim !== this.nActions) throw new Error(`Q-network output ${net.spec.outputDim} ≠ ${this.nActions} actions`);
    if (!(epsilon >= 0 && epsilon <= 1)) throw new Error(`epsilon must be in [0, 1], got ${epsilon}`);
  }

  /** While set (the fused engine's training), Q-values come from it instead of the JS forward. */
  qSource: ((obs: Float32Array, n: number) => Float32Array) | null = null;

  /** [n × nActions] Q-values (JS forward; a reused buffer). */
  qValues(obs: Float32Array, n: number): Float32Array {
    return this.qSource ? this.qSource(obs, n) : this.net.forward(obs, n);
  }

  /** ε-greedy over n rows with the given ε (ε = 0: greedy, ties to the lowest index). */
  actEpsilon(obs: Float32Array, n: number, eps: number, rng: Generator | undefined, out: Int32Array = new Int32Array(n)): Int32Array {
    const q = this.qValues(obs, n);
    const A = this.nActions;
    for (let i = 0; i < n; i++) {
      if (eps > 0 && rng!.random() < eps) {
        out[i] = rng!.integers(0, A);
        continue;
      }
      out[i] = argmaxRow(q, i * A, A);
    }
    return out;
  }

  act(obs: Float32Array, n: number, deterministic: boolean, rng?: Generator): Int32Array {
    if (deterministic) return this.actEpsilon(obs, n, 0, undefined);
    if (!rng) throw new Error('stochastic act() needs a Generator');
    return this.actEpsilon(obs, n, this.epsilon, rng);
  }

  /** The ε-greedy distribution: ε/n everywhere plus 1 − ε on the greedy action. */
  actionProbs(obs: Float32Array, n = Math.floor(obs.length / this.obsDim)): Float32Array {
    const A = this.nActions;
    const q = this.qValues(obs, n);
    const p = new Float32Array(n * A).fill(this.epsilon / A);
    for (let i = 0; i < n; i++) p[i * A + argmaxRow(q, i * A, A)] += 1 - this.epsilon;
    return p;
  }

  /** max_a Q(s, a) per row (the greedy policy's value; Watch's X-ray and Insights show it). */
  values(obs: Float32Array, n: number): Float32Array {
    const A = this.nActions;
    const q = this.qValues(obs, n);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = q[i * A + argmaxRow(q, i * A, A)];
    return v;
  }

  dispose(): void {
    this.net.dispose();
  }
}

export function argmaxRow(q: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let a = 1; a < n; a++) if (q[off + a] > q[off + best]) best = a;
  return best;
}
