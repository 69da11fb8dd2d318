/**
 * Finding runs in a list, shared by the Runs library and Compare's run picker: the filter fields,
 * the choices their selects offer, and the match itself.
 */
import { computed, type ComputedRef } from 'vue';
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import { useLabStore } from './stores/lab.ts';

/** What the filter fields hold; '' matches anything. `text` looks in the run id, name and tags. */
export interface RunFilters {
  text: string;
  env: string;
  algo: string;
  tag: string;
  /** Only the Runs library filters by status. */
  status?: string;
}

export function filterRuns(runs: readonly RunSummary[], f: RunFilters): RunSummary[] {
  const text = f.text.trim().toLowerCase();
  return runs.filter(
    (r) =>
      (!f.env || r.env === f.env) &&
      (!f.algo || r.algo === f.algo) &&
      (!f.status || r.status === f.status) &&
      (!f.tag || (r.tags ?? []).includes(f.tag)) &&
      (!text || [r.runId, r.name ?? '', ...(r.tags ?? [])].some((s) => s.toLowerCase().includes(text))),
  );
}

const uniq = (xs: string[]) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));

/**
 * The envs, algorithms and tags `runs` use, sorted, for the filter selects; and an algorithm's
 * name (its id until the lab's catalogue lists it).
 */
export function useRunChoices(runs: () => readonly RunSummary[]): {
  envChoices: ComputedRef<string[]>;
  algoChoices: ComputedRef<string[]>;
  tagChoices: ComputedRef<string[]>;
  algoName: (id: string) => string;
} {
  const lab = useLabStore();
  return {
    envChoices: computed(() => uniq(runs().map((r) => r.env))),
    algoChoices: computed(() => uniq(runs().map((r) => r.algo))),
    tagChoices: computed(() => uniq(runs().flatMap((r) => r.tags ?? []))),
    algoName: (id) => lab.algos.find((a) => a.id === id)?.name ?? id,
  };
}
