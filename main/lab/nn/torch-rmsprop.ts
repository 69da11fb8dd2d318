import * as tf from '@tensorflow/tfjs';

/**
 * torch.optim.RMSprop without momentum (SB3's A2C optimizer): per parameter
 *   v ← α·v + (1 − α)·g²,   θ ← θ − lr·g / (√v + ε),   v₀ = 0.
 */
export class TorchRmsprop extends tf.Optimizer {
  static get className(): string {
    return 'TorchRMSprop';
  }
  private readonly vars = new Map<string, tf.Variable>();
  private readonly squareAvg = new Map<string, tf.Variable>();

  constructor(
    vars: readonly tf.Variable[],
    public learningRate: number,
    readonly alpha = 0.99,
    readonly epsilon = 1e-5,
  ) {
    super();
    for (const v of vars) this.vars.set(v.name, v);
  }

  applyGradients(grads: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const list = Array.isArray(grads) ? grads : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
    for (const { name, tensor: g } of list) {
      const v = this.vars.get(name);
      if (!v) throw new Error(`TorchRmsprop: variable ${name} was not given to the optimizer`);
      let s = this.squareAvg.get(name);
      if (!s) {
        s = tf.tidy(() => tf.variable(tf.zerosLike(v), false));
        this.squareAvg.set(name, s);
      }
      const sq = s;
      tf.tidy(() => {
        const next = tf.add(tf.mul(sq, this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
        sq.assign(next);
        v.assign(tf.sub(v, tf.div(tf.mul(g, this.learningRate), tf.add(tf.sqrt(next), this.epsilon))));
      });
    }
    this.incrementIterations();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, alpha: this.alpha, epsilon: this.epsilon };
  }

  override dispose(): void {
    for (const s of this.squareAvg.values()) s.dispose();
    this.squareAvg.clear();
  }

  /** The running squares of `vars`, in that order (null before a variable's first step): a checkpoint's training state. */
  getSquareAvg(vars: readonly tf.Variable[]): (Float32Array | null)[] {
    return vars.map((v) => {
      const s = this.squareAvg.get(v.name);
      return s ? (s.dataSync() as Float32Array).slice() : null;
    });
  }

  setSquareAvg(vars: readonly tf.Variable[], arrays: readonly (Float32Array | null)[]): void {
    if (arrays.length !== vars.length || arrays.some((x, i) => x !== null && x.length !== vars[i].size)) {
      throw new Error("the saved RMSprop state does not fit this run's networks");
    }
    for (const s of this.squareAvg.values()) s.dispose();
    this.squareAvg.clear();
    vars.forEach((v, i) => {
      const a = arrays[i];
      if (a) this.squareAvg.set(v.name, tf.variable(tf.tensor(a, v.shape, 'float32'), false));
    });
  }
}

/** ε is a hyperparameter here: Spinning Up's Adam keeps torch's 1e-8, SB3's RMSprop uses 1e-5. */
