/** `eval`, `env rollout` and `gif`: a saved policy or a baseline agent playing episodes. */
import { basename } from 'node:path';
import { ENV_IDS, ensureEnvReady, envSpec, makeEnv } from '../lab/envs/registry.ts';
import type { Actor } from '../lab/agents/baselines.ts';
import { actorLabel, makeActor, runEpisode, type ActorSource } from '../lab/rollout.ts';
import type { Env } from '../lab/envs/env.ts';
import { loadPolicy } from '../lab/runs/policy-file.ts';
import { initBackend } from '../lab/nn/backend.ts';
import { evaluateSavedPolicy } from '../lab/training/evaluate.ts';
import { UsageError, envArg, envOptionsArg, intArg, out, parse } from './args.ts';

export async function makeEnvArg(envId: (typeof ENV_IDS)[number], envOptions: Record<string, number | boolean>): Promise<Env> {
  await ensureEnvReady(envId);
  try {
    return makeEnv(envId, envOptions);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** --agent random|heuristic|POLICY_DIR (or --policy DIR) → an Actor; a bad policy is a usage error. */
export async function actorArg(
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

function stats(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

export async function cmdEval(args: string[]): Promise<number> {
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

export async function cmdRollout(args: string[]): Promise<number> {
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

export async function cmdGif(args: string[]): Promise<number> {
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
    'beside-policy': { type: 'string' },
    'beside-agent': { type: 'string' },
  });
  const json = !!values.json;
  const envId = envArg(values.env);
  const seed = intArg('seed', values.seed, 0, 2 ** 32 - 1) ?? 0;
  if (!values.out) throw new UsageError('--out FILE.gif is required');
  const beside = values['beside-policy'] !== undefined || values['beside-agent'] !== undefined;
  if (values['beside-policy'] !== undefined && values['beside-agent'] !== undefined)
    throw new UsageError('give at most one of --beside-policy DIR or --beside-agent heuristic|random');
  if (values['beside-agent'] !== undefined && values['beside-agent'] !== 'random' && values['beside-agent'] !== 'heuristic')
    throw new UsageError(`--beside-agent must be heuristic or random, got "${values['beside-agent']}"`);
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
  // A second agent on the same seed, drawn beside the first (as Watch's side-by-side export).
  let epB: ReturnType<typeof runEpisode> | null = null;
  if (beside) {
    const envB = await makeEnvArg(envId, envOptions);
    const actorB = await actorArg(values['beside-agent'], values['beside-policy'], !values.stochastic, envB, envId, envOptions, seed);
    epB = runEpisode(envB, actorB, { seed, maxSteps });
    envB.close();
  }
  const { encodeGif, encodeSideBySideGif } = await import('../lab/media/gif.ts');
  const bar = !json && process.stderr.isTTY === true;
  let lastJson = 0;
  const gifOptions = {
    fps,
    scale,
    onProgress: (done: number, total: number) => {
      if (bar) process.stderr.write(`\r\x1b[2Kencoding GIF ${done}/${total} frames (${Math.round((100 * done) / total)}%)`);
      else if (json && Date.now() - lastJson > 500) {
        lastJson = Date.now();
        out(true, { event: 'progress', frames: done, totalFrames: total });
      }
    },
  };
  const gif = epB
    ? await encodeSideBySideGif(
        { frames: ep.frames, label: actorLabel({ policy: values.policy, agent: values.agent }) },
        { frames: epB.frames, label: actorLabel({ policy: values['beside-policy'], agent: values['beside-agent'] }) },
        gifOptions,
      )
    : await encodeGif(ep.frames, gifOptions);
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
      frames: Math.max(ep.frames.length, epB?.frames.length ?? 0),
      fps,
      bytes: gif.length,
      return: ep.return,
      length: ep.length,
      terminated: ep.terminated,
      truncated: ep.truncated,
      ...(epB ? { beside: { return: epB.return, length: epB.length } } : {}),
    },
    `wrote ${outPath}: ${ep.frames.length} frames at ${fps} fps (${(gif.length / 1024).toFixed(0)} KiB) · return ${ep.return.toFixed(2)} · length ${ep.length}`,
  );
  return 0;
}
