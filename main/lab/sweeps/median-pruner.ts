/**
 * Median pruning, as the zoo's Optuna MedianPruner does it: at each rung (a quarter, half and three
 * quarters of the step budget) a run reports its 100-episode training mean; once at least
 * `minReports` other runs have reported at that rung, a run below their median is stopped. Training
 * mean, not the objective itself, because it is what every run has at every rung.
 */
export const RUNG_FRACTIONS = [0.25, 0.5, 0.75] as const;

export interface PruneDecision {
  rung: number;
  step: number;
  value: number;
  median: number;
  others: number;
}

export class MedianPruner {
  readonly rungSteps: number[];
  private readonly minReports: number;
  /** Per rung, the values reported so far by run id. */
  readonly reports: Map<string, number>[];

  constructor(totalSteps: number, minReports = 2) {
    this.rungSteps = RUNG_FRACTIONS.map((f) => Math.max(1, Math.round(totalSteps * f)));
    this.minReports = minReports;
    this.reports = this.rungSteps.map(() => new Map());
  }

  /** The run's value at a rung it just reached; a decision when it should stop. */
  report(runId: string, rung: number, value: number): PruneDecision | null {
    const at = this.reports[rung];
    const others = [...at.values()];
    at.set(runId, value);
    if (others.length < this.minReports) return null;
    const m = median(others);
    return value < m ? { rung, step: this.rungSteps[rung], value, median: m, others: others.length } : null;
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
