/**
 * Actor-critic's networks, each variant's under Adam on either engine (AlgorithmOptions.engine). The
 * actor (td, mc), or trunk + policy head (shared), is an ordinary Mlp, so the acting policy is an
 * MlpPolicy and saves and loads as a plain Dense stack. td and mc add a separate critic with an Adam of
 * its own (SeparateNets); shared adds a value head, one Dense layer on the trunk's last hidden
 * activations, with trunk and both heads under one Adam (SharedTrunk; sharedForward, FusedSharedNet).
 * The updates that train them: td.ts and episodic.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { VecEnv } from '../../envs/env.ts';
import type { Generator } from '../../envs/numpy-rng.ts';
import { Categorical } from '../../nn/distributions.ts';
import { Mlp, initMlpWeights, type MlpInit, type MlpSpec } from '../../nn/mlp.ts';
import { createKernels, type Kernels } from '../../nn/fused/kernels.ts';
import { ParamSet, type FusedMlp } from '../../nn/fused/fused-mlp.ts';
import { FusedAdam } from '../../nn/fused/optimizers.ts';
import { MlpPolicy, adam } from '../algorithm.ts';
import { FusedActorCritic } from '../on-policy.ts';
import { fusedOptimizerState, setFusedOptimizerState, setTfOptimizerState, tfOptimizerState, type OptimizerState } from '../../nn/optimizer-state.ts';
import type { ActorCriticHyperparameters } from './hyperparameters.ts';

/** ε of every Adam here: torch's default, as the PyTorch tutorials (Keras' would be 1e-7). */
const ADAM_EPS = 1e-8;

/** The hidden layers every network here shares: net_arch of activation_fn. */
function hiddenSpec(hp: ActorCriticHyperparameters, inputDim: number): Omit<MlpSpec, 'outputDim'> {
  return { inputDim, netArch: hp.net_arch, activation: hp.activation_fn };
}

function init(hp: ActorCriticHyperparameters, rng: Generator, outputGain: number): MlpInit {
  return { scheme: hp.ortho_init ? 'orthogonal' : 'glorot', rng, outputGain };
}

/** The actor (td, mc) or trunk + policy head (shared): drawn from rng first, which is part of a seed's result. */
export function createActor(hp: ActorCriticHyperparameters, vecEnv: VecEnv, rng: Generator): MlpPolicy {
  if (vecEnv.actionSpace.kind !== 'discrete') throw new Error('actor-critic here supports Discrete action spaces only');
  const dist = new Categorical(vecEnv.actionSpace.n);
  const actor = Mlp.create({ ...hiddenSpec(hp, vecEnv.obsDim), outputDim: dist.paramDim }, init(hp, rng, 0.01));
  return new MlpPolicy(actor, dist, vecEnv.observationSpace, vecEnv.actionSpace);
}

// ---------- td, mc: an actor and a separate critic ----------

/** The critic has critic_net_arch's hidden layers (empty: the actor's); each network has its own Adam (learning_rate, vf_learning_rate). */
export class SeparateNets {
  readonly critic: Mlp;
  /** tfjs engine: Adam over the actor, and over the critic. */
  readonly optimizer: tf.Optimizer | null = null;
  readonly vfOptimizer: tf.Optimizer | null = null;
  /** fused engine: actor and critic as flat buffers, each set under its own Adam. */
  readonly fused: FusedActorCritic | null = null;
  readonly fusedAdam: FusedAdam | null = null;
  readonly fusedVfAdam: FusedAdam | null = null;

  /** lr, vfLr: the step sizes at the start (the updates set them before every step). */
  constructor(
    hp: ActorCriticHyperparameters,
    private readonly policy: MlpPolicy,
    rng: Generator,
    fused: boolean,
    lr: number,
    vfLr: number,
  ) {
    if (!fused) this.optimizer = adam(lr, ADAM_EPS);
    const netArch = hp.critic_net_arch.length ? hp.critic_net_arch : hp.net_arch;
    this.critic = Mlp.create({ ...hiddenSpec(hp, policy.obsDim), netArch, outputDim: 1 }, init(hp, rng, 1));
    if (fused) {
      this.fused = new FusedActorCritic({ dist: policy.distribution, policy, critic: this.critic }, { separateSets: true });
      this.fusedAdam = new FusedAdam(this.fused.actorSet, ADAM_EPS);
      this.fusedVfAdam = new FusedAdam(this.fused.criticSet, ADAM_EPS);
    } else {
      this.vfOptimizer = adam(vfLr, ADAM_EPS);
    }
  }

  /** V(s) for n rows with the critic's JS forward (no gradient). */
  values(obs: Float32Array, n: number): Float32Array {
    return this.critic.forward(obs, n, new Float32Array(n));
  }

  /** Before acting: weights set on the Mlps since (a continued run's) are seen. */
  pull(): void {
    this.fused?.pullWeights();
  }

  /** After an update (even one that threw): acting and saving see the new weights. */
  push(): void {
    if (this.fused) this.fused.pushWeights();
    else {
      this.policy.net.invalidate();
      this.critic.invalidate();
    }
  }

  /** Both Adams' states (a checkpoint's training state; the weights are in the policy folder). */
  getState(): Record<string, unknown> {
    if (this.fusedAdam) return { optimizer: fusedOptimizerState(this.fusedAdam), vfOptimizer: fusedOptimizerState(this.fusedVfAdam!) };
    return { optimizer: tfOptimizerState(this.optimizer!, this.policy.net.variables), vfOptimizer: tfOptimizerState(this.vfOptimizer!, this.critic.variables) };
  }

  setState(s: Record<string, unknown>): void {
    if (this.fusedAdam) {
      setFusedOptimizerState(this.fusedAdam, s.optimizer as OptimizerState);
      setFusedOptimizerState(this.fusedVfAdam!, s.vfOptimizer as OptimizerState);
    } else {
      setTfOptimizerState(this.optimizer!, this.policy.net.variables, s.optimizer as OptimizerState);
      setTfOptimizerState(this.vfOptimizer!, this.critic.variables, s.vfOptimizer as OptimizerState);
    }
  }

  dispose(): void {
    this.critic.dispose();
    this.optimizer?.dispose();
    this.vfOptimizer?.dispose();
    this.fused?.dispose();
  }
}

// ---------- shared: one trunk, a policy head and a value head ----------

let valueHeadCounter = 0;

/** [n × obs] → policy logits (exactly net.apply) and V from the same last hidden activations. */
export function sharedForward(net: Mlp, valueKernel: tf.Variable, valueBias: tf.Variable, x: tf.Tensor2D): { logits: tf.Tensor2D; value: tf.Tensor1D } {
  const last = net.kernels.length - 1;
  let h: tf.Tensor2D = x;
  for (let l = 0; l < last; l++) {
    const z = tf.add(tf.matMul(h, net.kernels[l]), net.biases[l]) as tf.Tensor2D;
    h = net.spec.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
  }
  const logits = tf.add(tf.matMul(h, net.kernels[last]), net.biases[last]) as tf.Tensor2D;
  const value = tf.reshape(tf.add(tf.matMul(h, valueKernel), valueBias), [-1]) as tf.Tensor1D;
  return { logits, value };
}

/**
 * The fused engine's shared network: trunk + policy head as one FusedMlp (the acting Mlp's layout)
 * and the value head as a FusedMlp without hidden layers reading the trunk's last hidden activations
 * (the observations when there are no hidden layers), both in one ParamSet under one Adam. The head's
 * dL/d(input) joins the trunk's backward at that layer. pull()/push() copy to and from the Mlp and
 * the value-head variables, which acting and saving (`critic`) read.
 */
class FusedSharedNet {
  readonly kernels: Kernels;
  readonly trunk: FusedMlp;
  readonly head: FusedMlp;
  readonly adam: FusedAdam;
  private readonly hiddenLayers: number;
  private cap = 0;
  /** Batch scratch (heap offsets): observations, dL/dlogits, dL/dV, dL/d(last hidden) from the head. */
  obsOff = -1;
  dLogitsOff = -1;
  dValuesOff = -1;
  private dHiddenOff = -1;

  constructor(
    private readonly net: Mlp,
    private readonly valueKernel: tf.Variable,
    private readonly valueBias: tf.Variable,
  ) {
    this.kernels = createKernels();
    const set = new ParamSet(this.kernels);
    const { spec } = net;
    this.hiddenLayers = spec.netArch.length;
    this.trunk = set.mlp(spec);
    this.head = set.mlp({
      inputDim: this.hiddenLayers ? spec.netArch[this.hiddenLayers - 1] : spec.inputDim,
      outputDim: 1,
      netArch: [],
      activation: spec.activation,
    });
    set.build();
    this.adam = new FusedAdam(set, ADAM_EPS);
    this.pull();
  }

  /** Room for m rows. Episode batches vary in length and the heap never frees, so it grows by doubling. */
  reserve(m: number): void {
    if (m <= this.cap) return;
    const cap = Math.max(m, 2 * this.cap);
    const k = this.kernels;
    this.obsOff = k.alloc(cap * this.trunk.inputDim);
    this.dLogitsOff = k.alloc(cap * this.trunk.outputDim);
    this.dValuesOff = k.alloc(cap);
    this.dHiddenOff = k.alloc(cap * this.head.inputDim);
    this.trunk.reserve(cap);
    this.head.reserve(cap);
    this.cap = cap;
  }

  /** Forward on m rows of obs (copied in): offsets of the logits [m × k] and of V [m]. */
  forward(obs: Float32Array, m: number): { logitsOff: number; valuesOff: number } {
    this.reserve(m);
    this.kernels.f32.set(obs.subarray(0, m * this.trunk.inputDim), this.obsOff);
    const logitsOff = this.trunk.forward(this.obsOff, m);
    const hidden = this.hiddenLayers ? this.trunk.activationOff(this.hiddenLayers - 1) : this.obsOff;
    return { logitsOff, valuesOff: this.head.forward(hidden, m) };
  }

  /** Backward through the last forward from dL/dlogits and dL/dV at their scratch offsets. */
  backward(m: number): void {
    if (!this.hiddenLayers) {
      this.head.backward(this.dValuesOff, m);
      this.trunk.backward(this.dLogitsOff, m);
      return;
    }
    this.head.backward(this.dValuesOff, m, { dxOff: this.dHiddenOff });
    this.trunk.backward(this.dLogitsOff, m, { hiddenGradOff: this.dHiddenOff });
  }

  /** V(s) for n rows from the flat weights. */
  values(obs: Float32Array, n: number): Float32Array {
    const { valuesOff } = this.forward(obs, n);
    return this.kernels.f32.slice(valuesOff, valuesOff + n);
  }

  pull(): void {
    this.trunk.setWeights(this.net.getWeights());
    this.head.setWeights({ kernels: [new Float32Array(this.valueKernel.dataSync())], biases: [new Float32Array(this.valueBias.dataSync())] });
  }

  push(): void {
    this.net.setJsWeights(this.trunk.getWeights());
    const w = this.head.getWeights();
    tf.tidy(() => {
      this.valueKernel.assign(tf.tensor2d(w.kernels[0], [this.head.inputDim, 1]));
      this.valueBias.assign(tf.tensor1d(w.biases[0]));
    });
  }

  dispose(): void {
    this.kernels.dispose();
  }
}

/** The value head on the trunk (initialised after it from rng); everything under one Adam (learning_rate). */
export class SharedTrunk {
  readonly valueKernel: tf.Variable;
  readonly valueBias: tf.Variable;
  /** Trunk + value head copied into one Dense stack when `critic` is read (saving). */
  private readonly valueNet: Mlp;
  /** tfjs engine: Adam over trunk and both heads. */
  readonly optimizer: tf.Optimizer | null = null;
  /** fused engine: trunk and both heads in one set under one Adam. */
  readonly fused: FusedSharedNet | null = null;

  /** lr: the step size at the start (the update sets it before every step). */
  constructor(
    hp: ActorCriticHyperparameters,
    private readonly policy: MlpPolicy,
    rng: Generator,
    fused: boolean,
    lr: number,
  ) {
    if (!fused) this.optimizer = adam(lr, ADAM_EPS);
    const D = policy.obsDim;
    const hidden = hp.net_arch.length ? hp.net_arch[hp.net_arch.length - 1] : D;
    const w = initMlpWeights({ inputDim: hidden, outputDim: 1, netArch: [], activation: hp.activation_fn }, init(hp, rng, 1));
    const id = `acvalue${++valueHeadCounter}`;
    this.valueKernel = tf.tidy(() => tf.variable(tf.tensor2d(w.kernels[0], [hidden, 1]), true, `${id}_kernel`));
    this.valueBias = tf.tidy(() => tf.variable(tf.tensor1d(w.biases[0]), true, `${id}_bias`));
    const trunk = policy.net.getWeights();
    this.valueNet = new Mlp(
      { ...hiddenSpec(hp, D), outputDim: 1 },
      { kernels: [...trunk.kernels.slice(0, -1), w.kernels[0]], biases: [...trunk.biases.slice(0, -1), w.biases[0]] },
    );
    if (fused) this.fused = new FusedSharedNet(policy.net, this.valueKernel, this.valueBias);
  }

  /** V(s) as one Dense stack (the trainer saves it beside the policy for the X-ray): the trunk's current weights topped by the value head. */
  get critic(): Mlp {
    const trunk = this.policy.net.getWeights();
    this.valueNet.setWeights({
      kernels: [...trunk.kernels.slice(0, -1), new Float32Array(this.valueKernel.dataSync())],
      biases: [...trunk.biases.slice(0, -1), new Float32Array(this.valueBias.dataSync())],
    });
    return this.valueNet;
  }

  /** V(s) for n rows, read back to JS (no gradient). */
  values(obs: Float32Array, n: number): Float32Array {
    if (this.fused) return this.fused.values(obs, n);
    return tf.tidy(
      () => new Float32Array(sharedForward(this.policy.net, this.valueKernel, this.valueBias, tf.tensor2d(obs, [n, this.policy.obsDim])).value.dataSync()),
    );
  }

  /** Before acting: weights set on the Mlp and the head since (a continued run's) are seen. */
  pull(): void {
    this.fused?.pull();
  }

  /** After an update (even one that threw): acting and saving see the new weights. */
  push(): void {
    if (this.fused) this.fused.push();
    else this.policy.net.invalidate();
  }

  /** The value head (not in the policy file, whose critic is a copy) and Adam's state. */
  getState(): Record<string, unknown> {
    return {
      valueKernel: new Float32Array(this.valueKernel.dataSync()),
      valueBias: new Float32Array(this.valueBias.dataSync()),
      optimizer: this.fused ? fusedOptimizerState(this.fused.adam) : tfOptimizerState(this.optimizer!, this.trainedVariables()),
    };
  }

  setState(s: Record<string, unknown>): void {
    const { valueKernel: k, valueBias: b } = s;
    if (!(k instanceof Float32Array) || k.length !== this.valueKernel.size || !(b instanceof Float32Array) || b.length !== this.valueBias.size) {
      throw new Error('the saved value head does not fit this network');
    }
    this.valueKernel.assign(tf.tensor(k, this.valueKernel.shape));
    this.valueBias.assign(tf.tensor(b, this.valueBias.shape));
    if (this.fused) setFusedOptimizerState(this.fused.adam, s.optimizer as OptimizerState);
    else setTfOptimizerState(this.optimizer!, this.trainedVariables(), s.optimizer as OptimizerState);
  }

  /** What the tfjs Adam trains, in the order the update gives them (episodic.ts). */
  private trainedVariables(): tf.Variable[] {
    return [...this.policy.net.variables, this.valueKernel, this.valueBias];
  }

  dispose(): void {
    this.valueNet.dispose();
    this.valueKernel.dispose();
    this.valueBias.dispose();
    this.optimizer?.dispose();
    this.fused?.dispose();
  }
}
