/**
 * policy.json: what a saved policy says of itself — {format: 'policy-lab.policy', version: 1, kind,
 * env, spaces, algo, …} plus its kind's fields — and the check of it before anything is built from
 * the folder. The common fields are checked here; each kind's own fields by its entry in KIND_FIELDS.
 */
import type { AlgoId } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import type { HyperValue } from '../domain/hyperparameters.ts';
import { POLICY_KINDS, type PolicyKind } from '../agents/algorithm.ts';
import { BASELINE_AGENTS, checkConstantAction, type BaselineSpec } from '../agents/baseline-algos.ts';
import { numStates, validateBinSpec, type BinSpec } from '../agents/obs-binning.ts';
import { isEnvId } from '../envs/registry.ts';
import { actionDim, describeSpace, flatDim, type Space } from '../envs/spaces.ts';
import type { Activation } from '../nn/mlp.ts';

export type { PolicyKind } from '../agents/algorithm.ts';

export const POLICY_FORMAT = 'policy-lab.policy';
export const POLICY_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const META_FILE = 'policy.json';
export const QTABLE_FILE = 'qtable.bin';
/** Largest q-table read (50 M float64 entries, 400 MB): far above any binning this lab offers. */
export const QTABLE_MAX_ENTRIES = 50_000_000;

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
/** Sub-folder holding the value network (same tfjs files), for the X-ray and Insights. */
export const CRITIC_DIR = 'critic';

function isSpace(s: unknown): s is Space {
  if (!s || typeof s !== 'object') return false;
  const o = s as Record<string, unknown>;
  if (o.kind === 'discrete') return Number.isInteger(o.n) && (o.n as number) >= 1;
  if (o.kind === 'box') return Array.isArray(o.shape) && Array.isArray(o.low) && Array.isArray(o.high);
  return false;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** policy.json's content checked and normalised (`path` names the file in messages). */
export function checkMeta(raw: unknown, path: string, expectEnv: string | undefined): PolicyMeta {
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
  const kindFields = KIND_FIELDS[kind]({ m, path, obsSpace, actSpace: actSpace as Space, needsDiscrete, readEpsilon });

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

interface KindFieldsContext {
  m: Record<string, unknown>;
  /** The file's name, for messages. */
  path: string;
  obsSpace: Space;
  actSpace: Space;
  needsDiscrete: (what: string) => void;
  readEpsilon: () => number;
}

/** Each kind's own policy.json fields, checked and copied (the common ones: checkMeta). */
const KIND_FIELDS: Record<PolicyKind, (c: KindFieldsContext) => Partial<PolicyMeta>> = {
  'mlp-actor': ({ m, path, actSpace }) => {
    const kindFields: Partial<PolicyMeta> = netFields(m);
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
    return kindFields;
  },
  'q-network': ({ m, path, needsDiscrete, readEpsilon }) => {
    const kindFields: Partial<PolicyMeta> = netFields(m);
    needsDiscrete('q-network');
    if (m.head !== undefined && m.head !== 'q')
      throw new PolicyFileError('corrupt', `${path} has head ${JSON.stringify(m.head)}; a q-network policy has head "q"`);
    kindFields.head = 'q';
    kindFields.epsilon = readEpsilon();
    return kindFields;
  },
  'q-table': ({ m, path, obsSpace, actSpace, needsDiscrete, readEpsilon }) => {
    const kindFields: Partial<PolicyMeta> = {};
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
    return kindFields;
  },
  baseline: ({ m, path, actSpace }) => {
    const kindFields: Partial<PolicyMeta> = {};
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
    return kindFields;
  },
};

/** The network kinds' hidden widths and activation of model.json. */
function netFields(m: Record<string, unknown>): Partial<PolicyMeta> {
  return { netArch: Array.isArray(m.netArch) ? (m.netArch as number[]) : [], activation: (m.activation as Activation) ?? 'tanh' };
}
