/**
 * A collapsed policy: one that has become (nearly) deterministic while doing no better than it did at
 * the start — e.g. a learning rate that pushed every logit one way. Training would go on quietly
 * producing nothing, so the run says so (RunSummary.warning, the Train view). Watched for discrete
 * action spaces, where an entropy near zero means one action is always taken.
 */

/** Updates in a row with the entropy under COLLAPSE_ENTROPY_FRACTION of its maximum, log(actions). */
export const COLLAPSE_UPDATES = 20;
export const COLLAPSE_ENTROPY_FRACTION = 0.01;

/** What a resumed run carries on from (training-state.ts). */
export interface CollapseState {
  lowStreak: number;
  startMean: number | null;
  fired: boolean;
}

export class CollapseWatch {
  private lowStreak = 0;
  private startMean: number | null = null;
  private fired = false;

  /** nActions: a discrete action space's size; null (continuous actions) watches nothing. */
  constructor(private readonly nActions: number | null) {}

  getState(): CollapseState {
    return { lowStreak: this.lowStreak, startMean: this.startMean, fired: this.fired };
  }

  setState(s: CollapseState): void {
    this.lowStreak = Number.isSafeInteger(s.lowStreak) ? s.lowStreak : 0;
    this.startMean = typeof s.startMean === 'number' ? s.startMean : null;
    this.fired = s.fired === true;
  }

  /** The mean return of the first 100 episodes: what "no better than at the start" compares with. */
  startedAt(mean100: number): void {
    this.startMean ??= mean100;
  }

  /** After each update: a warning the first time the policy is seen collapsed, else null. */
  update(entropy: number | undefined, mean100: number | null): string | null {
    if (this.fired || this.nActions === null || this.nActions < 2 || entropy === undefined || !Number.isFinite(entropy)) return null;
    this.lowStreak = entropy < COLLAPSE_ENTROPY_FRACTION * Math.log(this.nActions) ? this.lowStreak + 1 : 0;
    if (this.lowStreak < COLLAPSE_UPDATES || this.startMean === null || mean100 === null) return null;
    if (mean100 > this.startMean + Math.max(1, 0.01 * Math.abs(this.startMean))) return null;
    this.fired = true;
    return (
      `the policy collapsed: its entropy has stayed near 0 (${entropy.toPrecision(2)}) for ${this.lowStreak} updates while the ` +
      `mean return (${mean100.toFixed(1)}) is no better than in the first 100 episodes (${this.startMean.toFixed(1)}); ` +
      'try a smaller learning_rate or a larger ent_coef'
    );
  }
}
