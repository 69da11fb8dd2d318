/**
 * Which of a run's saved policies the checkpoint filmstrip plays: its checkpoints and final policy
 * in step order (the best-evaluation copy repeats one of them), at most `max` of them spread evenly
 * over the run, first and last always included.
 */
import type { PolicyInfo } from '../../../../main/lab/domain/policies.ts';

/** Each cell is a WebGL canvas, and browsers cap a page at about 16 contexts. */
export const FILMSTRIP_MAX = 8;

export function filmstripPolicies(list: readonly PolicyInfo[], runId: string, max = FILMSTRIP_MAX): PolicyInfo[] {
  const byStep = new Map<number, PolicyInfo>();
  for (const p of list) {
    if (p.runId !== runId || (p.source !== 'checkpoint' && p.source !== 'run') || /[\\/]best[\\/]?$/.test(p.path)) continue;
    // The final policy and a checkpoint at the same step are the same weights: keep the final one.
    const had = byStep.get(p.steps);
    if (!had || p.source === 'run') byStep.set(p.steps, p);
  }
  const sorted = [...byStep.values()].sort((a, b) => a.steps - b.steps);
  if (sorted.length <= max) return sorted;
  const picks = new Set<number>();
  for (let i = 0; i < max; i++) picks.add(Math.round((i * (sorted.length - 1)) / (max - 1)));
  return [...picks].sort((a, b) => a - b).map((i) => sorted[i]);
}
