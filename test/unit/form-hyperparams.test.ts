/** The Train form's field parsing (renderer/src/stores/hyperparams.ts) against the lab's own rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHyper } from '../../renderer/src/stores/hyperparams.ts';
import { algorithmDef } from '../../main/lab/agents/registry.ts';
import { toContractSpec } from '../../main/lab/training/hyperparameters.ts';

test('form: a learning rate above 1 is flagged with the way to allow it, accepted when allowed, and capped even then', () => {
  const spec = toContractSpec(algorithmDef('ppo').rules.find((r) => r.key === 'learning_rate')!);
  const plain = parseHyper(spec, '5');
  assert.equal(plain.ok, false);
  assert.match(!plain.ok ? plain.error : '', /must be ≤ 1 \(or allow values beyond the usual limits\)/);
  assert.deepEqual(parseHyper(spec, '5', true), { ok: true, value: 5 });
  assert.deepEqual(parseHyper(spec, 'lin_5', true), { ok: true, value: 'lin_5' });
  const capped = parseHyper(spec, '1e7', true);
  assert.equal(capped.ok, false);
  assert.doesNotMatch(!capped.ok ? capped.error : '', /allow/);
  assert.deepEqual(parseHyper(spec, '1'), { ok: true, value: 1 });
});
