/**
 * The shape of an environment's facts as plain data (EnvDef): what every floor needs to know about an
 * env without running it. The definitions themselves are in env-defs/, one file per env, and the
 * table of them in envs.ts; test/unit/env-defs.test.ts holds each definition to the env the lab builds.
 */

/** A Gymnasium make() keyword option. Bounds are hard limits the lab enforces (numbers only). */
export interface EnvOptionDef {
  readonly type: 'boolean' | 'number' | 'integer';
  readonly default: boolean | number;
  readonly description: string;
  readonly min?: number;
  /** min itself is not allowed. */
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  /** max itself is not allowed. */
  readonly exclusiveMax?: boolean;
}

/** An action space; the labels name each discrete action (n = labels.length) or each Box dimension. */
export type ActionSpaceDef =
  | { readonly kind: 'discrete'; readonly labels: readonly string[] }
  | { readonly kind: 'box'; readonly low: readonly number[]; readonly high: readonly number[]; readonly labels: readonly string[] };

/** One action space, or two chosen by a boolean option (LunarLander's `continuous`). */
export type ActionsDef = ActionSpaceDef | { readonly option: string; readonly off: ActionSpaceDef; readonly on: ActionSpaceDef };

export interface InsightSliderDef {
  /** Test id suffix and key: insights-slider-<name>. */
  readonly name: string;
  readonly label: string;
  /** Observation index it fixes. */
  readonly dim: number;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly unit?: string;
}

/** The Insights view's slice of observation space: two dimensions on the axes, sliders for others. */
export interface InsightsDef {
  readonly xDim: number;
  readonly yDim: number;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly sliders: readonly InsightSliderDef[];
  /** Observation values not on an axis and not on a slider (held at 0), said in words; '' when none. */
  readonly fixedNote: string;
  /** What the policy map shows first: the greedy action or P(action k) (discrete), the mean of action dim k (box). */
  readonly defaultMap: { readonly discrete: 'greedy' | number; readonly box: number };
  /** A sentence explaining the map while it shows P(action `actionIndex`). */
  readonly mapHint?: { readonly actionIndex: number; readonly text: string };
}

/** A line of the episode plot: an observation dimension, or the reward of the step that led to the frame. */
export interface PlotLineDef {
  readonly label: string;
  readonly value: number | 'reward';
  readonly axis: 'y' | 'y1';
  readonly color: 'c1' | 'c2' | 'c3' | 'ok';
  readonly stepped?: boolean;
  readonly dots?: boolean;
}

export interface PlotPanelDef {
  readonly key: string;
  readonly title: string;
  readonly y: string;
  readonly y1?: { readonly title: string; readonly min?: number; readonly max?: number };
  readonly lines: readonly PlotLineDef[];
}

/** Tabular Q-learning's default binning: per observation dimension, bin count and clip range (see agents/obs-binning.ts). */
export interface TabularBinningDef {
  readonly bins: readonly number[];
  readonly low: readonly number[];
  readonly high: readonly number[];
}

export interface EnvDef<Id extends string = string> {
  readonly id: Id;
  /** gymnasium's EnvSpec: the TimeLimit and the return that counts as solved. */
  readonly spec: { readonly maxEpisodeSteps: number; readonly rewardThreshold: number };
  /** The env's own make() options (every env also takes max_episode_steps, see envs.ts). */
  readonly options: Readonly<Record<string, EnvOptionDef>>;
  /** The Box observation: one label and one bound pair per dimension (±Infinity where unbounded). */
  readonly observation: { readonly labels: readonly string[]; readonly low: readonly number[]; readonly high: readonly number[] };
  readonly actions: ActionsDef;
  readonly insights: InsightsDef;
  readonly episodePlot: readonly PlotPanelDef[];
  readonly tabularBinning: TabularBinningDef;
}

/** The action space the env has under these options (missing options take their defaults). */
export function actionSpaceOf(def: EnvDef, options: Readonly<Record<string, unknown>> = {}): ActionSpaceDef {
  const a = def.actions;
  if (!('option' in a)) return a;
  const on = Object.hasOwn(options, a.option) ? options[a.option] : def.options[a.option]?.default;
  return on === true ? a.on : a.off;
}

/** Every action space the env can have. */
export function actionSpacesOf(def: EnvDef): readonly ActionSpaceDef[] {
  const a = def.actions;
  return 'option' in a ? [a.off, a.on] : [a];
}

/** Writes numbers as messages print them (a real minus sign). */
const num = (x: number): string => (x < 0 ? `−${-x}` : String(x));

/** "(−12, 0)" for an option bounded on both sides, else null. */
export function optionIntervalText(d: EnvOptionDef): string | null {
  if (d.min === undefined || d.max === undefined) return null;
  return `${d.exclusiveMin ? '(' : '['}${num(d.min)}, ${num(d.max)}${d.exclusiveMax ? ')' : ']'}`;
}

/** The option's bounds in words ("in (−12, 0)", "≥ 1"), or null when it has none. */
export function optionBoundsText(d: EnvOptionDef): string | null {
  const interval = optionIntervalText(d);
  if (interval) return `in ${interval}`;
  if (d.min !== undefined) return `${d.exclusiveMin ? '>' : '≥'} ${num(d.min)}`;
  if (d.max !== undefined) return `${d.exclusiveMax ? '<' : '≤'} ${num(d.max)}`;
  return null;
}

/** What is wrong with `v` against the option's bounds, or null: the lab's check and the forms'. */
export function optionBoundsError(d: EnvOptionDef, v: number): string | null {
  const aboveMin = d.min === undefined || (d.exclusiveMin ? v > d.min : v >= d.min);
  const belowMax = d.max === undefined || (d.exclusiveMax ? v < d.max : v <= d.max);
  if (aboveMin && belowMax) return null;
  const interval = optionIntervalText(d);
  if (interval) return `must be in the ${d.exclusiveMin && d.exclusiveMax ? 'open ' : ''}interval ${interval}`;
  return `must be ${optionBoundsText(d)}`;
}
