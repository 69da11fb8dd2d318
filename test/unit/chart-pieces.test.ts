/**
 * The pure pieces behind the charts: the union band's whole-number grid and coverage stretches,
 * the incremental EMA the Train panels append with, wall-time and value tick formats, labels that
 * tell compared runs apart, Compare's per-metric curves and its CSV (whole episodes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import { coverageSegments, emaSmooth, EmaTail, integralGrid, meanStdBand } from '../../renderer/src/compare-math.ts';
import { isPartial } from '../../renderer/src/components/compare-chart.ts';
import { sortMetrics } from '../../renderer/src/components/metric-labels.ts';
import { axisNumber, clockTicks, formatClock, formatClockTick } from '../../renderer/src/format.ts';
import type { RunCurve } from '../../renderer/src/stores/compare.ts';
import { compareCsv } from '../../renderer/src/views/compare/compare-csv.ts';
import type { Group, Member } from '../../renderer/src/views/compare/comparison.ts';
import { episodesAt, groupSeries, metricCurve } from '../../renderer/src/views/compare/curves.ts';
import { distinguishingLabels, labelSettings, type LabelRun } from '../../renderer/src/views/compare/run-labels.ts';

test('meanStdBand with integral: a whole-number grid over the union, each value once', () => {
  assert.deepEqual(integralGrid(0, 10, 300), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'fewer integers than points: each once');
  const g = integralGrid(1, 1000, 7);
  assert.equal(g.length, 7);
  assert.ok(g.every(Number.isInteger), `integers: ${g.join(',')}`);
  assert.deepEqual([g[0], g[6]], [1, 1000]);
  const band = meanStdBand(
    [
      { xs: [1, 50, 100], ys: [0, 50, 100] },
      { xs: [1, 30], ys: [10, 10] },
    ],
    40,
    { integral: true },
  )!;
  assert.ok(band.x.every(Number.isInteger), 'episodes on the grid are whole');
  assert.equal(band.x[band.x.length - 1], 100, 'the grid reaches the longer run');
  assert.equal(band.count[0], 2);
  assert.equal(band.count[band.count.length - 1], 1, 'past 30 only one run stands on the band');
});

test('coverageSegments: stretches of equal run count; isPartial marks the ones short of the group', () => {
  assert.deepEqual(coverageSegments([3, 3, 3, 2, 2, 1]), [
    { from: 0, to: 2, count: 3 },
    { from: 3, to: 4, count: 2 },
    { from: 5, to: 5, count: 1 },
  ]);
  assert.deepEqual(coverageSegments([]), []);
  const counts = [3, 3, 2, 2];
  assert.equal(isPartial(counts, 3, 0, 1), false);
  assert.equal(isPartial(counts, 3, 1, 2), true, 'a segment into a point with fewer runs is partial');
  assert.equal(isPartial(undefined, undefined, 0, 1), false, 'per-run curves are never partial');
});

test('EmaTail pushed one by one equals emaSmooth over the whole series', () => {
  const xs = [5, -2, 7, NaN, 3, 3.5, 100, 0];
  for (const w of [0, 0.6, 0.95]) {
    const tail = new EmaTail(w);
    const got = xs.map((x) => tail.push(x));
    const want = Array.from(emaSmooth(xs, w));
    got.forEach((v, i) => (Number.isNaN(want[i]) ? assert.ok(Number.isNaN(v)) : assert.ok(Math.abs(v - want[i]) < 1e-12, `w=${w} i=${i}: ${v} vs ${want[i]}`)));
  }
  const tail = new EmaTail(0.9);
  tail.push(10);
  tail.reset(0.5);
  assert.equal(tail.push(4), 4, 'after reset the first value comes back debiased');
});

test('wall-time ticks read as a clock on whole clock steps', () => {
  assert.equal(formatClock(0), '0:00');
  assert.equal(formatClock(78), '1:18');
  assert.equal(formatClock(605.4), '10:05');
  assert.equal(formatClock(3725), '1:02:05');
  assert.deepEqual(clockTicks(0, 300, 8), [0, 60, 120, 180, 240, 300]);
  assert.deepEqual(clockTicks(0, 95, 8), [0, 15, 30, 45, 60, 75, 90]);
  const long = clockTicks(100, 5 * 3600, 8);
  assert.ok(long.length <= 8 && long.every((v) => v % 3600 === 0), `hourly: ${long.join(',')}`);
  assert.deepEqual(clockTicks(10, 5, 8), []);
  // A run of under a second (a short one on a fast machine): tenths, labelled as such.
  assert.deepEqual(clockTicks(0.05, 0.62, 8), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  assert.equal(formatClockTick(0.3, 0.1), '0:00.3');
  assert.equal(formatClockTick(61.5, 0.5), '1:01.5');
  assert.equal(formatClockTick(60, 15), '1:00');
});

test('axisNumber: compact, scientific for tiny values, three digits otherwise', () => {
  assert.equal(axisNumber(0), '0');
  assert.equal(axisNumber(0.0003), '3e-4');
  assert.equal(axisNumber(0.000125), '1.25e-4');
  assert.equal(axisNumber(0.12345), '0.123');
  assert.equal(axisNumber(475), '475');
  assert.equal(axisNumber(15_600), '15.6k');
  assert.equal(axisNumber(-2_500_000), '-2.5M');
});

test('distinguishingLabels: seed and only the settings that differ among runs of one kind', () => {
  const run = (id: string, seed: number, settings: Record<string, unknown>, base = 'PPO zoo'): LabelRun => ({ id, base, seed, time: '01:51', settings });
  const labels = distinguishingLabels([
    run('a', 0, { learning_rate: 3e-4, gamma: 0.99, n_steps: 32 }),
    run('b', 1, { learning_rate: 3e-4, gamma: 0.99, n_steps: 32 }),
    run('c', 1, { learning_rate: 1e-3, gamma: 0.99, n_steps: 32 }),
    run('d', 0, { learning_rate: 7e-4 }, 'A2C zoo'),
  ]);
  assert.equal(labels.get('a'), 'PPO zoo · seed 0 · lr 3e-4');
  assert.equal(labels.get('c'), 'PPO zoo · seed 1 · lr 1e-3');
  assert.equal(labels.get('d'), 'A2C zoo · seed 0', 'alone of its kind: nothing to compare against');
  assert.equal(new Set(labels.values()).size, 4);

  const twins = distinguishingLabels([run('x1', 0, { gamma: 0.99 }), { ...run('x2', 0, { gamma: 0.99 }), time: '02:10' }]);
  assert.deepEqual([...twins.values()], ['PPO zoo · seed 0 · 01:51', 'PPO zoo · seed 0 · 02:10'], 'alike in every setting: their start time');
  const same = distinguishingLabels([run('aaaa1', 0, {}), run('bbbb2', 0, {})]);
  assert.equal(new Set(same.values()).size, 2, 'even the same time: the id tells them apart');

  const many = distinguishingLabels([run('m', 0, { a: 1, b: 2, c: 3, d: 4, e: 5 }), run('n', 0, { a: 2, b: 3, c: 4, d: 5, e: 6 })], 2);
  assert.equal(many.get('m'), 'PPO zoo · seed 0 · a 1 · b 2 · +3 more');
  assert.deepEqual(labelSettings({ hyperparameters: { net_arch: [64, 64] }, envOptions: { gravity: 9.8 }, totalSteps: 5000, seed: 3 }), {
    net_arch: [64, 64],
    gravity: 9.8,
    totalSteps: 5000,
  });
});

function curve(runId: string, episodes: number, stepsPer: number, updates: { every: number; metric: string; value: (i: number) => number }): RunCurve {
  const c: RunCurve = {
    runId,
    step: [],
    episode: [],
    wall: [],
    ret: [],
    length: [],
    updates: { step: [], wall: [], update: [], metrics: new Map([[updates.metric, []]]) },
    config: {},
    complete: true,
  };
  for (let e = 1; e <= episodes; e++) {
    c.episode.push(e);
    c.step.push(e * stepsPer);
    c.wall.push(e * 0.1);
    c.ret.push(e);
    c.length.push(stepsPer);
  }
  for (let u = 1; u * updates.every <= episodes * stepsPer; u++) {
    c.updates.step.push(u * updates.every);
    c.updates.wall.push(u * updates.every * 0.001);
    c.updates.update.push(u);
    // A metric an update may not log (eval every other update): NaN holes.
    c.updates.metrics.get(updates.metric)!.push(u % 2 === 0 ? updates.value(u) : NaN);
  }
  return c;
}

function summary(runId: string, seed: number): RunSummary {
  return { runId, seed, env: 'CartPole-v1', algo: 'ppo', preset: 'zoo', name: null } as RunSummary;
}

test('metricCurve: an update metric against steps or episodes, holes dropped', () => {
  const c = curve('r1', 10, 20, { every: 50, metric: 'entropy', value: (u) => u / 10 });
  assert.equal(episodesAt(c, 0), 0);
  assert.equal(episodesAt(c, 59), 2);
  assert.equal(episodesAt(c, 60), 3);
  const bySteps = metricCurve(c, 'entropy', 'step');
  assert.deepEqual(bySteps.xs, [100, 200]);
  assert.deepEqual(bySteps.ys, [0.2, 0.4]);
  assert.deepEqual(metricCurve(c, 'entropy', 'episode').xs, [5, 10]);
  assert.deepEqual(metricCurve(c, 'nothing', 'step'), { xs: [], ys: [] });
  assert.deepEqual(sortMetrics(['zeta', 'entropy', 'return', 'sps', 'eval_mean']), ['return', 'eval_mean', 'entropy', 'sps', 'zeta']);
});

test('Compare CSV by group on episodes: whole episodes, run counts over the union', () => {
  const long = curve('long', 100, 20, { every: 100, metric: 'policy_loss', value: (u) => -u });
  const short = curve('short', 37, 20, { every: 100, metric: 'policy_loss', value: (u) => u });
  const members: Member[] = [
    { run: summary('long', 0), curve: long },
    { run: summary('short', 1), curve: short },
  ];
  const groups: Group[] = [{ key: 'g', label: 'PPO', color: 0, members }];
  const { text, fileName } = compareCsv('smoothed', { members, groups, group: 'algo', axis: 'episode', smoothing: 0.6, metric: 'return' });
  assert.equal(fileName, 'compare-by-algo-episode.csv');
  const lines = text.trim().split('\n');
  assert.equal(lines[0], 'group,episode,runs,mean_smoothed_return,std,smoothing');
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.ok(
    rows.every((r) => Number.isInteger(Number(r[1]))),
    `episodes are whole: ${rows
      .slice(0, 5)
      .map((r) => r[1])
      .join(',')}`,
  );
  assert.equal(Number(rows[rows.length - 1][1]), 100, 'the grid runs to the longer run');
  assert.equal(rows[0][2], '2');
  assert.equal(rows[rows.length - 1][2], '1', 'past episode 37 one run stands on the mean');

  const loss = compareCsv('smoothed', { members, groups, group: 'none', axis: 'step', smoothing: 0, metric: 'policy_loss' });
  assert.equal(loss.fileName, 'compare-policy_loss-smoothed-step.csv');
  assert.match(loss.text.split('\n')[0], /,step,policy_loss,smoothed_policy_loss,smoothing$/);
  const raw = compareCsv('raw', { members, groups, group: 'none', axis: 'step', smoothing: 0, metric: 'policy_loss' });
  const rawRows = raw.text.trim().split('\n').slice(1);
  assert.equal(rawRows.length, 10 + 3, 'every logged value (every other update) of both runs');

  const drawn = groupSeries(groups, 'return', 'step', 0);
  const s = drawn.series[0];
  assert.equal(s.of, 2);
  assert.equal(s.counts!.length, s.points.length);
  assert.deepEqual(
    coverageSegments(s.counts!).map((c) => c.count),
    [2, 1],
  );
});
