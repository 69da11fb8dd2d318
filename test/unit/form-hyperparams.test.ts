/** The Train form's field parsing (renderer/src/stores/hyperparams.ts) against the lab's own rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHyper } from '../../renderer/src/forms/hyperparams.ts';
import { algorithmDef, algorithmDefs } from '../../main/lab/agents/registry.ts';
import { toContractSpec, validateRules } from '../../main/lab/training/hyperparameters.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';

test('form: a learning rate above 1 is flagged with the way to allow it, accepted when allowed, and capped even then', () => {
  const spec = toContractSpec(algorithmDef('ppo').rules.find((r) => r.key === 'learning_rate')!);
  const plain = parseHyper(spec, '5');
  assert.equal(plain.ok, false);
  assert.match(!plain.ok ? plain.error : '', /^must be .*≤ 1 .*got "5"; above 1 only when forced .*"Allow values beyond the usual limits"/);
  assert.deepEqual(parseHyper(spec, '5', true), { ok: true, value: 5 });
  assert.deepEqual(parseHyper(spec, 'lin_5', true), { ok: true, value: 'lin_5' });
  const capped = parseHyper(spec, '1e7', true);
  assert.equal(capped.ok, false);
  assert.doesNotMatch(!capped.ok ? capped.error : '', /forced/);
  assert.deepEqual(parseHyper(spec, '1'), { ok: true, value: 1 });
  // The exclusive lower bound reaches the form: 0 is refused there, as the lab refuses it.
  assert.equal(parseHyper(spec, '0').ok, false);
});

test('form and lab agree on 20,000 random field values over every rule of every algorithm', () => {
  const rng = npRandom(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.random() * xs.length)];
  const num = () => pick([0, 1, -1, 0.5, 1e-4, 3e-4, 2, 64, 4096, 4097, 1e6, 1e7, -0.0, 0.99, 1.01, 10, 256, 1e9]) * pick([1, 1, 1, 2, 0.5, -1]);
  const text = (): string => {
    switch (Math.floor(rng.random() * 9)) {
      case 0:
        return String(num());
      case 1:
        return num().toExponential();
      case 2:
        return `lin_${num()}`;
      case 3:
        return Array.from({ length: Math.floor(rng.random() * 10) }, () => Math.round(Math.abs(num()))).join(pick([',', ', ', ' ']));
      case 4:
        return `[${Array.from({ length: 1 + Math.floor(rng.random() * 3) }, () => Math.round(num())).join(', ')}]`;
      case 5:
        return pick(['true', 'false', 'yes', '', ' ', 'NaN', 'Infinity', '1e999', 'abc', '0x10', '1_000']);
      case 6:
        return pick(['tanh', 'relu', 'td', 'mc', 'shared', 'adam', 'rmsprop', 'sgd', 'mean', 'none']);
      case 7:
        return ` ${num()} `;
      default:
        return String(Math.round(num()));
    }
  };
  let agreed = 0;
  for (let i = 0; i < 20_000; i++) {
    const def = pick(algorithmDefs());
    if (def.rules.length === 0) continue;
    const rule = pick(def.rules);
    const value = text();
    const force = rng.random() < 0.3;
    const form = parseHyper(toContractSpec(rule), value, force);
    let lab: { ok: true; value: unknown } | { ok: false };
    try {
      lab = {
        ok: true,
        value: validateRules(
          def.id,
          def.rules,
          {
            [rule.key]:
              rule.type === 'int[]'
                ? value
                    .replace(/^\s*\[|\]\s*$/g, '')
                    .trim()
                    .split(/[\s,]+/)
                    .filter(Boolean)
                    .join(',')
                : value,
          },
          undefined,
          { force },
        )[rule.key],
      };
    } catch {
      lab = { ok: false };
    }
    assert.equal(form.ok, lab.ok, `${def.id} ${rule.key}=${JSON.stringify(value)} force=${force}: form ${JSON.stringify(form)} lab ${JSON.stringify(lab)}`);
    if (form.ok && lab.ok) assert.deepEqual(form.value, lab.value);
    agreed++;
  }
  assert.ok(agreed > 19_000);
});
