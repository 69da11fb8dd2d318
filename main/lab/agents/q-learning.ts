/**
 * Tabular Q-learning (Watkins 1989) over binned observations (see obs-binning.ts):
 *   δ = r + γ · (1 − terminated) · max_a' Q(s', a') − Q(s, a),   Q(s, a) ← Q(s, a) + α · δ
 * one update per env step, acting ε-greedily on Q. At a time-limit truncation s' is the binned
 * final observation (bootstrapped, like DQN); at termination there is no bootstrap.
 *
 * Exploration decays multiplicatively per finished episode (the usual tabular recipe, and episodes
 * are what a table learns from): ε_k = max(exploration_final_eps, exploration_initial_eps · exploration_decay^k)
 * after k episodes. α may be a constant or "lin_<x>" (linear decay over the step budget).
 * The saved policy acts greedily (argmax, ties → lowest index); "stochastic" acting is ε-greedy
 * with exploration_final_eps. No tfjs: the table is a Float64Array [states × actions].
 */
import type { Generator } from '../envs/numpy-rng.ts';
import type { VecEnv } from '../envs/env.ts';
import type { Space } from '../envs/spaces.ts';
import { common, withDefaults, parseSchedule, type Schedule } from '../training/hyperparameters.ts';
import { defineRules, type HyperparamsOf } from '../domain/hyperparameters.ts';
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
import type { AlgorithmDef, PresetOf } from './definition.ts';
import { MAX_STATES, binSpecFor, numStates, stateIndex, validateBinSpec, type BinSpec } from './obs-binning.ts';

/** Env steps (summed over sub-envs) per iterate(): one update record each. */
const ITERATION_STEPS = 1000;

/** Greedy (or ε-greedy) actions from a Q-table over binned observations. */
export class QTablePolicy implements SavablePolicy {
  readonly kind: PolicyKind = 'q-table';
  readonly nStates: number;
  readonly nActions: number;
  private readonly obsDim: number;

  constructor(
    readonly binning: BinSpec,
    /** [nStates × nActions] row-major. */
    readonly table: Float64Array,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    /** ε of stochastic acting (ε-greedy). */
    readonly epsilon: number,
  ) {
    if (actionSpace.kind !== 'discrete') throw new Error('a Q-table needs a Discrete action space');
    if (observationSpace.kind !== 'box') throw new Error('a Q-table needs a Box observation space');
    this.obsDim = observationSpace.shape.reduce((a, b) => a * b, 1);
    validateBinSpec(binning, this.obsDim);
    this.nStates = numStates(binning);
    this.nActions = actionSpace.n;
    if (table.length !== this.nStates * this.nActions)
      throw new Error(`Q-table has ${table.length} values, the binning needs ${this.nStates} × ${this.nActions}`);
    if (!(epsilon >= 0 && epsilon <= 1)) throw new Error(`epsilon must be in [0, 1], got ${epsilon}`);
  }

  static zeros(binning: BinSpec, observationSpace: Space, actionSpace: Space, epsilon: number): QTablePolicy {
    const n = actionSpace.kind === 'discrete' ? actionSpace.n : 0;
    return new QTablePolicy(binning, new Float64Array(numStates(binning) * n), observationSpace, actionSpace, epsilon);
  }

  state(obs: ArrayLike<number>, row = 0): number {
    return stateIndex(this.binning, obs, row * this.obsDim);
  }

  /** argmax_a Q(s, a), ties to the lowest index (np.argmax). */
  greedy(s: number): number {
    const A = this.nActions;
    const t = this.table;
    let best = 0;
    let bv = t[s * A];
    for (let a = 1; a < A; a++) {
      if (t[s * A + a] > bv) {
        bv = t[s * A + a];
        best = a;
      }
    }
    return best;
  }

  maxQ(s: number): number {
    return this.table[s * this.nActions + this.greedy(s)];
  }

  /** ε-greedy: a uniform action with probability ε (one draw decides, a second picks), else greedy. */
  epsilonGreedy(s: number, eps: number, rng: Generator): number {
    if (eps > 0 && rng.random() < eps) return rng.integers(0, this.nActions);
    return this.greedy(s);
  }

  act(obs: Float32Array, n: number, deterministic: boolean, rng?: Generator): Int32Array {
    if (!deterministic && !rng) throw new Error('stochastic act() needs a Generator');
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = this.state(obs, i);
      out[i] = deterministic ? this.greedy(s) : this.epsilonGreedy(s, this.epsilon, rng!);
    }
    return out;
  }

  /** The ε-greedy distribution: ε/n everywhere plus 1 − ε on the greedy action. */
  actionProbs(obs: Float32Array, n = Math.floor(obs.length / this.obsDim)): Float32Array {
    const A = this.nActions;
    const p = new Float32Array(n * A).fill(this.epsilon / A);
    for (let i = 0; i < n; i++) p[i * A + this.greedy(this.state(obs, i))] += 1 - this.epsilon;
    return p;
  }

  /** max_a Q(s, a) per row (the greedy policy's value; Watch's X-ray and Insights show it). */
  values(obs: Float32Array, n: number): Float32Array {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.maxQ(this.state(obs, i));
    return v;
  }

  dispose(): void {}
}

export class QLearning implements Algorithm {
  readonly id = 'q-learning' as const;
  readonly hp: QLearningHyperparameters;
  readonly policy: QTablePolicy;
  private readonly vecEnv: VecEnv;
  private readonly rng: Generator;
  private readonly alpha: Schedule;
  private epsilon: number;
  private readonly visited: Uint8Array;
  private statesVisited = 0;
  /** Current state of each sub-env. */
  private readonly states: Int32Array;
  private readonly actions: Int32Array;

  constructor({ vecEnv, hyperparameters, rng }: AlgorithmOptions) {
    const hp = (this.hp = withDefaults<QLearningHyperparameters>(RULES, hyperparameters));
    checkNumEnvs(hp.n_envs, vecEnv);
    const why = supports(vecEnv.observationSpace, vecEnv.actionSpace);
    if (why) throw new Error(why);
    this.vecEnv = vecEnv;
    this.rng = rng;
    const binning = binSpecFor(vecEnv.spec.id, vecEnv.observationSpace, hp.bins);
    this.policy = QTablePolicy.zeros(binning, vecEnv.observationSpace, vecEnv.actionSpace, hp.exploration_final_eps);
    this.alpha = parseSchedule(hp.learning_rate);
    this.epsilon = hp.exploration_initial_eps;
    this.visited = new Uint8Array(this.policy.nStates);
    this.states = new Int32Array(vecEnv.numEnvs);
    this.actions = new Int32Array(vecEnv.numEnvs);
    for (let i = 0; i < vecEnv.numEnvs; i++) this.states[i] = this.visit(this.policy.state(vecEnv.obs, i));
  }

  private visit(s: number): number {
    if (!this.visited[s]) {
      this.visited[s] = 1;
      this.statesVisited++;
    }
    return s;
  }

  async iterate(ctx: IterationContext): Promise<IterationResult> {
    const { hp, vecEnv, policy, states, actions } = this;
    const N = vecEnv.numEnvs;
    const A = policy.nActions;
    const Q = policy.table;
    const stepsWanted = Math.max(1, Math.min(ITERATION_STEPS, ctx.totalSteps - ctx.stepsDone));
    let steps = 0;
    let absTd = 0;
    let updates = 0;
    let alpha = this.alpha(1 - ctx.stepsDone / ctx.totalSteps);
    while (steps < stepsWanted) {
      // ---- act ε-greedily, step ----
      for (let i = 0; i < N; i++) actions[i] = policy.epsilonGreedy(states[i], this.epsilon, this.rng);
      vecEnv.step(actions);
      steps += N;
      alpha = this.alpha(1 - (ctx.stepsDone + steps) / ctx.totalSteps);
      // ---- one Q-learning update per sub-env ----
      for (let i = 0; i < N; i++) {
        const terminated = vecEnv.terminated[i] === 1;
        const ended = terminated || vecEnv.truncated[i] === 1;
        // Truncation bootstraps from the final observation; termination does not bootstrap.
        const next = this.visit(policy.state(ended ? vecEnv.finalObs : vecEnv.obs, i));
        const target = vecEnv.rewards[i] + (terminated ? 0 : hp.gamma * policy.maxQ(next));
        const k = states[i] * A + actions[i];
        const delta = target - Q[k];
        Q[k] += alpha * delta;
        absTd += Math.abs(delta);
        updates++;
        if (ended) {
          this.epsilon = Math.max(hp.exploration_final_eps, this.epsilon * hp.exploration_decay);
          states[i] = this.visit(policy.state(vecEnv.obs, i)); // the next episode's reset observation
        } else {
          states[i] = next;
        }
      }
      ctx.onEnvStep();
    }
    return {
      steps,
      metrics: { td_error: absTd / updates, epsilon: this.epsilon, learning_rate: alpha, states_visited: this.statesVisited },
    };
  }

  /** ε, the visited states and each env's current state (the table itself is the policy file). */
  trainingState(): AlgorithmState {
    return { epsilon: this.epsilon, visited: this.visited.slice(), statesVisited: this.statesVisited, states: this.states.slice() };
  }

  restoreTrainingState(s: AlgorithmState, opts: { freshEpisodes: boolean }): void {
    const { epsilon, visited, statesVisited, states } = s;
    const fits =
      typeof epsilon === 'number' &&
      visited instanceof Uint8Array &&
      visited.length === this.visited.length &&
      Number.isSafeInteger(statesVisited) &&
      states instanceof Int32Array &&
      states.length === this.states.length;
    if (!fits) throw new Error('the saved Q-learning state does not fit this table and these envs');
    this.epsilon = epsilon;
    this.visited.set(visited);
    this.statesVisited = statesVisited as number;
    this.states.set(states);
    // Fresh episodes: each env's state is its new reset observation's.
    if (opts.freshEpisodes) for (let i = 0; i < this.vecEnv.numEnvs; i++) this.states[i] = this.visit(this.policy.state(this.vecEnv.obs, i));
  }

  dispose(): void {}
}

function supports(observationSpace: Space, actionSpace: Space): string | null {
  if (actionSpace.kind !== 'discrete') return 'tabular Q-learning needs a Discrete action space (use the discrete env, e.g. LunarLander-v3 without continuous)';
  if (observationSpace.kind !== 'box') return 'tabular Q-learning bins Box observations';
  return null;
}

// ---------- definition: hyperparameters and presets ----------

const RULES = defineRules({
  learning_rate: {
    type: 'schedule',
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    max: 1,
    description: 'Step size α of the tabular update; "lin_<x>" decays linearly to 0 over the run.',
  },
  gamma: common.gamma,
  exploration_initial_eps: { type: 'float', default: 1.0, min: 0, max: 1, description: 'ε of ε-greedy exploration at the start.' },
  exploration_final_eps: {
    type: 'float',
    default: 0.01,
    min: 0,
    max: 1,
    description: 'Floor of ε (also the ε of stochastic acting with the saved policy).',
  },
  exploration_decay: {
    type: 'float',
    default: 0.995,
    min: 0,
    exclusiveMin: true,
    max: 1,
    description: 'ε is multiplied by this after every finished episode (down to exploration_final_eps).',
  },
  bins: {
    type: 'int[]',
    default: [],
    min: 1,
    max: 1000,
    description: `Bins per observation dimension, e.g. 1,1,6,12 for CartPole (x, ẋ, θ, θ̇); empty = the env's default. Clip ranges are the env's defaults (saved with the policy). At most ${MAX_STATES.toLocaleString('en-US')} states.`,
  },
  n_envs: { ...common.n_envs, description: 'Environment copies stepped together (all update the one table).' },
});

export type QLearningHyperparameters = HyperparamsOf<typeof RULES>;

const PRESETS: PresetOf<QLearningHyperparameters>[] = [
  {
    name: 'classic',
    env: 'CartPole-v1',
    description: 'Classic tabular CartPole: the pole binned 6 (θ) × 12 (θ̇), the cart ignored; α 0.1, γ 0.99, ε 1 → 0.01 decaying ×0.995 per episode.',
    steps: 2_000_000,
    values: { learning_rate: 0.1, gamma: 0.99, exploration_initial_eps: 1, exploration_final_eps: 0.01, exploration_decay: 0.995, bins: [1, 1, 6, 12] },
  },
];

export const qLearningDef: AlgorithmDef = {
  id: 'q-learning',
  name: 'Q-learning (tabular)',
  description:
    'Tabular Q-learning (Watkins 1989) on binned observations: one TD update per step, ε-greedy exploration decaying per episode; saves the Q-table.',
  rules: RULES,
  presets: PRESETS,
  defaultSteps: { 'CartPole-v1': 2_000_000, 'LunarLander-v3': 2_000_000 },
  iteration: { perEnv: 1 },
  crossCheck: (v) => {
    if (Array.isArray(v.bins) && v.bins.length && v.bins.reduce((a, b) => a * b, 1) > MAX_STATES) {
      throw new Error(`bins makes ${v.bins.reduce((a, b) => a * b, 1)} states (${v.bins.join('×')}); at most ${MAX_STATES} are supported`);
    }
  },
  supports,
  create: (opts) => new QLearning(opts),
};
