/**
 * The Watch view: saved policies (runs, their checkpoints, bundled demos, imported files or zips)
 * and one rollout to replay, with the policy's X-ray per step when a saved policy acted; side by
 * side, a second agent's rollout on the same seed, replayed on the same frame index.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { EnvId } from '../../../main/lab/domain/envs.ts';
import type { PolicyInfo, RolloutResult } from '../../../main/lab/domain/policies.ts';
import type { RequestPayload } from '../../../preload/contract.ts';
import { base64ToBlob, downloadBlob, formatBytes } from '../download.ts';
import { errorMessage, getLabClient } from '../lab-client.ts';
import { policyLabel, policyOption, SOURCE_GROUPS, type PickerOption } from '../policy-picker.ts';
import { carriedEnvOptions, envOptionsToSend, optionErrorCount, optionRows, type EnvOptionEdits, type EnvOptionValues } from '../forms/env-options.ts';
import { useLabStore } from './lab.ts';
import { importSelection } from '../views/watch/import-selection.ts';

/** What can act in a rollout: a saved policy, or one of the lab's built-in baseline agents. */
export type Actor = { kind: 'policy'; policy: PolicyInfo } | { kind: 'agent'; agent: 'random' | 'heuristic'; env: EnvId };

/** Env options recorded with a policy, if the lab lists them (PolicyInfo does not carry them yet). */
const policyEnvOptions = (p: PolicyInfo): EnvOptionValues | undefined => carriedEnvOptions(p);

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
  /** The env to watch; the agent list shows that env's saved policies and its baseline agents. */
  const env = ref<EnvId | ''>('');
  /** Env option fields edited for baseline agents (a policy's env options come from the policy). */
  const optionEdits = ref<EnvOptionEdits>({});
  /** Select value: "policy:<path>" or "agent:<name>:<env>". */
  const selected = ref('');
  const seed = ref('0');
  const deterministic = ref(true);
  const speed = ref(1);
  const result = shallowRef<RolloutResult | null>(null);
  /** What produced `result`, for the label under the canvas. */
  const resultLabel = ref('');
  /** Whether a saved policy produced `result` (baselines have no X-ray). */
  const resultFromPolicy = ref(false);
  const busy = ref(false);
  const importing = ref(false);
  /** GIF export in flight: when it started (for the elapsed-time read-out). */
  const exportStartedAt = ref<number | null>(null);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);
  /** Env options the shown rollout ran with (non-default ones), for its label. */
  const resultOptions = ref<EnvOptionValues>({});

  const envInfo = computed(() => lab.env(env.value || undefined));

  const actors = computed(() => {
    const list: (PickerOption & { actor: Actor })[] = [];
    const e = envInfo.value;
    if (!e) return list;
    for (const p of policies.value) {
      if (p.env !== e.id) continue;
      let label = policyLabel(p);
      let group = SOURCE_GROUPS[p.source];
      // Checkpoints: one group per run, each entry named by its step.
      const cut = p.source === 'checkpoint' ? label.lastIndexOf(' · checkpoint @ ') : -1;
      if (cut >= 0) {
        group = `Checkpoints · ${label.slice(0, cut)}`;
        // "45,056" or "45,056 · best evaluation 500.0" (the run's best periodic evaluation)
        const [at, ...rest] = label.slice(cut + ' · checkpoint @ '.length).split(' · ');
        label = [`@ ${at} steps`, ...rest].join(' · ');
      }
      list.push({ ...policyOption(p, `policy:${p.path}`, group, label), actor: { kind: 'policy', policy: p } });
    }
    for (const agent of ['heuristic', 'random'] as const) {
      const label = `${agent === 'random' ? 'Random' : 'Heuristic'} agent`;
      list.push({ value: `agent:${agent}:${e.id}`, label, title: `${label} on ${e.id}`, group: 'Baselines', actor: { kind: 'agent', agent, env: e.id } });
    }
    return list;
  });

  /** Saved policies the env filter hides, so the view can point at them. */
  const otherEnvPolicies = computed(() => policies.value.filter((p) => p.env !== env.value).length);

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

  /** Until the user picks an env, follow the catalogue's first one. */
  let envChosen = false;
  watch(
    () => lab.envs,
    (envs) => {
      if (!envChosen || !envs.some((e) => e.id === env.value)) env.value = envs[0]?.id ?? '';
    },
    { immediate: true },
  );

  /** A new env starts from its default options; a baseline pick carries over to the new env's baseline. */
  function setEnv(id: EnvId): void {
    envChosen = true;
    if (id === env.value) return;
    const current = selectedActor.value?.actor;
    env.value = id;
    optionEdits.value = {};
    if (current?.kind === 'agent') choose(`agent:${current.agent}:${id}`);
  }

  const optionRowsNow = computed(() => {
    const a = selectedActor.value?.actor;
    if (a?.kind === 'policy') {
      // Shown read-only: what the policy was trained with when the lab says, else the defaults.
      return optionRows(envInfo.value, {}, policyEnvOptions(a.policy) ?? {});
    }
    return optionRows(envInfo.value, optionEdits.value);
  });
  const optionErrors = computed(() => (selectedActor.value?.actor.kind === 'policy' ? 0 : optionErrorCount(optionRowsNow.value)));
  const policyOptionsKnown = computed(() => {
    const a = selectedActor.value?.actor;
    return a?.kind === 'policy' && policyEnvOptions(a.policy) !== undefined;
  });

  function setOption(key: string, value: boolean | string): void {
    optionEdits.value = { ...optionEdits.value, [key]: value };
  }
  function resetOption(key: string): void {
    const next = { ...optionEdits.value };
    delete next[key];
    optionEdits.value = next;
  }

  const seedError = computed(() => {
    const t = seed.value.trim();
    if (!/^\d+$/.test(t) || Number(t) > 2 ** 32 - 1) return 'seed must be an integer in [0, 4294967295]';
    return null;
  });

  /** The saved policies have been listed once (the preselection is final only then). */
  const policiesListed = ref(false);
  async function loadPolicies(): Promise<void> {
    try {
      policies.value = await client.invoke('listPolicies', {});
      policiesListed.value = true;
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  async function importFiles(files: readonly File[]): Promise<void> {
    error.value = null;
    notice.value = null;
    const sel = importSelection(files);
    if ('error' in sel) {
      error.value = sel.error;
      return;
    }
    importing.value = true;
    try {
      const payload = await Promise.all(sel.files.map(async (f) => ({ name: f.name, dataBase64: await readAsBase64(f.file) })));
      const info = await client.invoke('importPolicy', { files: payload, ...(sel.name ? { name: sel.name } : {}) });
      await loadPolicies();
      if (!policies.value.some((p) => p.path === info.path)) policies.value = [...policies.value, info];
      setEnv(info.env);
      choose(`policy:${info.path}`);
      notice.value = `Imported “${info.label}”.`;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      importing.value = false;
    }
  }

  /** The rollout request for the current settings, or null while they are incomplete or invalid. */
  const request = computed((): RequestPayload<'rollout'> | null => {
    const a = selectedActor.value;
    if (!a || seedError.value || optionErrors.value) return null;
    const base = { seed: Number(seed.value.trim()), deterministic: deterministic.value };
    if (a.actor.kind === 'policy') {
      const recorded = policyEnvOptions(a.actor.policy);
      return { ...base, env: a.actor.policy.env, policy: a.actor.policy.path, ...(recorded ? { envOptions: recorded } : {}) };
    }
    return { ...base, env: a.actor.env, agent: a.actor.agent, envOptions: envOptionsToSend(optionRowsNow.value) };
  });

  // ---------- side by side: a second agent on the same seed ----------
  /** Whether Watch rolls out a second agent beside the first. */
  const sideBySide = ref(false);
  /** The second agent's select value (same forms as `selected`). */
  const selectedB = ref('');
  const selectedActorB = computed(() => actors.value.find((a) => a.value === selectedB.value) ?? null);
  // Until the user picks one, the second agent is the first entry that differs from the first agent.
  let chosenB = false;
  watch(
    [actors, selected],
    ([list]) => {
      if (!selectedActorB.value || !chosenB) selectedB.value = list.find((a) => a.value !== selected.value)?.value ?? list[0]?.value ?? '';
    },
    { immediate: true },
  );
  function chooseB(value: string): void {
    chosenB = true;
    selectedB.value = value;
  }
  /** The second agent's request: the same seed and action mode, and the first's env options unless it is a policy with its own. */
  const requestB = computed((): RequestPayload<'rollout'> | null => {
    const a = selectedActorB.value;
    const first = request.value;
    if (!sideBySide.value || !a || !first) return null;
    const base = { seed: first.seed, deterministic: first.deterministic };
    if (a.actor.kind === 'policy') {
      const recorded = policyEnvOptions(a.actor.policy) ?? first.envOptions;
      return { ...base, env: a.actor.policy.env, policy: a.actor.policy.path, ...(recorded ? { envOptions: recorded } : {}) };
    }
    return { ...base, env: a.actor.env, agent: a.actor.agent, envOptions: first.envOptions ?? {} };
  });

  /** One side of what is shown: the episode, what produced it and with which env options. */
  interface Shown {
    result: RolloutResult;
    label: string;
    fromPolicy: boolean;
    options: EnvOptionValues;
  }
  const shownB = shallowRef<Shown | null>(null);

  const describe = (a: PickerOption & { actor: Actor }): string =>
    a.actor.kind === 'policy' ? `${a.group === 'From runs' ? '' : `${a.group} · `}${a.label}` : `${a.label} · ${a.actor.env}`;

  async function rollout(): Promise<void> {
    const a = selectedActor.value;
    const req = request.value;
    const b = selectedActorB.value;
    const reqB = requestB.value;
    if (!a || !req) return;
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      // Both episodes arrive together, so the two sides start on the same frame.
      const [r, rB] = await Promise.all([client.invoke('rollout', req), b && reqB ? client.invoke('rollout', reqB) : Promise.resolve(null)]);
      result.value = r;
      resultLabel.value = describe(a);
      resultFromPolicy.value = a.actor.kind === 'policy';
      resultOptions.value = { ...(req.envOptions ?? {}) };
      shownB.value =
        b && reqB && rB ? { result: rB, label: describe(b), fromPolicy: b.actor.kind === 'policy', options: { ...(reqB.envOptions ?? {}) } } : null;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  }

  /**
   * The first episode, once: Watch opens on the preselected agent's episode (a bundled demo on a
   * fresh lab) instead of an empty stage. Later episodes wait for "Run episode".
   */
  let autoRan = false;
  function rolloutOnce(): void {
    if (autoRan || !policiesListed.value || result.value || busy.value || !lab.ready || !request.value) return;
    autoRan = true;
    void rollout();
  }

  /**
   * The current settings' episode as a GIF, encoded by the lab, saved through a download; side by
   * side, one GIF of both agents on the seed, each captioned with its name.
   */
  async function exportGif(): Promise<void> {
    const req = request.value;
    const a = selectedActor.value;
    const b = selectedActorB.value;
    const reqB = requestB.value;
    if (!req || !a || exportStartedAt.value !== null) return;
    exportStartedAt.value = Date.now();
    error.value = null;
    notice.value = null;
    try {
      const beside = b && reqB ? { env: reqB.env, envOptions: reqB.envOptions, policy: reqB.policy, agent: reqB.agent, label: describe(b) } : undefined;
      const gif = await client.invoke('exportGif', { ...req, fps: 50, ...(beside ? { label: describe(a), beside } : {}) });
      downloadBlob(base64ToBlob(gif.dataBase64, 'image/gif'), gif.fileName);
      notice.value = `Saved ${gif.fileName} · ${formatBytes(gif.bytes)} · ${gif.frames} frames.`;
    } catch (err) {
      error.value = `GIF export failed: ${errorMessage(err)}`;
    } finally {
      exportStartedAt.value = null;
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
    env,
    envInfo,
    setEnv,
    otherEnvPolicies,
    optionRows: optionRowsNow,
    optionErrors,
    policyOptionsKnown,
    setOption,
    resetOption,
    request,
    exportStartedAt,
    exportGif,
    resultOptions,
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
    resultFromPolicy,
    busy,
    importing,
    error,
    notice,
    loadPolicies,
    importFiles,
    rollout,
    rolloutOnce,
    policiesListed,
    sideBySide,
    selectedB,
    selectedActorB,
    chooseB,
    requestB,
    shownB,
    start,
  };
});
