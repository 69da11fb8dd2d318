/**
 * A critic trained beside an actor under one global gradient norm — PPO's value network, regressed on
 * the λ-returns by vf_coef · mean((V(s) − R)²) — split out of the minibatch so that it can run on the
 * second core while the actor's half runs on the first (critic-thread.ts). The two halves only meet
 * at the clip: norm² = actor Σg² + critic Σg², then each applies Adam with the same factor. Local and
 * threaded critics run this same code on the same kernels, so a seeded run is bit-identical whichever
 * trains it; a run may switch between them at any update (the Adam state moves along).
 */
import type { MlpSpec, MlpWeights } from '../mlp.ts';
import { ParamSet, type FusedMlp } from './fused-mlp.ts';
import type { Kernels } from './kernels.ts';
import { FusedAdam, type AdamState } from './optimizers.ts';

/** What the critic's half of a minibatch reports. */
export interface CriticStep {
  /** mean((V − R)²), before the coefficient. */
  valueLoss: number;
  /** Σg² over the critic's gradients (its share of the global norm). */
  gradSquared: number;
}

export interface CriticTrainer {
  /** Whether it runs on a thread of its own. */
  readonly threaded: boolean;
  setWeights(w: MlpWeights): void;
  getWeights(): MlpWeights;
  /** Starts forward, loss and backward on m rows: obs [m × inputDim], targets [m]. */
  begin(obs: Float32Array, targets: Float32Array, m: number, coef: number): void;
  /** The step begun (waits for it on a thread). */
  end(): CriticStep;
  /** Adam with the gradients scaled by the global clip factor. */
  apply(learningRate: number, scale: number): void;
  getAdamState(): AdamState;
  setAdamState(s: AdamState): void;
  dispose(): void;
}

/**
 * The critic's half on heap offsets: V = net(obs), the loss mean((V − R)²) and its gradient
 * coef · 2(V − R)/m back through the net. Returns the loss.
 */
export function valueRegressionStep(k: Kernels, net: FusedMlp, obsOff: number, targetsOff: number, dvOff: number, m: number, coef: number): number {
  const vOff = net.forward(obsOff, m);
  const H = k.f32;
  let loss = 0;
  for (let i = 0; i < m; i++) {
    const diff = H[vOff + i] - H[targetsOff + i];
    loss += diff * diff;
    H[dvOff + i] = (coef * 2 * diff) / m;
  }
  net.backward(dvOff, m);
  return loss / m;
}

/** A critic with its own parameter set and Adam on given kernels (the actor's, or a thread's). */
export class CriticOnKernels {
  readonly set: ParamSet;
  readonly net: FusedMlp;
  readonly adam: FusedAdam;
  private cap = 0;
  private obsOff = -1;
  private targetsOff = -1;
  private dvOff = -1;

  /** `existing`: a critic already built alone in its set (FusedActorCritic's), trained in place. */
  constructor(
    readonly k: Kernels,
    readonly spec: MlpSpec,
    adamEpsilon: number,
    existing?: { set: ParamSet; net: FusedMlp },
  ) {
    if (spec.outputDim !== 1) throw new Error('a critic has one output');
    if (existing) {
      if (existing.set.size !== existing.net.paramCount) throw new Error('the critic must have its parameter set to itself');
      this.set = existing.set;
      this.net = existing.net;
    } else {
      this.set = new ParamSet(k);
      this.net = this.set.mlp(spec);
      this.set.build();
    }
    this.adam = new FusedAdam(this.set, adamEpsilon);
  }

  step(obs: Float32Array, targets: Float32Array, m: number, coef: number): CriticStep {
    if (m > this.cap) {
      this.obsOff = this.k.alloc(m * this.spec.inputDim);
      this.targetsOff = this.k.alloc(m);
      this.dvOff = this.k.alloc(m);
      this.cap = m;
    }
    this.k.f32.set(obs.subarray(0, m * this.spec.inputDim), this.obsOff);
    this.k.f32.set(targets.subarray(0, m), this.targetsOff);
    const valueLoss = valueRegressionStep(this.k, this.net, this.obsOff, this.targetsOff, this.dvOff, m, coef);
    return { valueLoss, gradSquared: this.set.gradSquaredSum() };
  }
}

/** The critic on the calling thread. */
export class LocalCritic implements CriticTrainer {
  readonly threaded = false;
  private readonly c: CriticOnKernels;
  private pending: CriticStep | null = null;

  constructor(k: Kernels, spec: MlpSpec, adamEpsilon: number, existing?: { set: ParamSet; net: FusedMlp }) {
    this.c = new CriticOnKernels(k, spec, adamEpsilon, existing);
  }

  setWeights(w: MlpWeights): void {
    this.c.net.setWeights(w);
  }
  getWeights(): MlpWeights {
    return this.c.net.getWeights();
  }
  begin(obs: Float32Array, targets: Float32Array, m: number, coef: number): void {
    this.pending = this.c.step(obs, targets, m, coef);
  }
  end(): CriticStep {
    const r = this.pending;
    if (!r) throw new Error('LocalCritic.end without begin');
    this.pending = null;
    return r;
  }
  apply(learningRate: number, scale: number): void {
    this.c.adam.stepScaled(learningRate, scale);
  }
  getAdamState(): AdamState {
    return this.c.adam.getState();
  }
  setAdamState(s: AdamState): void {
    this.c.adam.setState(s);
  }
  dispose(): void {}
}
