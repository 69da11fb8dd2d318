/**
 * The kinds of saved policy, one entry each: what a policy of the kind adds to policy.json and writes
 * beside it, how it is read back (after policy-meta.ts checked policy.json), and the bounded checks of
 * its files that may run where the app answers requests. policy-file.ts does the rest, for all kinds.
 */
import { join } from 'node:path';
import { MlpPolicy, type PolicyKind, type SavablePolicy } from '../agents/algorithm.ts';
import { BaselinePolicy } from '../agents/baseline-algos.ts';
import { QNetworkPolicy } from '../agents/q-network-policy.ts';
import { QTablePolicy } from '../agents/q-learning.ts';
import { actionDim, flatDim } from '../envs/spaces.ts';
import { DiagGaussian, distributionFor } from '../nn/distributions.ts';
import type { Mlp } from '../nn/mlp.ts';
import { ModelFileError, checkModel, checkRegularFile, readModel, readRegularFile } from './model-file.ts';
import { PolicyFileError, QTABLE_FILE, QTABLE_MAX_ENTRIES, type PolicyMeta, type PolicyMetaOf } from './policy-meta.ts';

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

function loaded<P extends SavablePolicy>(policy: P, meta: PolicyMeta, dir: string): P & LoadedPolicy {
  return Object.assign(policy, { meta, dir });
}

/** What a kind writes: its policy.json fields (checked with the rest by policy-meta.ts), and a network (model.json + weights.bin) or other files. */
export interface PolicyBody<K extends PolicyKind = PolicyKind> {
  fields: { kind: K } & Partial<PolicyMetaOf<K>>;
  net?: Mlp;
  files?: [string, Uint8Array][];
}

interface KindIO<K extends PolicyKind = PolicyKind> {
  save(policy: SavablePolicy): PolicyBody<K>;
  load(dir: string, meta: PolicyMetaOf<K>): Promise<LoadedPolicy>;
  /** Bounded checks of the kind's files (sizes from fstat, model.json's layers; nothing built). */
  check(dir: string, meta: PolicyMetaOf<K>): Promise<void>;
}

/** Each kind's entry; its methods take that kind's metadata. */
const POLICY_IO: { [K in PolicyKind]: KindIO<K> } = {
  'mlp-actor': {
    save: (p) => {
      const policy = p as MlpPolicy;
      return {
        fields: {
          kind: 'mlp-actor',
          netArch: [...policy.net.spec.netArch],
          activation: policy.net.spec.activation,
          ...(policy.distribution instanceof DiagGaussian ? { logStd: Array.from(policy.distribution.getLogStd()) } : {}),
        },
        net: policy.net,
      };
    },
    load: async (dir, meta) => {
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
    },
    check: (dir, meta) => checkNet(dir, meta),
  },
  'q-network': {
    save: (p) => {
      const policy = p as QNetworkPolicy;
      return {
        fields: { kind: 'q-network', head: 'q', netArch: [...policy.net.spec.netArch], activation: policy.net.spec.activation, epsilon: policy.epsilon },
        net: policy.net,
      };
    },
    load: async (dir, meta) => {
      const net = await loadNet(dir, meta);
      try {
        return loaded(new QNetworkPolicy(net, meta.observationSpace, meta.actionSpace, meta.epsilon), meta, dir);
      } catch (e) {
        net.dispose();
        throw new PolicyFileError('model', `policy: ${(e as Error).message}`);
      }
    },
    check: (dir, meta) => checkNet(dir, meta),
  },
  'q-table': {
    save: (p) => {
      const policy = p as QTablePolicy;
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
    },
    load: async (dir, meta) => {
      const path = join(dir, QTABLE_FILE);
      const bytes = await readBytes(path, QTABLE_FILE, 8 * QTABLE_MAX_ENTRIES, meta.qTable.shape[0] * meta.qTable.shape[1] * 8);
      const [nStates, nActions] = meta.qTable.shape;
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
        return loaded(new QTablePolicy(meta.binning, table, meta.observationSpace, meta.actionSpace, meta.epsilon), meta, dir);
      } catch (e) {
        throw new PolicyFileError('corrupt', `policy: ${(e as Error).message}`);
      }
    },
    check: (dir, meta) =>
      asPolicyFileError(() => checkRegularFile(join(dir, QTABLE_FILE), QTABLE_FILE, 8 * QTABLE_MAX_ENTRIES, meta.qTable.shape[0] * meta.qTable.shape[1] * 8)),
  },
  baseline: {
    save: (p) => ({ fields: { kind: 'baseline', agent: structuredClone((p as BaselinePolicy).spec) } }),
    load: async (dir, meta) => {
      try {
        return loaded(new BaselinePolicy(meta.agent, meta.env, meta.observationSpace, meta.actionSpace), meta, dir);
      } catch (e) {
        throw new PolicyFileError('corrupt', `policy: ${(e as Error).message}`);
      }
    },
    check: async () => undefined,
  },
};

/**
 * The entry of `kind`, typed for any kind's metadata: TypeScript cannot relate POLICY_IO[meta.kind] to
 * meta, so callers give the entry of meta.kind its own meta (policy-file.ts).
 */
export function ioFor(kind: PolicyKind): KindIO {
  return POLICY_IO[kind];
}

/** The network's declared shape against the policy's spaces, and weights.bin's size. */
function checkNet(dir: string, meta: PolicyMeta): Promise<void> {
  return asPolicyFileError(async () => void (await checkModel(dir, '', { inputDim: flatDim(meta.observationSpace), outputDim: actionDim(meta.actionSpace) })));
}

/** model-file.ts's errors as this folder's. */
export async function asPolicyFileError<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ModelFileError) throw new PolicyFileError(e.code, e.message);
    throw e;
  }
}

/**
 * model.json + weights.bin as an Mlp whose input and output fit the policy's spaces: validated by
 * model-file.ts before anything is built (TensorFlow.js never sees a user's file).
 */
export function loadNet(dir: string, meta: PolicyMeta, label = ''): Promise<Mlp> {
  return asPolicyFileError(() => readModel(dir, { inputDim: flatDim(meta.observationSpace), outputDim: actionDim(meta.actionSpace) }, label));
}

/** A regular file of the policy folder, at most `max` bytes (exactly `exact` when given); see model-file.ts. */
export async function readBytes(path: string, what: string, max: number, exact?: number): Promise<ArrayBuffer> {
  const buf = await asPolicyFileError(() => readRegularFile(path, what, max, exact));
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
