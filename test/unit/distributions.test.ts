import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Categorical, distributionFor } from '../../main/lab/nn/distributions.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { box, discrete } from '../../main/lab/envs/spaces.ts';
import { initBackend } from '../../main/lab/nn/backend.ts';

before(async () => {
  await initBackend('cpu');
});

const logits = new Float32Array([0, 0, Math.log(1), Math.log(3), 5, -5]); // rows: uniform, (¼, ¾), ≈(1, 0)

test('logProb and entropy (tf) match hand-computed values', () => {
  const d = new Categorical(2);
  const [lp, ent] = tf.tidy(() => {
    const l = tf.tensor2d(logits, [3, 2]);
    return [d.logProb(l, tf.tensor1d([1, 1, 0], 'int32')).arraySync(), d.entropy(l).arraySync()];
  });
  const h = (p: number[]) => -p.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);
  const p2 = [1 / (1 + Math.exp(-10)), Math.exp(-10) / (1 + Math.exp(-10))];
  const want = [Math.log(0.5), Math.log(0.75), Math.log(p2[0])];
  const wantH = [Math.log(2), h([0.25, 0.75]), h(p2)];
  (lp as number[]).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `logProb[${i}] ${v} vs ${want[i]}`));
  (ent as number[]).forEach((v, i) => assert.ok(Math.abs(v - wantH[i]) < 1e-5, `entropy[${i}] ${v} vs ${wantH[i]}`));
});

test('JS logProb agrees with the tf one', () => {
  const d = new Categorical(2);
  const acts = new Int32Array([0, 1, 1]);
  const js = d.logProbJs(logits, acts, 3);
  const t = tf.tidy(() => d.logProb(tf.tensor2d(logits, [3, 2]), tf.tensor1d(acts, 'int32')).dataSync());
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(js[i] - t[i]) < 1e-6);
});

test('probs are a softmax and survive huge logits', () => {
  const d = new Categorical(3);
  const p = d.probs(new Float32Array([1000, 1000, -1000, 0, 0, 0]), 2);
  assert.ok(Math.abs(p[0] - 0.5) < 1e-7 && Math.abs(p[1] - 0.5) < 1e-7 && p[2] === 0);
  for (let j = 3; j < 6; j++) assert.ok(Math.abs(p[j] - 1 / 3) < 1e-7);
});

test('mode is argmax, ties to the lowest index', () => {
  const d = new Categorical(3);
  assert.deepEqual(Array.from(d.mode(new Float32Array([0, 2, 1, 5, 5, 0, -1, -1, -1]), 3)), [1, 0, 0]);
});

test('sample: seeded, reproducible, frequencies follow the probabilities, logProb returned', () => {
  const d = new Categorical(2);
  const n = 20000;
  const rowLogits = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) rowLogits[i * 2 + 1] = Math.log(3); // p = (¼, ¾)
  const lp = new Float32Array(n);
  const a = d.sample(rowLogits, n, npRandom(42), undefined, lp);
  const b = d.sample(rowLogits, n, npRandom(42));
  assert.deepEqual(a, b);
  const ones = a.reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(ones / n - 0.75) < 0.015, `frequency ${ones / n}`);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(lp[i] - Math.log(a[i] === 1 ? 0.75 : 0.25)) < 1e-6);
  const c = d.sample(rowLogits, n, npRandom(43));
  assert.notDeepEqual(a, c);
});

test('a near-deterministic row always gives its action', () => {
  const d = new Categorical(4);
  const l = new Float32Array([-50, -50, 50, -50]);
  const rng = npRandom(0);
  for (let i = 0; i < 200; i++) assert.equal(d.sample(l, 1, rng)[0], 2);
});

test('distributionFor: Discrete → Categorical; Box is not supported yet', () => {
  const d = distributionFor(discrete(4));
  assert.equal(d.kind, 'categorical');
  assert.equal(d.paramDim, 4);
  assert.throws(() => distributionFor(box([-1, -1], [1, 1])), /Gaussian/);
  assert.throws(() => new Categorical(0));
});
