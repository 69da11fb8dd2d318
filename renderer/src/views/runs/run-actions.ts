/**
 * What every action on a run in the Runs library shares: the line that reports how it went (a
 * notice or an error, one at a time), the run's busy flag while the lab works on it, and putting
 * the summary the lab answers with into the shared run list; and "train again", which fills the
 * Train form from a run's configuration and switches to it. RunsView provides it; the table's
 * cells, panels and dialogs use it.
 */
import { inject, provide, ref, type InjectionKey, type Ref } from 'vue';
import type { RunConfig, RunSummary } from '../../../../main/lab/domain/runs.ts';
import { errorMessage } from '../../lab-client.ts';
import { useLabStore } from '../../stores/lab.ts';
import { useRunsStore } from '../../stores/runs.ts';
import { draftFromConfig } from './run-config.ts';

export interface RunActions {
  notice: Ref<string | null>;
  error: Ref<string | null>;
  /** Shows `ok` as the notice, or `err` as the error; report(null) clears both. */
  report(ok: string | null, err?: string | null): void;
  /** Per-run busy flags: "export-csv", "rename", … */
  busy: Ref<Record<string, string>>;
  /** Runs `fn` with the run marked busy as `what`; a failure is reported and gives null. */
  withBusy<T>(runId: string, what: string, fn: () => Promise<T>): Promise<T | null>;
  /** Replaces a summary in the shared run list (the lab also sends it as a run:status event). */
  upsert(s: RunSummary): void;
  /** Fills the Train form with `config` (with these seeds, else its own) and shows the Train tab. */
  trainAgain(config: RunConfig, tags: readonly string[], seeds?: readonly number[]): void;
}

const KEY: InjectionKey<RunActions> = Symbol('run-actions');

export function provideRunActions(opts: { openTrain: () => void }): RunActions {
  const runsStore = useRunsStore();
  const lab = useLabStore();
  const notice = ref<string | null>(null);
  const error = ref<string | null>(null);
  function report(ok: string | null, err: string | null = null): void {
    notice.value = ok;
    error.value = err;
  }

  const busy = ref<Record<string, string>>({});
  async function withBusy<T>(runId: string, what: string, fn: () => Promise<T>): Promise<T | null> {
    busy.value = { ...busy.value, [runId]: what };
    try {
      return await fn();
    } catch (err) {
      report(null, errorMessage(err));
      return null;
    } finally {
      const { [runId]: _, ...rest } = busy.value;
      busy.value = rest;
    }
  }

  function upsert(s: RunSummary): void {
    const i = runsStore.runs.findIndex((r) => r.runId === s.runId);
    if (i === -1) runsStore.runs.push(s);
    else runsStore.runs[i] = s;
  }

  function trainAgain(config: RunConfig, tags: readonly string[], seeds?: readonly number[]): void {
    runsStore.setDraft(draftFromConfig(config, { tags, algo: lab.algo(config.algo), ...(seeds ? { seeds } : {}) }));
    opts.openTrain();
  }

  const actions: RunActions = { notice, error, report, busy, withBusy, upsert, trainAgain };
  provide(KEY, actions);
  return actions;
}

export function useRunActions(): RunActions {
  const a = inject(KEY);
  if (!a) throw new Error('useRunActions() outside RunsView');
  return a;
}
