import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSetting } from '../../main/cli.ts';
import { formatDuration, progressText } from '../../main/lab/progress.ts';
import { LAB_VERSION } from '../../main/lab/version.ts';

test('--set values are typed: numbers, booleans, lists, schedule strings', () => {
  assert.deepEqual(parseSetting('learning_rate=3e-4'), ['learning_rate', 3e-4]);
  assert.deepEqual(parseSetting('gamma=0.99'), ['gamma', 0.99]);
  assert.deepEqual(parseSetting('normalize_advantage=false'), ['normalize_advantage', false]);
  assert.deepEqual(parseSetting('net_arch=64,64'), ['net_arch', [64, 64]]);
  assert.deepEqual(parseSetting('net_arch=[32]'), ['net_arch', [32]]);
  assert.deepEqual(parseSetting('learning_rate=lin_1e-3'), ['learning_rate', 'lin_1e-3']);
  assert.throws(() => parseSetting('gamma'), /key=value/);
});

test('progress line shows percent, SPS and ETA', () => {
  const t = progressText({ step: 25_000, totalSteps: 100_000, episodes: 120, sps: 2100.4, etaSeconds: 95, mean100: 187.25 });
  assert.match(t, / 25% 25,000\/100,000/);
  assert.match(t, /2,100 SPS/);
  assert.match(t, /ETA 1:35/);
  assert.match(t, /mean100 187.3/);
  assert.equal(formatDuration(3725), '1:02:05');
});

test('LAB_VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(LAB_VERSION, pkg.version);
});
