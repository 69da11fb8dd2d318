import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule, toContractSpec } from '../../main/lab/training/hyperparameters.ts';
import {
  algoInfos,
  algorithmDef,
  algorithmDefs,
  defaultHyperparameters,
  resolveHyperparameters,
  validateHyperparameters,
} from '../../main/lab/agents/registry.ts';

const hyperparameterSpecs = (algo: AlgoId) => algorithmDef(algo).rules.map(toContractSpec);
import type { AlgoId } from '../../main/lab/domain/algorithms.ts';

// Every registered algorithm: each must declare valid rules and presets.
const ALGOS: AlgoId[] = algorithmDefs().map((d) => d.id);

test('the documented message for a non-numeric learning rate', () => {
  assert.throws(
    () => validateHyperparameters('ppo', { learning_rate: 'abc' }),
    (e: Error) => e.message.startsWith('learning_rate must be a finite number > 0') && e.message.includes('got "abc"'),
  );
});

test('every kind of bad value gives an error that names its key', () => {
  const bad: Record<string, unknown[]> = {
    int: ['abc', 1.5, -1, 0, NaN, Infinity, true, [1], 1e12],
    float: ['abc', NaN, Infinity, -Infinity, -0.5, 1e9, false, null],
    bool: ['yes', 1, 0, null],
    enum: ['gelu', 3, ''],
    'int[]': [[0], [1.5], ['a'], 'x,y', [1, 2, 3, 4, 5, 6, 7, 8, 9], 5, [-64], [100000]],
    schedule: ['abc', 'lin_', 'lin_x', 'lin_-1', 'exp_0.1', 0, -1, NaN, Infinity, 'lin_Infinity', true],
  };
  for (const algo of ALGOS) {
    for (const spec of hyperparameterSpecs(algo)) {
      for (const v of bad[spec.type]) {
        // Some "bad" values are legitimately in range for a given key (e.g. 1e9 is not ≤ max only where max is set).
        let err: Error | null = null;
        try {
          validateHyperparameters(algo, { [spec.key]: v });
        } catch (e) {
          err = e as Error;
        }
        if (spec.type === 'float' && v === 1e9 && spec.max === undefined) continue;
        if (spec.type === 'int' && v === 1e12 && (spec.max === undefined || spec.max >= 1e12)) continue;
        if (spec.type === 'int' && v === 0 && (spec.min ?? 0) <= 0) continue;
        if (spec.type === 'float' && v === -0.5 && spec.min === undefined) continue;
        assert.ok(err, `${algo}.${spec.key} accepted ${JSON.stringify(v)}`);
        assert.ok(err.message.startsWith(spec.key + ' '), `${algo}.${spec.key}: message does not start with the key: ${err.message}`);
      }
    }
  }
});

test('unknown keys are rejected by name', () => {
  assert.throws(() => validateHyperparameters('ppo', { lerning_rate: 0.1 }), /^Error: lerning_rate is not a hyperparameter of ppo/);
  assert.throws(() => validateHyperparameters('reinforce', { clip_range: 0.2 }), /clip_range is not a hyperparameter of reinforce/);
});

test('range messages', () => {
  assert.throws(() => validateHyperparameters('ppo', { gamma: 1.5 }), /^Error: gamma must be a finite number in \[0, 1\], got 1.5$/);
  assert.throws(() => validateHyperparameters('ppo', { n_steps: 0 }), /^Error: n_steps must be an integer in \[1, 1000000\], got 0$/);
  assert.throws(() => validateHyperparameters('ppo', { max_grad_norm: 0 }), /max_grad_norm must be a finite number > 0/);
  assert.throws(() => validateHyperparameters('ppo', { activation_fn: 'gelu' }), /activation_fn must be one of tanh, relu, got "gelu"/);
});

test('cross-key rules', () => {
  assert.throws(() => validateHyperparameters('ppo', { batch_size: 1, normalize_advantage: true }), /^Error: batch_size must be ≥ 2/);
  assert.doesNotThrow(() => validateHyperparameters('ppo', { batch_size: 1, normalize_advantage: false }));
  assert.throws(() => resolveHyperparameters('ppo', 'CartPole-v1', null, { batch_size: 1 }), /batch_size/);
  assert.throws(
    () => resolveHyperparameters('ppo', 'CartPole-v1', null, { n_steps: 1, n_envs: 1, normalize_advantage: false, batch_size: 1 }),
    /n_steps × n_envs/,
  );
});

test('A2C batch_size: 0 (one full-batch policy step) or a minibatch no larger than the rollout', () => {
  assert.equal(defaultHyperparameters('a2c').batch_size, 0);
  assert.throws(() => validateHyperparameters('a2c', { batch_size: -1 }), /^Error: batch_size must be an integer in \[0, 10000000\], got -1$/);
  assert.throws(() => validateHyperparameters('a2c', { batch_size: 2.5 }), /batch_size must be an integer/);
  assert.throws(
    () => resolveHyperparameters('a2c', 'CartPole-v1', 'classic', { n_steps: 300 }),
    /^Error: batch_size must be ≤ n_steps × n_envs \(the rollout\), got 400 > 300 × 1$/,
  );
  assert.equal(resolveHyperparameters('a2c', 'CartPole-v1', 'classic', { n_steps: 300, n_envs: 2 }).hyperparameters.batch_size, 400);
  const classic = resolveHyperparameters('a2c', 'CartPole-v1', 'classic').hyperparameters;
  assert.equal((classic.n_steps as number) / (classic.batch_size as number), 10, 'the tutorial: 10 policy steps per 4,000-step epoch');
});

test('actor-critic td_update and critic_net_arch: checked values, and the per-episode tutorial preset', () => {
  const d = defaultHyperparameters('actor-critic');
  assert.equal(d.td_update, 'step');
  assert.deepEqual(d.critic_net_arch, []);
  assert.throws(() => validateHyperparameters('actor-critic', { td_update: 'rollout' }), /^Error: td_update must be one of step, episode, got "rollout"$/);
  assert.throws(() => validateHyperparameters('actor-critic', { critic_net_arch: [32, 0] }), /^Error: critic_net_arch must be a list of at most 8 integers/);
  assert.deepEqual(validateHyperparameters('actor-critic', { critic_net_arch: '32, 32' }).critic_net_arch, [32, 32]);
  assert.deepEqual(validateHyperparameters('actor-critic', { critic_net_arch: '' }).critic_net_arch, []);
  const p = resolveHyperparameters('actor-critic', 'CartPole-v1', 'classic-td-episode').hyperparameters;
  assert.deepEqual([p.variant, p.td_update, p.net_arch, p.critic_net_arch], ['td', 'episode', [32], [32, 32]]);
});

test('values are normalised: numeric strings, "64,64", "true"', () => {
  const v = validateHyperparameters('ppo', { learning_rate: '0.001', n_steps: '128', net_arch: '32, 32', normalize_advantage: 'false', clip_range: 'lin_0.1' });
  assert.deepEqual(v, { learning_rate: 0.001, n_steps: 128, net_arch: [32, 32], normalize_advantage: false, clip_range: 'lin_0.1' });
  assert.deepEqual(validateHyperparameters('ppo', { net_arch: [] }), { net_arch: [] });
});

test('schedules: constants and rl-zoo linear decay', () => {
  assert.equal(parseSchedule(3e-4)(0.3), 3e-4);
  assert.equal(parseSchedule('0.5')(0), 0.5);
  const lin = parseSchedule('lin_1e-3');
  assert.equal(lin(1), 1e-3);
  assert.ok(Math.abs(lin(0.25) - 2.5e-4) < 1e-15);
  assert.equal(lin(0), 0);
  assert.equal(lin(-0.1), 0); // past the budget: clamped
  assert.throws(() => parseSchedule('cos_1e-3'), /not a schedule/);
});

test('PPO zoo preset for CartPole-v1 = rl-baselines3-zoo hyperparams/ppo.yml', () => {
  const r = resolveHyperparameters('ppo', 'CartPole-v1', 'zoo', {});
  assert.equal(r.steps, 100_000);
  assert.equal(r.preset, 'zoo');
  const hp: Record<string, unknown> = r.hyperparameters;
  assert.deepEqual(hp, {
    ...defaultHyperparameters('ppo'),
    n_envs: 8,
    n_steps: 32,
    batch_size: 256,
    gae_lambda: 0.8,
    gamma: 0.98,
    n_epochs: 20,
    ent_coef: 0.0,
    learning_rate: 'lin_0.001',
    clip_range: 'lin_0.2',
  });
  // SB3 MlpPolicy defaults underneath
  assert.deepEqual(r.hyperparameters.net_arch, [64, 64]);
  assert.equal(r.hyperparameters.activation_fn, 'tanh');
  assert.equal(r.hyperparameters.vf_coef, 0.5);
  assert.equal(r.hyperparameters.max_grad_norm, 0.5);
  assert.equal(r.hyperparameters.normalize_advantage, true);
});

test('REINFORCE classic presets, with and without baseline', () => {
  const a = resolveHyperparameters('reinforce', 'CartPole-v1', 'classic', {});
  const b = resolveHyperparameters('reinforce', 'CartPole-v1', 'classic-baseline', {});
  for (const r of [a, b]) {
    assert.equal(r.hyperparameters.learning_rate, 0.01);
    assert.deepEqual(r.hyperparameters.net_arch, [32]);
    assert.equal(r.hyperparameters.gamma, 0.99);
  }
  assert.equal(a.hyperparameters.baseline, false);
  assert.equal(b.hyperparameters.baseline, true);
});

test('every preset resolves; overrides win; unknown presets are named', () => {
  for (const algo of ALGOS) {
    for (const p of algorithmDef(algo).presets) {
      const r = resolveHyperparameters(algo, p.env, p.name, {});
      assert.equal(r.steps, p.steps);
    }
  }
  const r = resolveHyperparameters('ppo', 'CartPole-v1', 'zoo', { n_epochs: 5 });
  assert.equal(r.hyperparameters.n_epochs, 5);
  assert.throws(() => resolveHyperparameters('ppo', 'CartPole-v1', 'nope', {}), /preset "nope" does not exist for ppo on CartPole-v1 \(available: zoo\)/);
  const d = resolveHyperparameters('reinforce', 'CartPole-v1', null, {});
  assert.equal(d.preset, null);
  assert.deepEqual(d.hyperparameters, defaultHyperparameters('reinforce'));
});

test('algoInfos matches the contract shape', () => {
  const infos = algoInfos();
  assert.deepEqual(infos.map((i) => i.id).sort(), [...ALGOS].sort());
  for (const info of infos) {
    assert.ok(info.name && info.description);
    for (const h of info.hyperparameters) {
      assert.ok(['int', 'float', 'bool', 'enum', 'int[]', 'schedule'].includes(h.type));
      // The exclusive bound travels with the rule, so the form refuses what the lab refuses (learning_rate = 0).
      if (h.exclusiveMin !== undefined) assert.equal(typeof h.exclusiveMin, 'boolean');
      assert.ok(h.description.length > 0);
      // defaults validate
      validateHyperparameters(info.id, { [h.key]: h.default });
    }
    for (const p of info.presets) validateHyperparameters(info.id, p.values);
  }
  // Round-trips through JSON (it crosses IPC).
  assert.deepEqual(JSON.parse(JSON.stringify(infos)), JSON.parse(JSON.stringify(algoInfos())));
});

test('every gradient algorithm refuses a step size above 1 (constant or lin_ start) unless forced, and accepts 1', () => {
  for (const algo of ['ppo', 'a2c', 'dqn', 'reinforce', 'actor-critic'] as AlgoId[]) {
    const keys = algorithmDef(algo)
      .rules.filter((r) => /learning_rate$/.test(r.key))
      .map((r) => r.key);
    assert.ok(keys.includes('learning_rate'), algo);
    // The spec sent to the Train form carries the cap, so the form applies the same rule.
    assert.equal(toContractSpec(algorithmDef(algo).rules.find((r) => r.key === 'learning_rate')!).forcedMax, 1e6, algo);
    for (const key of keys) {
      for (const bad of [1e6, 1.5, 'lin_2']) {
        assert.throws(
          () => validateHyperparameters(algo, { [key]: bad }),
          new RegExp(`${key} must be a finite number > 0 and ≤ 1.*; above 1 only when forced \\(--force`),
          `${algo} ${key}=${bad}`,
        );
        assert.deepEqual(validateHyperparameters(algo, { [key]: bad }, { force: true }), { [key]: bad }, `${algo} ${key}=${bad} forced`);
      }
      assert.doesNotThrow(() => validateHyperparameters(algo, { [key]: 1 }), `${algo} ${key}=1`);
      // Forcing lifts the usual limit to a hard cap, and nothing else.
      assert.throws(() => validateHyperparameters(algo, { [key]: 1e7 }, { force: true }), new RegExp(`${key} must be a finite number > 0 and ≤ 1000000`));
      assert.throws(
        () => validateHyperparameters(algo, { [key]: 1e7 }),
        (e: Error) => !/forced/.test(e.message),
        'no hint when forcing would not help',
      );
      assert.throws(() => validateHyperparameters(algo, { [key]: 0 }, { force: true }), /> 0/);
    }
  }
});
