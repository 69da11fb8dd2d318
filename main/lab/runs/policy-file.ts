/**
 * A saved policy is a folder with policy.json — {format: 'policy-lab.policy', version: 1, kind, env,
 * spaces, algo, …} — and the files its kind needs:
 *   kind 'mlp-actor' (the default when `kind` is absent: files written before kinds existed)
 *     model.json   tfjs LayersModel (Dense stack) topology + weights manifest (loadable by tf.loadLayersModel;
 *                  the lab itself reads it with model-file.ts, which validates before building anything)
 *     weights.bin  float32 weights
 *     policy.json  for a Box action space, `logStd`: the diagonal Gaussian's learned log σ per action
 *                  dimension (state-independent, so it is not part of the network; the model outputs the means)
 *   kind 'q-network' (DQN): model.json + weights.bin of the Q-network (one output per action);
 *     policy.json `head: 'q'` (act by argmax) and `epsilon` (of ε-greedy stochastic acting)
 *   kind 'q-table' (tabular Q-learning): qtable.bin, float64 little-endian [states × actions];
 *     policy.json `binning` {bins, low, high}, `qTable` {file, dtype, shape} and `epsilon`
 *   kind 'baseline': policy.json `agent` — {type: 'random' | 'heuristic'} or {type: 'constant', action: [...]}
 * Files are written (models through our own tf.io IOHandler on plain node:fs) into a temp folder
 * renamed into place, so a crash never leaves a half-written policy.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AlgoId } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import type { HyperValue } from '../domain/hyperparameters.ts';
import { MlpPolicy, POLICY_KINDS, type PolicyKind, type SavablePolicy } from '../agents/algorithm.ts';
import { BASELINE_AGENTS, BaselinePolicy, checkConstantAction, type BaselineSpec } from '../agents/baseline-algos.ts';
import { QNetworkPolicy } from '../agents/dqn.ts';
import { numStates, validateBinSpec, type BinSpec } from '../agents/obs-binning.ts';
import { QTablePolicy } from '../agents/q-learning.ts';
import { ensureEnvReady, isEnvId, isEnvImplemented, makeEnv } from '../envs/registry.ts';
import { actionDim, describeSpace, flatDim, spacesEqual, type Space } from '../envs/spaces.ts';
import { DiagGaussian, distributionFor } from '../nn/distributions.ts';
import { toLayersModel, type Activation, type Mlp } from '../nn/mlp.ts';
import { MODEL_LIMITS, ModelFileError, checkModel, checkRegularFile, readModel, readRegularFile } from './model-file.ts';

export type { PolicyKind } from '../agents/algorithm.ts';

export const POLICY_FORMAT = 'policy-lab.policy';
export const POLICY_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const META_FILE = 'policy.json';
export const QTABLE_FILE = 'qtable.bin';
/** Largest q-table read (50 M float64 entries, 400 MB): far above any binning this lab offers. */
const QTABLE_MAX_ENTRIES = 50_000_000;

export interface QTableFileInfo {
  file: typeof QTABLE_FILE;
  dtype: 'float64';
  /** [states, actions] */
  shape: [number, number];
}

export interface PolicyMeta {
  format: typeof POLICY_FORMAT;
  version: typeof POLICY_VERSION;
  /** 'mlp-actor' when policy.json has none (files from before policy kinds). */
  kind: PolicyKind;
  env: EnvId;
  envOptions: Record<string, HyperValue>;
  observationSpace: Space;
  actionSpace: Space;
  algo: AlgoId;
  /** Training env steps when saved. */
  steps: number;
  evalMean: number | null;
  evalStd: number | null;
  /** Network kinds (mlp-actor, q-network): hidden widths and activation of model.json. */
  netArch?: number[];
  activation?: Activation;
  /** mlp-actor with a Box action space only: log σ per action dimension of the diagonal Gaussian policy. */
  logStd?: number[];
  /** q-network: the model outputs one Q-value per action (acts by argmax). */
  head?: 'q';
  /** q-network, q-table: ε of ε-greedy stochastic acting. */
  epsilon?: number;
  /** q-table: how observations map to table rows, and the table file. */
  binning?: BinSpec;
  qTable?: QTableFileInfo;
  /** baseline: which agent. */
  agent?: BaselineSpec;
  createdAt: string;
  /** Present when critic/ holds the value network. */
  critic?: { netArch: number[]; activation: Activation };
}

export type PolicyFileErrorCode = 'missing' | 'corrupt' | 'format' | 'version' | 'kind' | 'env' | 'space' | 'model';

/** Why a policy folder could not be loaded; `code` lets callers tell the cases apart. */
export class PolicyFileError extends Error {
  constructor(
    readonly code: PolicyFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyFileError';
  }
}

/**
 * A policy read back from disk, of any kind: the in-memory class of its kind (MlpPolicy,
 * QNetworkPolicy, QTablePolicy, BaselinePolicy; narrow with instanceof) with the metadata attached.
 * Acts exactly like the policy that was saved; dispose() frees it.
 */
export interface LoadedPolicy extends SavablePolicy {
  readonly meta: PolicyMeta;
  readonly dir: string;
  /** V(s) per row, when the folder holds the critic the policy was trained with (critic/). */
  values?(obs: Float32Array, n: number): Float32Array;
  /** That critic itself (owned by this policy: freed by dispose()), e.g. to continue training. */
  readonly critic?: Mlp;
}

/** Sub-folder holding the value network (same tfjs files), for the X-ray and Insights. */
export const CRITIC_DIR = 'critic';

function loaded<P extends SavablePolicy>(policy: P, meta: PolicyMeta, dir: string): P & LoadedPolicy {
  return Object.assign(policy, { meta, dir });
}

// ---------- tf.io handler on the local filesystem ----------

function fsHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('binary model topologies are not supported');
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, MODEL_FILE), JSON.stringify(modelJson));
      await writeFile(join(dir, WEIGHTS_FILE), Buffer.from(weightData));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },
  };
}

/** A regular file of the policy folder, at most `max` bytes (exactly `exact` when given); see model-file.ts. */
async function readBytes(path: string, what: string, max: number, exact?: number): Promise<ArrayBuffer> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(path, what, max, exact);
  } catch (e) {
    if (e instanceof ModelFileError) throw new PolicyFileError(e.code, e.message);
    throw e;
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = Buffer.from(await readBytes(path, what, MODEL_LIMITS.maxMetaBytes)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new PolicyFileError('corrupt', `${what} is not valid JSON`);
  }
}

// ---------- save ----------

export interface SavePolicyInfo {
  env: EnvId;
  envOptions?: Record<string, HyperValue>;
  algo: AlgoId;
  steps: number;
  evalMean?: number | null;
  evalStd?: number | null;
  /** The critic V(s) (one output), saved beside the policy so the X-ray and Insights can show values. */
  critic?: Mlp | null;
}

const finiteOrNull = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** What each kind adds to policy.json, and the network or table it writes beside it. */
function policyBody(policy: SavablePolicy): { fields: Partial<PolicyMeta>; net?: Mlp; files?: [string, Uint8Array][] } {
  if (policy instanceof MlpPolicy) {
    return {
      fields: {
        kind: 'mlp-actor',
        netArch: [...policy.net.spec.netArch],
        activation: policy.net.spec.activation,
        ...(policy.distribution instanceof DiagGaussian ? { logStd: Array.from(policy.distribution.getLogStd()) } : {}),
      },
      net: policy.net,
    };
  }
  if (policy instanceof QNetworkPolicy) {
    return {
      fields: { kind: 'q-network', head: 'q', netArch: [...policy.net.spec.netArch], activation: policy.net.spec.activation, epsilon: policy.epsilon },
      net: policy.net,
    };
  }
  if (policy instanceof QTablePolicy) {
    const bytes = new Uint8Array(policy.table.length * 8);
    const view = new DataView(bytes.buffer);
    policy.table.forEach((q, k) => view.setFloat64(k * 8, q, true));
    const { bins, low, high } = policy.binning;
    return {
      fields: {
        kind: 'q-table',
        binning: { bins: [...bins], low: [...low], high: [...high] },
        qTable: { file: QTABLE_FILE, dtype: 'float64', shape: [policy.nStates, policy.nActions] },
        epsilon: policy.epsilon,
      },
      files: [[QTABLE_FILE, bytes]],
    };
  }
  if (policy instanceof BaselinePolicy) return { fields: { kind: 'baseline', agent: structuredClone(policy.spec) } };
  throw new Error(`cannot save a policy of kind "${policy.kind}"`);
}

/** Writes `policy` (any kind) to folder `dir` (replacing it) and returns the metadata written. */
export async function savePolicy(dir: string, policy: SavablePolicy, info: SavePolicyInfo): Promise<PolicyMeta> {
  const body = policyBody(policy);
  const meta: PolicyMeta = {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    kind: policy.kind,
    env: info.env,
    envOptions: { ...(info.envOptions ?? {}) },
    observationSpace: policy.observationSpace,
    actionSpace: policy.actionSpace,
    algo: info.algo,
    steps: info.steps,
    evalMean: finiteOrNull(info.evalMean),
    evalStd: finiteOrNull(info.evalStd),
    ...body.fields,
    createdAt: new Date().toISOString(),
  };
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    if (body.net) {
      const model = toLayersModel(body.net);
      try {
        await model.save(fsHandler(tmp));
      } finally {
        model.dispose();
      }
    }
    if (info.critic) {
      if (info.critic.spec.outputDim !== 1) throw new Error(`a critic has one output, not ${info.critic.spec.outputDim}`);
      await mkdir(join(tmp, CRITIC_DIR));
      const model = toLayersModel(info.critic);
      try {
        await model.save(fsHandler(join(tmp, CRITIC_DIR)));
      } finally {
        model.dispose();
      }
      meta.critic = { netArch: [...info.critic.spec.netArch], activation: info.critic.spec.activation };
    }
    for (const [name, bytes] of body.files ?? []) await writeFile(join(tmp, name), bytes);
    await writeFile(join(tmp, META_FILE), JSON.stringify(meta, null, 2) + '\n');
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return meta;
}

// ---------- load ----------

function isSpace(s: unknown): s is Space {
  if (!s || typeof s !== 'object') return false;
  const o = s as Record<string, unknown>;
  if (o.kind === 'discrete') return Number.isInteger(o.n) && (o.n as number) >= 1;
  if (o.kind === 'box') return Array.isArray(o.shape) && Array.isArray(o.low) && Array.isArray(o.high);
  return false;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function checkMeta(raw: unknown, path: string, expectEnv: string | undefined): PolicyMeta {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyFileError('corrupt', `${path} must hold a JSON object`);
  const m = raw as Record<string, unknown>;
  if (m.format !== POLICY_FORMAT)
    throw new PolicyFileError('format', `${path} is not a Policy Lab policy (format ${JSON.stringify(m.format ?? null)}, expected "${POLICY_FORMAT}")`);
  if (m.version !== POLICY_VERSION)
    throw new PolicyFileError('version', `${path} has policy format version ${JSON.stringify(m.version ?? null)}; this build reads version ${POLICY_VERSION}`);
  const kind = (m.kind ?? 'mlp-actor') as PolicyKind;
  if (!POLICY_KINDS.includes(kind))
    throw new PolicyFileError('kind', `${path} has unknown policy kind ${JSON.stringify(m.kind)} (this build reads ${POLICY_KINDS.join(', ')})`);
  if (typeof m.env !== 'string' || !isEnvId(m.env)) throw new PolicyFileError('env', `${path} names an unknown env ${JSON.stringify(m.env ?? null)}`);
  if (expectEnv !== undefined && m.env !== expectEnv) throw new PolicyFileError('env', `env mismatch: the policy was trained on ${m.env}, not ${expectEnv}`);
  if (!isSpace(m.observationSpace) || !isSpace(m.actionSpace)) throw new PolicyFileError('corrupt', `${path} has no valid observationSpace/actionSpace`);
  if (typeof m.algo !== 'string' || m.algo === '') throw new PolicyFileError('corrupt', `${path} has no algo name`);
  const num = (k: string): number | null => (isFiniteNumber(m[k]) ? (m[k] as number) : null);
  const obsSpace = m.observationSpace;
  const actSpace = m.actionSpace;
  const needsDiscrete = (what: string) => {
    if (actSpace.kind !== 'discrete')
      throw new PolicyFileError('space', `${path}: a ${what} policy needs a Discrete action space, not ${describeSpace(actSpace)}`);
  };
  const readEpsilon = (): number => {
    if (m.epsilon === undefined) return 0;
    if (!isFiniteNumber(m.epsilon) || m.epsilon < 0 || m.epsilon > 1)
      throw new PolicyFileError('corrupt', `${path} has "epsilon" ${JSON.stringify(m.epsilon)}; it must be a number in [0, 1]`);
    return m.epsilon;
  };
  const kindFields: Partial<PolicyMeta> = {};

  if (kind === 'mlp-actor' || kind === 'q-network') {
    kindFields.netArch = Array.isArray(m.netArch) ? (m.netArch as number[]) : [];
    kindFields.activation = (m.activation as Activation) ?? 'tanh';
  }
  if (kind === 'mlp-actor') {
    if (actSpace.kind === 'box') {
      const d = flatDim(actSpace);
      const ls = m.logStd;
      if (!Array.isArray(ls) || ls.length !== d || !ls.every(isFiniteNumber)) {
        throw new PolicyFileError(
          'corrupt',
          `${path} needs "logStd": ${d} finite numbers (the Gaussian policy's log σ for its ${describeSpace(actSpace)} action space)`,
        );
      }
      kindFields.logStd = [...(ls as number[])];
    } else if (m.logStd !== undefined) {
      throw new PolicyFileError('corrupt', `${path} has "logStd" but a ${describeSpace(actSpace)} action space (only Box action spaces have a Gaussian log σ)`);
    }
  } else if (kind === 'q-network') {
    needsDiscrete('q-network');
    if (m.head !== undefined && m.head !== 'q')
      throw new PolicyFileError('corrupt', `${path} has head ${JSON.stringify(m.head)}; a q-network policy has head "q"`);
    kindFields.head = 'q';
    kindFields.epsilon = readEpsilon();
  } else if (kind === 'q-table') {
    needsDiscrete('q-table');
    if (obsSpace.kind !== 'box') throw new PolicyFileError('space', `${path}: a q-table policy bins a Box observation space, not ${describeSpace(obsSpace)}`);
    const b = m.binning as Partial<BinSpec> | undefined;
    if (!b || typeof b !== 'object' || !Array.isArray(b.bins) || !Array.isArray(b.low) || !Array.isArray(b.high)) {
      throw new PolicyFileError('corrupt', `${path} needs "binning": {bins, low, high} (one entry per observation dimension)`);
    }
    const obsDim = flatDim(obsSpace);
    if (b.bins.length !== obsDim || b.low.length !== obsDim || b.high.length !== obsDim) {
      throw new PolicyFileError(
        'space',
        `${path}: binning has ${b.bins.length} bins, ${b.low.length} lows and ${b.high.length} highs, but the observation space ${describeSpace(obsSpace)} has ${obsDim} dimensions`,
      );
    }
    const binning: BinSpec = { bins: [...b.bins], low: [...b.low], high: [...b.high] };
    try {
      validateBinSpec(binning, obsDim);
    } catch (e) {
      throw new PolicyFileError('corrupt', `${path}: invalid binning: ${(e as Error).message}`);
    }
    const t = m.qTable as Partial<QTableFileInfo> | undefined;
    const nStates = numStates(binning);
    const nActions = actionDim(actSpace);
    if (!t || typeof t !== 'object' || t.file !== QTABLE_FILE || t.dtype !== 'float64' || !Array.isArray(t.shape)) {
      throw new PolicyFileError('corrupt', `${path} needs "qTable": {file: "${QTABLE_FILE}", dtype: "float64", shape: [states, actions]}`);
    }
    if (t.shape.length !== 2 || t.shape[0] !== nStates || t.shape[1] !== nActions) {
      throw new PolicyFileError(
        'corrupt',
        `${path}: q-table shape ${JSON.stringify(t.shape)} does not fit the binning (${binning.bins.join('×')} = ${nStates} states) and ${describeSpace(actSpace)} ([${nStates}, ${nActions}] needed)`,
      );
    }
    kindFields.binning = binning;
    kindFields.qTable = { file: QTABLE_FILE, dtype: 'float64', shape: [nStates, nActions] };
    kindFields.epsilon = readEpsilon();
  } else {
    const a = m.agent as Record<string, unknown> | undefined;
    const type = a && typeof a === 'object' ? a.type : undefined;
    if (typeof type !== 'string' || !(BASELINE_AGENTS as readonly string[]).includes(type)) {
      throw new PolicyFileError(
        'corrupt',
        `${path} needs "agent": {type: ${BASELINE_AGENTS.map((x) => `"${x}"`).join(' | ')}}, got ${JSON.stringify(m.agent ?? null)}`,
      );
    }
    if (type === 'constant') {
      const action = a!.action;
      if (!Array.isArray(action) || !action.every(isFiniteNumber))
        throw new PolicyFileError('corrupt', `${path}: a constant agent needs "action": a list of numbers, got ${JSON.stringify(action ?? null)}`);
      try {
        checkConstantAction(action, actSpace);
      } catch (e) {
        throw new PolicyFileError('space', `${path}: constant ${(e as Error).message}`);
      }
      kindFields.agent = { type: 'constant', action: [...action] };
    } else {
      kindFields.agent = { type: type as 'random' | 'heuristic' };
    }
  }
  return {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    kind,
    env: m.env,
    envOptions: m.envOptions && typeof m.envOptions === 'object' && !Array.isArray(m.envOptions) ? (m.envOptions as Record<string, HyperValue>) : {},
    observationSpace: obsSpace,
    actionSpace: actSpace,
    algo: m.algo as AlgoId,
    steps: num('steps') ?? 0,
    evalMean: num('evalMean'),
    evalStd: num('evalStd'),
    ...kindFields,
    ...(m.critic !== undefined ? { critic: readCritic(m.critic, path) } : {}),
    createdAt: typeof m.createdAt === 'string' ? m.createdAt : '',
  };
}

function readCritic(c: unknown, path: string): { netArch: number[]; activation: Activation } {
  const o = c as { netArch?: unknown; activation?: unknown } | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.netArch) || !o.netArch.every((x) => Number.isInteger(x) && x > 0) || typeof o.activation !== 'string') {
    throw new PolicyFileError('corrupt', `${path}: "critic" must be {netArch: [widths], activation}, got ${JSON.stringify(c)}`);
  }
  return { netArch: [...(o.netArch as number[])], activation: o.activation as Activation };
}

export interface LoadPolicyOptions {
  /** Reject a policy trained on another env. */
  env?: string;
  /**
   * The env options the policy will be run with: reject it unless the env made with them has the
   * policy's spaces (e.g. a continuous LunarLander policy for the discrete env). Default: the
   * options recorded in policy.json.
   */
  envOptions?: Record<string, unknown>;
}

/**
 * Throws PolicyFileError('space') unless `env` (made with `envOptions`) has the policy's
 * observation and action spaces. For callers that run a cached LoadedPolicy in an env of their own.
 */
export function checkPolicyFitsEnv(
  meta: Pick<PolicyMeta, 'env' | 'envOptions' | 'observationSpace' | 'actionSpace'>,
  env: { observationSpace: Space; actionSpace: Space },
  envOptions?: Record<string, unknown>,
): void {
  const where = envOptions === undefined ? meta.env : `${meta.env} with env options ${JSON.stringify(envOptions)}`;
  const trained = envOptions === undefined ? '' : ` (the policy was trained with env options ${JSON.stringify(meta.envOptions)})`;
  if (!spacesEqual(env.observationSpace, meta.observationSpace)) {
    throw new PolicyFileError(
      'space',
      `observation space mismatch: policy.json has ${describeSpace(meta.observationSpace)}, ${where} has ${describeSpace(env.observationSpace)}${trained}`,
    );
  }
  if (!spacesEqual(env.actionSpace, meta.actionSpace)) {
    throw new PolicyFileError(
      'space',
      `action space mismatch: policy.json has ${describeSpace(meta.actionSpace)}, ${where} has ${describeSpace(env.actionSpace)}${trained}`,
    );
  }
}

/**
 * Reads and validates a policy folder. Throws PolicyFileError: missing files, corrupt JSON or
 * weights, wrong format/version, unknown or mismatched env, spaces that disagree with the env or
 * with the model's input/output shapes.
 */
export async function loadPolicy(dir: string, opts: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new PolicyFileError('missing', `policy folder not found: ${basename(dir)}`);
  }
  const metaPath = join(dir, META_FILE);
  const meta = checkMeta(await readJson(metaPath, 'policy.json'), META_FILE, opts.env);

  // The spaces recorded must be the env's (with the recorded options, then with the caller's) …
  if (isEnvImplemented(meta.env)) {
    const spacesOf = (options: Record<string, unknown>, what: string) => {
      let env;
      try {
        env = makeEnv(meta.env, options);
      } catch (e) {
        throw new PolicyFileError('env', `${what} for ${meta.env}: ${(e as Error).message}`);
      }
      const spaces = { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
      env.close();
      return spaces;
    };
    try {
      await ensureEnvReady(meta.env); // e.g. LunarLander's physics engine loads asynchronously
    } catch (e) {
      throw new PolicyFileError('env', `${meta.env} could not be set up: ${(e as Error).message}`);
    }
    checkPolicyFitsEnv(meta, spacesOf(meta.envOptions, `${META_FILE}: invalid envOptions`));
    if (opts.envOptions !== undefined) checkPolicyFitsEnv(meta, spacesOf(opts.envOptions, 'invalid env options'), opts.envOptions);
  }

  // … and the kind's own files must fit them.
  const policy = await loadKind(dir, meta);
  if (meta.critic && existsSync(join(dir, CRITIC_DIR, MODEL_FILE))) {
    let critic: Mlp;
    try {
      critic = await loadNet(
        join(dir, CRITIC_DIR),
        { ...meta, actionSpace: { kind: 'box', shape: [1], low: [-Infinity], high: [Infinity] } },
        `${CRITIC_DIR}/`,
      );
    } catch (e) {
      policy.dispose();
      throw e;
    }
    const dispose = policy.dispose.bind(policy);
    return Object.assign(policy, {
      critic,
      values: (obs: Float32Array, n: number) => Float32Array.from(critic.forward(obs, n)),
      dispose: () => {
        dispose();
        critic.dispose();
      },
    });
  }
  return policy;
}

async function loadKind(dir: string, meta: PolicyMeta): Promise<LoadedPolicy> {
  switch (meta.kind) {
    case 'mlp-actor': {
      const net = await loadNet(dir, meta);
      let dist;
      try {
        dist = distributionFor(meta.actionSpace, { logStdInit: meta.logStd });
        return loaded(new MlpPolicy(net, dist, meta.observationSpace, meta.actionSpace), meta, dir);
      } catch (e) {
        net.dispose();
        dist?.dispose();
        throw new PolicyFileError('model', `policy: ${(e as Error).message}`);
      }
    }
    case 'q-network': {
      const net = await loadNet(dir, meta);
      try {
        return loaded(new QNetworkPolicy(net, meta.observationSpace, meta.actionSpace, meta.epsilon ?? 0), meta, dir);
      } catch (e) {
        net.dispose();
        throw new PolicyFileError('model', `policy: ${(e as Error).message}`);
      }
    }
    case 'q-table': {
      const path = join(dir, QTABLE_FILE);
      const bytes = await readBytes(path, QTABLE_FILE, 8 * QTABLE_MAX_ENTRIES, meta.qTable!.shape[0] * meta.qTable!.shape[1] * 8);
      const [nStates, nActions] = meta.qTable!.shape;
      if (bytes.byteLength !== nStates * nActions * 8) {
        throw new PolicyFileError(
          'corrupt',
          `${QTABLE_FILE} has ${bytes.byteLength} bytes, the q-table [${nStates}, ${nActions}] of float64 needs ${nStates * nActions * 8}`,
        );
      }
      const view = new DataView(bytes);
      const table = new Float64Array(nStates * nActions);
      for (let k = 0; k < table.length; k++) {
        table[k] = view.getFloat64(k * 8, true);
        if (!Number.isFinite(table[k])) throw new PolicyFileError('corrupt', `${QTABLE_FILE} holds a non-finite Q-value (${table[k]}) at entry ${k}`);
      }
      try {
        return loaded(new QTablePolicy(meta.binning!, table, meta.observationSpace, meta.actionSpace, meta.epsilon ?? 0), meta, dir);
      } catch (e) {
        throw new PolicyFileError('corrupt', `policy: ${(e as Error).message}`);
      }
    }
    case 'baseline':
      try {
        return loaded(new BaselinePolicy(meta.agent!, meta.env, meta.observationSpace, meta.actionSpace), meta, dir);
      } catch (e) {
        throw new PolicyFileError('corrupt', `policy: ${(e as Error).message}`);
      }
  }
}

/**
 * The part of loadPolicy that is bounded work whatever the folder holds: policy.json's schema, each
 * network's declared layers against the limits and the policy's spaces, and every data file's size
 * (fstat, nothing read). Cheap enough for the thread that answers the app, so a hostile folder is
 * refused at once there; anything that passes is then loaded for real elsewhere first (policy-check.ts).
 */
export async function checkPolicyFolder(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new PolicyFileError('missing', `policy folder not found: ${basename(dir)}`);
  }
  const meta = checkMeta(await readJson(join(dir, META_FILE), META_FILE), META_FILE, undefined);
  const shape = { inputDim: flatDim(meta.observationSpace), outputDim: actionDim(meta.actionSpace) };
  try {
    if (meta.kind === 'mlp-actor' || meta.kind === 'q-network') await checkModel(dir, '', shape);
    if (meta.kind === 'q-table')
      await checkRegularFile(join(dir, QTABLE_FILE), QTABLE_FILE, 8 * QTABLE_MAX_ENTRIES, meta.qTable!.shape[0] * meta.qTable!.shape[1] * 8);
    if (meta.critic && existsSync(join(dir, CRITIC_DIR, MODEL_FILE)))
      await checkModel(join(dir, CRITIC_DIR), `${CRITIC_DIR}/`, { inputDim: shape.inputDim, outputDim: 1 });
  } catch (e) {
    if (e instanceof ModelFileError) throw new PolicyFileError(e.code, e.message);
    throw e;
  }
}

/**
 * model.json + weights.bin as an Mlp whose input and output fit the policy's spaces: validated by
 * model-file.ts before anything is built (TensorFlow.js never sees a user's file).
 */
async function loadNet(dir: string, meta: PolicyMeta, label = ''): Promise<Mlp> {
  try {
    return await readModel(dir, { inputDim: flatDim(meta.observationSpace), outputDim: actionDim(meta.actionSpace) }, label);
  } catch (e) {
    if (e instanceof ModelFileError) throw new PolicyFileError(e.code, e.message);
    throw e;
  }
}
