/**
 * What the charts call each metric a run records, and in which order they come: the episode
 * metrics (return, length), then the update metrics the trainers log (canonical names, see
 * stores/runs.ts canonicalMetrics), the most telling first.
 */

const ORDER = [
  'return',
  'length',
  'eval_mean',
  'policy_loss',
  'value_loss',
  'entropy',
  'approx_kl',
  'clip_fraction',
  'explained_variance',
  'loss',
  'q_mean',
  'std',
  'grad_norm',
  'vf_grad_norm',
  'learning_rate',
  'vf_learning_rate',
  'clip_range',
  'sps',
];

const LABELS: Record<string, string> = {
  return: 'episode return',
  length: 'episode length',
  eval_mean: 'eval return',
  eval_std: 'eval return std',
  sps: 'steps per second',
  policy_loss: 'policy loss',
  value_loss: 'value loss',
  value_loss_final: 'value loss (after fitting)',
  approx_kl: 'approx. KL',
  clip_fraction: 'clip fraction',
  explained_variance: 'explained variance',
  loss: 'total loss',
  q_mean: 'mean Q',
  std: 'action std',
  grad_norm: 'gradient norm',
  vf_grad_norm: 'value gradient norm',
  learning_rate: 'learning rate',
  vf_learning_rate: 'value learning rate',
  clip_range: 'clip range',
  batch_return_mean: 'batch mean return',
};

export function metricLabel(key: string): string {
  return LABELS[key] ?? key.replace(/_/g, ' ');
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i === -1 ? ORDER.length : i;
}

/** The keys in chart order: the known ones as ORDER has them, then the rest alphabetically. */
export function sortMetrics(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Episode metrics are one value per episode; the others one per update. */
export const EPISODE_METRICS = ['return', 'length'] as const;
export function isEpisodeMetric(key: string): boolean {
  return (EPISODE_METRICS as readonly string[]).includes(key);
}
