/** `env info`: what an environment is, as built with the given options — its spaces, labels, limits and options. */
import { actionLabels, OBS_NAMES } from '../lab/domain/env-labels.ts';
import { optionBoundsText } from '../lab/domain/env-def.ts';
import { envOptionDefs, envSpec } from '../lab/envs/registry.ts';
import { describeSpace, type Space } from '../lab/envs/spaces.ts';
import { envArg, envOptionsArg, out, parse } from './args.ts';
import { makeEnvArg } from './play.ts';

// JSON has no infinity: unbounded dimensions are written "inf" / "-inf", as Gymnasium prints them.
const jsonBound = (v: number) => (Number.isFinite(v) ? v : v > 0 ? 'inf' : '-inf');

function spaceJson(s: Space): Record<string, unknown> {
  return s.kind === 'discrete' ? { kind: 'discrete', n: s.n } : { kind: 'box', shape: [...s.shape], low: s.low.map(jsonBound), high: s.high.map(jsonBound) };
}

const bound = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '∞' : '−∞');

export async function cmdEnvInfo(args: string[]): Promise<number> {
  const { values } = parse(args, { env: { type: 'string' }, 'env-opt': { type: 'string', multiple: true } });
  const envId = envArg(values.env);
  const envOptions = envOptionsArg(values['env-opt']);
  const env = await makeEnvArg(envId, envOptions);
  const obs = env.observationSpace;
  const act = env.actionSpace;
  const obsLabels = OBS_NAMES[envId];
  const actLabels = actionLabels(envId, act.kind, act.kind === 'discrete' ? act.n : act.shape[0]);
  const spec = envSpec(envId);
  const maxSteps = typeof envOptions.max_episode_steps === 'number' ? envOptions.max_episode_steps : spec.maxEpisodeSteps;
  const options = Object.entries(envOptionDefs(envId)).map(([key, d]) => ({ key, ...d }));
  env.close?.();
  if (values.json) {
    out(true, {
      event: 'summary',
      env: envId,
      envOptions,
      observationSpace: spaceJson(obs),
      observationLabels: obsLabels,
      actionSpace: spaceJson(act),
      actionLabels: actLabels,
      maxEpisodeSteps: maxSteps,
      rewardThreshold: spec.rewardThreshold,
      options,
    });
    return 0;
  }
  const lines = [
    `${envId}${
      Object.keys(envOptions).length
        ? ` (${Object.entries(envOptions)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`
        : ''
    }`,
  ];
  lines.push(`  observation: ${describeSpace(obs)}`);
  if (obs.kind === 'box') obs.low.forEach((lo, i) => lines.push(`    [${i}] ${obsLabels[i] ?? ''}  in [${bound(lo)}, ${bound(obs.high[i])}]`));
  lines.push(`  action: ${describeSpace(act)}`);
  if (act.kind === 'discrete') actLabels.forEach((l, i) => lines.push(`    ${i} ${l}`));
  else actLabels.forEach((l, i) => lines.push(`    [${i}] ${l}  in [${bound(act.low[i])}, ${bound(act.high[i])}]`));
  lines.push(`  episode limit: ${maxSteps} steps · solved at a 100-episode mean of ${spec.rewardThreshold}`);
  lines.push('  options (--env-opt key=value):');
  for (const o of options) {
    const bounds = optionBoundsText(o);
    lines.push(`    ${o.key} (${o.type}${bounds ? ` ${bounds}` : ''}, default ${o.default}): ${o.description}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
