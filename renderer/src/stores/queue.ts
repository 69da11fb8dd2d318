/**
 * Where runs train (this machine or a job queue): the lab's setting, its queue's workers while a view
 * shows them (looked at every POLL_MS at most, only while the page is visible), and Test and Save for
 * the Settings dialog.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { QueueProbe, QueueSettings } from '../../../main/lab/domain/queue.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { capacityText } from '../views/settings/queue-text.ts';
import { useLabStore } from './lab.ts';

/** How often a shown capacity line asks again (the lab itself looks at the queue at most every 2 s). */
export const POLL_MS = 5000;

export const useQueueStore = defineStore('queue', () => {
  const client = getLabClient();
  const lab = useLabStore();

  const settings = shallowRef<QueueSettings | null>(null);
  const error = ref<string | null>(null);
  /** The Settings dialog (App.vue shows it; capacity lines and the header open it). */
  const dialogOpen = ref(false);

  /** New runs go to a queue. */
  const onQueue = computed(() => !!settings.value?.queue);
  const capacity = computed(() => capacityText(settings.value, lab.concurrency));

  let inFlight: Promise<void> | null = null;
  function refresh(): Promise<void> {
    inFlight ??= client
      .invoke('queueSettings', {})
      .then((s) => {
        settings.value = s;
        error.value = null;
      })
      .catch((err: unknown) => {
        error.value = errorMessage(err);
      })
      .finally(() => (inFlight = null));
    return inFlight;
  }

  // ---- following while shown ----
  let followers = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  let offConnected: (() => void) | null = null;
  const tick = () => {
    if (document.visibilityState === 'visible' && lab.connected) void refresh();
  };
  const onVisible = () => tick();

  /** A view showing the capacity calls this while mounted; the returned function stops it. */
  function follow(): () => void {
    if (followers++ === 0) {
      timer = setInterval(tick, POLL_MS);
      document.addEventListener('visibilitychange', onVisible);
      offConnected = lab.onConnected(() => void refresh());
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--followers > 0) return;
      if (timer) clearInterval(timer);
      timer = null;
      document.removeEventListener('visibilitychange', onVisible);
      offConnected?.();
      offConnected = null;
    };
  }

  // ---- the dialog's actions ----
  function test(url: string): Promise<QueueProbe> {
    return client.invoke('testQueue', { url });
  }

  async function save(url: string): Promise<QueueSettings> {
    const s = await client.invoke('saveQueue', { url });
    settings.value = s;
    return s;
  }

  return { settings, error, dialogOpen, onQueue, capacity, refresh, follow, test, save };
});
