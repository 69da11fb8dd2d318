/**
 * CartPole-v1, a port of Gymnasium 1.3.0's CartPoleEnv (classic Barto–Sutton–Anderson cart-pole,
 * Euler integration). The state is float64 and only the observation is cast to float32, exactly as
 * Gymnasium does, so seeded trajectories match the recorded reference data.
 */
import { CARTPOLE } from '../domain/env-defs/cartpole.ts';
import { ResetNeeded, type Action, type Env, type EnvSpec, type RenderState, type ResetOptions, type ResetResult, type StepResult } from './env.ts';
import { npRandom, type Generator } from './numpy-rng.ts';
import { box, discrete, type BoxSpace, type DiscreteSpace } from './spaces.ts';
import { envWarn } from './warnings.ts';

// Physical constants (Gymnasium CartPoleEnv.__init__); derived ones computed the same way.
export const GRAVITY = 9.8;
export const MASSCART = 1.0;
export const MASSPOLE = 0.1;
export const TOTAL_MASS = MASSPOLE + MASSCART;
/** Half the pole's length. */
export const LENGTH = 0.5;
export const POLEMASS_LENGTH = MASSPOLE * LENGTH;
export const FORCE_MAG = 10.0;
/** Seconds between state updates. */
export const TAU = 0.02;
/** 12° in radians, written as Gymnasium computes it (same rounding). */
export const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
export const X_THRESHOLD = 2.4;
/** Default reset bounds: every state variable ~ U(−0.05, 0.05). */
export const RESET_LOW = -0.05;
export const RESET_HIGH = 0.05;

export const CARTPOLE_SPEC: EnvSpec = Object.freeze({ id: CARTPOLE.id, ...CARTPOLE.spec });

export const STEP_AFTER_TERMINATED_WARNING =
  "You are calling 'step()' even though this environment has already returned terminated = True. " +
  "You should always call 'reset()' once you receive 'terminated = True' -- any further steps are undefined behavior.";

/** Observation bounds: twice the termination thresholds, so a failing observation is still in bounds. */
export function cartPoleObservationSpace(): BoxSpace {
  // Gymnasium uses float32 max for the velocities; our Box contract writes unbounded as ±Infinity.
  const high = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD_RADIANS * 2, Infinity];
  return box(
    high.map((v) => -v),
    high,
  );
}

export function cartPoleActionSpace(): DiscreteSpace {
  return discrete(2);
}

/** Struct-of-arrays float64 state; the single env uses length-1 arrays so both share one physics routine. */
export interface CartPoleArrays {
  readonly x: Float64Array;
  readonly xDot: Float64Array;
  readonly theta: Float64Array;
  readonly thetaDot: Float64Array;
}

export function cartPoleArrays(n: number): CartPoleArrays {
  return { x: new Float64Array(n), xDot: new Float64Array(n), theta: new Float64Array(n), thetaDot: new Float64Array(n) };
}

/**
 * One Euler step of row i under action 0 (push left) or 1 (push right); returns `terminated`.
 * The operation order mirrors Gymnasium's Python expressions so float64 rounding is identical
 * (up to Math.sin/cos vs glibc in the last ulp). Callers validate the action.
 */
export function cartPolePhysicsStep(s: CartPoleArrays, i: number, action: number): boolean {
  const x = s.x[i];
  const xDot = s.xDot[i];
  const theta = s.theta[i];
  const thetaDot = s.thetaDot[i];
  const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
  const costheta = Math.cos(theta);
  const sintheta = Math.sin(theta);
  const temp = (force + POLEMASS_LENGTH * (thetaDot * thetaDot) * sintheta) / TOTAL_MASS;
  const thetaacc = (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - (MASSPOLE * (costheta * costheta)) / TOTAL_MASS));
  const xacc = temp - (POLEMASS_LENGTH * thetaacc * costheta) / TOTAL_MASS;
  const nx = x + TAU * xDot;
  const ntheta = theta + TAU * thetaDot;
  s.x[i] = nx;
  s.xDot[i] = xDot + TAU * xacc;
  s.theta[i] = ntheta;
  s.thetaDot[i] = thetaDot + TAU * thetaacc;
  return nx < -X_THRESHOLD || nx > X_THRESHOLD || ntheta < -THETA_THRESHOLD_RADIANS || ntheta > THETA_THRESHOLD_RADIANS;
}

/** Draws a reset state for row i: four uniforms in the order x, x_dot, theta, theta_dot. */
export function cartPoleResetRow(s: CartPoleArrays, i: number, rng: Generator, low = RESET_LOW, high = RESET_HIGH): void {
  s.x[i] = rng.uniform(low, high);
  s.xDot[i] = rng.uniform(low, high);
  s.theta[i] = rng.uniform(low, high);
  s.thetaDot[i] = rng.uniform(low, high);
}

/** Gymnasium's utils.maybe_parse_reset_bounds: reset options may override the (−0.05, 0.05) bounds. */
export function parseResetBounds(options: Record<string, unknown> | undefined): [number, number] {
  if (!options) return [RESET_LOW, RESET_HIGH];
  const low = 'low' in options ? options.low : RESET_LOW;
  const high = 'high' in options ? options.high : RESET_HIGH;
  if (typeof low !== 'number' || !Number.isFinite(low)) throw new Error(`CartPole-v1 reset option "low" must be a finite number, got ${String(low)}`);
  if (typeof high !== 'number' || !Number.isFinite(high)) throw new Error(`CartPole-v1 reset option "high" must be a finite number, got ${String(high)}`);
  if (low > high) throw new Error(`CartPole-v1 reset options: low (${low}) must not exceed high (${high})`);
  return [low, high];
}

export function checkCartPoleAction(action: unknown): 0 | 1 {
  if (action === 0 || action === 1) return action;
  let shown: string;
  try {
    shown = ArrayBuffer.isView(action) ? `${action.constructor.name}[${String(action)}]` : (JSON.stringify(action) ?? String(action));
  } catch {
    shown = String(action);
  }
  throw new Error(`CartPole-v1: invalid action ${shown}; the action space is Discrete(2), so the action must be the number 0 (push left) or 1 (push right)`);
}

export interface CartPoleOptions {
  /** Gymnasium's `sutton_barto_reward`: 0 per step, −1 on termination (default false: +1 per step). */
  suttonBartoReward?: boolean;
}

export class CartPoleEnv implements Env {
  readonly spec: EnvSpec = CARTPOLE_SPEC;
  readonly observationSpace: BoxSpace = cartPoleObservationSpace();
  readonly actionSpace: DiscreteSpace = cartPoleActionSpace();
  private readonly s = cartPoleArrays(1);
  private hasState = false;
  /** null until the pole falls; then counts steps taken after termination (Gymnasium's steps_beyond_terminated). */
  private stepsBeyondTerminated: number | null = null;
  private rngInstance: Generator | undefined;
  private readonly suttonBartoReward: boolean;

  constructor(opts: CartPoleOptions = {}) {
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
  }

  /** The env's generator (Gymnasium's np_random); created from OS entropy on first use if never seeded. */
  get rng(): Generator {
    if (!this.rngInstance) this.rngInstance = npRandom();
    return this.rngInstance;
  }

  set rng(g: Generator) {
    this.rngInstance = g;
  }

  /** The float64 internal state [x, x_dot, theta, theta_dot], or null before the first reset. */
  get state(): [number, number, number, number] | null {
    if (!this.hasState) return null;
    return [this.s.x[0], this.s.xDot[0], this.s.theta[0], this.s.thetaDot[0]];
  }

  /** Overwrites the float64 state (for replaying recorded states and tests); the episode flags are kept. */
  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) throw new Error(`CartPole state needs 4 values, got ${state.length}`);
    for (let k = 0; k < 4; k++) if (!Number.isFinite(state[k])) throw new Error(`CartPole state[${k}] must be finite, got ${state[k]}`);
    this.s.x[0] = state[0];
    this.s.xDot[0] = state[1];
    this.s.theta[0] = state[2];
    this.s.thetaDot[0] = state[3];
    this.hasState = true;
  }

  get unwrapped(): CartPoleEnv {
    return this;
  }

  reset(opts: ResetOptions = {}): ResetResult {
    if (opts.seed !== undefined) this.rngInstance = npRandom(opts.seed);
    const [low, high] = parseResetBounds(opts.options);
    cartPoleResetRow(this.s, 0, this.rng, low, high);
    this.hasState = true;
    this.stepsBeyondTerminated = null;
    return { obs: this.observe(), info: {} };
  }

  step(action: Action): StepResult {
    const a = checkCartPoleAction(action);
    if (!this.hasState) throw new ResetNeeded('Call reset before using step method.');
    const terminated = cartPolePhysicsStep(this.s, 0, a);
    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0.0 : 1.0;
    } else if (this.stepsBeyondTerminated === null) {
      // The pole just fell: this step still earns the normal reward.
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1.0 : 1.0;
    } else {
      if (this.stepsBeyondTerminated === 0) envWarn(STEP_AFTER_TERMINATED_WARNING);
      this.stepsBeyondTerminated += 1;
      reward = this.suttonBartoReward ? -1.0 : 0.0;
    }
    return { obs: this.observe(), reward, terminated, truncated: false, info: {} };
  }

  renderState(): RenderState {
    return { env: 'CartPole-v1', x: this.s.x[0], theta: this.s.theta[0] };
  }

  close(): void {
    // Nothing to release; rendering lives elsewhere.
  }

  /** float32 cast of the float64 state (Float32Array stores round-to-nearest, like numpy's astype). */
  private observe(): Float32Array {
    const o = new Float32Array(4);
    o[0] = this.s.x[0];
    o[1] = this.s.xDot[0];
    o[2] = this.s.theta[0];
    o[3] = this.s.thetaDot[0];
    return o;
  }
}
