/**
 * policy-lab CLI — the headless face of the lab and the contract other tools and tests rely on.
 *   train | eval | env rollout | serve | runs
 * With --json, stdout is NDJSON and the last line is {"event":"summary", …}. Usage errors exit 2 with
 * one line on stderr; a failed run exits 1.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { basename } from 'node:path';
import { LabService } from './lab/service.ts';
import { ForkLauncher } from './lab/runs/fork-launcher.ts';
import { defaultRunsDir, resourcesDir } from './lab/paths.ts';
import { EngineRequest } from './lab/domain/algorithms.ts';
import { requestSchemas } from '../preload/contract.ts';
import type { HyperValue } from './lab/domain/hyperparameters.ts';
import type { RunSummary } from './lab/domain/runs.ts';
import { ENV_IDS, ensureEnvReady, envSpec, makeEnv } from './lab/envs/registry.ts';
import type { Actor } from './lab/agents/baselines.ts';
import { makeActor, runEpisode, type ActorSource } from './lab/rollout.ts';
import { algorithmDefs } from './lab/agents/registry.ts';
import type { Env } from './lab/envs/env.ts';
import { loadPolicy } from './lab/runs/policy-file.ts';
import { initBackend } from './lab/nn/backend.ts';
import { evaluateSavedPolicy } from './lab/training/evaluate.ts';
import { formatDuration, ProgressLine } from './lab/progress.ts';

class UsageError extends Error {}

const HELP = `policy-lab — train, evaluate and watch RL agents (CartPole-v1, LunarLander-v3)

Usage:
  policy-lab train --env ID [--env-opt key=value]... --algo ALGO [--seed N] [--steps N] [--preset NAME]
                   [--set key=value]... [--runs-dir DIR] [--backend auto|tensorflow|wasm|cpu]
                   [--engine ${EngineRequest.options.join('|')}] [--eval-episodes N] [--eval-every N] [--stop-when-solved]
                   [--checkpoint-seconds S] [--force] [--name TEXT] [--json]
  policy-lab eval --policy DIR [--episodes N] [--seed N] [--stochastic] [--json]
  policy-lab env rollout --env ID [--env-opt key=value]... --seed N (--actions 1,0,... | --agent random|heuristic|DIR)
                   [--max-steps N] [--json]
  policy-lab gif --env ID [--env-opt key=value]... (--policy DIR | --agent heuristic|random) --seed N
                   --out FILE.gif [--fps 50] [--scale 1] [--max-steps N] [--stochastic] [--json]
  policy-lab serve [--host 127.0.0.1] [--port 5170] [--runs-dir DIR] [--json]
  policy-lab runs [--runs-dir DIR] [--json]

In a checkout, run it as: npm run cli -- <command> ...
ALGO: ${algorithmDefs()
  .map((d) => d.id)
  .join(', ')}`;

function out(json: boolean, event: Record<string, unknown>, text?: string): void {
  if (json) process.stdout.write(JSON.stringify(event) + '\n');
  else if (text !== undefined) process.stdout.write(text + '\n');
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  // A negative number after an option that takes a value is that value (`--steps -5`), not an option:
  // written as --steps=-5 so parseArgs reads it and the option's own check can say what is wrong.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : null;
    if (name && !name.includes('=') && (options as Record<string, { type: string }>)[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? ''))
      joined.push(`${args[i]}=${args[++i]}`);
    else joined.push(args[i]);
  }
  args = joined;
  try {
    return parseArgs({
      args,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

function intArg(name: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

function envArg(v: string | undefined): (typeof ENV_IDS)[number] {
  if (!v) throw new UsageError(`--env is required (one of ${ENV_IDS.join(', ')})`);
  if (!(ENV_IDS as readonly string[]).includes(v)) throw new UsageError(`unknown env "${v}" (one of ${ENV_IDS.join(', ')})`);
  return v as (typeof ENV_IDS)[number];
}

/** "key=value" → typed value: numbers, booleans, comma lists of numbers (net_arch), else the string. */
export function parseSetting(s: string): [string, HyperValue] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set expects key=value, got "${s}"`);
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1).trim();
  let value: HyperValue = raw;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (raw !== '' && /^[-+]?[\d.]+(e[-+]?\d+)?$/i.test(raw)) value = Number(raw);
  else if (/^\[?\s*\d+(\s*,\s*\d+)*\s*\]?$/.test(raw))
    value = raw
      .replace(/[[\]\s]/g, '')
      .split(',')
      .map(Number);
  return [key, value];
}

/** --env-opt key=value (repeatable): Gymnasium make() keywords such as continuous=true, gravity=-9.5. */
function envOptionsArg(list: string[] | undefined): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const s of list ?? []) {
    const [k, v] = parseSetting(s);
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new UsageError(`--env-opt ${k} must be a number or true/false, got "${String(v)}"`);
    out[k] = v;
  }
  return out;
}

async function makeEnvArg(envId: (typeof ENV_IDS)[number], envOptions: Record<string, number | boolean>): Promise<Env> {
  await ensureEnvReady(envId);
  try {
    return makeEnv(envId, envOptions);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** --agent random|heuristic|POLICY_DIR (or --policy DIR) → an Actor; a bad policy is a usage error. */
async function actorArg(
  agent: string | undefined,
  policyDir: string | undefined,
  deterministic: boolean,
  env: Env,
  envId: (typeof ENV_IDS)[number],
  envOptions: Record<string, number | boolean>,
  seed: number,
): Promise<Actor> {
  let source: ActorSource;
  if (agent === 'random' || agent === 'heuristic') source = { agent };
  else {
    const dir = policyDir ?? agent;
    if (!dir) throw new UsageError('give --agent random|heuristic or --policy DIR');
    await initBackend('auto');
    try {
      source = { policy: await loadPolicy(dir), deterministic };
    } catch (err) {
      throw new UsageError(`cannot load the policy "${basename(dir)}": ${(err as Error).message}`);
    }
  }
  try {
    return makeActor(source, env, envId, envOptions, seed);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function cmdTrain(args: string[]): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string' },
    algo: { type: 'string' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    preset: { type: 'string' },
    set: { type: 'string', multiple: true },
    'env-opt': { type: 'string', multiple: true },
    'runs-dir': { type: 'string' },
    backend: { type: 'string' },
    engine: { type: 'string' },
    name: { type: 'string' },
    'eval-episodes': { type: 'string' },
    'eval-every': { type: 'string' },
    'stop-when-solved': { type: 'boolean' },
    force: { type: 'boolean' },
    'checkpoint-seconds': { type: 'string' },
  });
  const json = !!values.json;
  const hyperparameters = Object.fromEntries((values.set ?? []).map(parseSetting));
  const req = requestSchemas.startRun.safeParse({
    env: envArg(values.env),
    envOptions: envOptionsArg(values['env-opt']),
    algo: values.algo ?? '',
    seed: intArg('seed', values.seed, 0, 2 ** 32 - 1) ?? 0,
    steps: intArg('steps', values.steps, 1),
    preset: values.preset,
    hyperparameters,
    backend: values.backend === 'auto' ? undefined : values.backend,
    engine: values.engine,
    name: values.name,
    evalEpisodes: intArg('eval-episodes', values['eval-episodes'], 0, 10_000),
    evalEvery: intArg('eval-every', values['eval-every'], 0, 1e9),
    stopWhenSolved: !!values['stop-when-solved'],
    force: !!values.force,
    checkpointSeconds: intArg('checkpoint-seconds', values['checkpoint-seconds'], 1, 86_400),
  });
  if (!req.success) {
    const issue = req.error.issues[0];
    const key = issue.path.join('.');
    if (key === 'algo')
      throw new UsageError(
        `--algo must be one of ${algorithmDefs()
          .map((d) => d.id)
          .join(', ')}, got "${values.algo ?? ''}"`,
      );
    if (key === 'backend') throw new UsageError(`--backend must be one of auto, tensorflow, wasm, cpu, got "${values.backend}"`);
    if (key === 'engine') throw new UsageError(`--engine must be one of ${EngineRequest.options.join(', ')}, got "${values.engine}"`);
    throw new UsageError(`${key}: ${issue.message}`);
  }
  const service = new LabService({ runsDir: values['runs-dir'] ?? defaultRunsDir(), launcher: new ForkLauncher(), mode: 'cli', allowAnyPolicyPath: true });
  let config;
  try {
    config = service.buildConfig(req.data);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const bar = new ProgressLine(!json && process.stderr.isTTY === true);
  let lastJsonProgress = 0;
  service.on((event, payload) => {
    if (event === 'run:progress') {
      const p = payload as import('./lab/domain/runs.ts').ProgressEvent;
      if (json) {
        if (Date.now() - lastJsonProgress >= 1000) {
          lastJsonProgress = Date.now();
          out(true, { event: 'progress', ...p });
        }
      } else bar.update(p);
    } else if (event === 'run:status') {
      const s = payload as RunSummary;
      if (json) out(true, { event: 'status', runId: s.runId, status: s.status, backend: s.backend, engine: s.engine });
    }
  });
  const started = await service.startRun(req.data);
  if (!json) {
    process.stderr.write(
      `run ${started.runId}\n  ${config.env} · ${config.algo}${config.preset ? ` (preset ${config.preset})` : ''} · seed ${config.seed} · ${config.totalSteps.toLocaleString('en-US')} steps\n  folder ${started.runDir}\n`,
    );
  }
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nstopping: saving the policy and evaluating (Ctrl-C again to abort)…\n');
      void service.stopRun(started.runId);
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const s = await service.waitForRun(started.runId);
  process.off('SIGINT', onSigint);
  bar.done();
  const summary = {
    runId: s.runId,
    runDir: s.runDir,
    env: s.env,
    algo: s.algo,
    seed: s.seed,
    backend: s.backend,
    engine: s.engine,
    status: s.status,
    steps: s.steps,
    episodes: s.episodes,
    wallSeconds: s.wallSeconds,
    solved: s.solved,
    solvedAtStep: s.solvedAtStep,
    solvedAtEpisode: s.solvedAtEpisode,
    solvedAtSeconds: s.solvedAtSeconds,
    mean100: s.mean100,
    evalMean: s.evalMean,
    evalStd: s.evalStd,
    bestEval: s.bestEval ?? null,
    ...(s.error ? { error: s.error } : {}),
  };
  if (json) out(true, { event: 'summary', ...summary });
  else {
    const f = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));
    process.stdout.write(
      [
        `${s.status}${s.error ? `: ${s.error}` : ''}`,
        `  backend ${s.backend} · engine ${s.engine} · ${s.steps.toLocaleString('en-US')} steps · ${s.episodes} episodes · ${formatDuration(s.wallSeconds)}`,
        `  solved: ${s.solved ? `yes, at step ${s.solvedAtStep} (episode ${s.solvedAtEpisode}, ${formatDuration(s.solvedAtSeconds ?? 0)})` : 'no'} · last-100 mean ${f(s.mean100)}`,
        `  evaluation: ${f(s.evalMean)} ± ${f(s.evalStd)} (${config.evalEpisodes} deterministic episodes)`,
        `  policy: ${s.hasPolicy ? `${s.runDir}/policy` : 'not saved'}`,
        ...(s.bestEval ? [`  best periodic evaluation: ${f(s.bestEval.mean)} ± ${f(s.bestEval.std)} at step ${s.bestEval.step} → ${s.runDir}/best`] : []),
      ].join('\n') + '\n',
    );
  }
  return s.status === 'crashed' ? 1 : 0;
}

function stats(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

async function cmdEval(args: string[]): Promise<number> {
  const { values } = parse(args, {
    policy: { type: 'string' },
    episodes: { type: 'string' },
    seed: { type: 'string' },
    stochastic: { type: 'boolean' },
    backend: { type: 'string' },
  });
  if (!values.policy) throw new UsageError('--policy DIR is required (a policy folder, e.g. <run>/policy)');
  const episodes = intArg('episodes', values.episodes, 1, 100_000) ?? 100;
  const seed = intArg('seed', values.seed, 0, 2 ** 32 - 1) ?? 0;
  const backend = await initBackend((values.backend as 'auto') ?? 'auto');
  const policy = await loadPolicy(values.policy);
  const res = await evaluateSavedPolicy(policy, { episodes, seed, deterministic: !values.stochastic });
  const r = stats(res.returns);
  const l = stats(res.lengths);
  const summary = {
    event: 'summary',
    policy: values.policy,
    env: policy.meta.env,
    algo: policy.meta.algo,
    backend: backend.name,
    episodes,
    seed,
    deterministic: !values.stochastic,
    returnMean: r.mean,
    returnStd: r.std,
    returnMin: r.min,
    returnMax: r.max,
    lengthMean: l.mean,
    lengthStd: l.std,
    lengthMin: l.min,
    lengthMax: l.max,
  };
  out(
    !!values.json,
    summary,
    `${policy.meta.env} · ${policy.meta.algo} · ${episodes} episodes from seed ${seed} (${values.stochastic ? 'stochastic' : 'deterministic'}, ${backend.name})\n  return ${r.mean.toFixed(2)} ± ${r.std.toFixed(2)}  [min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)}]\n  length ${l.mean.toFixed(1)} ± ${l.std.toFixed(1)}  [min ${l.min}, max ${l.max}]`,
  );
  return 0;
}

async function cmdRollout(args: string[]): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string' },
    'env-opt': { type: 'string', multiple: true },
    seed: { type: 'string' },
    actions: { type: 'string' },
    agent: { type: 'string' },
    'max-steps': { type: 'string' },
    stochastic: { type: 'boolean' },
  });
  const json = !!values.json;
  const envId = envArg(values.env);
  const seed = intArg('seed', values.seed, 0, 2 ** 32 - 1);
  if (seed === undefined) throw new UsageError('--seed N is required');
  if (!!values.actions === !!values.agent) throw new UsageError('give exactly one of --actions 1,0,... or --agent random|heuristic|POLICY_DIR');
  const envOptions = envOptionsArg(values['env-opt']);
  const env = await makeEnvArg(envId, envOptions);
  let maxSteps = intArg('max-steps', values['max-steps'], 1) ?? envSpec(envId).maxEpisodeSteps;
  let actor: Actor;
  if (values.actions) {
    // Discrete: 1,0,1 …  Continuous (Box): main:lateral pairs, e.g. 0.5:-0.2,1:0
    const dim = env.actionSpace.kind === 'box' ? env.actionSpace.shape[0] : 0;
    const list = values.actions.split(',').map((tok): number | Float32Array => {
      const parts = tok.split(':').map((x) => x.trim());
      const nums = parts.map(Number);
      if (dim > 0) {
        if (nums.length !== dim || parts.some((x) => x === '') || nums.some((n) => !Number.isFinite(n))) {
          throw new UsageError(`--actions for a continuous env are ${dim} numbers joined by ':' (e.g. 0.5:-0.2), got "${tok}"`);
        }
        return Float32Array.from(nums);
      }
      if (parts.length !== 1 || parts[0] === '' || !Number.isInteger(nums[0])) throw new UsageError(`--actions must be comma-separated integers, got "${tok}"`);
      return nums[0];
    });
    maxSteps = Math.min(maxSteps, list.length);
    let i = 0;
    actor = { act: () => list[i++] };
  } else {
    actor = await actorArg(values.agent!, undefined, !values.stochastic, env, envId, envOptions, seed);
  }
  const ep = runEpisode(env, actor, {
    seed,
    maxSteps,
    onReset: (obs) => out(json, { event: 'reset', env: envId, seed, obs }, `reset seed=${seed} obs=[${obs.map((v) => v.toFixed(5)).join(', ')}]`),
    onStep: (s) =>
      out(
        json,
        { t: s.t, action: s.action, obs: s.obs, reward: s.reward, terminated: s.terminated, truncated: s.truncated },
        `t=${s.t} a=${JSON.stringify(s.action)} r=${s.reward} obs=[${s.obs.map((v) => v.toFixed(5)).join(', ')}]${s.terminated ? ' terminated' : ''}${s.truncated ? ' truncated' : ''}`,
      ),
  });
  out(
    json,
    { event: 'summary', env: envId, seed, return: ep.return, length: ep.length, terminated: ep.terminated, truncated: ep.truncated },
    `return ${ep.return} · length ${ep.length}${ep.terminated ? ' · terminated' : ''}${ep.truncated ? ' · truncated' : ''}`,
  );
  return 0;
}

async function cmdGif(args: string[]): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string' },
    'env-opt': { type: 'string', multiple: true },
    seed: { type: 'string' },
    policy: { type: 'string' },
    agent: { type: 'string' },
    out: { type: 'string' },
    fps: { type: 'string' },
    scale: { type: 'string' },
    'max-steps': { type: 'string' },
    stochastic: { type: 'boolean' },
  });
  const json = !!values.json;
  const envId = envArg(values.env);
  const seed = intArg('seed', values.seed, 0, 2 ** 32 - 1) ?? 0;
  if (!values.out) throw new UsageError('--out FILE.gif is required');
  if (!!values.policy === !!values.agent) throw new UsageError('give exactly one of --policy DIR or --agent heuristic|random');
  if (values.agent && values.agent !== 'random' && values.agent !== 'heuristic')
    throw new UsageError(`--agent must be heuristic or random, got "${values.agent}" (use --policy DIR for a saved policy)`);
  const fps = intArg('fps', values.fps, 1, 100) ?? 50;
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0 && scale <= 4)) throw new UsageError(`--scale must be in (0, 4], got "${values.scale}"`);
  const envOptions = envOptionsArg(values['env-opt']);
  const env = await makeEnvArg(envId, envOptions);
  const actor = await actorArg(values.agent, values.policy, !values.stochastic, env, envId, envOptions, seed);
  const maxSteps = intArg('max-steps', values['max-steps'], 1) ?? envSpec(envId).maxEpisodeSteps;
  const ep = runEpisode(env, actor, { seed, maxSteps });
  env.close();
  const { encodeGif } = await import('./lab/media/gif.ts');
  const bar = !json && process.stderr.isTTY === true;
  let lastJson = 0;
  const gif = await encodeGif(ep.frames, {
    fps,
    scale,
    onProgress: (done, total) => {
      if (bar) process.stderr.write(`\r\x1b[2Kencoding GIF ${done}/${total} frames (${Math.round((100 * done) / total)}%)`);
      else if (json && Date.now() - lastJson > 500) {
        lastJson = Date.now();
        out(true, { event: 'progress', frames: done, totalFrames: total });
      }
    },
  });
  if (bar) process.stderr.write('\n');
  const { writeFile, rename } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  const outPath = resolve(values.out);
  const tmp = `${outPath}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, gif);
    await rename(tmp, outPath);
  } catch (err) {
    throw new UsageError(`cannot write ${outPath}: ${(err as Error).message}`);
  }
  out(
    json,
    {
      event: 'summary',
      out: outPath,
      env: envId,
      seed,
      frames: ep.frames.length,
      fps,
      bytes: gif.length,
      return: ep.return,
      length: ep.length,
      terminated: ep.terminated,
      truncated: ep.truncated,
    },
    `wrote ${outPath}: ${ep.frames.length} frames at ${fps} fps (${(gif.length / 1024).toFixed(0)} KiB) · return ${ep.return.toFixed(2)} · length ${ep.length}`,
  );
  return 0;
}

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parse(args, { host: { type: 'string' }, port: { type: 'string' }, 'runs-dir': { type: 'string' } });
  const { startServer } = await import('./serve.ts');
  const host = values.host ?? '127.0.0.1';
  const port = intArg('port', values.port, 0, 65535) ?? 5170;
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    process.stderr.write(
      `policy-lab: warning: --host ${host} exposes the lab beyond this machine: whoever can reach it and has the address printed below (its token) can start, stop and delete runs and read and import policies. Plain HTTP: use only on a network you trust.\n`,
    );
  }
  const server = await startServer({ host, port, runsDir: values['runs-dir'] ?? defaultRunsDir(), resourcesDir: resourcesDir() });
  out(
    !!values.json,
    { event: 'listening', url: server.url, runsDir: server.runsDir },
    `Policy Lab (browser mode) at ${server.url}\n  (the address carries this launch's access token; set POLICY_LAB_TOKEN to choose it)\n  runs: ${server.runsDir}\n  Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

async function cmdRuns(args: string[]): Promise<number> {
  const { values } = parse(args, { 'runs-dir': { type: 'string' } });
  const service = new LabService({ runsDir: values['runs-dir'] ?? defaultRunsDir(), launcher: new ForkLauncher(), mode: 'cli' });
  const runs = await service.listRuns();
  if (values.json) {
    for (const r of runs) out(true, { event: 'run', ...r });
    out(true, { event: 'summary', count: runs.length, runsDir: service.store.root });
  } else {
    process.stdout.write(`${runs.length} run(s) in ${service.store.root}\n`);
    for (const r of runs)
      process.stdout.write(
        `  ${r.runId}  ${r.status.padEnd(8)} ${r.steps.toLocaleString('en-US').padStart(9)} steps  mean100 ${r.mean100?.toFixed(1) ?? '–'}  eval ${r.evalMean?.toFixed(1) ?? '–'}\n`,
      );
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(HELP + '\n');
      return cmd ? 0 : 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    switch (cmd) {
      case 'train':
        return await cmdTrain(rest);
      case 'eval':
        return await cmdEval(rest);
      case 'env':
        if (rest[0] !== 'rollout') throw new UsageError(`unknown env subcommand "${rest[0] ?? ''}" (try: env rollout)`);
        return await cmdRollout(rest.slice(1));
      case 'gif':
        return await cmdGif(rest);
      case 'serve':
        return await cmdServe(rest);
      case 'runs':
        return await cmdRuns(rest);
      default:
        throw new UsageError(`unknown command "${cmd}" (try: train, eval, env rollout, gif, serve, runs; --help for usage)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`policy-lab: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`policy-lab: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.POLICY_LAB_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.env.POLICY_LAB_CLI_ENTRY === '1') {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Do not wait on stray handles (tfjs thread pools etc.) once the command is done.
    setTimeout(() => process.exit(code), 50).unref();
  });
}
