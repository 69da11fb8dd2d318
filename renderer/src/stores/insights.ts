/**
 * The Insights view: a saved policy evaluated over a 2D slice of observation space (two state
 * variables on the axes, the others fixed by sliders). Slider moves are debounced and at most one
 * request is in flight: the newest settings are fetched as soon as the previous answer arrives.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import { actionSpaceOf, type InsightsDef } from '../../../main/lab/domain/env-def.ts';
import { ENV_DEFS, type EnvId } from '../../../main/lab/domain/envs.ts';
import type { InsightGrid, PolicyInfo } from '../../../main/lab/domain/policies.ts';
import type { RequestPayload } from '../../../preload/contract.ts';
import { actionLabels } from '../../../main/lab/domain/env-labels.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { useWatchStore } from './watch.ts';

/** The slice Insights shows for an env: its EnvDef's insights, over an observation of obsDim values. */
export type EnvInsightSpec = InsightsDef & { obsDim: number };

/** What the policy map shows: the greedy action, or P(action k) / the mean of action dim k. */
export type ColourBy = 'greedy' | number;

const DEBOUNCE_MS = 150;
const RESOLUTION = 64;

export const useInsightsStore = defineStore('insights', () => {
  const client = getLabClient();
  const watchStore = useWatchStore();

  /** Saved policies of every env (the Watch store keeps the list fresh). */
  const policies = computed(() => watchStore.policies);
  const selected = ref('');
  /** Slider values per env and slider name; 0 (a level, still state) until moved. */
  const sliderValues = reactive<Record<string, number>>({});
  const colourBy = ref<ColourBy | null>(null);
  const grid = shallowRef<InsightGrid | null>(null);
  /** The policy `grid` belongs to. */
  const gridPolicy = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Grids received so far (tests and the view watch it to know a new map arrived). */
  const served = ref(0);

  const policy = computed<PolicyInfo | null>(() => policies.value.find((p) => p.path === selected.value) ?? null);
  const envDef = computed(() => (policy.value ? ENV_DEFS[policy.value.env] : null));
  const spec = computed<EnvInsightSpec | null>(() => (envDef.value ? { ...envDef.value.insights, obsDim: envDef.value.observation.labels.length } : null));

  // Keep the selection while it exists (list reloads as runs save policies); else a run's policy.
  watch(
    policies,
    (list) => {
      if (list.some((p) => p.path === selected.value)) return;
      selected.value = (list.find((p) => p.source === 'run') ?? list[0])?.path ?? '';
    },
    { immediate: true },
  );

  function choose(path: string): void {
    if (path === selected.value) return;
    selected.value = path;
    colourBy.value = null;
  }

  function sliderKey(env: EnvId, name: string): string {
    return `${env}:${name}`;
  }
  function sliderValue(name: string): number {
    const env = policy.value?.env;
    return env ? (sliderValues[sliderKey(env, name)] ?? 0) : 0;
  }
  function setSlider(name: string, value: number): void {
    const env = policy.value?.env;
    if (env && Number.isFinite(value)) sliderValues[sliderKey(env, name)] = value;
  }
  function resetSliders(): void {
    const env = policy.value?.env;
    const s = spec.value;
    if (env && s) for (const sl of s.sliders) sliderValues[sliderKey(env, sl.name)] = 0;
  }

  /** The grid's kind once it arrives; until then, the action space the policy's envOptions give its env (LunarLander's continuous). */
  const discrete = computed(() => {
    if (grid.value && gridPolicy.value === selected.value) return grid.value.greedy !== undefined;
    return envDef.value ? actionSpaceOf(envDef.value, policy.value?.envOptions ?? {}).kind === 'discrete' : true;
  });
  const actions = computed(() => (policy.value ? actionLabels(policy.value.env, discrete.value ? 'discrete' : 'box') : []));
  /** The env's default map (CartPole: P(push right); LunarLander: the greedy action, or the main engine's mean when continuous). */
  const effectiveColourBy = computed<ColourBy>(() => {
    if (colourBy.value !== null && (colourBy.value !== 'greedy' || discrete.value)) return colourBy.value;
    if (!spec.value) return 1;
    return discrete.value ? spec.value.defaultMap.discrete : spec.value.defaultMap.box;
  });

  const request = computed((): RequestPayload<'insights'> | null => {
    const p = policy.value;
    const s = spec.value;
    if (!p || !s) return null;
    const fixed = Array.from({ length: s.obsDim }, () => 0);
    for (const sl of s.sliders) fixed[sl.dim] = sliderValue(sl.name);
    const by = effectiveColourBy.value;
    return {
      policy: p.path,
      ...(p.envOptions ? { envOptions: p.envOptions } : {}),
      xDim: s.xDim,
      yDim: s.yDim,
      xRange: [...s.xRange],
      yRange: [...s.yRange],
      fixed,
      resolution: RESOLUTION,
      actionIndex: by === 'greedy' ? 0 : by,
    };
  });

  let inFlight = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function fetchNow(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (inFlight) {
      again = true;
      return;
    }
    const req = request.value;
    if (!req) {
      grid.value = null;
      gridPolicy.value = null;
      return;
    }
    inFlight = true;
    loading.value = true;
    try {
      const g = await client.invoke('insights', req);
      // A grid for a policy no longer selected would only flash up; its successor is on the way.
      if (req.policy === selected.value) {
        grid.value = g;
        gridPolicy.value = req.policy;
        error.value = null;
        served.value++;
      }
    } catch (err) {
      if (req.policy === selected.value) error.value = errorMessage(err);
    } finally {
      inFlight = false;
      loading.value = false;
      if (again) {
        again = false;
        void fetchNow();
      }
    }
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void fetchNow(), DEBOUNCE_MS);
  }

  let active = false;
  // Slider moves are debounced; a new policy or map choice is fetched at once.
  watch(
    () => JSON.stringify(request.value),
    (now, before) => {
      if (!active) return;
      const a = JSON.parse(now ?? 'null') as RequestPayload<'insights'> | null;
      const b = JSON.parse(before ?? 'null') as RequestPayload<'insights'> | null;
      if (a?.policy !== b?.policy || a?.actionIndex !== b?.actionIndex) {
        if (a?.policy !== b?.policy) error.value = null;
        void fetchNow();
      } else schedule();
    },
  );

  /** The view is showing: fetch for the current settings (and keep following changes). */
  function activate(): void {
    active = true;
    if (request.value && (gridPolicy.value !== selected.value || !grid.value)) void fetchNow();
    else if (request.value) schedule();
  }
  function deactivate(): void {
    active = false;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  const obsNames = computed(() => envDef.value?.observation.labels ?? []);

  return {
    policies,
    selected,
    policy,
    spec,
    choose,
    sliderValue,
    setSlider,
    resetSliders,
    discrete,
    actions,
    colourBy,
    effectiveColourBy,
    request,
    grid,
    gridPolicy,
    loading,
    error,
    served,
    obsNames,
    fetchNow,
    activate,
    deactivate,
    loadPolicies: () => watchStore.loadPolicies(),
  };
});
