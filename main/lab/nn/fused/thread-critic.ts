/**
 * The critic on the second core: a worker thread (critic-thread.ts) with a wasm backend of its own,
 * driven through one SharedArrayBuffer. A minibatch costs two handshakes — begin (the thread runs the
 * critic's half while this thread runs the actor's) and apply — each a store, a notify and a short
 * spin, so it pays only when a minibatch's work is well above that (PPO's 64–256 rows; see
 * BENCHMARKS.md). Commands are strictly sequential; apply is not waited for, the next command is.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../../worker-thread.ts';
import type { MlpSpec, MlpWeights } from '../mlp.ts';
import type { CriticStep, CriticTrainer } from './critic.ts';
import type { AdamState } from './optimizers.ts';

// ---- the shared layout (also read by critic-thread.ts) ----
/** Int32 slots at byte 0. */
export const SEQ = 0; // bumped by the caller for each command
export const CMD = 1;
export const DONE = 2; // set to SEQ by the thread when the command is done
export const ROWS = 3;
export const FAILED = 4; // 1 if the last command threw
/** Float64 slots at byte 64. */
export const COEF = 0;
export const LR = 1;
export const SCALE = 2;
export const LOSS = 3;
export const GRAD_SQ = 4;
export const ADAM_T = 5;
export const F64_AT = 64;
export const F32_AT = 128;

export const Cmd = { SetWeights: 1, GetWeights: 2, Begin: 3, Apply: 4, SetAdam: 5, GetAdam: 6, Exit: 7 } as const;
export type Cmd = (typeof Cmd)[keyof typeof Cmd];

/** Offsets (in floats, from F32_AT) of obs [cap × inputDim], targets [cap], params, Adam m and v [P]. */
export function layout(spec: MlpSpec, cap: number): { obs: number; targets: number; params: number; m: number; v: number; floats: number; paramCount: number } {
  const dims = [spec.inputDim, ...spec.netArch, spec.outputDim];
  let paramCount = 0;
  for (let l = 0; l + 1 < dims.length; l++) paramCount += dims[l] * dims[l + 1] + dims[l + 1];
  const obs = 0;
  const targets = obs + cap * spec.inputDim;
  const params = targets + cap;
  const m = params + paramCount;
  const v = m + paramCount;
  return { obs, targets, params, m, v, floats: v + paramCount, paramCount };
}

export interface ThreadInit {
  spec: MlpSpec;
  adamEpsilon: number;
  cap: number;
  shared: SharedArrayBuffer;
}

/** How long a command may take before the thread is declared lost (it cannot report its own death). */
const TIMEOUT_MS = 60_000;
/** Busy-wait this many polls before sleeping: a minibatch's other half is well under a millisecond. */
const SPINS = 20_000;

export class ThreadCritic implements CriticTrainer {
  readonly threaded = true;
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly f32: Float32Array;
  private readonly at: ReturnType<typeof layout>;
  private seq = 0;
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly spec: MlpSpec,
    private readonly cap: number,
    shared: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(shared, 0, 8);
    this.f64 = new Float64Array(shared, F64_AT, 8);
    this.at = layout(spec, cap);
    this.f32 = new Float32Array(shared, F32_AT, this.at.floats);
  }

  /** Starts the thread; resolves once its backend is up (null if it cannot start: stay on one core). */
  static async start(spec: MlpSpec, adamEpsilon: number, cap: number): Promise<ThreadCritic | null> {
    const shared = new SharedArrayBuffer(F32_AT + layout(spec, cap).floats * 4);
    let worker: Worker;
    try {
      worker = startWorkerThread(import.meta.url, 'critic-thread', { spec, adamEpsilon, cap, shared } satisfies ThreadInit);
    } catch {
      return null;
    }
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), TIMEOUT_MS);
      worker.once('message', (msg: { ready?: boolean; xnnpack?: boolean }) => {
        clearTimeout(timer);
        resolve(msg.ready === true && msg.xnnpack === true); // without XNNPACK it would be slower, not faster
      });
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    if (!ok) {
      await worker.terminate();
      return null;
    }
    worker.unref(); // never keeps the process alive
    return new ThreadCritic(worker, spec, cap, shared);
  }

  private send(cmd: Cmd): void {
    this.wait();
    Atomics.store(this.ctl, CMD, cmd);
    this.seq = Atomics.add(this.ctl, SEQ, 1) + 1;
    Atomics.notify(this.ctl, SEQ);
  }

  /** Until the last command is done. */
  private wait(): void {
    const { ctl } = this;
    let spins = 0;
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === this.seq) break;
      if (++spins > SPINS) {
        Atomics.wait(ctl, DONE, done, 100);
        if (Date.now() - t0 > TIMEOUT_MS) throw new Error('the critic thread stopped responding');
      }
    }
    if (Atomics.load(ctl, FAILED)) throw new Error('the critic thread failed (see the run log)');
  }

  setWeights(w: MlpWeights): void {
    this.wait();
    let o = this.at.params;
    for (let l = 0; l < w.kernels.length; l++) {
      this.f32.set(w.kernels[l], o);
      o += w.kernels[l].length;
      this.f32.set(w.biases[l], o);
      o += w.biases[l].length;
    }
    if (o !== this.at.params + this.at.paramCount) throw new Error('ThreadCritic.setWeights: shapes differ');
    this.send(Cmd.SetWeights);
    this.wait();
  }

  getWeights(): MlpWeights {
    this.send(Cmd.GetWeights);
    this.wait();
    const dims = [this.spec.inputDim, ...this.spec.netArch, this.spec.outputDim];
    const kernels: Float32Array[] = [];
    const biases: Float32Array[] = [];
    let o = this.at.params;
    for (let l = 0; l + 1 < dims.length; l++) {
      kernels.push(this.f32.slice(o, (o += dims[l] * dims[l + 1])));
      biases.push(this.f32.slice(o, (o += dims[l + 1])));
    }
    return { kernels, biases };
  }

  begin(obs: Float32Array, targets: Float32Array, m: number, coef: number): void {
    if (m > this.cap) throw new Error(`ThreadCritic: ${m} rows, room for ${this.cap}`);
    this.wait();
    this.f32.set(obs.subarray(0, m * this.spec.inputDim), this.at.obs);
    this.f32.set(targets.subarray(0, m), this.at.targets);
    Atomics.store(this.ctl, ROWS, m);
    this.f64[COEF] = coef;
    this.send(Cmd.Begin);
  }

  end(): CriticStep {
    this.wait();
    return { valueLoss: this.f64[LOSS], gradSquared: this.f64[GRAD_SQ] };
  }

  apply(learningRate: number, scale: number): void {
    this.wait();
    this.f64[LR] = learningRate;
    this.f64[SCALE] = scale;
    this.send(Cmd.Apply);
  }

  getAdamState(): AdamState {
    this.send(Cmd.GetAdam);
    this.wait();
    const { m, v, paramCount } = this.at;
    return { t: this.f64[ADAM_T], m: this.f32.slice(m, m + paramCount), v: this.f32.slice(v, v + paramCount) };
  }

  setAdamState(s: AdamState): void {
    this.wait();
    this.f32.set(s.m, this.at.m);
    this.f32.set(s.v, this.at.v);
    this.f64[ADAM_T] = s.t;
    this.send(Cmd.SetAdam);
    this.wait();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.send(Cmd.Exit);
    } catch {
      // a failed thread is terminated below all the same
    }
    void this.worker.terminate();
  }
}
