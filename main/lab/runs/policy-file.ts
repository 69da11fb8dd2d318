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
 * renamed into place, so a crash never leaves a half-written policy. policy.json itself is checked
 * by policy-meta.ts, each kind's files saved and loaded by its entry in policy-kinds.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SavablePolicy } from '../agents/algorithm.ts';
import type { AlgoId } from '../domain/algorithms.ts';
import type { EnvId } from '../domain/envs.ts';
import type { HyperValue } from '../domain/hyperparameters.ts';
import { ensureEnvReady, isEnvImplemented, makeEnv } from '../envs/registry.ts';
import { describeSpace, flatDim, spacesEqual, type Space } from '../envs/spaces.ts';
import { toLayersModel, type Mlp } from '../nn/mlp.ts';
import { MODEL_LIMITS, checkModel, parseJsonFile } from './model-file.ts';
import { CRITIC_DIR, META_FILE, MODEL_FILE, POLICY_FORMAT, POLICY_VERSION, PolicyFileError, WEIGHTS_FILE, checkMeta, type PolicyMeta } from './policy-meta.ts';
import { asPolicyFileError, ioFor, loadNet, readBytes, type LoadedPolicy } from './policy-kinds.ts';

export { CRITIC_DIR, META_FILE, MODEL_FILE, POLICY_FORMAT, POLICY_VERSION, PolicyFileError, QTABLE_FILE, WEIGHTS_FILE } from './policy-meta.ts';
export type { PolicyFileErrorCode, PolicyKind, PolicyMeta, QTableFileInfo } from './policy-meta.ts';
export type { LoadedPolicy } from './policy-kinds.ts';

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

async function readJson(path: string, what: string): Promise<unknown> {
  const text = Buffer.from(await readBytes(path, what, MODEL_LIMITS.maxMetaBytes)).toString('utf8');
  return asPolicyFileError(async () => parseJsonFile(text, what));
}

/** Throws PolicyFileError('missing'), naming only the folder, unless `dir` is a folder. */
async function mustBeFolder(dir: string): Promise<void> {
  const isFolder = await stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new PolicyFileError('missing', `policy folder not found: ${basename(dir)}`);
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

/** Writes `policy` (any kind) to folder `dir` (replacing it) and returns the metadata written. */
export async function savePolicy(dir: string, policy: SavablePolicy, info: SavePolicyInfo): Promise<PolicyMeta> {
  const body = ioFor(policy.kind).save(policy);
  const critic = info.critic ?? null;
  if (critic && critic.spec.outputDim !== 1) throw new Error(`a critic has one output, not ${critic.spec.outputDim}`);
  // Written through the schema it is read back with, so a file this lab writes is one it reads.
  const meta = checkMeta({
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
    ...body.fields,
    createdAt: new Date().toISOString(),
    ...(critic ? { critic: { netArch: [...critic.spec.netArch], activation: critic.spec.activation } } : {}),
  });
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
    if (critic) {
      await mkdir(join(tmp, CRITIC_DIR));
      const model = toLayersModel(critic);
      try {
        await model.save(fsHandler(join(tmp, CRITIC_DIR)));
      } finally {
        model.dispose();
      }
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
  await mustBeFolder(dir);
  const metaPath = join(dir, META_FILE);
  const meta = checkMeta(await readJson(metaPath, META_FILE), opts.env);

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
  const policy = await ioFor(meta.kind).load(dir, meta);
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

/**
 * The part of loadPolicy that is bounded work whatever the folder holds: policy.json's schema, each
 * network's declared layers against the limits and the policy's spaces, and every data file's size
 * (fstat, nothing read). Cheap enough for the thread that answers the app, so a hostile folder is
 * refused at once there; anything that passes is then loaded for real elsewhere first (policy-check.ts).
 */
export async function checkPolicyFolder(dir: string): Promise<void> {
  await mustBeFolder(dir);
  const meta = checkMeta(await readJson(join(dir, META_FILE), META_FILE));
  await ioFor(meta.kind).check(dir, meta);
  if (meta.critic && existsSync(join(dir, CRITIC_DIR, MODEL_FILE))) {
    await asPolicyFileError(() => checkModel(join(dir, CRITIC_DIR), `${CRITIC_DIR}/`, { inputDim: flatDim(meta.observationSpace), outputDim: 1 }));
  }
}
