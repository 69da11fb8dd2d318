/**
 * An algorithm's hyperparameter types are derived from its rule list (defineRules → HyperparamsOf),
 * never written beside it. At run time: each rule is keyed by its name, in the order written. At
 * compile time (npm run typecheck checks the @ts-expect-error lines): a value of the wrong type, an
 * unknown key or a rule whose default does not fit its type is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineRules, type HyperparamsOf } from '../../main/lab/domain/hyperparameters.ts';
import { common } from '../../main/lab/training/hyperparameters.ts';
import type { PresetOf } from '../../main/lab/agents/definition.ts';
import type { PpoHyperparameters } from '../../main/lab/agents/ppo-hyperparameters.ts';
import type { ActorCriticHyperparameters } from '../../main/lab/agents/actor-critic/hyperparameters.ts';

const RULES = defineRules({
  gamma: common.gamma,
  vf_learning_rate: { ...common.learning_rate, default: 1e-3, description: 'Critic step size.' },
  value_loss: { type: 'enum', default: 'mse', choices: ['mse', 'huber'], description: 'Critic loss.' },
  net_arch: { ...common.net_arch, default: [32] },
  normalize: { type: 'bool', default: true, description: 'Normalise.' },
});
type Values = HyperparamsOf<typeof RULES>;

test('defineRules: each rule keyed by its name (not by the shared rule it spreads), in the order written', () => {
  assert.deepEqual(
    RULES.map((r) => r.key),
    ['gamma', 'vf_learning_rate', 'value_loss', 'net_arch', 'normalize'],
  );
  assert.deepEqual(RULES[1], { ...common.learning_rate, key: 'vf_learning_rate', default: 1e-3, description: 'Critic step size.' });
  assert.deepEqual(Object.keys(RULES[1]), Object.keys(common.learning_rate), 'the key stays first, the shared fields keep their order');
});

test('the value types follow the rules (refusals checked by tsc)', () => {
  const ok: Values = { gamma: 0.9, vf_learning_rate: 'lin_0.001', value_loss: 'huber', net_arch: [64, 64], normalize: false };
  const refused: unknown[] = [
    // @ts-expect-error an enum admits only its choices
    { ...ok, value_loss: 'l1' } satisfies Values,
    // @ts-expect-error net_arch is a number[]
    { ...ok, net_arch: '64,64' } satisfies Values,
    // @ts-expect-error a schedule is a number or a "lin_<x>" string, not a boolean
    { ...ok, vf_learning_rate: true } satisfies Values,
    // @ts-expect-error a key the rules do not have
    { ...ok, gama: 0.9 } satisfies Values,
    // @ts-expect-error every key is present after withDefaults
    { gamma: 0.9 } satisfies Values,
    // @ts-expect-error PPO's activation_fn is one of the activations
    { activation_fn: 'gelu' } satisfies Partial<PpoHyperparameters>,
    // @ts-expect-error actor-critic's variant is td, mc or shared
    { variant: 'sarsa' } satisfies Partial<ActorCriticHyperparameters>,
    // @ts-expect-error a preset naming a key PPO does not have
    { name: 'x', env: 'CartPole-v1', description: '', steps: 1, values: { n_step: 5 } } satisfies PresetOf<PpoHyperparameters>,
    // @ts-expect-error a rule whose default does not fit its type
    defineRules({ n_steps: { type: 'int', default: '5', description: '' } }),
  ];
  const accepted: Partial<PpoHyperparameters> = { activation_fn: 'relu', clip_range: 'lin_0.2', net_arch: [64], normalize_advantage: false };
  assert.equal(refused.length, 9);
  assert.equal(accepted.activation_fn, 'relu');
});
