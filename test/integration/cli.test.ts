/** The CLI contract, end to end through real processes: rollout vs Gymnasium, train → eval → watch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, refdata } from '../helpers/cli.ts';
import { resolveEngine } from '../../main/lab/nn/fused/engine-choice.ts';

interface CartPoleRef {
  episodes: {
    seed: number;
    reset: { obs: number[] };
    fixed_actions: { actions: number[]; obs: number[][]; rewards: number[]; terminated: boolean[]; length: number };
  }[];
}

test('env rollout --actions reproduces the recorded Gymnasium trajectory (seed 3)', async () => {
  const ref = refdata<CartPoleRef>('cartpole.json');
  const ep = ref.episodes.find((e) => e.seed === 3)!;
  const fa = ep.fixed_actions;
  const r = await runCli(['env', 'rollout', '--env', 'CartPole-v1', '--seed', '3', '--actions', fa.actions.join(','), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [reset, ...rest] = r.lines;
  assert.equal(reset.event, 'reset');
  assert.deepEqual(reset.obs, ep.reset.obs);
  const steps = rest.filter((l) => 't' in l);
  assert.equal(steps.length, fa.length);
  steps.forEach((s, k) => {
    const obs = s.obs as number[];
    obs.forEach((v, i) => assert.ok(Math.abs(v - fa.obs[k][i]) <= 1e-6, `step ${k} obs[${i}] ${v} vs ${fa.obs[k][i]}`));
    assert.equal(s.terminated, fa.terminated[k]);
  });
  const summary = r.lines.at(-1)!;
  assert.equal(summary.event, 'summary');
  assert.equal(summary.length, fa.length);
  assert.equal(
    summary.return,
    fa.rewards.reduce((a, b) => a + b, 0),
  );
});

test('env rollout --agent heuristic balances to the 500-step time limit', async () => {
  const r = await runCli(['env', 'rollout', '--env', 'CartPole-v1', '--seed', '0', '--agent', 'heuristic', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = r.lines.at(-1)!;
  assert.equal(s.length, 500);
  assert.equal(s.truncated, true);
  assert.equal(s.terminated, false);
});

test('usage errors exit 2 with one line on stderr and no stack trace', async () => {
  for (const args of [
    ['train', '--env', 'Pong-v5', '--algo', 'ppo'],
    ['train', '--env', 'CartPole-v1', '--algo', 'sarsa'],
    ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--set', 'learning_rate=-1'],
    ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--set', 'no_such_key=3'],
    ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--engine', 'bogus'],
    ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '-5'],
    ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--set', 'learning_rate=5'],
    ['env', 'rollout', '--env', 'CartPole-v1', '--seed', 'x', '--agent', 'random'],
    ['frobnicate'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], /^policy-lab: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const bad = await runCli(['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--set', 'learning_rate=-1']);
  assert.match(bad.stderr, /learning_rate/);
  const unknown = await runCli(['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--set', 'no_such_key=3']);
  assert.match(unknown.stderr, /no_such_key/);
  const engine = await runCli(['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--engine', 'bogus']);
  assert.equal(engine.stderr.trim(), 'policy-lab: --engine must be one of auto, fused, tfjs, got "bogus"');
  // A negative number is read as the option's value and refused for what it is.
  const negative = await runCli(['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '-5']);
  assert.match(negative.stderr, /--steps must be an integer in \[1, .*got "-5"/);
  const big = await runCli(['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--set', 'learning_rate=5']);
  assert.match(big.stderr, /learning_rate must be .*≤ 1 .*got "?5"?; above 1 only when forced \(--force/);
});

test('train --force: a learning rate above 1 runs, and config.json records that it was forced', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-cli-'));
  try {
    const r = await runCli([
      'train',
      '--env',
      'CartPole-v1',
      '--algo',
      'reinforce',
      '--steps',
      '300',
      '--eval-episodes',
      '1',
      '--set',
      'learning_rate=5',
      '--force',
      '--runs-dir',
      runsDir,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(await readFile(join(r.lines.at(-1)!.runDir as string, 'config.json'), 'utf8'));
    assert.equal(config.force, true);
    assert.equal(config.hyperparameters.learning_rate, 5);
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('train --engine: the request goes to config.json, the resolved engine to the status and summary', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-cli-'));
  try {
    const tiny = ['train', '--env', 'CartPole-v1', '--algo', 'reinforce', '--steps', '300', '--eval-episodes', '1', '--runs-dir', runsDir];
    const r = await runCli([...tiny, '--engine', 'tfjs', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = r.lines.at(-1)!;
    assert.equal(s.event, 'summary');
    assert.equal(s.engine, 'tfjs');
    const statuses = r.lines.filter((l) => l.event === 'status');
    assert.equal(statuses.at(-1)?.engine, 'tfjs', 'status events carry the engine');
    const dir = s.runDir as string;
    assert.equal(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).engine, 'tfjs');
    assert.equal(JSON.parse(await readFile(join(dir, 'status.json'), 'utf8')).engine, 'tfjs');

    // No --engine: config.json keeps "auto", the summary line says what it became on this backend.
    const h = await runCli(tiny);
    assert.equal(h.code, 0, h.stderr);
    const m = /backend (\S+) · engine (\S+) · /.exec(h.stdout);
    assert.ok(m, h.stdout);
    assert.equal(m[2], resolveEngine('auto', m[1]).name);
    const folder = /folder (.+)/.exec(h.stderr)![1].trim();
    assert.equal(JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')).engine, 'auto');
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('train --json → run folder → eval → rollout with the saved policy', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-cli-'));
  try {
    const r = await runCli(
      ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--seed', '1', '--steps', '2048', '--eval-episodes', '5', '--runs-dir', runsDir, '--json'],
      { timeoutMs: 180_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = r.lines.at(-1)!;
    assert.equal(s.event, 'summary');
    for (const k of [
      'runId',
      'runDir',
      'env',
      'algo',
      'seed',
      'backend',
      'steps',
      'episodes',
      'wallSeconds',
      'solved',
      'solvedAtStep',
      'solvedAtEpisode',
      'solvedAtSeconds',
      'mean100',
      'evalMean',
      'evalStd',
    ]) {
      assert.ok(k in s, `summary has ${k}`);
    }
    assert.equal(s.env, 'CartPole-v1');
    assert.equal(s.algo, 'ppo');
    assert.ok((s.steps as number) >= 2048);
    assert.ok((s.episodes as number) > 0);
    assert.equal(typeof s.evalMean, 'number');
    const dir = s.runDir as string;
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.seed, 1);
    assert.equal(config.hyperparameters.n_steps, 32, 'zoo preset recorded in config.json');
    const metrics = (await readFile(join(dir, 'metrics.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(metrics.some((m) => m.kind === 'episode'));
    assert.ok(metrics.some((m) => m.kind === 'update' && Number.isFinite(m.policy_loss)));
    assert.ok(existsSync(join(dir, 'policy', 'policy.json')));
    assert.ok(existsSync(join(dir, 'policy', 'model.json')));

    const ev = await runCli(['eval', '--policy', join(dir, 'policy'), '--episodes', '3', '--seed', '100', '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const es = ev.lines.at(-1)!;
    assert.equal(es.event, 'summary');
    for (const k of ['returnMean', 'returnStd', 'returnMin', 'returnMax', 'lengthMean']) assert.equal(typeof es[k], 'number', k);

    const ro1 = await runCli(['env', 'rollout', '--env', 'CartPole-v1', '--seed', '5', '--agent', join(dir, 'policy'), '--json']);
    const ro2 = await runCli(['env', 'rollout', '--env', 'CartPole-v1', '--seed', '5', '--agent', join(dir, 'policy'), '--json']);
    assert.equal(ro1.code, 0, ro1.stderr);
    assert.deepEqual(ro1.lines, ro2.lines, 'a loaded policy acts identically across processes');

    const runs = await runCli(['runs', '--runs-dir', runsDir, '--json']);
    assert.equal(runs.lines.at(-1)!.count, 1);
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
});

interface LunarRef {
  episodes: { seed: number; reset: { obs: number[] }; heuristic: { outcome: string; return: number } }[];
}

test('env rollout on LunarLander-v3: reset matches Gymnasium, the heuristic lands like it does', async () => {
  const ref = refdata<LunarRef>('lunarlander.json');
  const ep = ref.episodes.find((e) => e.seed === 0)!;
  const r = await runCli(['env', 'rollout', '--env', 'LunarLander-v3', '--seed', '0', '--agent', 'heuristic', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const reset = r.lines[0].obs as number[];
  // Box2D 2.3.1 (box2d.js) like Gymnasium's pybox2d: resets agree to float32 rounding (1.8e-7 seen).
  reset.forEach((v, i) => assert.ok(Math.abs(v - ep.reset.obs[i]) <= 1e-6, `obs[${i}] ${v} vs ${ep.reset.obs[i]}`));
  const s = r.lines.at(-1)!;
  assert.equal(ep.heuristic.outcome, 'landed_at_rest(+100)');
  assert.equal(s.terminated, true);
  assert.ok(Math.abs((s.return as number) - ep.heuristic.return) < 15, `return ${s.return} vs Gymnasium ${ep.heuristic.return}`);
});

test('gif writes a GIF of an episode, with usage errors for bad arguments', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pl-gif-'));
  try {
    const out = join(dir, 'lander.gif');
    const r = await runCli([
      'gif',
      '--env',
      'LunarLander-v3',
      '--env-opt',
      'enable_wind=true',
      '--agent',
      'heuristic',
      '--seed',
      '1',
      '--max-steps',
      '40',
      '--fps',
      '25',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = r.lines.at(-1)!;
    assert.equal(s.frames, 41);
    const gif = await readFile(out);
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(gif.readUInt16LE(6), 600);
    assert.equal(gif.readUInt16LE(8), 400);
    assert.equal(s.bytes, gif.length);
    // A second agent beside the first on the same seed: one GIF twice as wide (plus a caption band), as long as the longer episode.
    const pair = join(dir, 'pair.gif');
    const both = await runCli(['gif', '--env', 'CartPole-v1', '--agent', 'heuristic', '--beside-agent', 'random', '--seed', '3', '--out', pair, '--json']);
    assert.equal(both.code, 0, both.stderr);
    const ps = both.lines.at(-1)! as { frames: number; length: number; beside: { length: number } };
    assert.equal(ps.frames, Math.max(ps.length, ps.beside.length) + 1);
    assert.ok(ps.length > ps.beside.length, 'the heuristic balances longer than random');
    const pg = await readFile(pair);
    assert.equal(pg.readUInt16LE(6), 1200);
    assert.ok(pg.readUInt16LE(8) > 400, 'no caption band');
    for (const args of [
      ['gif', '--env', 'CartPole-v1', '--agent', 'heuristic', '--seed', '0'],
      ['gif', '--env', 'CartPole-v1', '--agent', 'genius', '--seed', '0', '--out', out],
      ['gif', '--env', 'CartPole-v1', '--policy', join(dir, 'nothing-here'), '--seed', '0', '--out', out],
      ['gif', '--env', 'LunarLander-v3', '--env-opt', 'gravity=-20', '--agent', 'random', '--out', out],
      ['gif', '--env', 'CartPole-v1', '--agent', 'random', '--beside-agent', 'genius', '--out', out],
      ['gif', '--env', 'CartPole-v1', '--agent', 'random', '--beside-agent', 'random', '--beside-policy', dir, '--out', out],
    ]) {
      const bad = await runCli(args);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('train flags come from the start request: --max-episodes ends the run, net_arch=128 is a one-layer net, every field has a flag', async () => {
  const { StartRunRequest } = await import('../../main/lab/domain/runs.ts');
  const { REQUEST_FLAGS } = await import('../../main/cli/request-flags.ts');
  assert.deepEqual(
    REQUEST_FLAGS.map((f) => f.field),
    Object.keys(StartRunRequest.shape),
  );
  const help = await runCli(['--help']);
  for (const f of REQUEST_FLAGS) assert.ok(help.stdout.includes(`--${f.flag}`), `--${f.flag} is in --help`);

  const runsDir = await mkdtemp(join(tmpdir(), 'pl-cli-'));
  try {
    const r = await runCli([
      'train',
      '--env',
      'CartPole-v1',
      '--algo',
      'reinforce',
      '--max-episodes',
      '12',
      '--set',
      'net_arch=128',
      '--eval-episodes',
      '1',
      '--tag',
      'tutorial',
      '--runs-dir',
      runsDir,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = r.lines.at(-1)!;
    // REINFORCE updates after each episode, so the episode budget is met exactly.
    assert.equal(s.episodes, 12);
    const config = JSON.parse(await readFile(join(s.runDir as string, 'config.json'), 'utf8'));
    assert.equal(config.maxEpisodes, 12);
    assert.deepEqual(config.hyperparameters.net_arch, [128]);
    const episodes = (await readFile(join(s.runDir as string, 'metrics.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((m) => m.kind === 'episode');
    assert.equal(episodes.length, 12);
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
  const bad = await runCli(['train', '--env', 'CartPole-v1', '--algo', 'reinforce', '--max-episodes', '1.5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^policy-lab: --max-episodes must be an integer in \[0, 10000000\], got "1.5"\n$/);
});

test('env info prints the spaces an env is built with, for each option set', async () => {
  const { makeEnv, ensureEnvReady } = await import('../../main/lab/envs/registry.ts');
  await ensureEnvReady('LunarLander-v3');
  for (const [env, opts] of [
    ['CartPole-v1', []],
    ['LunarLander-v3', []],
    ['LunarLander-v3', ['--env-opt', 'continuous=true']],
  ] as const) {
    const r = await runCli(['env', 'info', '--env', env, ...opts, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = r.lines.at(-1)!;
    const real = makeEnv(env, opts.length ? { continuous: true } : {});
    const act = s.actionSpace as { kind: string; n?: number; shape?: number[] };
    assert.equal(act.kind, real.actionSpace.kind);
    if (real.actionSpace.kind === 'discrete') assert.equal(act.n, real.actionSpace.n);
    else assert.deepEqual(act.shape, real.actionSpace.shape);
    const obs = s.observationSpace as { shape: number[]; low: (number | string)[] };
    assert.deepEqual(obs.shape, real.observationSpace.kind === 'box' ? real.observationSpace.shape : null);
    assert.equal((s.observationLabels as string[]).length, obs.shape[0]);
    assert.equal((s.actionLabels as string[]).length, act.n ?? act.shape![0]);
  }
  const text = await runCli(['env', 'info', '--env', 'CartPole-v1']);
  assert.match(text.stdout, /observation: Box\(4\)/);
  assert.match(text.stdout, /\[1\] cart velocity {2}in \[−∞, ∞\]/);
  assert.match(text.stdout, /action: Discrete\(2\)\n {4}0 push left\n {4}1 push right/);
});
