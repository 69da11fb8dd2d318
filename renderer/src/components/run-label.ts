/**
 * What a run is called where there is room for one line: its name, else what it is, its seed and
 * when it started ("PPO zoo · seed 2 · 01:51"), so runs queued together with several seeds differ.
 */
import type { RunSummary } from '../../../main/lab/domain/runs.ts';
import { formatTime } from '../format.ts';

export function runLabel(r: Pick<RunSummary, 'name' | 'algo' | 'preset' | 'seed' | 'createdAt'>, algoName: (id: string) => string): string {
  return r.name || `${algoName(r.algo)}${r.preset ? ` ${r.preset}` : ''} · seed ${r.seed} · ${formatTime(r.createdAt)}`;
}
