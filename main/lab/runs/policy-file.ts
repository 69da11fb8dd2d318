/**
 * A saved policy is a folder:
 *   model.json   tfjs LayersModel (Dense stack) topology + weights manifest (loadable by tf.loadLayersModel)
 *   weights.bin  float32 weights
 *   policy.json  what the model is for: {format: 'policy-lab.policy', version: 1, env, spaces, algo, …}
 *                and, for a Box action space, `logStd`: the diagonal Gaussian's learned log σ per action
 *                dimension (state-independent, so it is not part of the network; the model outputs the means)
 * Files are written through our own tf.io IOHandler (plain node:fs), into a temp folder renamed into
 * place, so a crash never leaves a half-written policy.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AlgoId, EnvId, HyperValue } from '../../../preload/contract.ts';
import { MlpPolicy } from '../agents/algorithm.ts';
import { ensureEnvReady, isEnvId, isEnvImplemented, makeEnv } from '../envs/registry.ts';
import { actionDim, describeSpace, flatDim, spacesEqual, type Space } from '../envs/spaces.ts';
import { DiagGaussian, distributionFor } from '../nn/distributions.ts';
import { fromLayersModel, toLayersModel, type Activation } from '../nn/mlp.ts';

export const POLICY_FORMAT = 'policy-lab.policy';
export const POLICY_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const META_FILE = 'policy.json';

export interface PolicyMeta {
  format: typeof POLICY_FORMAT;
  version: typeof POLICY_VERSION;
  env: EnvId;
  envOptions: Record<string, HyperValue>;
  observationSpace: Space;
  actionSpace: Space;
  algo: AlgoId;
  /** Training env steps when saved. */
  steps: number;
  evalMean: number | null;
  evalStd: number | null;
  netArch: number[];
  activation: Activation;
  /** Box action spaces only: log σ per action dimension of the diagonal Gaussian policy. */
  logStd?: number[];
  createdAt: string;
}

export type PolicyFileErrorCode = 'missing' | 'corrupt' | 'format' | 'version' | 'env' | 'space' | 'model';

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

/** A policy read back from disk: acts like the in-memory one (same JS forward pass); dispose() frees it. */
export class LoadedPolicy extends MlpPolicy {
  constructor(
    policy: MlpPolicy,
    readonly meta: PolicyMeta,
    readonly dir: string,
  ) {
    super(policy.net, policy.distribution, policy.observationSpace, policy.actionSpace);
  }
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
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = await readJson(join(dir, MODEL_FILE), 'model.json');
      const mj = modelJson as { modelTopology?: unknown; weightsManifest?: { paths?: unknown; weights?: tf.io.WeightsManifestEntry[] }[]; format?: string; generatedBy?: string; convertedBy?: string };
      if (!mj || typeof mj !== 'object' || !mj.modelTopology || !Array.isArray(mj.weightsManifest)) {
        throw new PolicyFileError('corrupt', `${join(dir, MODEL_FILE)} is not a tfjs model (no modelTopology/weightsManifest)`);
      }
      const weightSpecs = mj.weightsManifest.flatMap((g) => g.weights ?? []);
      const weightData = await readBytes(join(dir, WEIGHTS_FILE), 'weights.bin');
      const expected = weightSpecs.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1) * bytesPer(w.dtype), 0);
      if (weightData.byteLength !== expected) {
        throw new PolicyFileError('corrupt', `${join(dir, WEIGHTS_FILE)} has ${weightData.byteLength} bytes, the model needs ${expected}`);
      }
      return { modelTopology: mj.modelTopology as object, weightSpecs, weightData, format: mj.format, generatedBy: mj.generatedBy, convertedBy: mj.convertedBy };
    },
  };
}

function bytesPer(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  throw new PolicyFileError('corrupt', `unsupported weight dtype "${dtype}"`);
}

async function readBytes(path: string, what: string): Promise<ArrayBuffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new PolicyFileError('missing', `${what} is missing: ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PolicyFileError('missing', `${what} is missing: ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PolicyFileError('corrupt', `${what} is not valid JSON: ${path} (${(e as Error).message})`);
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
}

const finiteOrNull = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Writes `policy` to folder `dir` (replacing it) and returns the metadata written. */
export async function savePolicy(dir: string, policy: MlpPolicy, info: SavePolicyInfo): Promise<PolicyMeta> {
  const meta: PolicyMeta = {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    env: info.env,
    envOptions: { ...(info.envOptions ?? {}) },
    observationSpace: policy.observationSpace,
    actionSpace: policy.actionSpace,
    algo: info.algo,
    steps: info.steps,
    evalMean: finiteOrNull(info.evalMean),
    evalStd: finiteOrNull(info.evalStd),
    netArch: [...policy.net.spec.netArch],
    activation: policy.net.spec.activation,
    ...(policy.distribution instanceof DiagGaussian ? { logStd: Array.from(policy.distribution.getLogStd()) } : {}),
    createdAt: new Date().toISOString(),
  };
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    const model = toLayersModel(policy.net);
    try {
      await model.save(fsHandler(tmp));
    } finally {
      model.dispose();
    }
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

function checkMeta(raw: unknown, path: string, expectEnv: string | undefined): PolicyMeta {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyFileError('corrupt', `${path} must hold a JSON object`);
  const m = raw as Record<string, unknown>;
  if (m.format !== POLICY_FORMAT) throw new PolicyFileError('format', `${path} is not a Policy Lab policy (format ${JSON.stringify(m.format ?? null)}, expected "${POLICY_FORMAT}")`);
  if (m.version !== POLICY_VERSION) throw new PolicyFileError('version', `${path} has policy format version ${JSON.stringify(m.version ?? null)}; this build reads version ${POLICY_VERSION}`);
  if (typeof m.env !== 'string' || !isEnvId(m.env)) throw new PolicyFileError('env', `${path} names an unknown env ${JSON.stringify(m.env ?? null)}`);
  if (expectEnv !== undefined && m.env !== expectEnv) throw new PolicyFileError('env', `env mismatch: the policy was trained on ${m.env}, not ${expectEnv}`);
  if (!isSpace(m.observationSpace) || !isSpace(m.actionSpace)) throw new PolicyFileError('corrupt', `${path} has no valid observationSpace/actionSpace`);
  if (typeof m.algo !== 'string' || m.algo === '') throw new PolicyFileError('corrupt', `${path} has no algo name`);
  const num = (k: string): number | null => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? (m[k] as number) : null);
  let logStd: number[] | undefined;
  if (m.actionSpace.kind === 'box') {
    const d = flatDim(m.actionSpace);
    const ls = m.logStd;
    if (!Array.isArray(ls) || ls.length !== d || !ls.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new PolicyFileError('corrupt', `${path} needs "logStd": ${d} finite numbers (the Gaussian policy's log σ for its ${describeSpace(m.actionSpace)} action space)`);
    }
    logStd = [...(ls as number[])];
  } else if (m.logStd !== undefined) {
    throw new PolicyFileError('corrupt', `${path} has "logStd" but a ${describeSpace(m.actionSpace)} action space (only Box action spaces have a Gaussian log σ)`);
  }
  return {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    env: m.env,
    envOptions: m.envOptions && typeof m.envOptions === 'object' && !Array.isArray(m.envOptions) ? (m.envOptions as Record<string, HyperValue>) : {},
    observationSpace: m.observationSpace,
    actionSpace: m.actionSpace,
    algo: m.algo as AlgoId,
    steps: num('steps') ?? 0,
    evalMean: num('evalMean'),
    evalStd: num('evalStd'),
    netArch: Array.isArray(m.netArch) ? (m.netArch as number[]) : [],
    activation: (m.activation as Activation) ?? 'tanh',
    ...(logStd ? { logStd } : {}),
    createdAt: typeof m.createdAt === 'string' ? m.createdAt : '',
  };
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
    throw new PolicyFileError('space', `observation space mismatch: policy.json has ${describeSpace(meta.observationSpace)}, ${where} has ${describeSpace(env.observationSpace)}${trained}`);
  }
  if (!spacesEqual(env.actionSpace, meta.actionSpace)) {
    throw new PolicyFileError('space', `action space mismatch: policy.json has ${describeSpace(meta.actionSpace)}, ${where} has ${describeSpace(env.actionSpace)}${trained}`);
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
    throw new PolicyFileError('missing', `policy folder not found: ${dir}`);
  }
  const metaPath = join(dir, META_FILE);
  const meta = checkMeta(await readJson(metaPath, 'policy.json'), metaPath, opts.env);

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
    checkPolicyFitsEnv(meta, spacesOf(meta.envOptions, `${metaPath}: invalid envOptions`));
    if (opts.envOptions !== undefined) checkPolicyFitsEnv(meta, spacesOf(opts.envOptions, 'invalid env options'), opts.envOptions);
  }

  // … and must fit the model's input and output.
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(fsHandler(dir));
  } catch (e) {
    if (e instanceof PolicyFileError) throw e;
    throw new PolicyFileError('model', `${join(dir, MODEL_FILE)} could not be loaded: ${(e as Error).message}`);
  }
  try {
    const inShape = model.inputs[0]?.shape ?? [];
    const outShape = model.outputs[0]?.shape ?? [];
    const obsDim = flatDim(meta.observationSpace);
    const nOut = actionDim(meta.actionSpace);
    if (inShape.length !== 2 || inShape[1] !== obsDim) {
      throw new PolicyFileError('space', `model input shape [${inShape.map(String).join(', ')}] does not fit observation space ${describeSpace(meta.observationSpace)} (needs ${obsDim} inputs)`);
    }
    if (outShape.length !== 2 || outShape[1] !== nOut) {
      throw new PolicyFileError('space', `model output shape [${outShape.map(String).join(', ')}] does not fit action space ${describeSpace(meta.actionSpace)} (needs ${nOut} outputs)`);
    }
    let net;
    try {
      net = fromLayersModel(model);
    } catch (e) {
      throw new PolicyFileError('model', `${join(dir, MODEL_FILE)}: ${(e as Error).message}`);
    }
    let dist;
    try {
      dist = distributionFor(meta.actionSpace, { logStdInit: meta.logStd });
      return new LoadedPolicy(new MlpPolicy(net, dist, meta.observationSpace, meta.actionSpace), meta, dir);
    } catch (e) {
      net.dispose();
      dist?.dispose();
      throw new PolicyFileError('model', `${dir}: ${(e as Error).message}`);
    }
  } finally {
    model.dispose();
  }
}
