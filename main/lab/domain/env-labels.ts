/**
 * Names of observation dimensions and actions, read from each env's definition, for every place that
 * shows them: the X-ray, the episode plots, Insights' axes and legends, and the lab's Insights grids.
 */
import { actionSpacesOf } from './env-def.ts';
import { ENV_DEFS, EnvId } from './envs.ts';

export const OBS_NAMES = Object.fromEntries(EnvId.options.map((id) => [id, ENV_DEFS[id].observation.labels])) as Readonly<Record<EnvId, readonly string[]>>;

/**
 * Labels for `n` discrete actions, or for the `n` dimensions of a Box action (n defaults to the env's
 * own count); positions the env does not name get a generic label.
 */
export function actionLabels(env: EnvId, kind: 'discrete' | 'box', n?: number): string[] {
  const known = actionSpacesOf(ENV_DEFS[env]).find((s) => s.kind === kind)?.labels ?? [];
  return Array.from({ length: n ?? known.length }, (_, i) => known[i] ?? (kind === 'discrete' ? `action ${i}` : `action[${i}]`));
}
