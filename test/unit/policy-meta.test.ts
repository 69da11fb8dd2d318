/**
 * policy.json's schema (runs/policy-meta.ts): a valid file of each kind reads back as its kind's
 * metadata, and each kind's faulty fields are refused with the error code and message that say which
 * field and what it must be — whichever of zod's checks caught it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkMeta, PolicyFileError } from '../../main/lab/runs/policy-meta.ts';

const DEMO = JSON.parse(readFileSync(new URL('../../resources/policies/cartpole-v1-ppo/policy.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const BOX2 = { kind: 'box', shape: [2], low: [-1, -1], high: [1, 1] };
const { netArch: _n, activation: _a, ...COMMON } = DEMO;

/** One valid policy.json per kind, all CartPole's spaces except the Gaussian one. */
const VALID: Record<string, Record<string, unknown>> = {
  'mlp-actor': DEMO,
  gaussian: {
    ...DEMO,
    env: 'LunarLander-v3',
    observationSpace: { kind: 'box', shape: [8], low: Array(8).fill(-1), high: Array(8).fill(1) },
    actionSpace: BOX2,
    logStd: [0, -0.5],
  },
  'q-network': { ...DEMO, kind: 'q-network', head: 'q', epsilon: 0.05 },
  'q-table': {
    ...COMMON,
    kind: 'q-table',
    binning: { bins: [1, 1, 6, 12], low: [-2.4, -3, -0.2095, -2], high: [2.4, 3, 0.2095, 2] },
    qTable: { file: 'qtable.bin', dtype: 'float64', shape: [72, 2] },
    epsilon: 0.01,
  },
  constant: { ...COMMON, kind: 'baseline', agent: { type: 'constant', action: [1] } },
};

function refusal(raw: unknown): PolicyFileError {
  try {
    checkMeta(raw);
  } catch (e) {
    assert.ok(e instanceof PolicyFileError, String(e));
    return e;
  }
  assert.fail(`accepted ${JSON.stringify(raw).slice(0, 200)}`);
}

test('a valid policy.json of each kind reads back as that kind, defaults filled and ±Infinity bounds restored', () => {
  for (const raw of Object.values(VALID)) assert.equal(checkMeta(raw).kind, raw.kind ?? 'mlp-actor');
  const demo = checkMeta({ ...DEMO, kind: undefined });
  assert.equal(demo.kind, 'mlp-actor', 'files from before policy kinds are mlp-actor');
  assert.equal(demo.observationSpace.kind, 'box');
  if (demo.observationSpace.kind === 'box') assert.deepEqual(demo.observationSpace.high.slice(1, 2), [Infinity], 'JSON null is the unbounded side');
  const q = checkMeta({ ...VALID['q-network'], head: undefined, epsilon: undefined });
  assert.equal(q.head, 'q');
  assert.equal(q.epsilon, 0);
  assert.deepEqual(checkMeta({ ...DEMO, steps: 'many', evalMean: 'high' }).steps, 0, 'informational fields read leniently');
  assert.deepEqual(Object.keys(checkMeta({ ...DEMO, extra: 1 })).includes('extra'), false, 'unknown fields are dropped');
});

test("each kind's faulty fields are refused with their code and a message naming the field", () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['format', { ...DEMO, format: 'other' }, 'format', /^policy\.json is not a Policy Lab policy \(format "other", expected "policy-lab\.policy"\)$/],
    ['format before kind', { ...DEMO, format: 'other', kind: 'x' }, 'format', /not a Policy Lab policy/],
    ['version', { ...DEMO, version: '1' }, 'version', /^policy\.json has policy format version "1"; this build reads version 1$/],
    ['kind', { ...DEMO, kind: 7 }, 'kind', /^policy\.json has unknown policy kind 7 \(this build reads mlp-actor, q-network, q-table, baseline\)$/],
    ['env', { ...DEMO, env: ['CartPole-v1'] }, 'env', /^policy\.json names an unknown env \["CartPole-v1"\]$/],
    ['envOptions', { ...DEMO, envOptions: { continuous: 'yes' } }, 'corrupt', /^policy\.json has "envOptions" that are not \{name: number or boolean\}$/],
    ['space', { ...DEMO, actionSpace: { kind: 'discrete', n: 1.5 } }, 'corrupt', /^policy\.json has no valid observationSpace\/actionSpace$/],
    ['box bounds', { ...DEMO, observationSpace: { kind: 'box', shape: [4], low: [0], high: [1] } }, 'corrupt', /no valid observationSpace\/actionSpace/],
    ['algo', { ...DEMO, algo: '' }, 'corrupt', /^policy\.json has no algo name$/],
    [
      'critic',
      { ...DEMO, critic: { netArch: [64], activation: 'sigmoid' } },
      'corrupt',
      /^policy\.json: "critic" must be \{netArch: \[widths\], activation\}, got /,
    ],
    ['netArch', { ...DEMO, netArch: [64, -1] }, 'corrupt', /^policy\.json has "netArch" \[64,-1\]; it must list the hidden layers' widths/],
    ['activation', { ...DEMO, activation: 'gelu' }, 'corrupt', /^policy\.json has "activation" "gelu"; it must be one of tanh, relu$/],
    // mlp-actor: log σ exactly for a Box action space.
    ['logStd on Discrete', { ...DEMO, logStd: [0] }, 'corrupt', /^policy\.json has "logStd" but a Discrete\(2\) action space/],
    ['logStd missing', { ...VALID.gaussian, logStd: undefined }, 'corrupt', /^policy\.json needs "logStd": 2 finite numbers \(.* Box\(2\) action space\)$/],
    ['logStd typed', { ...VALID.gaussian, logStd: [0, 'x'] }, 'corrupt', /needs "logStd": 2 finite numbers/],
    ['logStd short', { ...VALID.gaussian, logStd: [0] }, 'corrupt', /needs "logStd": 2 finite numbers/],
    // q-network
    ['head', { ...VALID['q-network'], head: 'v' }, 'corrupt', /^policy\.json has head "v"; a q-network policy has head "q"$/],
    ['epsilon', { ...VALID['q-network'], epsilon: 1.5 }, 'corrupt', /^policy\.json has "epsilon" 1\.5; it must be a number in \[0, 1\]$/],
    [
      'q-network on Box',
      { ...VALID['q-network'], actionSpace: BOX2 },
      'space',
      /^policy\.json: a q-network policy needs a Discrete action space, not Box\(2\)$/,
    ],
    // q-table
    ['binning', { ...VALID['q-table'], binning: { bins: [1, 1, 6, 12] } }, 'corrupt', /^policy\.json needs "binning": \{bins, low, high\}/],
    [
      'binning dims',
      { ...VALID['q-table'], binning: { bins: [6], low: [0], high: [1] } },
      'space',
      /binning has 1 bins, 1 lows and 1 highs, but .* Box\(4\) has 4 dimensions/,
    ],
    [
      'binning range',
      { ...VALID['q-table'], binning: { bins: [1, 1, 6, 12], low: [0, 0, 0, 0], high: [1, 1, 1, 0] } },
      'corrupt',
      /invalid binning: clip range 3/,
    ],
    [
      'qTable',
      { ...VALID['q-table'], qTable: { file: '../etc/passwd', dtype: 'float64', shape: [72, 2] } },
      'corrupt',
      /^policy\.json needs "qTable": \{file: "qtable\.bin"/,
    ],
    [
      'qTable shape',
      { ...VALID['q-table'], qTable: { file: 'qtable.bin', dtype: 'float64', shape: [72, 3] } },
      'corrupt',
      /q-table shape \[72,3\] does not fit/,
    ],
    [
      'q-table obs',
      { ...VALID['q-table'], observationSpace: { kind: 'discrete', n: 4 } },
      'space',
      /a q-table policy bins a Box observation space, not Discrete\(4\)/,
    ],
    ['q-table epsilon', { ...VALID['q-table'], epsilon: -0.1 }, 'corrupt', /"epsilon" -0\.1; it must be a number in \[0, 1\]/],
    // baseline
    [
      'agent',
      { ...VALID.constant, agent: { type: 'clever' } },
      'corrupt',
      /^policy\.json needs "agent": \{type: "random" \| "constant" \| "heuristic"\}, got \{"type":"clever"\}$/,
    ],
    [
      'agent action',
      { ...VALID.constant, agent: { type: 'constant', action: 1 } },
      'corrupt',
      /^policy\.json: a constant agent needs "action": a list of numbers, got 1$/,
    ],
    [
      'agent action range',
      { ...VALID.constant, agent: { type: 'constant', action: [2] } },
      'space',
      /^policy\.json: constant action must be an integer index in \[0, 1\]/,
    ],
  ];
  for (const [what, raw, code, re] of cases) {
    const e = refusal(raw);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    assert.match(e.message, re, what);
  }
  for (const raw of [null, 'policy', [DEMO], 42]) assert.equal(refusal(raw).message, 'policy.json must hold a JSON object');
});

test('hostile values: prototype keys are data, never the prototype; huge or deep values are refused at once and shown only in part', () => {
  // JSON.parse makes "__proto__" an own key; the schema reads neither it nor anything through it.
  const proto = JSON.parse(`{"__proto__": ${JSON.stringify(DEMO)}}`);
  assert.equal(refusal(proto).code, 'format');
  const polluted = checkMeta(JSON.parse(JSON.stringify(DEMO).replace('"envOptions":{}', '"envOptions":{"__proto__":{"polluted":1}}')));
  assert.equal(Object.getPrototypeOf(polluted.envOptions), Object.prototype);
  assert.equal((polluted.envOptions as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);

  const huge = Array.from({ length: 300_000 }, (_, i) => i);
  let deep: unknown = 0;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  const secret = `SECRET-${'x'.repeat(10_000)}`;
  for (const [raw, re] of [
    [{ ...DEMO, observationSpace: { kind: 'box', shape: [huge.length], low: huge, high: huge } }, /no valid observationSpace/],
    [{ ...VALID.gaussian, logStd: huge }, /needs "logStd": 2 finite numbers/],
    [{ ...VALID['q-table'], binning: { bins: huge, low: huge, high: huge } }, /needs "binning"/],
    [{ ...VALID.constant, agent: { type: 'constant', action: deep } }, /a constant agent needs "action"/],
    [{ ...DEMO, critic: { netArch: huge, activation: 'tanh' } }, /"critic" must be/],
    [{ ...DEMO, env: secret }, /names an unknown env "SECRET-x+…$/],
  ] as const) {
    // CPU time, not wall time: another process taking the core must not fail this check of work done.
    const c0 = process.cpuUsage();
    const e = refusal(raw);
    const cpu = process.cpuUsage(c0);
    const ms = (cpu.user + cpu.system) / 1000;
    assert.ok(ms < 300, `refused in ${ms.toFixed(0)} ms of CPU`);
    assert.match(e.message, re);
    assert.ok(e.message.length < 200, `a short message: ${e.message.length} characters`);
  }
});
