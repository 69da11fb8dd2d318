/** What the trainer runs: a run's configuration, defined (and checked) once in the domain. */
export type { RunConfig as TrainerConfig } from '../domain/runs.ts';
