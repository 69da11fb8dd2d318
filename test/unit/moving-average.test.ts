import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movingAverage, movingAverageGroups } from '../../renderer/src/views/compare/moving-average.ts';

test('movingAverage: the mean of the last `window` values, of all so far at the start', () => {
  assert.deepEqual(movingAverage([2, 4, 6, 8, 10], 3), [2, 3, 4, 6, 8]);
  assert.deepEqual(movingAverage([5, 7], 1), [5, 7]);
  assert.deepEqual(movingAverage([], 10), []);
});

test('movingAverageGroups: per group, mean ± std over the runs that reached each episode, episodes 1-based', () => {
  const groups = movingAverageGroups(
    [
      { group: 'a', ret: [10, 20, 30] },
      { group: 'b', ret: [1] },
      { group: 'a', ret: [30, 40] },
    ],
    2,
  );
  assert.deepEqual(
    groups.map((g) => [g.group, g.runs]),
    [
      ['a', 2],
      ['b', 1],
    ],
  );
  const a = groups[0];
  // run 1: 10, 15, 25; run 2: 30, 35 → episode 1: 20 ± 10, episode 2: 25 ± 10, episode 3: run 1 alone.
  assert.deepEqual(a.mean, [
    { x: 1, y: 20 },
    { x: 2, y: 25 },
    { x: 3, y: 25 },
  ]);
  assert.deepEqual(
    a.upper.map((p) => p.y),
    [30, 35, 25],
  );
  assert.deepEqual(
    a.lower.map((p) => p.y),
    [10, 15, 25],
  );
});

test('movingAverageGroups: long runs are thinned to at most 600 points and still end on the last episode', () => {
  const ret = Array.from({ length: 2001 }, (_, i) => i);
  const [g] = movingAverageGroups([{ group: 'a', ret }], 1);
  assert.ok(g.mean.length <= 601, `${g.mean.length} points`);
  assert.deepEqual(g.mean[g.mean.length - 1], { x: 2001, y: 2000 });
  assert.deepEqual(g.mean[0], { x: 1, y: 0 });
});
