/**
 * A checkpoint's training state: every optimizer's state survives a save and load (through the
 * training-state file's bytes) so that the next step after a resume is the uninterrupted one bit for
 * bit; the file refuses damage with a reason; CartPole's vector env resumes mid-episode exactly.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { JsKernels, createKernels, type Kernels } from '../../main/lab/nn/fused/kernels.ts';
import { ParamSet } from '../../main/lab/nn/fused/fused-mlp.ts';
import { FusedAdam, FusedRmsprop, type FusedOptimizer } from '../../main/lab/nn/fused/optimizers.ts';
import { TorchRmsprop } from '../../main/lab/nn/torch-rmsprop.ts';
import { adam } from '../../main/lab/agents/algorithm.ts';
import { fusedOptimizerState, setFusedOptimizerState, setTfOptimizerState, tfOptimizerState } from '../../main/lab/nn/optimizer-state.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { CartPoleVecEnv } from '../../main/lab/envs/cartpole-vec.ts';
import {
  pruneTrainingStates,
  TRAINING_STATE_FILE,
  TrainingStateError,
  decodeTrainingState,
  encodeTrainingState,
  readFolderFiles,
  readTrainingState,
  restoreFolder,
  writeTrainingState,
  type TrainingState,
} from '../../main/lab/training/training-state.ts';

before(async () => {
  await initBackend('wasm');
});

function randoms(n: number, rng: ReturnType<typeof npRandom>): Float32Array {
  return Float32Array.from({ length: n }, () => rng.random() * 2 - 1);
}

/** A minimal state holding `algorithm` (the trainer's fields filled with plausible values). */
function stateWith(algorithm: Record<string, unknown>): TrainingState {
  return {
    env: 'CartPole-v1',
    algo: 'ppo',
    seed: 7,
    engine: 'fused',
    numEnvs: 2,
    steps: 128,
    episodes: 5,
    updates: 2,
    wallSeconds: 1.5,
    last100: [10, 12.5, NaN],
    solvedAtStep: null,
    solvedAtEpisode: null,
    solvedAtSeconds: null,
    collapse: { lowStreak: 0, startMean: null, fired: false },
    warning: null,
    bestEval: null,
    env0Episodes: 3,
    env0Frames: null,
    rng: npRandom(3).getState(),
    vecEnv: null,
    algorithm,
  };
}

/** Through the file's bytes, as a resumed run reads it. */
const roundTrip = <T extends Record<string, unknown>>(algorithm: T): T => decodeTrainingState(encodeTrainingState(stateWith(algorithm))).algorithm as T;

test('tfjs Adam and TorchRmsprop: a restored optimizer takes the very step the original takes', () => {
  for (const make of [() => adam(0.01, 1e-5), (vars: tf.Variable[]) => new TorchRmsprop(vars, 0.01, 0.99, 1e-5)]) {
    const rng = npRandom(1);
    const init = [randoms(12, rng), randoms(3, rng)];
    const grads = Array.from({ length: 5 }, () => [randoms(12, rng), randoms(3, rng)]);
    const vars = (w: Float32Array[]) => [tf.variable(tf.tensor2d(w[0], [4, 3])), tf.variable(tf.tensor1d(w[1]))];
    const step = (opt: tf.Optimizer, vs: tf.Variable[], g: Float32Array[]) =>
      opt.applyGradients(Object.fromEntries(vs.map((v, i) => [v.name, tf.tensor(g[i], v.shape)])));
    const a = vars(init);
    const optA = make(a);
    for (const g of grads.slice(0, 4)) step(optA, a, g);
    const saved = roundTrip({ optimizer: tfOptimizerState(optA, a) }).optimizer as ReturnType<typeof tfOptimizerState>;

    // A fresh process's twin: new variables (new names) with the same weights, a new optimizer given the saved state.
    const b = vars(a.map((v) => v.dataSync() as Float32Array));
    const optB = make(b);
    setTfOptimizerState(optB, b, saved);
    step(optA, a, grads[4]);
    step(optB, b, grads[4]);
    a.forEach((v, i) => assert.deepEqual(Array.from(b[i].dataSync()), Array.from(v.dataSync()), `${optA.getClassName()} variable ${i}`));

    // Without the state the same step lands elsewhere: the test can tell.
    const c = vars(init);
    const optC = make(c);
    for (const g of grads.slice(0, 4)) step(optC, c, g);
    const d = vars(c.map((v) => v.dataSync() as Float32Array));
    step(make(d), d, grads[4]);
    step(optC, c, grads[4]);
    assert.notDeepEqual(Array.from(d[0].dataSync()), Array.from(c[0].dataSync()));
    for (const v of [...a, ...b, ...c, ...d]) v.dispose();
  }
});

test('fused Adam and RMSprop: the flat state round-trips and the next step matches', () => {
  const kernels: Kernels[] = [createKernels(), new JsKernels(64)];
  for (const k of kernels) {
    for (const make of [(s: ParamSet) => new FusedAdam(s, 1e-5), (s: ParamSet) => new FusedRmsprop(s, 1e-5, 0.99)] as ((s: ParamSet) => FusedOptimizer)[]) {
      const rng = npRandom(2);
      const build = () => {
        const set = new ParamSet(k);
        const v = set.vector(10);
        set.build();
        return { set, v, opt: make(set) };
      };
      const a = build();
      a.v.set(randoms(10, rng));
      const grads = Array.from({ length: 4 }, () => randoms(10, rng));
      for (const g of grads.slice(0, 3)) {
        k.f32.set(g, a.v.gradOff);
        a.opt.step(0.01, 0.5);
      }
      const saved = roundTrip({ optimizer: fusedOptimizerState(a.opt) }).optimizer as ReturnType<typeof fusedOptimizerState>;
      const b = build();
      b.v.set(a.v.get());
      setFusedOptimizerState(b.opt, saved);
      for (const x of [a, b]) {
        k.f32.set(grads[3], x.v.gradOff);
        x.opt.step(0.01, 0.5);
      }
      assert.deepEqual(Array.from(b.v.get()), Array.from(a.v.get()));
      assert.throws(() => setFusedOptimizerState(b.opt, { kind: 'tf-rmsprop', iterations: 0, squareAvg: [] }), /not for this run's optimizer/);
    }
  }
});

test('the training-state file keeps typed arrays, bigints and NaN, and refuses damage with a reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pl-state-'));
  try {
    const s = stateWith({ a: new Float32Array([1.5, -2]), b: new Float64Array([Math.PI]), c: new Int32Array([-7]), n: 3n ** 70n });
    writeTrainingState(dir, s);
    const back = readTrainingState(dir);
    assert.deepEqual(back, s);
    assert.ok(back.algorithm!.a instanceof Float32Array && back.algorithm!.b instanceof Float64Array && back.algorithm!.c instanceof Int32Array);

    const bytes = await readFile(join(dir, TRAINING_STATE_FILE));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 0xff;
    await writeFile(join(dir, TRAINING_STATE_FILE), flipped);
    assert.throws(
      () => readTrainingState(dir),
      (e: unknown) => e instanceof TrainingStateError && /checksum/.test(e.message),
    );
    await writeFile(join(dir, TRAINING_STATE_FILE), bytes.subarray(0, bytes.length - 5));
    assert.throws(() => readTrainingState(dir), /cut short/);
    await writeFile(join(dir, TRAINING_STATE_FILE), 'not a state');
    assert.throws(() => readTrainingState(dir), /not a training state file/);
    await rm(join(dir, TRAINING_STATE_FILE));
    assert.throws(() => readTrainingState(dir), /no training state file/);
    // A well-formed file whose trainer part is not a state.
    const odd = encodeTrainingState({ ...s, steps: -1 });
    assert.throws(() => decodeTrainingState(odd), /does not hold a training state/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CartPoleVecEnv resumes mid-episode: the restored copy steps exactly as the original', () => {
  const a = new CartPoleVecEnv(3);
  a.reset(5);
  const rng = npRandom(9);
  const actions = new Int32Array(3);
  const stepBoth = (envs: CartPoleVecEnv[], n: number) => {
    const log: unknown[][] = envs.map(() => []);
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < 3; i++) actions[i] = rng.integers(0, 2);
      envs.forEach((e, j) => {
        e.step(actions);
        log[j].push([Array.from(e.obs), e.finishedEpisodes.map((f) => [f.envIndex, f.return, f.length])]);
      });
    }
    return log;
  };
  stepBoth([a], 40); // some episodes ended and restarted from the generators
  const snap = decodeTrainingState(encodeTrainingState({ ...stateWith({}), vecEnv: a.snapshot() })).vecEnv!;
  const b = new CartPoleVecEnv(3);
  b.restore(snap);
  assert.deepEqual(Array.from(b.obs), Array.from(a.obs));
  const [la, lb] = stepBoth([a, b], 300);
  assert.deepEqual(lb, la);
  assert.throws(() => new CartPoleVecEnv(2).restore(snap), /not that of 2 CartPole envs/);
});

test('pruning keeps the newest two training states by step (not by name), and every policy file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pl-prune-'));
  try {
    for (const step of [100, 300, 2000, 50]) {
      await mkdir(join(root, `step-${step}`));
      await writeFile(join(root, `step-${step}`, 'policy.json'), '{}');
      if (step !== 50) await writeFile(join(root, `step-${step}`, TRAINING_STATE_FILE), 'x');
    }
    await writeFile(join(root, 'step-9999'), 'a file, not a checkpoint');
    pruneTrainingStates(root);
    const kept = [];
    for (const n of await readdir(root)) if (existsSync(join(root, n, TRAINING_STATE_FILE))) kept.push(n);
    assert.deepEqual(kept.sort(), ['step-2000', 'step-300']);
    for (const step of [100, 300, 2000, 50]) assert.ok(existsSync(join(root, `step-${step}`, 'policy.json')));
    pruneTrainingStates(root, 1);
    assert.ok(existsSync(join(root, 'step-2000', TRAINING_STATE_FILE)) && !existsSync(join(root, 'step-300', TRAINING_STATE_FILE)));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('best/ travels in the training state and is put back exactly: kept when unchanged, replaced, or removed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pl-best-'));
  try {
    const best = join(root, 'best');
    await mkdir(join(best, 'critic'), { recursive: true });
    await writeFile(join(best, 'policy.json'), '{"steps":2048,"evalMean":120.4}');
    await writeFile(join(best, 'weights.bin'), Buffer.from([0, 1, 2, 255]));
    await writeFile(join(best, 'critic', 'model.json'), '{}');
    await writeFile(join(best, '.DS_Store'), 'not the policy’s');
    const saved = readFolderFiles(best);
    assert.deepEqual(
      saved?.files.map((f) => f.name),
      ['critic/model.json', 'policy.json', 'weights.bin'],
      'the policy files, hidden ones left out',
    );
    assert.equal(readFolderFiles(join(root, 'none')), null);

    // Through the file's bytes, as a resume reads it.
    const back = decodeTrainingState(encodeTrainingState({ ...stateWith({}), bestPolicy: saved }));
    assert.deepEqual(back.bestPolicy, saved);
    assert.equal(decodeTrainingState(encodeTrainingState(stateWith({}))).bestPolicy, undefined, 'absent in older states');

    assert.equal(restoreFolder(best, back.bestPolicy!), false, 'unchanged: left alone');
    // A later best replaced it (as savePolicy does: a new folder), with a file the old one lacks.
    await rm(best, { recursive: true });
    await mkdir(best);
    await writeFile(join(best, 'policy.json'), '{"steps":21504,"evalMean":143.1}');
    await writeFile(join(best, 'extra.bin'), 'x');
    assert.equal(restoreFolder(best, back.bestPolicy!), true);
    assert.deepEqual(readFolderFiles(best), saved, 'the checkpoint’s files, and only those');
    assert.deepEqual((await readdir(root)).sort(), ['best'], 'no temporary folder left');
    assert.equal(restoreFolder(best, null), true, 'no best at the checkpoint: best/ goes');
    assert.equal(existsSync(best), false);
    assert.equal(restoreFolder(best, null), false);

    // A state naming a file outside its folder is refused, not written.
    const evil = { ...stateWith({}), bestPolicy: { files: [{ name: '../escape.json', data: new Uint8Array([1]) }] } };
    assert.throws(() => decodeTrainingState(encodeTrainingState(evil)), TrainingStateError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
