import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestWindowMean,
  downsample,
  emaSmooth,
  finalWindow,
  interpolate,
  lttbIndices,
  makeGrid,
  meanStd,
  meanStdBand,
  solveIndex,
  toCsv,
} from '../../renderer/src/compare-math.ts';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, eps = 1e-9): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) assert.ok(Number.isNaN(actual[i]), `index ${i}: got ${actual[i]}, want NaN`);
    else assert.ok(Math.abs(actual[i] - expected[i]) < eps, `index ${i}: got ${actual[i]}, want ${expected[i]}`);
  }
}

test('emaSmooth: TensorBoard debiasing of the first points, by hand', () => {
  // w = 0.5: s1 = 0.5·1 = 0.5, /(1−0.5) = 1;  s2 = 0.25 + 1 = 1.25, /(1−0.25) = 5/3;
  // s3 = 0.625 + 1.5 = 2.125, /(1−0.125) = 17/7.
  close(emaSmooth([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
  // w = 0.9 on a constant: debiasing makes every point the constant (no pull towards 0).
  close(emaSmooth([4, 4, 4, 4], 0.9), [4, 4, 4, 4], 1e-12);
  // w = 0.9, [10, 0]: s1 = 1 → /0.1 = 10; s2 = 0.9 → /0.19 = 90/19.
  close(emaSmooth([10, 0], 0.9), [10, 90 / 19]);
});

test('emaSmooth: w = 0 is the identity, non-finite points pass through and do not count', () => {
  close(emaSmooth([3, -1, 7], 0), [3, -1, 7]);
  // NaN is skipped: the third point is the 2nd finite one, exactly as [1, 3] would be.
  const s = emaSmooth([1, NaN, 3], 0.5);
  assert.ok(Number.isNaN(s[1]));
  close([s[0], s[2]], emaSmooth([1, 3], 0.5));
  close([s[2]], [(0.25 + 1.5) / 0.75]);
  assert.equal(emaSmooth([], 0.6).length, 0);
});

test('makeGrid and interpolate: inside, at the ends, outside, repeated x', () => {
  close(makeGrid(0, 10, 5), [0, 2.5, 5, 7.5, 10]);
  close(makeGrid(3, 3, 5), [3]);
  // y = 2x on [1, 3] with a kink: (1,2) (2,4) (3,10)
  close(interpolate([1, 2, 3], [2, 4, 10], [0, 1, 1.5, 2, 2.5, 3, 4]), [NaN, 2, 3, 4, 7, 10, NaN]);
  // Two episodes ending at the same step (vector envs): the later one wins at that x.
  close(interpolate([0, 1, 1, 2], [0, 5, 7, 9], [0.5, 1, 1.5]), [2.5, 5, 8]);
  close(interpolate([5], [42], [4, 5, 6]), [NaN, 42, NaN]);
});

test('meanStd: population std', () => {
  const s = meanStd([2, 4, 4, 4, 5, 5, 7, 9])!;
  assert.equal(s.mean, 5);
  assert.equal(s.std, 2);
  assert.equal(s.n, 8);
  assert.deepEqual(meanStd([NaN, 3]), { mean: 3, std: 0, n: 1 });
  assert.equal(meanStd([]), null);
});

test('meanStdBand: curves on different x interpolated onto one grid over the union of their ranges', () => {
  // a: y = x on [0, 10]; b: y = x + 2 on [0, 8] sampled at other x → grid spans [0, 10];
  // beyond 8 only a covers the grid (count 1, std 0): the longer run is not cut off.
  const band = meanStdBand(
    [
      { xs: [0, 10], ys: [0, 10] },
      { xs: [0, 4, 8], ys: [2, 6, 10] },
    ],
    6,
  )!;
  close(band.x, [0, 2, 4, 6, 8, 10]);
  close(band.mean, [1, 3, 5, 7, 9, 10]);
  close(band.std, [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(band.count, [2, 2, 2, 2, 2, 1]);
  // The case: two 100k-step runs and one stopped at 15.6k — the band reaches 100k on two runs.
  const long = (c: number) => ({ xs: [4_000, 50_000, 100_000], ys: [c, c + 100, c + 400] });
  const mixed = meanStdBand([long(10), long(30), { xs: [4_000, 15_600], ys: [0, 50] }], 301)!;
  assert.equal(mixed.x.at(-1), 100_000);
  assert.equal(mixed.count.at(-1), 2);
  close([mixed.mean.at(-1)!, mixed.std.at(-1)!], [420, 10]);
  assert.equal(mixed.count[0], 3);
  // Disjoint curves: the union, each point from the one curve covering it (std 0).
  const apart = meanStdBand(
    [
      { xs: [0, 1], ys: [1, 1] },
      { xs: [2, 3], ys: [5, 5] },
    ],
    4,
  )!;
  close(apart.x, [0, 1, 2, 3]);
  close(apart.mean, [1, 1, 5, 5]);
  close(apart.std, [0, 0, 0, 0]);
  assert.equal(meanStdBand([]), null);
});

test('lttbIndices / downsample: bounded size, ends kept, peaks kept', () => {
  const n = 100_000;
  const xs = Array.from({ length: n }, (_, i) => i);
  const ys = xs.map((i) => (i === 54_321 ? 1000 : Math.sin(i / 1000)));
  const idx = lttbIndices(xs, ys, 1000);
  assert.equal(idx.length, 1000);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], n - 1);
  assert.ok(idx.includes(54_321), 'the spike survives');
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'indices increase');
  assert.deepEqual(lttbIndices([0, 1, 2], [1, 2, 3], 10), [0, 1, 2]);
  assert.deepEqual(downsample([0, 1, 2], [1, NaN, 3], 10), [
    { x: 0, y: 1 },
    { x: 2, y: 3 },
  ]);
});

test('summary statistics: final window, best window, solve index', () => {
  const r = Array.from({ length: 150 }, (_, i) => i); // 0..149
  // Last 100 = 50..149: mean 99.5, std = sqrt((100²−1)/12).
  const f = finalWindow(r)!;
  assert.equal(f.mean, 99.5);
  assert.ok(Math.abs(f.std - Math.sqrt((100 ** 2 - 1) / 12)) < 1e-9);
  assert.equal(finalWindow([1, 3])!.mean, 2);
  assert.equal(bestWindowMean(r), 99.5);
  assert.equal(bestWindowMean([5, 1, 1, 5, 5], 2), 5);
  assert.equal(bestWindowMean(r.slice(0, 99)), null);
  // Mean of episodes i−99..i is i − 49.5: reaches 60 at i = 110 (first index with ≥100 episodes is 99).
  assert.equal(solveIndex(r, 60), 110);
  assert.equal(solveIndex(r, 49.5), 99);
  assert.equal(solveIndex(r, 1000), -1);
  assert.equal(solveIndex([500, 500], 475), -1, 'needs 100 episodes');
});

test('toCsv quotes what needs quoting and blanks non-finite numbers', () => {
  assert.equal(
    toCsv(
      ['a', 'b'],
      [
        [1, 'x,y'],
        [NaN, 'say "hi"'],
        [null, 2.5],
      ],
    ),
    'a,b\n1,"x,y"\n,"say ""hi"""\n,2.5\n',
  );
});
