/** Hyperparameters as they travel and as each rule describes itself (the rules themselves: main/lab/training/hyperparameters.ts). */
import { z } from 'zod';

/** Hyperparameter values as they travel: JSON scalars or small arrays (net_arch). */
export const HyperValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);
export type HyperValue = z.infer<typeof HyperValue>;
export const Hyperparameters = z.record(z.string().max(64), HyperValue);
export type Hyperparameters = z.infer<typeof Hyperparameters>;

export interface HyperparameterSpec {
  key: string;
  type: 'int' | 'float' | 'bool' | 'enum' | 'int[]' | 'schedule';
  default: HyperValue;
  min?: number;
  max?: number;
  /** Values above max are refused unless the run is forced (StartRunRequest.force); forced, up to this. */
  forcedMax?: number;
  choices?: string[];
  description: string;
}
