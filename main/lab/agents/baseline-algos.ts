/**
 * The baseline agents as selectable algorithms (`--algo random|constant|heuristic`). They do not
 * learn: "training" steps the vec env through the same trainer, so a baseline run looks like any
 * other (episode records, an update record per ITERATION_STEPS env steps with only the trainer's
 * sps, a final evaluation) and saves a policy (policy.json kind 'baseline' with the agent spec).
 *   random     uniform actions from the action space: training draws from the run's algorithm
 *              stream; act() without an rng (deterministic evaluation) from a fixed-seed stream of its own
 *   constant   always `action`: an index for a Discrete space; for a Box space, that value in
 *              every dimension (the rule system has no float-list type yet; policy.json stores the
 *              full vector, so only the rule would change)
 *   heuristic  baselines.ts's hand-written controller for the env (CartPole push-toward-lean,
 *              Gymnasium's LunarLander controller, discrete or continuous to match the env)
 * Deterministic and stochastic acting are the same for constant and heuristic; random is random either way.
 */
import type { EnvId } from '../domain/envs.ts';
import type { VecEnv } from '../envs/env.ts';
import { npRandom, type Generator } from '../envs/numpy-rng.ts';
import { isEnvId } from '../envs/registry.ts';
import { describeSpace, flatDim, type Space } from '../envs/spaces.ts';
import type { ActionArray } from '../nn/distributions.ts';
import { common, withDefaults, type Rule } from '../training/hyperparameters.ts';
import {
  checkNumEnvs,
  type Algorithm,
  type AlgorithmOptions,
  type AlgorithmState,
  type IterationContext,
  type IterationResult,
  type PolicyKind,
  type SavablePolicy,
} from './algorithm.ts';
import { heuristicFor, type Actor } from './baselines.ts';
import type { AlgorithmDef } from './definition.ts';

/** Env steps (summed over sub-envs) per iterate(): one update record each. */
const ITERATION_STEPS = 1000;

export type BaselineAgent = 'random' | 'constant' | 'heuristic';
export const BASELINE_AGENTS: readonly BaselineAgent[] = ['random', 'constant', 'heuristic'];

/** What policy.json records as `agent`. */
export type BaselineSpec = { type: 'random' } | { type: 'constant'; action: number[] } | { type: 'heuristic' };

/** Throws unless `action` is a valid constant action for `space` (an index in Discrete(n); a vector in the Box). */
export function checkConstantAction(action: readonly number[], space: Space): void {
  if (space.kind === 'discrete') {
    const a = action[0];
    if (action.length !== 1 || !Number.isInteger(a) || a < 0 || a >= space.n) {
      throw new Error(
        `action must be an integer index in [0, ${space.n - 1}] for ${describeSpace(space)}, got ${JSON.stringify(action.length === 1 ? a : action)}`,
      );
    }
    return;
  }
  const d = flatDim(space);
  if (action.length !== d) throw new Error(`action must have ${d} values for ${describeSpace(space)}, got ${action.length}`);
  for (let i = 0; i < d; i++) {
    const x = action[i];
    if (!Number.isFinite(x) || x < space.low[i] || x > space.high[i]) {
      throw new Error(`action value ${i} must be within [${space.low[i]}, ${space.high[i]}] for ${describeSpace(space)}, got ${x}`);
    }
  }
}

/** A baseline agent as an acting policy over n rows of observations. */
export class BaselinePolicy implements SavablePolicy {
  readonly kind: PolicyKind = 'baseline';
  private readonly obsDim: number;
  private readonly heuristic: Actor | null;

  constructor(
    readonly spec: BaselineSpec,
    readonly env: EnvId,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    /**
     * random's stream when act() is given none (evaluatePolicy's deterministic mode): a fixed seed,
     * so a fresh policy (in memory or loaded) evaluates the same on the same episode seeds.
     */
    private readonly rng: Generator = npRandom(0),
  ) {
    this.obsDim = flatDim(observationSpace);
    if (spec.type === 'constant') checkConstantAction(spec.action, actionSpace);
    // The action space says which of the env's controllers fits (the env options that made it are not kept).
    this.heuristic = spec.type === 'heuristic' ? heuristicFor(env, actionSpace.kind) : null;
  }

  act(obs: Float32Array, n: number, _deterministic: boolean, rng?: Generator): ActionArray {
    const space = this.actionSpace;
    const D = this.obsDim;
    if (space.kind === 'discrete') {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (this.spec.type === 'random') out[i] = (rng ?? this.rng).integers(0, space.n);
        else if (this.spec.type === 'constant') out[i] = this.spec.action[0];
        else out[i] = this.heuristic!.act(obs.subarray(i * D, (i + 1) * D)) as number;
      }
      return out;
    }
    const d = flatDim(space);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      if (this.spec.type === 'random') {
        const g = rng ?? this.rng;
        for (let j = 0; j < d; j++) out[i * d + j] = g.uniform(space.low[j], space.high[j]);
      } else if (this.spec.type === 'constant') {
        out.set(this.spec.action, i * d);
      } else {
        out.set(this.heuristic!.act(obs.subarray(i * D, (i + 1) * D)) as Float32Array, i * d);
      }
    }
    return out;
  }

  /** Uniform for random, one-hot on the chosen action otherwise (Discrete action spaces). */
  actionProbs(obs: Float32Array, n = Math.floor(obs.length / this.obsDim)): Float32Array {
    const space = this.actionSpace;
    if (space.kind !== 'discrete') throw new Error('a Box action space has no action probabilities');
    const p = new Float32Array(n * space.n);
    if (this.spec.type === 'random') return p.fill(1 / space.n);
    const a = this.act(obs, n, true);
    for (let i = 0; i < n; i++) p[i * space.n + a[i]] = 1;
    return p;
  }

  dispose(): void {}
}

/** Steps the envs with a baseline agent; nothing is learned. */
export class BaselineAlgorithm implements Algorithm {
  readonly policy: BaselinePolicy;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;

  constructor(
    readonly id: BaselineAgent,
    { vecEnv, hyperparameters, rng }: AlgorithmOptions,
  ) {
    const hp = withDefaults<{ n_envs: number; action?: number }>(RULES[id], hyperparameters);
    checkNumEnvs(hp.n_envs, vecEnv);
    const env = vecEnv.spec.id;
    if (!isEnvId(env)) throw new Error(`unknown env ${env}`);
    const space = vecEnv.actionSpace;
    const spec: BaselineSpec =
      id === 'constant'
        ? { type: 'constant', action: space.kind === 'discrete' ? [hp.action!] : new Array<number>(flatDim(space)).fill(hp.action!) }
        : { type: id };
    this.vecEnv = vecEnv;
    this.rng = rng;
    this.policy = new BaselinePolicy(spec, env, vecEnv.observationSpace, space);
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    const { vecEnv, policy } = this;
    const N = vecEnv.numEnvs;
    const stepsWanted = Math.max(1, Math.min(ITERATION_STEPS, ctx.totalSteps - ctx.stepsDone));
    let steps = 0;
    while (steps < stepsWanted) {
      vecEnv.step(policy.act(vecEnv.obs, N, false, this.rng));
      steps += N;
      ctx.onEnvStep();
    }
    return { steps, metrics: {} };
  }

  /** Nothing beyond the random stream (the trainer's): a resumed baseline goes on mid-episode. */
  trainingState(): AlgorithmState {
    return {};
  }

  restoreTrainingState(): void {}

  dispose(): void {}
}

// ---------- definitions ----------

const n_envs: Rule = { ...common.n_envs, description: 'Environment copies stepped together.' };
const RULES: Record<BaselineAgent, Rule[]> = {
  random: [n_envs],
  constant: [
    {
      key: 'action',
      type: 'float',
      default: 0,
      description: 'The action taken every step: an index for a Discrete action space; for a Box, this value in every dimension (within the bounds).',
    },
    n_envs,
  ],
  heuristic: [n_envs],
};

const STEPS: Record<EnvId, number> = { 'CartPole-v1': 50_000, 'LunarLander-v3': 100_000 };

export const randomDef: AlgorithmDef = {
  id: 'random',
  name: 'Random',
  description: 'Uniform random actions (a baseline: learns nothing).',
  rules: RULES.random,
  presets: [],
  defaultSteps: STEPS,
  iteration: { perEnv: 1 },
  create: (opts) => new BaselineAlgorithm('random', opts),
};

export const constantDef: AlgorithmDef = {
  id: 'constant',
  name: 'Constant',
  description: 'The same action every step (a baseline: learns nothing).',
  rules: RULES.constant,
  presets: [],
  defaultSteps: STEPS,
  iteration: { perEnv: 1 },
  create: (opts) => new BaselineAlgorithm('constant', opts),
};

export const heuristicDef: AlgorithmDef = {
  id: 'heuristic',
  name: 'Heuristic',
  description: "A hand-written controller (a baseline: learns nothing): CartPole pushes toward the pole's lean; LunarLander uses Gymnasium's heuristic.",
  rules: RULES.heuristic,
  presets: [],
  defaultSteps: STEPS,
  iteration: { perEnv: 1 },
  create: (opts) => new BaselineAlgorithm('heuristic', opts),
};

export const baselineDefs: readonly AlgorithmDef[] = [randomDef, constantDef, heuristicDef];
