import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../main/lab/nn/backend.ts';

test('concurrent initBackend calls share one initialisation (browser mode answers requests in parallel)', async () => {
  const names = (await Promise.all([initBackend('auto'), initBackend('auto'), initBackend('auto')])).map((b) => b.name);
  assert.equal(new Set(names).size, 1, `all callers see one backend, got ${names.join(', ')}`);
  assert.notEqual(names[0], 'cpu', 'the wasm backend (or a native one) is picked over cpu');
});

function nativeInstalled(): boolean {
  try {
    import.meta.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

test(
  'an unavailable explicit backend is a clear error, and the lab still works afterwards',
  { skip: nativeInstalled() && 'tfjs-node is installed here' },
  async () => {
    await assert.rejects(initBackend('tensorflow'), /backend "tensorflow" unavailable/);
    const b = await initBackend('auto');
    assert.ok(['wasm', 'tensorflow', 'tensorflow-gpu'].includes(b.name), b.name);
  },
);

test('wasm matMul with transposed operands (every dense backward pass) matches cpu and leaks nothing', async () => {
  const tf = await import('@tensorflow/tfjs');
  await initBackend('cpu');
  // Odd sizes exercise the non-square, non-multiple-of-8 paths; batch 3-D covers the perm for rank 3.
  const shapes: Array<[number[], number[], boolean, boolean]> = [
    [[37, 19], [37, 23], true, false],
    [[19, 37], [23, 37], false, true],
    [[37, 19], [23, 37], true, true],
    [[19, 37], [37, 23], false, false],
    [[2, 37, 5], [2, 37, 7], true, false],
    [[1, 6], [5, 6], false, true],
  ];
  const inputs = shapes.map(([sa, sb], i) => {
    const a = tf.randomNormal(sa, 0, 1, 'float32', 10 + i).arraySync();
    const b = tf.randomNormal(sb, 0, 1, 'float32', 50 + i).arraySync();
    return { a, b };
  });
  const product = (i: number) => {
    const [sa, sb, ta, tb] = shapes[i];
    const r = tf.matMul(tf.tensor(inputs[i].a as number[], sa), tf.tensor(inputs[i].b as number[], sb), ta, tb);
    return { shape: r.shape, values: Array.from(r.dataSync()) };
  };
  const want = shapes.map((_, i) => tf.tidy(() => product(i)));
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  // The kernel's own scratch buffers live below the engine's tensor count: ask the backend.
  const buffersBefore = tf.engine().backend.numDataIds();
  for (let i = 0; i < shapes.length; i++) {
    const got = tf.tidy(() => product(i));
    assert.deepEqual(got.shape, want[i].shape, `case ${i} shape`);
    for (let k = 0; k < got.values.length; k++) {
      assert.ok(Math.abs(got.values[k] - want[i].values[k]) < 1e-4, `case ${i} element ${k}: ${got.values[k]} vs ${want[i].values[k]}`);
    }
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore, 'no transposed scratch buffers left behind');
  await initBackend('auto');
});
