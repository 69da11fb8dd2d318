/**
 * Names of observation dimensions and actions (Gymnasium's docs), one set for every place that shows
 * them: the X-ray, the episode plots, Insights' axes and legends, and the lab's Insights grids.
 */
import type { EnvId } from './envs.ts';

export const OBS_NAMES: Record<EnvId, string[]> = {
  'CartPole-v1': ['cart position x', 'cart velocity', 'pole angle θ (rad)', 'pole angular velocity'],
  'LunarLander-v3': ['x', 'y', 'x velocity', 'y velocity', 'angle', 'angular velocity', 'left leg contact', 'right leg contact'],
};

const DISCRETE_ACTIONS: Record<EnvId, string[]> = {
  'CartPole-v1': ['push left', 'push right'],
  // Gymnasium: do nothing, fire left orientation engine, fire main engine, fire right orientation engine.
  'LunarLander-v3': ['do nothing', 'left engine', 'main engine', 'right engine'],
};

/** LunarLander's continuous action: [main engine throttle, lateral engine (−left … +right)]. */
const BOX_ACTIONS: Partial<Record<EnvId, string[]>> = {
  'LunarLander-v3': ['main engine', 'lateral engine'],
};

/** Labels for `n` discrete actions, or for the `n` dimensions of a Box action. */
export function actionLabels(env: EnvId, kind: 'discrete' | 'box', n: number): string[] {
  const known = kind === 'discrete' ? DISCRETE_ACTIONS[env] : (BOX_ACTIONS[env] ?? []);
  return Array.from({ length: n }, (_, i) => known[i] ?? (kind === 'discrete' ? `action ${i}` : `action[${i}]`));
}
