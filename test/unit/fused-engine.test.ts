/**
 * The fused engine's building blocks against independent references: the gemm kernels against a
 * float64 product, tanh against Math.tanh, backward against tfjs autodiff (the oracle) and against
 * finite differences, the optimizers against tfjs' Adam and the tfjs path's RMSprop.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { JsKernels, createKernels, tanhInPlace, type Kernels } from '../../main/lab/nn/fused/kernels.ts';
import { ParamSet } from '../../main/lab/nn/fused/fused-mlp.ts';
import { FusedAdam, FusedRmsprop } from '../../main/lab/nn/fused/optimizers.ts';
import { Mlp, type Activation, type MlpSpec } from '../../main/lab/nn/mlp.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { TorchRmsprop } from '../../main/lab/nn/torch-rmsprop.ts';
import { adam, gradientStep } from '../../main/lab/agents/algorithm.ts';

before(async () => {
  await initBackend('wasm');
});

function kernelsUnderTest(): Kernels[] {
  const x = createKernels();
  assert.equal(x.name, 'xnnpack', 'the wasm backend exposes XNNPACK');
  return [x, new JsKernels(16)]; // a tiny JS heap, so growth (and offsets surviving it) is exercised
}

function fill(k: Kernels, off: number, values: ArrayLike<number>): void {
  k.f32.set(values, off);
}

function randoms(n: number, seed: number, scale = 1): Float64Array {
  const rng = npRandom(seed);
  return Float64Array.from({ length: n }, () => (rng.random() * 2 - 1) * scale);
}

test('gemm (XNNPACK and JS) equals a float64 product, with bias and ReLU, for odd shapes', () => {
  for (const k of kernelsUnderTest()) {
    for (const [m, kk, n] of [
      [1, 1, 1],
      [7, 13, 5],
      [256, 4, 64],
      [3, 64, 2],
    ]) {
      const A = randoms(m * kk, 1);
      const B = randoms(kk * n, 2);
      const bias = randoms(n, 3);
      const a = k.alloc(m * kk);
      const b = k.alloc(kk * n);
      const c = k.alloc(m * n);
      const bo = k.alloc(n);
      fill(k, a, A);
      fill(k, b, B);
      fill(k, bo, bias);
      for (const relu of [false, true]) {
        k.gemm(m, kk, n, a, b, c, bo, relu);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = Math.fround(bias[j]);
            for (let p = 0; p < kk; p++) s += Math.fround(A[i * kk + p]) * Math.fround(B[p * n + j]);
            if (relu) s = Math.max(0, s);
            assert.ok(Math.abs(k.f32[c + i * n + j] - s) <= 1e-5 * (1 + Math.abs(s)), `${k.name} ${m}×${kk}×${n} [${i},${j}] ${k.f32[c + i * n + j]} vs ${s}`);
          }
        }
      }
    }
    k.dispose();
  }
});

test('gemm sees weights changed in place (the backend caches packed weights by tensor id)', () => {
  for (const k of kernelsUnderTest()) {
    const a = k.alloc(2 * 3);
    const b = k.alloc(3 * 2);
    const c = k.alloc(2 * 2);
    fill(k, a, [1, 2, 3, 4, 5, 6]);
    fill(k, b, [1, 0, 0, 1, 1, 1]);
    k.gemm(2, 3, 2, a, b, c, -1, false);
    assert.deepEqual(Array.from(k.f32.subarray(c, c + 4)), [4, 5, 10, 11]);
    fill(k, b, [2, 0, 0, 2, 2, 2]); // same offset, new values
    k.gemm(2, 3, 2, a, b, c, -1, false);
    assert.deepEqual(Array.from(k.f32.subarray(c, c + 4)), [8, 10, 20, 22], k.name);
    k.dispose();
  }
});

test('cached gemm operands: the same products, kept until forgotten; a caching ParamSet forgets on every write', () => {
  for (const k of kernelsUnderTest()) {
    const a = k.alloc(2 * 3);
    const b = k.alloc(3 * 2);
    const bias = k.alloc(2);
    const c = k.alloc(2 * 2);
    fill(k, a, [1, 2, 3, 4, 5, 6]);
    fill(k, b, [1, 0, 0, 1, 1, 1]);
    fill(k, bias, [10, 20]);
    const key = k.cacheKey();
    k.gemm(2, 3, 2, a, b, c, bias, false, key);
    assert.deepEqual(Array.from(k.f32.subarray(c, c + 4)), [14, 25, 20, 31], k.name);
    fill(k, a, [1, 1, 1, 0, 0, 0]); // A is read afresh on every call
    k.gemm(2, 3, 2, a, b, c, bias, false, key);
    assert.deepEqual(Array.from(k.f32.subarray(c, c + 4)), [12, 22, 10, 20], k.name);
    fill(k, b, [2, 0, 0, 2, 2, 2]);
    k.forget(key); // B changed: after forget() the new values count
    k.gemm(2, 3, 2, a, b, c, bias, false, key);
    assert.deepEqual(Array.from(k.f32.subarray(c, c + 4)), [14, 24, 10, 20], k.name);
    k.dispose();
  }
  // A target network (caching) follows its online network through copyFrom and polyakFrom.
  const k = createKernels();
  const spec: MlpSpec = { inputDim: 3, netArch: [5], outputDim: 2, activation: 'relu' };
  const online = new ParamSet(k);
  const onlineNet = online.mlp(spec);
  online.build();
  const target = new ParamSet(k).cacheWeights();
  const targetNet = target.mlp(spec);
  target.build();
  const x = k.alloc(4 * 3);
  fill(k, x, randoms(12, 1));
  const outputs = (net: typeof onlineNet) => Array.from(k.f32.subarray(net.forward(x, 4), net.forward(x, 4) + 8));
  for (let round = 0; round < 3; round++) {
    fill(k, online.paramOff, randoms(online.size, 10 + round));
    if (round < 2) target.copyFrom(online);
    else target.polyakFrom(online, 1);
    assert.deepEqual(outputs(targetNet), outputs(onlineNet), `round ${round}`);
  }
  k.dispose();
});

test("the wasm SIMD loops (simd.wat) give the JS loops' results bit for bit, odd sizes and NaN included", () => {
  const simd = createKernels();
  assert.equal(simd.name, 'xnnpack');
  assert.ok((simd as { simd?: boolean }).simd, 'wasm SIMD is available on Node 20');
  const js = new JsKernels();
  const N = 1031; // odd: every loop's tail runs
  const both = [simd, js].map((k) => ({ k, a: k.alloc(N), b: k.alloc(N), c: k.alloc(N), d: k.alloc(N) }));
  const data = (seed: number) => {
    const x = Float32Array.from(randoms(N, seed, 3));
    x[5] = NaN;
    x[6] = -0;
    x[7] = 40;
    x[8] = -1e-30;
    return x;
  };
  const same = (what: string, off: (b: (typeof both)[0]) => number, n = N) => {
    // Bits, so −0 ≠ 0 counts; any NaN equals any NaN (SIMD min/max may flip a NaN's sign bit).
    const [s, j] = both.map((b) => b.k.f32.slice(off(b), off(b) + n).map((x) => (Number.isNaN(x) ? NaN : x)));
    assert.deepEqual(new Uint32Array(s.buffer), new Uint32Array(j.buffer), what);
  };
  const reset = () => {
    for (const b of both) {
      b.k.f32.set(data(1), b.a);
      b.k.f32.set(data(2), b.b);
      b.k.f32.set(data(3), b.c);
      b.k.f32.set(data(4).map(Math.abs), b.d);
    }
  };
  reset();
  for (const b of both) b.k.tanh(b.a, N);
  same('tanh', (b) => b.a);
  for (const b of both) b.k.tanhBackward(b.b, b.a, N);
  same('tanhBackward', (b) => b.b);
  for (const b of both) b.k.reluBackward(b.c, b.b, N);
  same('reluBackward', (b) => b.c);
  for (const [rows, cols] of [
    [1, 1],
    [7, 5],
    [16, 64],
    [3, 343],
  ]) {
    reset();
    for (const b of both) b.k.transpose(b.a, rows, cols, b.b);
    same(`transpose ${rows}×${cols}`, (b) => b.b, rows * cols);
    for (const b of both) b.k.columnSums(b.c, rows, cols, b.d);
    same(`columnSums ${rows}×${cols}`, (b) => b.d, cols);
  }
  reset();
  const sums = both.map((b) => [b.k.squaredSum(b.b + 9, N - 9), b.k.squaredSum(b.b + 9, N - 10)]);
  assert.deepEqual(sums[0], sums[1], 'squaredSum');
  for (const b of both) b.k.adam(b.a + 9, b.b + 9, b.c + 9, b.d + 9, N - 9, 0.7, 0.9, 0.999, 3e-4, 0.19, 0.002, 1e-5);
  for (const off of ['a', 'c', 'd'] as const) same(`adam ${off}`, (b) => b[off]);
  reset();
  for (const b of both) b.k.rmsprop(b.a + 9, b.b + 9, b.d + 9, N - 10, 0.7, 0.99, 7e-4, 1e-5);
  for (const off of ['a', 'd'] as const) same(`rmsprop ${off}`, (b) => b[off]);
  simd.dispose();
});

test('simd-wasm.ts is what simd.wat assembles to (npm run build:wasm)', async () => {
  const { readFile } = await import('node:fs/promises');
  // @ts-expect-error -- a plain .mjs build script without types
  const { assemble, moduleSource } = await import('../../main/bin/build-wasm.mjs');
  const dir = new URL('../../main/lab/nn/fused/', import.meta.url);
  const bytes = await assemble(await readFile(new URL('simd.wat', dir), 'utf8'));
  assert.equal(await readFile(new URL('simd-wasm.ts', dir), 'utf8'), moduleSource(bytes), 'run npm run build:wasm');
});

test('tanhInPlace (float32 arithmetic) is within 4 float32 ulp of Math.tanh (measured: at most 3), saturates and keeps NaN', () => {
  const xs: number[] = [0, -0, 1e-30, -1e-8, 1e-4, 0.3, -0.7, 1, 2.5, -4, 8.9, 9, 30, -1e9];
  for (let x = -10; x <= 10; x += 0.001) xs.push(x);
  const H = new Float32Array(xs.length + 1);
  H.set(xs);
  H[xs.length] = NaN;
  const src = H.slice();
  tanhInPlace(H, 0, H.length);
  for (let i = 0; i < xs.length; i++) {
    const want = Math.fround(Math.tanh(src[i]));
    const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
    assert.ok(Math.abs(H[i] - want) <= 4 * ulp, `tanh(${src[i]}) = ${H[i]}, want ${want}`);
  }
  assert.ok(Number.isNaN(H[xs.length]));
});

/** Builds the same network as an Mlp (tfjs variables) and as a FusedMlp. */
function twin(k: Kernels, spec: MlpSpec, seed: number) {
  const mlp = Mlp.create(spec, { scheme: 'orthogonal', rng: npRandom(seed), outputGain: 1 });
  const set = new ParamSet(k);
  const net = set.mlp(spec);
  set.build();
  net.setWeights(mlp.getWeights());
  return { mlp, set, net };
}

for (const activation of ['tanh', 'relu'] as Activation[]) {
  test(`backward (${activation}) equals tfjs autodiff, including the input and extra hidden gradients`, () => {
    for (const k of kernelsUnderTest()) {
      const spec: MlpSpec = { inputDim: 5, outputDim: 3, netArch: [16, 8], activation };
      const { mlp, net } = twin(k, spec, 7);
      const m = 9;
      const X = randoms(m * 5, 11, 2);
      const DY = randoms(m * 3, 12);
      const EXTRA = randoms(m * 8, 13); // added to dL/d(last hidden)
      const x = k.alloc(m * 5);
      const dy = k.alloc(m * 3);
      const extra = k.alloc(m * 8);
      const dx = k.alloc(m * 5);
      fill(k, x, X);
      fill(k, dy, DY);
      fill(k, extra, EXTRA);
      const yOff = net.forward(x, m);
      const hOff = net.activationOff(1);
      const y = k.f32.slice(yOff, yOff + m * 3);
      const hidden = k.f32.slice(hOff, hOff + m * 8);
      net.backward(dy, m, { dxOff: dx, hiddenGradOff: extra });
      const fusedGrads = k.f32.slice(net.set.gradOff, net.set.gradOff + net.paramCount);
      const fusedDx = k.f32.slice(dx, dx + m * 5);

      // Oracle: L = Σ dy·y + Σ extra·h2 through tfjs ops; gradients wrt every variable and x.
      const xT = tf.tensor2d(Float32Array.from(X), [m, 5]);
      const dyT = tf.tensor2d(Float32Array.from(DY), [m, 3]);
      const exT = tf.tensor2d(Float32Array.from(EXTRA), [m, 8]);
      const act = (t: tf.Tensor2D) => (activation === 'tanh' ? tf.tanh(t) : tf.relu(t));
      const [w0, b0, w1, b1, w2, b2] = mlp.variables;
      const f = (xi: tf.Tensor2D, ...v: tf.Tensor[]) => {
        const h1 = act(tf.add(tf.matMul(xi, v[0] as tf.Tensor2D), v[1]) as tf.Tensor2D);
        const h2 = act(tf.add(tf.matMul(h1, v[2] as tf.Tensor2D), v[3]) as tf.Tensor2D);
        const out = tf.add(tf.matMul(h2, v[4] as tf.Tensor2D), v[5]);
        return { h2, out, loss: tf.add(tf.sum(tf.mul(dyT, out)), tf.sum(tf.mul(exT, h2))) as tf.Scalar };
      };
      const ref = f(xT, w0, b0, w1, b1, w2, b2);
      const g = tf.grads((xi: tf.Tensor, ...v: tf.Tensor[]) => f(xi as tf.Tensor2D, ...v).loss)([xT, w0, b0, w1, b1, w2, b2]);
      const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-5) => {
        assert.equal(got.length, want.length, what);
        for (let i = 0; i < want.length; i++)
          assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${k.name} ${what}[${i}] ${got[i]} vs ${want[i]}`);
      };
      close(y, ref.out.dataSync(), 'outputs');
      close(hidden, ref.h2.dataSync(), 'hidden');
      close(fusedDx, g[0].dataSync(), 'dx');
      const want = new Float32Array(net.paramCount);
      let o = 0;
      for (const t of g.slice(1)) {
        want.set(t.dataSync(), o);
        o += t.size;
      }
      close(fusedGrads, want, 'param grads');
      tf.dispose([xT, dyT, exT, ref.h2, ref.out, ref.loss, ...g]);
      mlp.dispose();
      k.dispose();
    }
  });
}

test('backward agrees with central finite differences (float64 forward on the same weights)', () => {
  const k = new JsKernels();
  const spec: MlpSpec = { inputDim: 3, outputDim: 2, netArch: [6], activation: 'tanh' };
  const { mlp, set, net } = twin(k, spec, 3);
  mlp.dispose();
  const m = 4;
  const X = randoms(m * 3, 5, 1.5);
  const C = randoms(m * 2, 6); // L = Σ C·y
  const x = k.alloc(m * 3);
  const dy = k.alloc(m * 2);
  fill(k, x, X);
  fill(k, dy, C);
  net.forward(x, m);
  net.backward(dy, m);
  const analytic = k.f32.slice(set.gradOff, set.gradOff + set.size);
  // A float64 re-implementation of the forward over a copy of the parameters.
  const theta = Float64Array.from(k.f32.subarray(set.paramOff, set.paramOff + set.size));
  const loss = (p: Float64Array) => {
    let L = 0;
    for (let r = 0; r < m; r++) {
      const h = new Float64Array(6);
      for (let j = 0; j < 6; j++) {
        let s = p[18 + j];
        for (let i = 0; i < 3; i++) s += X[r * 3 + i] * p[i * 6 + j];
        h[j] = Math.tanh(s);
      }
      for (let j = 0; j < 2; j++) {
        let s = p[24 + 12 + j];
        for (let i = 0; i < 6; i++) s += h[i] * p[24 + i * 2 + j];
        L += C[r * 2 + j] * s;
      }
    }
    return L;
  };
  const eps = 1e-6;
  for (let i = 0; i < theta.length; i++) {
    const p = theta.slice();
    p[i] += eps;
    const up = loss(p);
    p[i] -= 2 * eps;
    const fd = (up - loss(p)) / (2 * eps);
    assert.ok(Math.abs(analytic[i] - fd) <= 1e-4 * (1 + Math.abs(fd)), `param ${i}: ${analytic[i]} vs finite difference ${fd}`);
  }
});

/** Runs the same 6 steps on a 6-value vector with a fused optimizer and a tfjs one; compares θ each step. */
function compareOptimizer(name: string, makeFused: (set: ParamSet) => FusedAdam | FusedRmsprop, makeTf: (v: tf.Variable) => tf.Optimizer, lr: number) {
  const k = createKernels();
  const set = new ParamSet(k);
  const v = set.vector(6);
  set.build();
  const fused = makeFused(set);
  const init = [0.5, -1, 2, 0, 0.1, -0.3];
  v.set(init);
  const tv = tf.variable(tf.tensor1d(init), true, `${name}Twin`);
  const opt = makeTf(tv);
  for (let step = 0; step < 6; step++) {
    // L = Σ c·θ²; large c on even steps so the global-norm clip (max 1) triggers on some steps only.
    const c = [3, 0.5, 1, 2, 0.1, 4].map((x) => x * (step % 2 ? 0.05 : 1));
    const theta = v.get();
    for (let i = 0; i < 6; i++) k.f32[v.gradOff + i] = 2 * c[i] * theta[i];
    const norm = fused.step(lr, 1);
    const cT = tf.tensor1d(c);
    const ref = gradientStep(opt, [tv], () => [tf.sum(tf.mul(cT, tf.square(tv)))], ['loss'], 1);
    cT.dispose();
    assert.ok(Math.abs(norm - ref.gradNorm) <= 1e-5 * ref.gradNorm, `${name} step ${step} norm ${norm} vs ${ref.gradNorm}`);
    const got = v.get();
    const want = tv.dataSync();
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(got[i] - want[i]) < 2e-6, `${name} step ${step} θ[${i}] ${got[i]} vs ${want[i]}`);
  }
  tv.dispose();
  opt.dispose();
  k.dispose();
}

test('FusedAdam takes the steps of tf.train.adam, clipped as gradientStep clips', () => {
  compareOptimizer(
    'adam',
    (set) => new FusedAdam(set, 1e-5),
    () => adam(0.01, 1e-5),
    0.01,
  );
});

test("FusedRmsprop takes the steps of the tfjs path's torch-style RMSprop", () => {
  compareOptimizer(
    'rmsprop',
    (set) => new FusedRmsprop(set, 1e-5, 0.99),
    (tv) => new TorchRmsprop([tv], 0.01, 0.99, 1e-5),
    0.01,
  );
});

test('a non-finite gradient is reported and nothing is applied', () => {
  const k = new JsKernels();
  const set = new ParamSet(k);
  const v = set.vector(3);
  set.build();
  v.set([1, 2, 3]);
  const opt = new FusedAdam(set, 1e-8);
  k.f32.set([0.1, NaN, 0.2], v.gradOff);
  assert.ok(Number.isNaN(opt.step(0.1, 0.5)));
  assert.deepEqual(Array.from(v.get()), [1, 2, 3]);
  k.f32.set([0.1, 0.1, 0.2], v.gradOff);
  assert.ok(Number.isFinite(opt.step(0.1, 0.5)));
  assert.notDeepEqual(Array.from(v.get()), [1, 2, 3]);
});
