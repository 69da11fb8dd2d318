/**
 * Worker-thread entry: the critic's half of each minibatch on the second core (thread-critic.ts
 * drives it). Its own wasm backend and kernels; the same CriticOnKernels code as on the main thread,
 * so results are bit-identical. Waits by spinning briefly, then sleeping on the shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.ts';
import { CriticOnKernels } from './critic.ts';
import { createKernels } from './kernels.ts';
import { ADAM_T, CMD, Cmd, COEF, DONE, F32_AT, F64_AT, FAILED, GRAD_SQ, layout, LOSS, LR, ROWS, SCALE, SEQ, type ThreadInit } from './thread-critic.ts';

const SPINS = 200_000; // ~1 ms of polling before sleeping: a run's next minibatch comes sooner

async function main(): Promise<void> {
  const init = workerData as ThreadInit;
  await initBackend('wasm');
  const k = createKernels();
  const critic = new CriticOnKernels(k, init.spec, init.adamEpsilon);
  const at = layout(init.spec, init.cap);
  const ctl = new Int32Array(init.shared, 0, 8);
  const f64 = new Float64Array(init.shared, F64_AT, 8);
  const f32 = new Float32Array(init.shared, F32_AT, at.floats);
  const { set } = critic;
  parentPort!.postMessage({ ready: true, xnnpack: k.name === 'xnnpack' });

  let seen = 0; // the caller's first command makes SEQ 1 (it may already have, before this line runs)
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, SEQ) === seen) {
      if (++spins > SPINS) {
        Atomics.wait(ctl, SEQ, seen);
        spins = 0;
      }
    }
    seen = Atomics.load(ctl, SEQ);
    const cmd = Atomics.load(ctl, CMD);
    try {
      switch (cmd) {
        case Cmd.SetWeights:
          set.weightsChanged();
          k.f32.set(f32.subarray(at.params, at.params + at.paramCount), set.paramOff);
          break;
        case Cmd.GetWeights:
          f32.set(k.f32.subarray(set.paramOff, set.paramOff + at.paramCount), at.params);
          break;
        case Cmd.Begin: {
          const m = Atomics.load(ctl, ROWS);
          const r = critic.step(f32.subarray(at.obs, at.targets), f32.subarray(at.targets, at.params), m, f64[COEF]);
          f64[LOSS] = r.valueLoss;
          f64[GRAD_SQ] = r.gradSquared;
          break;
        }
        case Cmd.Apply:
          critic.adam.stepScaled(f64[LR], f64[SCALE]);
          break;
        case Cmd.SetAdam:
          critic.adam.setState({ t: f64[ADAM_T], m: f32.slice(at.m, at.m + at.paramCount), v: f32.slice(at.v, at.v + at.paramCount) });
          break;
        case Cmd.GetAdam: {
          const s = critic.adam.getState();
          f64[ADAM_T] = s.t;
          f32.set(s.m, at.m);
          f32.set(s.v, at.v);
          break;
        }
      }
      Atomics.store(ctl, FAILED, 0);
    } catch (err) {
      Atomics.store(ctl, FAILED, 1);
      console.error('critic thread:', err);
    }
    Atomics.store(ctl, DONE, seen);
    Atomics.notify(ctl, DONE);
    if (cmd === Cmd.Exit) break;
  }
  k.dispose();
}

void main().catch((err) => {
  console.error('critic thread:', err);
  process.exit(1);
});
