/**
 * The Insights view: a saved policy evaluated over a 2D slice of observation space (two state
 * variables on the axes, the others fixed by sliders). Slider moves are debounced and at most one
 * request is in flight: the newest settings are fetched as soon as the previous answer arrives.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import type { EnvId } from '../../../main/lab/domain/envs.ts';
import type { InsightGrid, PolicyInfo } from '../../../main/lab/domain/policies.ts';
import type { RequestPayload } from '../../../preload/contract.ts';
import { actionLabels, OBS_NAMES } from '../../../main/lab/domain/env-labels.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { useWatchStore } from './watch.ts';

export interface SliderSpec {
  /** Test id suffix and key: insights-slider-<name>. */
  name: string;
  label: string;
  /** Observation index it fixes. */
  dim: number;
  min: number;
  max: number;
  step: number;
  unit?: string;
}

export interface EnvInsightSpec {
  obsDim: number;
  xDim: number;
  yDim: number;
  xRange: [number, number];
  yRange: [number, number];
  xLabel: string;
  yLabel: string;
  sliders: SliderSpec[];
  /** Observation values not on an axis and not on a slider (e.g. LunarLander's leg contacts). */
  fixedNote: string;
}

const THETA_LIMIT = (12 * 2 * Math.PI) / 360;

export const INSIGHT_SPECS: Record<EnvId, EnvInsightSpec> = {
  // The axes span the termination bounds: |x| > 2.4 or |θ| > 12° ends the episode.
  'CartPole-v1': {
    obsDim: 4,
    xDim: 0,
    yDim: 2,
    xRange: [-2.4, 2.4],
    yRange: [-THETA_LIMIT, THETA_LIMIT],
    xLabel: 'cart position x (m)',
    yLabel: 'pole angle θ (rad)',
    sliders: [
      { name: 'cart-velocity', label: 'cart velocity', dim: 1, min: -2, max: 2, step: 0.05, unit: 'm/s' },
      { name: 'angular-velocity', label: 'pole angular velocity', dim: 3, min: -3, max: 3, step: 0.05, unit: 'rad/s' },
    ],
    fixedNote: '',
  },
  // Normalised coordinates: x ±1 is the screen edge, y = 0 the landing pad's height, ~1.4 the start.
  'LunarLander-v3': {
    obsDim: 8,
    xDim: 0,
    yDim: 1,
    xRange: [-1, 1],
    yRange: [-0.1, 1.5],
    xLabel: 'x (pad at 0)',
    yLabel: 'y (pad at 0)',
    sliders: [
      { name: 'vx', label: 'x velocity', dim: 2, min: -1.5, max: 1.5, step: 0.05 },
      { name: 'vy', label: 'y velocity', dim: 3, min: -1.5, max: 0.5, step: 0.05 },
      { name: 'angle', label: 'angle', dim: 4, min: -0.8, max: 0.8, step: 0.02, unit: 'rad' },
    ],
    fixedNote: 'angular velocity 0, both legs off the ground',
  },
};

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
  const spec = computed(() => (policy.value ? INSIGHT_SPECS[policy.value.env] : null));

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

  /** Discrete until the lab says otherwise: LunarLander's continuous runs record it in envOptions. */
  const discrete = computed(() => {
    if (grid.value && gridPolicy.value === selected.value) return grid.value.greedy !== undefined;
    return policy.value?.envOptions?.continuous !== true;
  });
  const actions = computed(() => {
    const p = policy.value;
    if (!p) return [];
    const n = p.env === 'CartPole-v1' ? 2 : discrete.value ? 4 : 2;
    return actionLabels(p.env, discrete.value ? 'discrete' : 'box', n);
  });
  /** CartPole: P(push right); LunarLander: the greedy action (or the main engine's mean when continuous). */
  const effectiveColourBy = computed<ColourBy>(() => {
    if (colourBy.value !== null && (colourBy.value !== 'greedy' || discrete.value)) return colourBy.value;
    if (!policy.value) return 1;
    if (policy.value.env === 'CartPole-v1') return 1;
    return discrete.value ? 'greedy' : 0;
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
      xRange: s.xRange,
      yRange: s.yRange,
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

  const obsNames = computed(() => (policy.value ? OBS_NAMES[policy.value.env] : []));

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
