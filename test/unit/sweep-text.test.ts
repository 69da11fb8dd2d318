/**
 * What the Sweep form and page say about a sweep's size and progress (sweep-text.ts) and how the
 * parallel-coordinates plot strokes its lines: checked against counts and sums worked by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetText, sweepEta, tooManyText } from '../../renderer/src/views/sweep/sweep-text.ts';
import { drawOrder, lineStyle, MIN_MIX, type Line } from '../../renderer/src/views/sweep/parallel-coords.ts';
import { countSeeds, MAX_SEEDS } from '../../main/lab/domain/seeds.ts';
import { MAX_SWEEP_RUNS } from '../../main/lab/domain/sweep-space.ts';

test('sweepEta: steps left over every unfinished run at the summed speed of the running ones', () => {
  const eta = sweepEta([
    { status: 'finished', steps: 10_000, budget: 10_000, sps: 900 },
    { status: 'running', steps: 4_000, budget: 10_000, sps: 1_000 },
    { status: 'running', steps: 2_000, budget: 10_000, sps: 500 },
    { status: 'queued', steps: 0, budget: 10_000, sps: null },
  ]);
  // (6,000 + 8,000 + 10,000) steps at 1,500 steps/s; the finished run's old speed does not count.
  assert.equal(eta, 16);
  assert.equal(sweepEta([{ status: 'running', steps: 0, budget: 5_000, sps: null }]), null, 'no speed reported yet');
  assert.equal(sweepEta([{ status: 'queued', steps: 0, budget: 5_000, sps: null }]), null, 'nothing training yet');
  assert.equal(sweepEta([{ status: 'solved', steps: 5_000, budget: 5_000, sps: 800 }]), 0, 'all ended');
  assert.equal(sweepEta([{ status: 'running', steps: 6_000, budget: 5_000, sps: 800 }]), 0, 'past its budget counts as none left');
});

test('budgetText: the rounding to whole iterations as the Train form says it, or the plain budget', () => {
  assert.equal(budgetText(3_000, [{ steps: 4_096, iteration: 2_048 }]), 'each run runs 4,096 steps: 2 whole iterations of 2,048 (3,000 rounded up)');
  assert.equal(budgetText(4_096, [{ steps: 4_096, iteration: 2_048 }]), '4,096 steps per run', 'exact budgets need no note');
  assert.equal(
    budgetText(3_000, [
      { steps: 4_096, iteration: 2_048 },
      { steps: 3_072, iteration: 1_024 },
    ]),
    '3,000 steps per run, rounded up to whole iterations of each configuration',
  );
  assert.match(budgetText(3_000, [{ steps: 3_000, iteration: null }]), /whole episodes/);
  assert.equal(budgetText(3_000, []), '3,000 steps per run');
});

test('countSeeds: distinct seeds of lists and ranges, past the cap too; null for text that is not seeds', () => {
  assert.equal(countSeeds('0'), 1);
  assert.equal(countSeeds('0-4, 7'), 6);
  assert.equal(countSeeds('0-9 5-14'), 15, 'overlaps count once');
  assert.equal(countSeeds('3, 3; 3'), 1);
  assert.equal(countSeeds('0-199'), 200);
  assert.equal(countSeeds('5-2'), null);
  assert.equal(countSeeds('a'), null);
  assert.equal(countSeeds(''), null);
});

test('tooManyText: null within both caps, else the real count and which cap it passes', () => {
  assert.equal(tooManyText(10, 5), null);
  assert.equal(tooManyText(MAX_SWEEP_RUNS, 1), null);
  const runs = tooManyText(MAX_SWEEP_RUNS, 2)!;
  assert.ok(runs.startsWith(`${(2 * MAX_SWEEP_RUNS).toLocaleString('en-US')} runs (`), runs);
  assert.ok(runs.includes(`at most ${MAX_SWEEP_RUNS.toLocaleString('en-US')} runs`) && !runs.includes(`at most ${MAX_SEEDS} seeds`), runs);
  const seeds = tooManyText(1, MAX_SEEDS + 1)!;
  assert.ok(seeds.includes(`1 configuration × ${MAX_SEEDS + 1} seeds`) && seeds.includes(`at most ${MAX_SEEDS} seeds`), seeds);
});

test('parallel coordinates: every run keeps at least MIN_MIX of the accent, better runs wider, the best bold and drawn last', () => {
  const line = (runId: string, shade: number | null, best = false): Line => ({ runId, points: [], shade, best, pruned: false });
  assert.deepEqual(lineStyle(line('worst', 0)), { mix: MIN_MIX, width: 1.5 });
  assert.deepEqual(lineStyle(line('top', 1, true)), { mix: 100, width: 3 });
  assert.deepEqual(lineStyle(line('none', null)), { mix: null, width: 1.5 });
  const mid = lineStyle(line('mid', 0.5));
  assert.ok(mid.mix! > MIN_MIX && mid.mix! < 100 && mid.width > 1.5 && mid.width < 3);
  const order = drawOrder([line('best', 1, true), line('none', null), line('worst', 0), line('tie', 1), line('mid', 0.5)]).map((l) => l.runId);
  assert.deepEqual(order, ['none', 'worst', 'mid', 'tie', 'best']);
});
