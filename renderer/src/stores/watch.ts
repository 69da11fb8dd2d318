/** The Watch view: saved policies (runs, bundled demos, imported files) and one rollout to replay. */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { EnvId, PolicyInfo, RolloutResult } from '../../../preload/contract.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { useLabStore } from './lab.ts';

/** What can act in a rollout: a saved policy, or one of the lab's built-in baseline agents. */
export type Actor = { kind: 'policy'; policy: PolicyInfo } | { kind: 'agent'; agent: 'random' | 'heuristic'; env: EnvId };

const FILE_NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;
// The contract caps each file's base64 at 64 MiB, i.e. 48 MiB of bytes.
const MAX_FILE_BYTES = 48 * 1024 * 1024;

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}

export const useWatchStore = defineStore('watch', () => {
  const lab = useLabStore();
  const client = getLabClient();

  const policies = ref<PolicyInfo[]>([]);
  /** Select value: "policy:<path>" or "agent:<name>:<env>". */
  const selected = ref('');
  const seed = ref('0');
  const deterministic = ref(true);
  const speed = ref(1);
  const result = shallowRef<RolloutResult | null>(null);
  /** What produced `result`, for the label under the canvas. */
  const resultLabel = ref('');
  const busy = ref(false);
  const importing = ref(false);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);

  const actors = computed(() => {
    const list: { value: string; label: string; group: string; actor: Actor }[] = [];
    const groups: Record<PolicyInfo['source'], string> = { demo: 'Bundled demos', run: 'From runs', file: 'Imported' };
    for (const p of policies.value) {
      list.push({ value: `policy:${p.path}`, label: `${p.label} · ${p.env}`, group: groups[p.source], actor: { kind: 'policy', policy: p } });
    }
    for (const e of lab.envs) {
      for (const agent of ['heuristic', 'random'] as const) {
        list.push({ value: `agent:${agent}:${e.id}`, label: `${agent === 'random' ? 'Random' : 'Heuristic'} agent (${e.id})`, group: 'Baselines', actor: { kind: 'agent', agent, env: e.id } });
      }
    }
    return list;
  });

  const selectedActor = computed(() => actors.value.find((a) => a.value === selected.value) ?? null);
  /** False until the user picks something; until then we keep choosing the first entry. */
  let chosen = false;
  // Policies and envs load independently (baselines can arrive before policies): keep the default
  // on the first entry, which lists saved policies before baselines, until the user decides.
  watch(actors, (list) => {
    if (!selectedActor.value || !chosen) selected.value = list[0]?.value ?? '';
  });

  function choose(value: string): void {
    chosen = true;
    selected.value = value;
  }

  const seedError = computed(() => {
    const t = seed.value.trim();
    if (!/^\d+$/.test(t) || Number(t) > 2 ** 32 - 1) return 'seed must be an integer in [0, 4294967295]';
    return null;
  });

  async function loadPolicies(): Promise<void> {
    try {
      policies.value = await client.invoke('listPolicies', {});
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  async function importFiles(files: readonly File[]): Promise<void> {
    error.value = null;
    notice.value = null;
    const bad = files.filter((f) => !FILE_NAME_RE.test(f.name));
    if (bad.length) {
      error.value = `File names may use only letters, digits, ".", "_" and "-": ${bad.map((f) => `"${f.name}"`).join(', ')}.`;
      return;
    }
    const big = files.find((f) => f.size > MAX_FILE_BYTES);
    if (big) {
      error.value = `${big.name} is too large to import (limit 48 MiB).`;
      return;
    }
    if (files.length === 0 || files.length > 16) {
      error.value = 'Choose between 1 and 16 files (model.json, weights.bin and policy.json).';
      return;
    }
    importing.value = true;
    try {
      const payload = await Promise.all(files.map(async (f) => ({ name: f.name, dataBase64: await readAsBase64(f) })));
      const info = await client.invoke('importPolicy', { files: payload });
      await loadPolicies();
      if (!policies.value.some((p) => p.path === info.path)) policies.value = [...policies.value, info];
      choose(`policy:${info.path}`);
      notice.value = `Imported “${info.label}”.`;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      importing.value = false;
    }
  }

  async function rollout(): Promise<void> {
    const a = selectedActor.value;
    if (!a || seedError.value) return;
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      const base = { seed: Number(seed.value.trim()), deterministic: deterministic.value };
      result.value =
        a.actor.kind === 'policy'
          ? await client.invoke('rollout', { ...base, env: a.actor.policy.env, policy: a.actor.policy.path })
          : await client.invoke('rollout', { ...base, env: a.actor.env, agent: a.actor.agent });
      resultLabel.value = a.label;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  }

  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    lab.onConnected(() => void loadPolicies());
    // A run that just ended may have saved a policy worth watching.
    client.on('run:status', (s) => {
      if (s.hasPolicy && s.status !== 'queued' && s.status !== 'running') void loadPolicies();
    });
  }

  return {
    policies,
    actors,
    selected,
    selectedActor,
    choose,
    seed,
    seedError,
    deterministic,
    speed,
    result,
    resultLabel,
    busy,
    importing,
    error,
    notice,
    loadPolicies,
    importFiles,
    rollout,
    start,
  };
});
