/** What the lab is and offers: system info, environments, algorithms, and the connection to it. */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { AlgoId, AlgoInfo } from '../../../main/lab/domain/algorithms.ts';
import type { EnvId, EnvInfo } from '../../../main/lab/domain/envs.ts';
import type { SystemInfo } from '../../../main/lab/domain/system.ts';
import { errorMessage, getLabClient, type ConnectionState } from '../lab-client.ts';

export const useLabStore = defineStore('lab', () => {
  const client = getLabClient();

  const connection = ref<ConnectionState>(client.connection);
  const info = ref<SystemInfo | null>(null);
  const envs = shallowRef<EnvInfo[]>([]);
  const algos = shallowRef<AlgoInfo[]>([]);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  const connected = computed(() => connection.value.phase === 'open');
  /** True once the lab has answered the catalogue requests on the current connection. */
  const ready = computed(() => connected.value && info.value !== null && loadError.value === null);
  const mode = computed(() => info.value?.mode ?? client.mode);
  /** Runs the lab trains at once (its CPU cores); more wait in its queue. Null until known. */
  const concurrency = computed(() => info.value?.concurrency ?? null);

  const envById = computed(() => new Map(envs.value.map((e) => [e.id, e])));
  const algoById = computed(() => new Map(algos.value.map((a) => [a.id, a])));

  function env(id: EnvId | null | undefined): EnvInfo | undefined {
    return id ? envById.value.get(id) : undefined;
  }
  function algo(id: AlgoId | null | undefined): AlgoInfo | undefined {
    return id ? algoById.value.get(id) : undefined;
  }

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [i, e, a] = await Promise.all([client.invoke('systemInfo', {}), client.invoke('listEnvs', {}), client.invoke('listAlgos', {})]);
      info.value = i;
      envs.value = e;
      algos.value = a;
      loadError.value = null;
    } catch (err) {
      loadError.value = errorMessage(err);
    } finally {
      loading.value = false;
    }
  }

  const openListeners = new Set<() => void>();
  let started = false;

  /** Starts tracking the connection; (re)loads the catalogue and notifies others on every (re)connect. */
  function start(): void {
    if (started) return;
    started = true;
    // onConnected() already ran listeners registered while open; only transitions notify again.
    let lastPhase = connection.value.phase;
    client.onConnection((state) => {
      connection.value = state;
      const opened = state.phase === 'open' && lastPhase !== 'open';
      lastPhase = state.phase;
      if (opened || (state.phase === 'open' && info.value === null && !loading.value)) void load();
      if (opened) for (const l of openListeners) l();
    });
  }

  /** Other stores refresh here: events sent while we were disconnected are lost. */
  function onConnected(listener: () => void): () => void {
    openListeners.add(listener);
    if (connection.value.phase === 'open') listener();
    return () => openListeners.delete(listener);
  }

  function retryNow(): void {
    client.retryNow();
  }

  return { connection, info, envs, algos, loading, loadError, connected, ready, mode, concurrency, env, algo, load, start, onConnected, retryNow };
});
