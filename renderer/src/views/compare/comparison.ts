/**
 * The comparison every part of the Compare tab draws from: the picked runs (in the store) with
 * their curves, grouped by algorithm or preset when asked, each run or group with its colour.
 * CompareView makes it once (provideComparison, which also keeps the picked runs' curves loaded)
 * and its parts read it (useComparison).
 */
import { computed, inject, provide, ref, watch, type ComputedRef, type InjectionKey, type Ref } from 'vue';
import type { RunSummary } from '../../../../main/lab/domain/runs.ts';
import { sortMetrics } from '../../components/metric-labels.ts';
import { runLabel as defaultRunLabel } from '../../components/run-label.ts';
import { formatTime } from '../../format.ts';
import { useRunChoices } from '../../run-filters.ts';
import { useCompareStore, type GroupBy, type RunCurve } from '../../stores/compare.ts';
import { useLabStore } from '../../stores/lab.ts';
import { useRunsStore } from '../../stores/runs.ts';
import { distinguishingLabels, labelSettings } from './run-labels.ts';

export interface Member {
  run: RunSummary;
  curve: RunCurve | undefined;
}
export interface Group {
  key: string;
  label: string;
  color: number;
  members: Member[];
}

export interface Comparison {
  /** Every run the lab has, newest first. */
  allRuns: ComputedRef<RunSummary[]>;
  selectedRuns: ComputedRef<RunSummary[]>;
  selectedSet: ComputedRef<Set<string>>;
  members: ComputedRef<Member[]>;
  /** Empty unless grouped. */
  groups: ComputedRef<Group[]>;
  /** A picked run's own colour (ungrouped). */
  colorIndex: ComputedRef<Map<string, number>>;
  /** A picked run's swatch colour: its own, or its group's when grouped. */
  pickColor: ComputedRef<Map<string, number>>;
  /** The env's reward threshold when every picked run has the same env. */
  threshold: ComputedRef<number | null>;
  algoName: (id: string) => string;
  /** The run's name, else what it is and when it started (its id is in the tooltip). */
  runLabel: (r: RunSummary) => string;
  /** Picked runs' labels on the chart and in the table: seed and the settings that differ between them. */
  memberLabel: ComputedRef<Map<string, string>>;
  /** The metrics the picked runs recorded, in chart order. */
  availableMetrics: ComputedRef<string[]>;
  /** The metrics charted, one chart each (kept while the tab is away). */
  chosenMetrics: Ref<string[]>;
}

/** Live runs bump the curves' version with every metrics message; the charts follow at most this often. */
const LIVE_REDRAW_MS = 500;
const chosenMetrics = ref<string[]>(['return']);

const KEY: InjectionKey<Comparison> = Symbol('comparison');

export function provideComparison(): Comparison {
  const lab = useLabStore();
  const runsStore = useRunsStore();
  const cmp = useCompareStore();

  const allRuns = computed(() => runsStore.sortedRuns);
  const byId = computed(() => new Map(allRuns.value.map((r) => [r.runId, r])));
  const { algoName } = useRunChoices(() => allRuns.value);
  const runLabel = (r: RunSummary) => defaultRunLabel(r, algoName);

  const selectedRuns = computed(() => cmp.selected.map((id) => byId.value.get(id)).filter((r): r is RunSummary => !!r));
  const selectedSet = computed(() => new Set(cmp.selected));
  const colorIndex = computed(() => new Map(selectedRuns.value.map((r, i) => [r.runId, i])));

  watch(selectedRuns, (rs) => cmp.ensureLoaded(rs), { immediate: true });
  // Forget selected runs that disappeared (deleted elsewhere) once the run list is known.
  watch(byId, (m) => {
    if (m.size === 0 && runsStore.listError) return;
    const keep = cmp.selected.filter((id) => m.has(id));
    if (keep.length !== cmp.selected.length && m.size > 0) cmp.selected = keep;
  });

  // curves are not reactive; `version` bumps when they change. A streaming run bumps it ~10×/s: the
  // charts re-read at most every LIVE_REDRAW_MS (the first change at once, the last one always).
  const seenVersion = ref(cmp.version);
  let lastSeen = 0;
  let trailing: ReturnType<typeof setTimeout> | null = null;
  watch(
    () => cmp.version,
    (v) => {
      const wait = lastSeen + LIVE_REDRAW_MS - performance.now();
      if (wait <= 0) {
        lastSeen = performance.now();
        seenVersion.value = v;
      } else if (!trailing) {
        trailing = setTimeout(() => {
          trailing = null;
          lastSeen = performance.now();
          seenVersion.value = cmp.version;
        }, wait);
      }
    },
  );
  const members = computed<Member[]>(() => {
    void seenVersion.value;
    return selectedRuns.value.map((run) => ({ run, curve: cmp.curves.get(run.runId) }));
  });

  const memberLabel = computed(() => {
    const multi = multiEnv.value;
    return distinguishingLabels(
      members.value.map(({ run, curve }) => ({
        id: run.runId,
        base: run.name || `${multi ? `${run.env} · ` : ''}${algoName(run.algo)}${run.preset ? ` ${run.preset}` : ''}`,
        seed: run.seed,
        time: formatTime(run.createdAt),
        settings: labelSettings(curve?.config),
      })),
    );
  });

  const availableMetrics = computed(() => {
    const keys = new Set<string>();
    for (const { curve } of members.value) {
      if (!curve) continue;
      if (curve.ret.length) keys.add('return').add('length');
      for (const [k, col] of curve.updates.metrics) if (col.some(Number.isFinite)) keys.add(k);
    }
    // What is charted stays listed while its runs load.
    for (const k of chosenMetrics.value) keys.add(k);
    return sortMetrics(keys);
  });

  const multiEnv = computed(() => new Set(selectedRuns.value.map((r) => r.env)).size > 1);
  function groupOf(r: RunSummary, by: GroupBy): { key: string; label: string } {
    const env = multiEnv.value ? `${r.env} · ` : '';
    if (by === 'algo') return { key: `${r.env}|${r.algo}`, label: `${env}${algoName(r.algo)}` };
    return { key: `${r.env}|${r.algo}|${r.preset ?? ''}`, label: `${env}${algoName(r.algo)} · ${r.preset ?? 'no preset'}` };
  }
  const groups = computed<Group[]>(() => {
    const by = cmp.group;
    if (by === 'none') return [];
    const out = new Map<string, Group>();
    for (const m of members.value) {
      const g = groupOf(m.run, by);
      let entry = out.get(g.key);
      if (!entry) out.set(g.key, (entry = { key: g.key, label: g.label, color: out.size, members: [] }));
      entry.members.push(m);
    }
    return [...out.values()];
  });

  const pickColor = computed(() => {
    const m = new Map<string, number>();
    if (cmp.group === 'none') for (const [id, i] of colorIndex.value) m.set(id, i);
    else for (const g of groups.value) for (const x of g.members) m.set(x.run.runId, g.color);
    return m;
  });

  const threshold = computed(() => {
    const envs = new Set(selectedRuns.value.map((r) => r.env));
    if (envs.size !== 1) return null;
    return lab.env([...envs][0])?.rewardThreshold ?? null;
  });

  const comparison: Comparison = {
    allRuns,
    selectedRuns,
    selectedSet,
    members,
    groups,
    colorIndex,
    pickColor,
    threshold,
    algoName,
    runLabel,
    memberLabel,
    availableMetrics,
    chosenMetrics,
  };
  provide(KEY, comparison);
  return comparison;
}

export function useComparison(): Comparison {
  const c = inject(KEY);
  if (!c) throw new Error('useComparison() outside CompareView');
  return c;
}
