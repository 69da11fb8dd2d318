/** The checks the Train and Sweep forms share (renderer/src/forms/run-checks.ts), driven through a reactive draft. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reactive } from 'vue';
import { useRunChecks } from '../../renderer/src/forms/run-checks.ts';

function draftChecks() {
  const d = reactive({
    env: 'CartPole-v1',
    algo: 'ppo',
    seeds: '0-2',
    steps: '',
    evalEpisodes: '100',
    preset: 'zoo',
    presetDef: { steps: 100_000 } as { steps: number } | null,
    ready: true,
    starting: false,
    ownOk: true,
  });
  const checks = useRunChecks(d, { seeds: () => d.seeds, preset: () => d.presetDef, ready: () => d.ready, starting: () => d.starting });
  return { d, checks, canStart: checks.canStart(() => d.ownOk) };
}

test('run checks: seeds as a list or range; a bad one is flagged and blocks Start', () => {
  const { d, checks, canStart } = draftChecks();
  assert.deepEqual(checks.seeds.value, [0, 1, 2]);
  assert.equal(checks.seedError.value, null);
  assert.equal(canStart.value, true);
  d.seeds = 'x';
  assert.deepEqual(checks.seeds.value, []);
  assert.notEqual(checks.seedError.value, null);
  assert.equal(canStart.value, false);
});

test("run checks: a blank budget is the preset's; without a preset it must be typed; typed ones are whole and ≤ 1e9", () => {
  const { d, checks, canStart } = draftChecks();
  assert.equal(checks.stepsError.value, null);
  assert.equal(checks.steps.value, 100_000);
  d.steps = ' 1_000 ';
  assert.equal(checks.steps.value, 1000);
  d.steps = '2,048';
  assert.equal(checks.steps.value, 2048);
  for (const bad of ['1.5', '0', '2e9', 'abc']) {
    d.steps = bad;
    assert.equal(checks.stepsError.value, 'integer in [1, 1e9]', bad);
    assert.equal(canStart.value, false, bad);
  }
  d.steps = '';
  d.presetDef = null;
  d.preset = '';
  assert.equal(checks.stepsError.value, 'set a step budget (no preset selected)');
  assert.equal(checks.steps.value, undefined);
  // Before the catalogue arrives there is nothing to blame the user for yet.
  d.ready = false;
  assert.equal(checks.stepsError.value, null);
  assert.equal(canStart.value, false, 'not before the catalogue');
});

test('run checks: "algorithm defaults" is sent as preset none; a named preset as itself', () => {
  const { d, checks } = draftChecks();
  assert.equal(checks.presetToSend.value, 'zoo');
  d.preset = '';
  assert.equal(checks.presetToSend.value, 'none');
});

test("run checks: Start waits for evaluation episodes in [0, 10000], the form's own fields, and no start under way", () => {
  const { d, checks, canStart } = draftChecks();
  d.evalEpisodes = '10001';
  assert.equal(checks.evalEpisodes.value.error, 'integer in [0, 10000]');
  assert.equal(canStart.value, false);
  d.evalEpisodes = '0';
  assert.deepEqual(checks.evalEpisodes.value, { value: 0, error: null });
  assert.equal(canStart.value, true);
  d.ownOk = false;
  assert.equal(canStart.value, false);
  d.ownOk = true;
  d.starting = true;
  assert.equal(canStart.value, false);
  d.starting = false;
  d.algo = '';
  assert.equal(canStart.value, false);
});
