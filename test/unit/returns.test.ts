import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGae, explainedVariance, rewardToGo } from '../../main/lab/training/returns.ts';
import { RolloutBuffer } from '../../main/lab/training/rollout-buffer.ts';

function close(actual: ArrayLike<number>, expected: number[], eps = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < eps, `index ${i}: got ${actual[i]}, want ${expected[i]}`);
  }
}

test('rewardToGo: terminated episode (no bootstrap)', () => {
  // G2 = 3, G1 = 2 + 0.5·3 = 3.5, G0 = 1 + 0.5·3.5 = 2.75
  close(rewardToGo([1, 2, 3], 0.5), [2.75, 3.5, 3]);
});

test('rewardToGo: truncated episode bootstraps from V(s_T)', () => {
  // G2 = 3 + 0.5·4 = 5, G1 = 2 + 2.5 = 4.5, G0 = 1 + 2.25 = 3.25
  close(rewardToGo([1, 2, 3], 0.5, 4), [3.25, 4.5, 5]);
});

test('rewardToGo: γ = 1 is the plain sum-to-go; empty episode', () => {
  close(rewardToGo([1, 1, 1, 1], 1), [4, 3, 2, 1]);
  assert.equal(rewardToGo([], 0.9).length, 0);
});

test('GAE: running, terminated and truncated rows, hand-computed', () => {
  // Layout [t × env]: env 0 never ends; env 1 terminates at t=0, is truncated at t=1.
  const gamma = 0.9;
  const lambda = 0.8;
  const { advantages, returns } = computeGae({
    nSteps: 3,
    nEnvs: 2,
    rewards: [1, 1, 1, 2, 1, 3],
    values: [0.5, 1, 0.6, 2, 0.7, 3],
    terminated: [0, 1, 0, 0, 0, 0],
    truncated: [0, 0, 0, 1, 0, 0],
    finalValues: [0, 0, 0, 10, 0, 0],
    lastValues: [0.8, 5],
    gamma,
    lambda,
  });
  // env 0: δ2 = 1 + .9·.8 − .7 = 1.02; δ1 = 1 + .9·.7 − .6 = 1.03; δ0 = 1 + .9·.6 − .5 = 1.04
  //        A2 = 1.02, A1 = 1.03 + .72·1.02 = 1.7644, A0 = 1.04 + .72·1.7644 = 2.310368
  // env 1: t2: δ = 3 + .9·5 − 3 = 4.5; t1 truncated: δ = 2 + .9·10 − 2 = 9, no carry; t0 terminated: δ = 1 − 1 = 0, no carry
  close(advantages, [2.310368, 0, 1.7644, 9, 1.02, 4.5]);
  close(returns, [2.810368, 1, 2.3644, 11, 1.72, 7.5]);
});

test('GAE: terminated wins over truncated on the same row (no bootstrap)', () => {
  const { advantages } = computeGae({
    nSteps: 1,
    nEnvs: 1,
    rewards: [1],
    values: [0.25],
    terminated: [1],
    truncated: [1],
    finalValues: [100],
    lastValues: [50],
    gamma: 0.99,
    lambda: 0.95,
  });
  close(advantages, [0.75]);
});

test('GAE with λ = 1 equals the Monte-Carlo return minus V', () => {
  const r = [1, 0, 2, 1];
  const v = [0.3, 0.1, -0.2, 0.5];
  const gamma = 0.95;
  const { advantages, returns } = computeGae({
    nSteps: 4,
    nEnvs: 1,
    rewards: r,
    values: v,
    terminated: [0, 0, 0, 1],
    truncated: [0, 0, 0, 0],
    finalValues: [0, 0, 0, 0],
    lastValues: [123],
    gamma,
    lambda: 1,
  });
  const g = rewardToGo(r, gamma);
  close(returns, Array.from(g));
  close(
    advantages,
    Array.from(g).map((x, i) => x - v[i]),
  );
});

test('GAE with λ = 0 is the one-step TD error', () => {
  const { advantages } = computeGae({
    nSteps: 2,
    nEnvs: 1,
    rewards: [1, 1],
    values: [2, 3],
    terminated: [0, 0],
    truncated: [0, 0],
    finalValues: [0, 0],
    lastValues: [4],
    gamma: 0.5,
    lambda: 0,
  });
  close(advantages, [1 + 0.5 * 3 - 2, 1 + 0.5 * 4 - 3]);
});

test('GAE rejects short inputs', () => {
  assert.throws(
    () =>
      computeGae({
        nSteps: 2,
        nEnvs: 2,
        rewards: [1],
        values: [1, 1, 1, 1],
        terminated: [0, 0, 0, 0],
        truncated: [0, 0, 0, 0],
        finalValues: [0, 0, 0, 0],
        lastValues: [0, 0],
        gamma: 1,
        lambda: 1,
      }),
    /rewards/,
  );
});

test('RolloutBuffer stores steps and reproduces the hand-computed GAE', () => {
  const buf = new RolloutBuffer(3, 2, 1, 1, true);
  const steps = [
    { v: [0.5, 1], r: [1, 1], term: [0, 1], trunc: [0, 0] },
    { v: [0.6, 2], r: [1, 2], term: [0, 0], trunc: [0, 1] },
    { v: [0.7, 3], r: [1, 3], term: [0, 0], trunc: [0, 0] },
  ];
  steps.forEach((s, t) => {
    buf.addStep(new Float32Array([t, 10 + t]), new Int32Array([t % 2, 1]), s.v, [-0.5, -0.7]);
    buf.addOutcome(s.r, s.term, s.trunc);
    if (t === 1) buf.setFinalValue(1, 10);
  });
  assert.ok(buf.full);
  buf.computeReturnsAndAdvantages([0.8, 5], 0.9, 0.8);
  close(buf.advantages, [2.310368, 0, 1.7644, 9, 1.02, 4.5]);
  const mb = buf.gather([3, 0]);
  close(mb.obs, [11, 0]);
  assert.deepEqual(Array.from(mb.actions), [1, 0]);
  close(mb.advantages, [9, 2.310368]);
  close(mb.returns, [11, 2.810368]);
  assert.throws(() => buf.addStep(new Float32Array(2), new Int32Array(2), [0, 0], [0, 0]), /full/);
  buf.reset();
  assert.equal(buf.pos, 0);
});

test('explainedVariance: perfect, constant and NaN cases', () => {
  assert.equal(explainedVariance([1, 2, 3], [1, 2, 3]), 1);
  assert.ok(Math.abs(explainedVariance([2, 2, 2], [1, 2, 3])) < 1e-12);
  assert.ok(Number.isNaN(explainedVariance([1, 2, 3], [5, 5, 5])));
});
