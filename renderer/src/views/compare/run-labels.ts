/**
 * Labels that tell the compared runs apart: what the run is (its name, or algorithm and preset),
 * its seed, and the settings that differ between it and the other runs of that kind on the chart
 * ("PPO zoo · seed 1 · lr 3e-4"), instead of the same "PPO zoo · 01:51" three times.
 */
import { shortExp } from '../../format.ts';

export interface LabelRun {
  id: string;
  /** The name, or algorithm and preset (and env when several are compared). */
  base: string;
  seed: number;
  /** When it started, for runs nothing else tells apart. */
  time: string;
  /** Hyperparameters, env options and the step budget, as the run's configuration holds them. */
  settings: Record<string, unknown>;
}

/** Shorter names for the settings that most often differ. */
const SHORT: Record<string, string> = {
  learning_rate: 'lr',
  vf_learning_rate: 'vf lr',
  totalSteps: 'steps',
  batch_size: 'batch',
  ent_coef: 'ent',
  vf_coef: 'vf',
  gae_lambda: 'λ',
  gamma: 'γ',
  clip_range: 'clip',
  n_epochs: 'epochs',
  net_arch: 'net',
};

export function settingValue(v: unknown): string {
  if (typeof v === 'number') {
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-2 || a >= 1e6)) return shortExp(v);
    return String(+v.toPrecision(4));
  }
  if (Array.isArray(v)) return `[${v.map(settingValue).join(',')}]`;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A label per run id. Runs sharing a base are told apart by the settings that differ among them
 * (up to `maxSettings`, then "+n more"); runs still alike get their start time, then their id's end.
 */
export function distinguishingLabels(runs: readonly LabelRun[], maxSettings = 3): Map<string, string> {
  const byBase = new Map<string, LabelRun[]>();
  for (const r of runs) {
    const list = byBase.get(r.base);
    if (list) list.push(r);
    else byBase.set(r.base, [r]);
  }
  const labels = new Map<string, string>();
  for (const [base, group] of byBase) {
    const keys = [...new Set(group.flatMap((r) => Object.keys(r.settings)))].sort();
    const differing = group.length > 1 ? keys.filter((k) => group.some((r) => !same(r.settings[k], group[0].settings[k]))) : [];
    for (const r of group) {
      const parts = [base, `seed ${r.seed}`];
      for (const k of differing.slice(0, maxSettings)) parts.push(`${SHORT[k] ?? k} ${k in r.settings ? settingValue(r.settings[k]) : '–'}`);
      if (differing.length > maxSettings) parts.push(`+${differing.length - maxSettings} more`);
      labels.set(r.id, parts.join(' · '));
    }
  }
  // Runs nothing above tells apart (the same seed and settings twice).
  for (const extra of [(r: LabelRun) => r.time, (r: LabelRun) => `#${r.id.slice(-4)}`]) {
    const count = new Map<string, number>();
    for (const l of labels.values()) count.set(l, (count.get(l) ?? 0) + 1);
    for (const r of runs) {
      const l = labels.get(r.id)!;
      if ((count.get(l) ?? 0) > 1) labels.set(r.id, `${l} · ${extra(r)}`);
    }
  }
  return labels;
}

/** The settings of a run's configuration (config.json) that labels compare. */
export function labelSettings(config: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!config) return {};
  const out: Record<string, unknown> = {};
  const hp = config.hyperparameters;
  if (hp && typeof hp === 'object') Object.assign(out, hp);
  const env = config.envOptions;
  if (env && typeof env === 'object') Object.assign(out, env);
  if (typeof config.totalSteps === 'number') out.totalSteps = config.totalSteps;
  return out;
}
