/**
 * Sweeps without training: the median pruner's decisions on given values, the plan (grid × draws ×
 * seeds, keys checked, the run cap counted before anything is expanded), and the objective's ranking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPruner, median } from '../../main/lab/sweeps/median-pruner.ts';
import { planSweep } from '../../main/lab/sweeps/sweep-plan.ts';
import { pointObjective, rank } from '../../main/lab/sweeps/objective.ts';
import { countSweepRuns, sweepRunName, SweepRequest, type SweepRunRecord } from '../../main/lab/domain/sweeps.ts';
import { algorithmDef } from '../../main/lab/agents/registry.ts';
import { envOptionDefs } from '../../main/lab/envs/registry.ts';

test('median pruner: rungs at a quarter, half and three quarters; nothing pruned before two others reported', () => {
  const p = new MedianPruner(40_000);
  assert.deepEqual(p.rungSteps, [10_000, 20_000, 30_000]);
  assert.equal(p.report('a', 0, 10), null, 'the first run has nobody to compare with');
  assert.equal(p.report('b', 0, 5), null, 'one other run is not enough');
  // Others: 10 and 5 → median 7.5.
  const d = p.report('c', 0, 7);
  assert.deepEqual(d, { rung: 0, step: 10_000, value: 7, median: 7.5, others: 2 });
  assert.equal(p.report('d', 0, 7.5), null, 'at the median is not below it');
  // Others now 10, 5, 7, 7.5 → median 7.25: 7.3 stays; with 7.3 among them the median is 7.3, so 7.2 goes.
  assert.equal(p.report('e', 0, 7.3), null);
  assert.deepEqual(p.report('f', 0, 7.2), { rung: 0, step: 10_000, value: 7.2, median: 7.3, others: 5 });
  // Rungs are independent: rung 1 has no reports yet.
  assert.equal(p.report('c', 1, -100), null);
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

const space = (algo: string, env: 'CartPole-v1' | 'LunarLander-v3') => ({
  rules: Object.fromEntries(algorithmDef(algo as 'ppo').rules.map((r) => [r.key, r])),
  envOptions: envOptionDefs(env),
});

test('plan: grid × seeds in key order, env options apart from hyperparameters, values as given', () => {
  const p = SweepRequest.parse({
    env: 'LunarLander-v3',
    algo: 'ppo',
    steps: 1000,
    grid: { learning_rate: ['1e-3', '3e-4'], gravity: ['-9', '-10'] },
    seeds: [0, 1],
  });
  assert.equal(countSweepRuns(p), 8);
  const plan = planSweep(p, space('ppo', 'LunarLander-v3'));
  assert.equal(plan.length, 8);
  assert.deepEqual(
    plan.map((r) => [r.point.learning_rate, r.point.gravity, r.seed]),
    [
      ['1e-3', '-9', 0],
      ['1e-3', '-9', 1],
      ['1e-3', '-10', 0],
      ['1e-3', '-10', 1],
      ['3e-4', '-9', 0],
      ['3e-4', '-9', 1],
      ['3e-4', '-10', 0],
      ['3e-4', '-10', 1],
    ],
  );
  assert.deepEqual(plan[2].request.envOptions, { gravity: -10 });
  assert.equal(plan[2].request.hyperparameters.learning_rate, '1e-3');
  assert.equal('gravity' in plan[2].request.hyperparameters, false);
});

test('plan: random draws are reproducible, inside their ranges, integers for integer rules, log-uniform when asked', () => {
  const p = SweepRequest.parse({
    env: 'CartPole-v1',
    algo: 'ppo',
    random: { learning_rate: { lo: 1e-5, hi: 1e-2, log: true }, n_epochs: { lo: 1, hi: 20 } },
    trials: 200,
  });
  const a = planSweep(p, space('ppo', 'CartPole-v1'));
  const b = planSweep(p, space('ppo', 'CartPole-v1'));
  assert.deepEqual(
    a.map((r) => r.point),
    b.map((r) => r.point),
  );
  const lrs = a.map((r) => r.point.learning_rate as number);
  assert.ok(lrs.every((x) => x >= 1e-5 && x <= 1e-2));
  // Log-uniform: about a third of the draws fall in each decade.
  const lowDecade = lrs.filter((x) => x < 1e-4).length;
  assert.ok(lowDecade > 40 && lowDecade < 95, `${lowDecade} of 200 draws in [1e-5, 1e-4)`);
  assert.ok(a.every((r) => Number.isInteger(r.point.n_epochs) && (r.point.n_epochs as number) >= 1 && (r.point.n_epochs as number) <= 20));
  const other = planSweep({ ...p, sampleSeed: 1 }, space('ppo', 'CartPole-v1'));
  assert.notDeepEqual(
    other.map((r) => r.point),
    a.map((r) => r.point),
  );
});

test('plan: refuses unknown keys, a key on both grid and random, ranges over non-numbers, and too many runs before expanding', () => {
  const s = space('ppo', 'CartPole-v1');
  const plan = (req: object) => planSweep(SweepRequest.parse({ env: 'CartPole-v1', algo: 'ppo', ...req }), s);
  assert.throws(() => plan({ grid: { learnin_rate: [1] } }), /"learnin_rate" is neither a hyperparameter of this algorithm nor an option of this env/);
  assert.throws(() => plan({ grid: { seed: [0, 1] } }), /"seed" is not a hyperparameter: list the seeds in the sweep's seeds/);
  assert.throws(() => plan({ grid: { gamma: [0.9] }, random: { gamma: { lo: 0.9, hi: 0.99 } } }), /both on the grid and drawn at random/);
  assert.throws(() => plan({ random: { normalize_advantage: { lo: 0, hi: 1 } } }), /not a number/);
  assert.throws(() => plan({ trials: 3 }), /give at least one random range/);
  const big = Array.from({ length: 64 }, (_, i) => i + 1);
  // 64⁴ points would be 16.7M objects; the count refuses it first.
  assert.throws(
    () => plan({ grid: { n_epochs: big, n_steps: big, batch_size: big, max_grad_norm: big } }),
    /would start 16,777,216 runs; a sweep starts at most 1,000 in all/,
  );
});

test('objective: a point averages its seeds; steps-to-solve takes the median with unsolved as never; pruned points are never best', () => {
  assert.equal(pointObjective([100, 200, null], 'final-mean100'), 150);
  assert.equal(pointObjective([null, null], 'eval-mean'), null);
  assert.equal(pointObjective([1000, null, 3000], 'steps-to-solve'), 3000);
  assert.equal(pointObjective([1000, null, null], 'steps-to-solve'), null);
  const rec = (lr: number, seed: number, objective: number | null, extra: Partial<SweepRunRecord> = {}): SweepRunRecord => ({
    runId: `r-${lr}-${seed}`,
    point: { learning_rate: lr },
    seed,
    status: 'finished',
    objective,
    ...extra,
  });
  const runs = [rec(1, 0, 100), rec(1, 1, 300), rec(2, 0, 250), rec(2, 1, 250), rec(3, 0, 500, { status: 'stopped', pruned: 'pruned at …' }), rec(3, 1, 10)];
  const r = rank(runs, 'final-mean100');
  assert.deepEqual(
    r.ranking.map((x) => [x.point.learning_rate, x.objective]),
    [
      [3, 255],
      [2, 250],
      [1, 200],
    ],
  );
  assert.deepEqual(r.best, { point: { learning_rate: 2 }, objective: 250 });
  const fastest = rank([rec(1, 0, 5000), rec(2, 0, 3000), rec(3, 0, null)], 'steps-to-solve');
  assert.deepEqual(fastest.best, { point: { learning_rate: 2 }, objective: 3000 });
});

test('parallel coordinates: log axis over two decades or more, categories for lists, best at the top whichever way the objective counts', async () => {
  const { parallelCoords, PLOT } = await import('../../renderer/src/views/sweep/parallel-coords.ts');
  const run = (lr: number, arch: number[], objective: number | null, seed = 0): SweepRunRecord => ({
    runId: `r-${lr}-${arch.join('x')}-${seed}`,
    point: { learning_rate: lr, net_arch: arch },
    seed,
    status: 'finished',
    objective,
  });
  const runs = [run(1e-5, [64, 64], 100), run(1e-3, [128], 300), run(1e-4, [64, 64], null)];
  const base = { sweepId: 's', name: null, env: 'CartPole-v1', algo: 'ppo', createdAt: '', status: 'finished', totalSteps: 1, rungs: null } as const;
  const higher = parallelCoords({ ...base, objective: 'final-mean100', request: {} as never, runs, ...rank(runs, 'final-mean100') });
  assert.deepEqual(
    higher.axes.map((a) => [a.key, a.kind]),
    [
      ['learning_rate', 'log'],
      ['net_arch', 'category'],
      ['final-mean100', 'linear'],
    ],
  );
  const top = PLOT.top + PLOT.pad;
  const bottom = PLOT.height - PLOT.bottom - PLOT.pad;
  const [lo, hi, mid] = higher.lines;
  // log axis: 1e-4 halfway between 1e-5 and 1e-3
  assert.ok(Math.abs(mid.points[0].y - (top + bottom) / 2) < 1e-9);
  assert.equal(hi.points[2].y, top, 'the higher objective at the top');
  assert.equal(lo.points[2].y, bottom);
  assert.equal(mid.points.length, 2, 'a run without a value stops before the objective axis');
  assert.deepEqual(
    higher.lines.map((l) => [l.best, l.shade]),
    [
      [false, 0],
      [true, 1],
      [false, null],
    ],
  );
  // Steps to solve: fewer is better, drawn at the top.
  const fewer = parallelCoords({ ...base, objective: 'steps-to-solve', request: {} as never, runs, ...rank(runs, 'steps-to-solve') });
  assert.equal(fewer.lines[0].points[2].y, top);
  assert.equal(fewer.lines[0].shade, 1);
});

test('a sweep run’s name: its swept values in three significant digits, lists in brackets, the seed, after the sweep’s name', () => {
  assert.equal(sweepRunName({ learning_rate: 0.0003, net_arch: [64, 64] }, 1), 'learning_rate=3e-4 · net_arch=[64,64] · seed 1');
  assert.equal(
    sweepRunName({ learning_rate: 0.000312345678, gamma: 0.98765, n_steps: 1024, normalize: true }, 0, 'lr scan'),
    'lr scan · learning_rate=3.12e-4 · gamma=0.988 · n_steps=1024 · normalize=true · seed 0',
  );
  assert.equal(sweepRunName({}, 3), 'seed 3', 'a sweep over seeds only');
  const long = sweepRunName({ a: 'x'.repeat(300) }, 0);
  assert.equal(long.length, 200);
  assert.ok(long.endsWith('…'));
});
