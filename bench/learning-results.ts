/** One learning-benchmark run as `bench:learning --json` prints it (read back by table.ts). */
import type { AlgoId } from '../main/lab/domain/algorithms.ts';
import type { EnvId } from '../main/lab/domain/envs.ts';
import type { TrainerConfig } from '../main/lab/training/trainer-config.ts';

export interface LearningRun {
  setup: string;
  /** The target in words, and whether every seed must meet it (else a majority). */
  goal: string;
  everySeed: boolean;
  /** Step budget of the target (null: an episode budget or none). */
  within: number | null;
  algo: AlgoId;
  env: EnvId;
  envOptions: TrainerConfig['envOptions'];
  seed: number;
  solved: boolean;
  solvedAtStep: number | null;
  solvedAtEpisode: number | null;
  solvedAtSeconds: number | null;
  steps: number;
  budget: number;
  wallSeconds: number;
  sps: number;
  mean100: number | null;
  /** Eval-criterion setups: each evaluation [step, mean] and the final policy's mean. */
  evals?: [number, number][];
  /** 100-episode deterministic evaluation of the final policy (mean, population std). */
  finalEval: number | null;
  finalEvalStd: number | null;
  backend: string;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The numbers of a list that may hold nulls (a run that never reached its target). */
export function known(xs: (number | null)[]): number[] {
  return xs.filter((x): x is number => x !== null);
}
