/** The order of the Runs library: by date, name, steps, best 100 or eval, either way; ties newest first. */
import type { RunSummary } from '../../../../main/lab/domain/runs.ts';

export type SortKey = 'date' | 'name' | 'steps' | 'best100' | 'eval';
export interface RunSort {
  key: SortKey;
  desc: boolean;
}

function sortValue(r: RunSummary, key: SortKey): string | number {
  switch (key) {
    case 'date':
      return r.createdAt;
    case 'name':
      return (r.name || r.runId).toLowerCase();
    case 'steps':
      return r.steps;
    case 'best100':
      return r.best100 ?? -Infinity;
    case 'eval':
      return r.evalMean ?? -Infinity;
  }
}

export function sortRuns(runs: readonly RunSummary[], sort: RunSort): RunSummary[] {
  const dir = sort.desc ? -1 : 1;
  return [...runs].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    const c = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : (x as number) - (y as number);
    return c === 0 ? b.createdAt.localeCompare(a.createdAt) : c * dir;
  });
}

/** A click on a column: the same one flips the direction; another sorts by it, names A–Z, the rest largest first. */
export function nextSort(sort: RunSort, key: SortKey): RunSort {
  return sort.key === key ? { key, desc: !sort.desc } : { key, desc: key !== 'name' };
}
