/**
 * The wrappers gymnasium.make applies: TimeLimit (truncation) and OrderEnforcing (reset before step).
 * Behaviour follows Gymnasium 1.3.0, including what happens when an episode is stepped past its end.
 */
import { ResetNeeded, type Action, type Env, type EnvSpec, type RenderState, type ResetOptions, type ResetResult, type StepResult } from './env.ts';
import type { Space } from './spaces.ts';

/** Delegates everything to the inner env; subclasses override what they change. */
export class Wrapper implements Env {
  readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  get spec(): EnvSpec {
    return this.env.spec;
  }

  get observationSpace(): Space {
    return this.env.observationSpace;
  }

  get actionSpace(): Space {
    return this.env.actionSpace;
  }

  /** The innermost env (Gymnasium's env.unwrapped). */
  get unwrapped(): Env {
    let e: Env = this.env;
    while (e instanceof Wrapper) e = e.env;
    return e;
  }

  reset(opts?: ResetOptions): ResetResult {
    return this.env.reset(opts);
  }

  step(action: Action): StepResult {
    return this.env.step(action);
  }

  renderState(): RenderState {
    return this.env.renderState();
  }

  close(): void {
    this.env.close();
  }
}

/**
 * Sets truncated = true once the elapsed step count reaches maxEpisodeSteps. Like Gymnasium it does
 * not stop the env: further steps keep returning truncated = true with the inner env's reward.
 */
export class TimeLimit extends Wrapper {
  readonly maxEpisodeSteps: number;
  private elapsed = 0;
  private readonly wrappedSpec: EnvSpec;

  constructor(env: Env, maxEpisodeSteps: number = env.spec.maxEpisodeSteps) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new Error(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
    // The spec reports the limit actually applied (gymnasium.make(max_episode_steps=...) does the same).
    this.wrappedSpec = maxEpisodeSteps === env.spec.maxEpisodeSteps ? env.spec : Object.freeze({ ...env.spec, maxEpisodeSteps });
  }

  override get spec(): EnvSpec {
    return this.wrappedSpec;
  }

  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  override reset(opts?: ResetOptions): ResetResult {
    this.elapsed = 0;
    return this.env.reset(opts);
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) r.truncated = true;
    return r;
  }
}

/** Throws ResetNeeded when step() is called before the first reset(). */
export class OrderEnforcing extends Wrapper {
  private hasReset = false;

  override reset(opts?: ResetOptions): ResetResult {
    this.hasReset = true; // set before the inner reset, as Gymnasium does
    return this.env.reset(opts);
  }

  override step(action: Action): StepResult {
    if (!this.hasReset) throw new ResetNeeded('Cannot call env.step() before calling env.reset()');
    return this.env.step(action);
  }

  /** Whether reset() has been called (Gymnasium's has_reset). */
  get hasResetBeenCalled(): boolean {
    return this.hasReset;
  }
}
