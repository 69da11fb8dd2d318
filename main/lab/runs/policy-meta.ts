/**
 * policy.json: what a saved policy says of itself — {format: 'policy-lab.policy', version: 1, kind,
 * env, spaces, algo, …} plus its kind's fields — and its schema, which checks it before anything is
 * built from the folder and is what savePolicy writes through. PolicyMeta is the schema's output: a
 * union on `kind`. A fault is a PolicyFileError naming policy.json and the field, never a machine path
 * and at most a short excerpt of a value.
 */
import { z } from 'zod';
import { EnvId, EnvOptions } from '../domain/envs.ts';
import { POLICY_KINDS, type PolicyKind } from '../agents/algorithm.ts';
import { BASELINE_AGENTS, checkConstantAction } from '../agents/baseline-algos.ts';
import { numStates, validateBinSpec } from '../agents/obs-binning.ts';
import { actionDim, describeSpace, flatDim } from '../envs/spaces.ts';
import { ACTIVATIONS } from '../nn/mlp.ts';
import { MODEL_LIMITS } from './model-file.ts';

export type { PolicyKind } from '../agents/algorithm.ts';

export const POLICY_FORMAT = 'policy-lab.policy';
export const POLICY_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const META_FILE = 'policy.json';
export const QTABLE_FILE = 'qtable.bin';
/** Largest q-table read (50 M float64 entries, 400 MB): far above any binning this lab offers. */
export const QTABLE_MAX_ENTRIES = 50_000_000;
/** Sub-folder holding the value network (same tfjs files), for the X-ray and Insights. */
export const CRITIC_DIR = 'critic';

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

// ---------- the schema ----------

/** No space is wider than a network layer may be; every list in policy.json is bounded by it. */
const MAX_DIM = MODEL_LIMITS.maxUnits;

/** Box bounds, ±Infinity where unbounded: JSON writes it as null, read back as that side's infinity. */
const bounds = (unbounded: number) =>
  z
    .array(z.union([z.number(), z.literal(unbounded), z.null()]))
    .max(MAX_DIM)
    .transform((xs) => xs.map((x) => x ?? unbounded));

const SpaceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('discrete'), n: z.number().int().min(1).max(MAX_DIM) }),
  z
    .object({ kind: z.literal('box'), shape: z.array(z.number().int().min(1).max(MAX_DIM)).min(1).max(4), low: bounds(-Infinity), high: bounds(Infinity) })
    .refine((b) => b.low.length === flatDim(b) && b.high.length === flatDim(b)),
]);

const Widths = z.array(z.number().int().min(1).max(MAX_DIM)).max(MODEL_LIMITS.maxLayers);
const Activation = z.enum(ACTIVATIONS);
/** ε of ε-greedy stochastic acting (q-network, q-table). */
const Epsilon = z.number().min(0).max(1).default(0);

/** What every kind records. Key order is the order faults are reported in. */
const Common = z.object({
  format: z.literal(POLICY_FORMAT),
  version: z.literal(POLICY_VERSION),
  env: EnvId,
  envOptions: EnvOptions,
  observationSpace: SpaceSchema,
  actionSpace: SpaceSchema,
  algo: z.string().min(1).max(64),
  /** Training env steps when saved; informational, so a bad value reads as 0 or null. */
  steps: z.number().min(0).catch(0),
  evalMean: z.number().nullable().catch(null),
  evalStd: z.number().nullable().catch(null),
  createdAt: z.string().max(64).catch(''),
  /** Present when critic/ holds the value network. */
  critic: z.object({ netArch: Widths, activation: Activation }).optional(),
});

/** The network kinds: hidden widths and activation of model.json (which stays the authority). */
const NetFields = { netArch: Widths.default([]), activation: Activation.default('tanh') };

/** A fault found by a kind's check across fields: its code and message travel in the issue. */
function refuse(ctx: z.RefinementCtx, code: PolicyFileErrorCode, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { fileCode: code } });
}

function needsDiscrete(ctx: z.RefinementCtx, what: PolicyKind, actionSpace: z.output<typeof SpaceSchema>): boolean {
  if (actionSpace.kind === 'discrete') return true;
  refuse(ctx, 'space', `${META_FILE}: a ${what} policy needs a Discrete action space, not ${describeSpace(actionSpace)}`);
  return false;
}

const MlpActorMeta = Common.extend({
  /** Absent in files written before policy kinds. */
  kind: z.literal('mlp-actor').default('mlp-actor'),
  ...NetFields,
  /** Box action spaces only: log σ per action dimension of the diagonal Gaussian policy. */
  logStd: z.array(z.number()).max(MAX_DIM).optional(),
}).superRefine(({ actionSpace, logStd }, ctx) => {
  const fits = actionSpace.kind === 'box' ? logStd?.length === flatDim(actionSpace) : logStd === undefined;
  if (!fits) refuse(ctx, 'corrupt', logStdFault(actionSpace));
});

const QNetworkMeta = Common.extend({
  kind: z.literal('q-network'),
  ...NetFields,
  /** The model outputs one Q-value per action (acts by argmax). */
  head: z.literal('q').default('q'),
  epsilon: Epsilon,
}).superRefine((m, ctx) => void needsDiscrete(ctx, 'q-network', m.actionSpace));

const QTableMeta = Common.extend({
  kind: z.literal('q-table'),
  /** How observations map to table rows (one entry per observation dimension). */
  binning: z.object({ bins: z.array(z.number()).max(MAX_DIM), low: z.array(z.number()).max(MAX_DIM), high: z.array(z.number()).max(MAX_DIM) }),
  qTable: z.object({ file: z.literal(QTABLE_FILE), dtype: z.literal('float64'), /** [states, actions] */ shape: z.tuple([z.number(), z.number()]) }),
  epsilon: Epsilon,
}).superRefine(({ observationSpace: obs, actionSpace: act, binning: b, qTable }, ctx) => {
  if (!needsDiscrete(ctx, 'q-table', act)) return;
  if (obs.kind !== 'box') return refuse(ctx, 'space', `${META_FILE}: a q-table policy bins a Box observation space, not ${describeSpace(obs)}`);
  const obsDim = flatDim(obs);
  if (b.bins.length !== obsDim || b.low.length !== obsDim || b.high.length !== obsDim) {
    return refuse(
      ctx,
      'space',
      `${META_FILE}: binning has ${b.bins.length} bins, ${b.low.length} lows and ${b.high.length} highs, but the observation space ${describeSpace(obs)} has ${obsDim} dimensions`,
    );
  }
  try {
    validateBinSpec(b, obsDim);
  } catch (e) {
    return refuse(ctx, 'corrupt', `${META_FILE}: invalid binning: ${(e as Error).message}`);
  }
  const [nStates, nActions] = [numStates(b), actionDim(act)];
  if (qTable.shape[0] !== nStates || qTable.shape[1] !== nActions) {
    refuse(
      ctx,
      'corrupt',
      `${META_FILE}: q-table shape ${shown(qTable.shape)} does not fit the binning (${b.bins.join('×')} = ${nStates} states) and ${describeSpace(act)} ([${nStates}, ${nActions}] needed)`,
    );
  }
});

const BaselineMeta = Common.extend({
  kind: z.literal('baseline'),
  /** Which agent (BaselineSpec). */
  agent: z.discriminatedUnion('type', [
    z.object({ type: z.literal('random') }),
    z.object({ type: z.literal('constant'), action: z.array(z.number()).max(MAX_DIM) }),
    z.object({ type: z.literal('heuristic') }),
  ]),
}).superRefine(({ agent, actionSpace }, ctx) => {
  if (agent.type !== 'constant') return;
  try {
    checkConstantAction(agent.action, actionSpace);
  } catch (e) {
    refuse(ctx, 'space', `${META_FILE}: constant ${(e as Error).message}`);
  }
});

/**
 * Each member of the union U with the other members' fields as absent, so that a kind's field reads
 * (undefined for other kinds) without narrowing first, as in `loaded.meta.agent`.
 */
type Exclusive<U, All = U> = U extends unknown ? U & { [K in Exclude<All extends unknown ? keyof All : never, keyof U>]?: undefined } : never;

/** policy.json's schema: a Policy Lab policy of this version is told apart first, then read by its kind. */
export const PolicyMeta = Common.pick({ format: true, version: true })
  .loose()
  .pipe(z.discriminatedUnion('kind', [MlpActorMeta, QNetworkMeta, QTableMeta, BaselineMeta]));
export type PolicyMeta = Exclusive<z.output<typeof PolicyMeta>>;
/** The metadata of one kind of policy. */
export type PolicyMetaOf<K extends PolicyKind> = Extract<PolicyMeta, { kind: K }>;
export type QTableFileInfo = PolicyMetaOf<'q-table'>['qTable'];

// ---------- faults ----------

type Fault = [PolicyFileErrorCode, string];

/**
 * A value from the file as a message shows it: short, so a message never carries the file's content.
 * (policy.json's size limit keeps stringifying cheap; nesting too deep to stringify shows as […] or {…}.)
 */
function shown(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? 'null';
  } catch {
    s = Array.isArray(value) ? '[…]' : '{…}';
  }
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function logStdFault(actionSpace: z.output<typeof SpaceSchema>): string {
  return actionSpace.kind === 'box'
    ? `${META_FILE} needs "logStd": ${flatDim(actionSpace)} finite numbers (the Gaussian policy's log σ for its ${describeSpace(actionSpace)} action space)`
    : `${META_FILE} has "logStd" but a ${describeSpace(actionSpace)} action space (only Box action spaces have a Gaussian log σ)`;
}

/**
 * The fault of a field whose value does not have its schema's type or range, by the field's path
 * (`agent.action` before `agent`); `m` is the file's object. A fault across fields carries its own.
 */
const FIELD_FAULTS: Record<string, (m: Record<string, unknown>) => Fault> = {
  format: (m) => ['format', `${META_FILE} is not a Policy Lab policy (format ${shown(m.format)}, expected "${POLICY_FORMAT}")`],
  version: (m) => ['version', `${META_FILE} has policy format version ${shown(m.version)}; this build reads version ${POLICY_VERSION}`],
  kind: (m) => ['kind', `${META_FILE} has unknown policy kind ${shown(m.kind)} (this build reads ${POLICY_KINDS.join(', ')})`],
  env: (m) => ['env', `${META_FILE} names an unknown env ${shown(m.env)}`],
  envOptions: () => ['corrupt', `${META_FILE} has "envOptions" that are not {name: number or boolean}`],
  observationSpace: () => ['corrupt', `${META_FILE} has no valid observationSpace/actionSpace`],
  actionSpace: () => ['corrupt', `${META_FILE} has no valid observationSpace/actionSpace`],
  algo: () => ['corrupt', `${META_FILE} has no algo name`],
  critic: (m) => ['corrupt', `${META_FILE}: "critic" must be {netArch: [widths], activation}, got ${shown(m.critic)}`],
  netArch: (m) => ['corrupt', `${META_FILE} has "netArch" ${shown(m.netArch)}; it must list the hidden layers' widths (at most ${MODEL_LIMITS.maxLayers})`],
  activation: (m) => ['corrupt', `${META_FILE} has "activation" ${shown(m.activation)}; it must be one of ${ACTIVATIONS.join(', ')}`],
  logStd: (m) => {
    const space = SpaceSchema.safeParse(m.actionSpace);
    return ['corrupt', space.success ? logStdFault(space.data) : `${META_FILE} has an invalid "logStd"`];
  },
  head: (m) => ['corrupt', `${META_FILE} has head ${shown(m.head)}; a q-network policy has head "q"`],
  epsilon: (m) => ['corrupt', `${META_FILE} has "epsilon" ${shown(m.epsilon)}; it must be a number in [0, 1]`],
  binning: () => ['corrupt', `${META_FILE} needs "binning": {bins, low, high} (one entry per observation dimension)`],
  qTable: () => ['corrupt', `${META_FILE} needs "qTable": {file: "${QTABLE_FILE}", dtype: "float64", shape: [states, actions]}`],
  agent: (m) => ['corrupt', `${META_FILE} needs "agent": {type: ${BASELINE_AGENTS.map((x) => `"${x}"`).join(' | ')}}, got ${shown(m.agent)}`],
  'agent.action': (m) => [
    'corrupt',
    `${META_FILE}: a constant agent needs "action": a list of numbers, got ${shown((m.agent as Record<string, unknown>).action)}`,
  ],
};

function faultOf(issue: z.core.$ZodIssue, raw: unknown): PolicyFileError {
  const fileCode = issue.code === 'custom' ? (issue.params?.fileCode as PolicyFileErrorCode | undefined) : undefined;
  if (fileCode) return new PolicyFileError(fileCode, issue.message);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return new PolicyFileError('corrupt', `${META_FILE} must hold a JSON object`);
  const [key, sub] = issue.path.map(String);
  const faultAt = (path: string) => (Object.hasOwn(FIELD_FAULTS, path) ? FIELD_FAULTS[path] : undefined);
  const fault = faultAt(`${key}.${sub}`) ?? faultAt(key);
  const [code, message]: Fault = fault ? fault(raw as Record<string, unknown>) : ['corrupt', `${META_FILE} has an invalid "${key}"`];
  return new PolicyFileError(code, message);
}

/** policy.json's content checked against the schema (and, given `expectEnv`, the env it was trained on). */
export function checkMeta(raw: unknown, expectEnv?: string): PolicyMeta {
  const parsed = PolicyMeta.safeParse(raw);
  if (!parsed.success) throw faultOf(parsed.error.issues[0], raw);
  const meta = parsed.data;
  if (expectEnv !== undefined && meta.env !== expectEnv)
    throw new PolicyFileError('env', `env mismatch: the policy was trained on ${meta.env}, not ${expectEnv}`);
  return meta;
}
