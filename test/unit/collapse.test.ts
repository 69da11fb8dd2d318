import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLLAPSE_UPDATES, CollapseWatch } from '../../main/lab/training/collapse.ts';

test('a collapse is reported once: entropy near zero for COLLAPSE_UPDATES updates and no better than the start', () => {
  const w = new CollapseWatch(2);
  w.startedAt(20);
  for (let i = 1; i < COLLAPSE_UPDATES; i++) assert.equal(w.update(1e-4, 9.5), null, `update ${i}`);
  const msg = w.update(1e-4, 9.5);
  assert.match(
    msg ?? '',
    /^the policy collapsed: its entropy has stayed near 0 \(0\.00010\) for 20 updates while the mean return \(9\.5\) is no better than in the first 100 episodes \(20\.0\)/,
  );
  assert.equal(w.update(1e-4, 9.5), null, 'once');
});

test('no collapse: a streak broken by one exploring update, a near-deterministic policy that got better, continuous actions, too early', () => {
  const broken = new CollapseWatch(2);
  broken.startedAt(20);
  for (let i = 0; i < 3 * COLLAPSE_UPDATES; i++) assert.equal(broken.update(i % COLLAPSE_UPDATES === 10 ? 0.3 : 1e-4, 9), null);
  const good = new CollapseWatch(2); // a solved CartPole policy is nearly deterministic too
  good.startedAt(20);
  for (let i = 0; i < 3 * COLLAPSE_UPDATES; i++) assert.equal(good.update(1e-4, 480), null);
  const box = new CollapseWatch(null);
  box.startedAt(-200);
  for (let i = 0; i < 3 * COLLAPSE_UPDATES; i++) assert.equal(box.update(-5, -300), null);
  const early = new CollapseWatch(4); // fewer than 100 episodes: nothing to compare with yet
  for (let i = 0; i < 3 * COLLAPSE_UPDATES; i++) assert.equal(early.update(1e-4, -100), null);
});
