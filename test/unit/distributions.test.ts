import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Categorical, DiagGaussian, clipToBox, distributionFor } from '../../main/lab/nn/distributions.ts';
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

test('distributionFor: Discrete → Categorical, Box → DiagGaussian', () => {
  const d = distributionFor(discrete(4));
  assert.equal(d.kind, 'categorical');
  assert.equal(d.paramDim, 4);
  assert.equal(d.variables.length, 0);
  const g = distributionFor(box([-1, -1], [1, 1]), { logStdInit: -0.5 });
  assert.ok(g instanceof DiagGaussian);
  assert.equal(g.kind, 'diag-gaussian');
  assert.equal(g.paramDim, 2);
  assert.equal(g.actionDim, 2);
  assert.deepEqual(Array.from(g.getLogStd()), [-0.5, -0.5]);
  g.dispose();
  const g0 = distributionFor(box([-1, -1, -1], [1, 1, 1])) as DiagGaussian;
  assert.deepEqual(Array.from(g0.getLogStd()), [0, 0, 0], 'SB3 default log_std_init 0');
  g0.dispose();
  assert.throws(() => new Categorical(0));
  assert.throws(() => new DiagGaussian(0));
  assert.throws(() => new DiagGaussian(2, [0]), /2 dimensions/);
});

// ---------- DiagGaussian ----------

/** Closed-form log N(x; μ, σ²) summed over dimensions. */
function normalLogDensity(x: number[], mu: number[], sd: number[]): number {
  return x.reduce((s, xi, j) => s + Math.log(Math.exp(-((xi - mu[j]) ** 2) / (2 * sd[j] ** 2)) / (sd[j] * Math.sqrt(2 * Math.PI))), 0);
}

test('DiagGaussian: logProb (tf and JS) = closed-form normal density, summed over dims', () => {
  const logStd = [Math.log(0.5), Math.log(2)];
  const g = new DiagGaussian(2, logStd);
  const sd = [0.5, 2];
  const means = new Float32Array([0, 0, 1, -1, -0.3, 2.5]);
  const acts = new Float32Array([0, 0, 1.2, -3, 0.4, 2.5]);
  const want = [0, 1, 2].map((r) => normalLogDensity([acts[2 * r], acts[2 * r + 1]], [means[2 * r], means[2 * r + 1]], sd));
  const t = tf.tidy(() => g.logProb(tf.tensor2d(means, [3, 2]), tf.tensor2d(acts, [3, 2])).arraySync());
  const js = g.logProbJs(means, acts, 3);
  for (let r = 0; r < 3; r++) {
    assert.ok(Math.abs(t[r] - want[r]) < 1e-5, `tf logProb[${r}] ${t[r]} vs ${want[r]}`);
    assert.ok(Math.abs(js[r] - want[r]) < 1e-5, `js logProb[${r}] ${js[r]} vs ${want[r]}`);
  }
  g.dispose();
});

test('DiagGaussian: entropy = Σ (½ + ½ log 2π + log σ) per row; gradient reaches log σ', () => {
  const g = new DiagGaussian(3, [0, -1, 0.7]);
  const want = [0, -1, 0.7].reduce((s, l) => s + 0.5 + 0.5 * Math.log(2 * Math.PI) + l, 0);
  const h = tf.tidy(() => g.entropy(tf.zeros([4, 3]) as tf.Tensor2D).arraySync());
  assert.equal(h.length, 4);
  for (const v of h) assert.ok(Math.abs(v - want) < 1e-5, `entropy ${v} vs ${want}`);
  // d mean(H) / d log σ_j = 1.
  const { grads } = tf.variableGrads(() => tf.mean(g.entropy(tf.zeros([4, 3]) as tf.Tensor2D)) as tf.Scalar, [...g.variables]);
  assert.deepEqual(
    Array.from(Object.values(grads)[0].dataSync()).map((x) => Math.round(x * 1e6) / 1e6),
    [1, 1, 1],
  );
  tf.dispose(Object.values(grads));
  g.dispose();
});

test('DiagGaussian: samples have the policy mean and std; seeded and reproducible; mode = mean', () => {
  const g = new DiagGaussian(2, [Math.log(0.3), Math.log(1.5)]);
  const n = 20000;
  const means = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    means[2 * i] = 0.25;
    means[2 * i + 1] = -1;
  }
  const lp = new Float32Array(n);
  const a = g.sample(means, n, npRandom(42), undefined, lp);
  const b = g.sample(means, n, npRandom(42));
  assert.deepEqual(a, b, 'same seed → same samples');
  assert.notDeepEqual(a, g.sample(means, n, npRandom(43)));
  for (const [j, mu, sd] of [
    [0, 0.25, 0.3],
    [1, -1, 1.5],
  ]) {
    let m = 0;
    for (let i = 0; i < n; i++) m += a[2 * i + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (a[2 * i + j] - m) ** 2;
    const s = Math.sqrt(v / (n - 1));
    // 4 standard errors: SE(mean) = σ/√n, SE(std) ≈ σ/√(2n).
    assert.ok(Math.abs(m - mu) < (4 * sd) / Math.sqrt(n), `dim ${j}: sample mean ${m} vs ${mu}`);
    assert.ok(Math.abs(s - sd) < (4 * sd) / Math.sqrt(2 * n), `dim ${j}: sample std ${s} vs ${sd}`);
  }
  // log-probs returned with the draw are those of the stored (unclipped) actions.
  const check = g.logProbJs(means, a, n);
  for (let i = 0; i < 100; i++) assert.equal(lp[i], check[i]);
  assert.deepEqual(g.mode(means.subarray(0, 6), 3), means.subarray(0, 6));
  assert.throws(() => g.probs(), /no action probabilities/);
  g.dispose();
});

test('DiagGaussian: setLogStd updates the JS mirror; clipToBox clips per element', () => {
  const g = new DiagGaussian(1, 0);
  assert.deepEqual(Array.from(g.std()), [1]);
  g.setLogStd([Math.log(3)]);
  assert.ok(Math.abs(g.std()[0] - 3) < 1e-6);
  g.dispose();
  const space = box([-1, 0], [1, 2]);
  assert.deepEqual(Array.from(clipToBox(new Float32Array([-5, 5, 0.5, -0.5, 1, 1]), 3, space)), [-1, 2, 0.5, 0, 1, 1]);
});
