/**
 * A run's detail (getRun: configuration, metrics, recorded episodes) for the Runs library's panels,
 * loaded when the run is opened and again when its status changes (a run that trains on records
 * more episodes); a newer request wins over a slower older one.
 */
import { ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { RunDetail } from '../../../../main/lab/domain/runs.ts';
import { errorMessage, getLabClient } from '../../lab-client.ts';

export function useRunDetails(
  runIds: () => readonly string[],
  version: () => unknown,
): { details: ShallowRef<RunDetail[]>; error: Ref<string | null>; loading: Ref<boolean>; reload: () => Promise<void> } {
  const client = getLabClient();
  const details = shallowRef<RunDetail[]>([]);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let token = 0;

  async function reload(): Promise<void> {
    const ids = runIds();
    const mine = ++token;
    loading.value = true;
    try {
      const list = await Promise.all(ids.map((runId) => client.invoke('getRun', { runId })));
      if (mine !== token) return;
      details.value = list;
      error.value = null;
    } catch (err) {
      if (mine === token) error.value = errorMessage(err);
    } finally {
      if (mine === token) loading.value = false;
    }
  }

  watch(() => [runIds().join('\n'), version()], reload, { immediate: true });
  return { details, error, loading, reload };
}
