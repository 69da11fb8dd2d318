/**
 * The checks the Train and Sweep forms share: the seeds (a list or a range), the step budget (blank:
 * the preset's), the evaluation episodes, what Start sends for the budget and the preset, and when
 * Start may be pressed. Each form hands in its draft and adds its own checks.
 */
import { computed } from 'vue';
import { parseSeeds } from '../../../main/lab/domain/seeds.ts';
import { parseCount } from './hyperparams.ts';

/** "1_000" and "1,000" are a thousand. */
export const toCount = (text: string): number => Number(text.replace(/[_,]/g, ''));

/** The draft fields both forms name alike. */
export interface RunDraftFields {
  readonly env: string;
  readonly algo: string;
  readonly steps: string;
  readonly evalEpisodes: string;
  /** A preset's name, or '' for the algorithm's defaults. */
  readonly preset: string;
}

/** What differs between the forms: where the seeds are typed, the preset the name resolves to, the stores' state. */
export interface RunFormState {
  seeds(): string;
  preset(): { steps: number } | null;
  /** The lab's catalogue has arrived. */
  ready(): boolean;
  /** A start is under way. */
  starting(): boolean;
}

export function useRunChecks(d: RunDraftFields, f: RunFormState) {
  const seedParse = computed(() => parseSeeds(f.seeds()));
  const seeds = computed(() => ('seeds' in seedParse.value ? seedParse.value.seeds : []));
  const seedError = computed(() => ('error' in seedParse.value ? seedParse.value.error : null));
  const stepsError = computed(() => {
    const t = d.steps.trim();
    if (t === '') return f.preset() || !f.ready() ? null : 'set a step budget (no preset selected)';
    const n = toCount(t);
    return Number.isInteger(n) && n >= 1 && n <= 1e9 ? null : 'integer in [1, 1e9]';
  });
  /** The budget Start sends: the one typed, else the preset's (neither: the lab's default). */
  const steps = computed(() => {
    const t = d.steps.trim();
    return t ? toCount(t) : f.preset()?.steps;
  });
  // "algorithm defaults" must say so: without a preset name the lab picks the env's tuned preset.
  const presetToSend = computed(() => d.preset || 'none');
  const evalEpisodes = computed(() => parseCount(d.evalEpisodes, { max: 10_000 }, 'integer in [0, 10000]'));

  /**
   * Start may be pressed: the catalogue is in, an env and an algorithm are chosen, there is a seed,
   * no shared field is in error, the form's own fields are fine (`ownFieldsOk`), and no start is under way.
   */
  const canStart = (ownFieldsOk: () => boolean) =>
    computed(
      () =>
        f.ready() &&
        !!d.env &&
        !!d.algo &&
        seeds.value.length > 0 &&
        !seedError.value &&
        !stepsError.value &&
        !evalEpisodes.value.error &&
        ownFieldsOk() &&
        !f.starting(),
    );

  return { seeds, seedError, stepsError, steps, presetToSend, evalEpisodes, canStart };
}
