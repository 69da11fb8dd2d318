/**
 * The value axis of the Train and Compare charts: its range (headroom; a flat series, such as a
 * constant learning rate with float noise, drawn as a straight line) and tick labels that never
 * repeat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisRange, tickLabels } from '../../renderer/src/components/chart-setup.ts';

test('axisRange: a constant series gets ±10% around its value', () => {
  const r = axisRange(3e-4, 3e-4);
  assert.ok(Math.abs(r.min - 2.7e-4) < 1e-12 && Math.abs(r.max - 3.3e-4) < 1e-12, `${r.min}..${r.max}`);
  assert.deepEqual(axisRange(0, 0), { min: 0, max: 1 }, 'zero: from 0 up, not below');
  const neg = axisRange(-5, -5);
  assert.ok(Math.abs(neg.min + 5.5) < 1e-12 && Math.abs(neg.max + 4.5) < 1e-12, `${neg.min}..${neg.max}`);
});

test('axisRange: float noise on a constant (1e-12) is drawn flat, not blown up to the whole height', () => {
  const lr = 3e-4;
  const noisy = [lr, Math.fround(lr), lr + 1e-12, lr - 1e-12];
  const r = axisRange(Math.min(...noisy), Math.max(...noisy));
  const spread = Math.max(...noisy) - Math.min(...noisy);
  assert.ok(spread > 0, 'the series does vary');
  // The noise covers a negligible part of the axis (it covered all of it before).
  assert.ok(spread / (r.max - r.min) < 1e-6, `noise is ${spread / (r.max - r.min)} of the axis`);
  assert.ok(r.min < lr && r.max > lr && Math.abs((r.min + r.max) / 2 - lr) < 1e-10);
});

test('axisRange: a varying series gets 5% of headroom, and none below 0 for non-negative data', () => {
  assert.deepEqual(axisRange(-10, 10), { min: -11, max: 11 });
  assert.deepEqual(axisRange(10, 500), { min: 0, max: 524.5 });
  const r = axisRange(100, 200);
  assert.deepEqual(r, { min: 95, max: 205 });
});

test('tickLabels: three significant digits, more only where ticks would read the same', () => {
  assert.deepEqual(tickLabels([0, 0.5, 1, 1.5]), ['0', '0.5', '1', '1.5']);
  assert.deepEqual(tickLabels([2.8e-4, 3e-4, 3.2e-4]), ['2.8e-4', '3e-4', '3.2e-4']);
  // A narrow range: three digits would label every tick "0.3" / "3e-4".
  assert.deepEqual(tickLabels([0.30001, 0.30002, 0.30003]), ['0.30001', '0.30002', '0.30003']);
  assert.deepEqual(tickLabels([2.9999e-4, 3e-4, 3.0001e-4]), ['2.9999e-4', '3e-4', '3.0001e-4']);
  assert.deepEqual(tickLabels([15_600, 15_650, 15_700]), ['15.6k', '15.65k', '15.7k']);
  // Float noise in tick values does not leak into the labels.
  assert.deepEqual(tickLabels([0.1 + 0.2, 0.4]), ['0.3', '0.4']);
});
