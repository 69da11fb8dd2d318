/**
 * A saved network (`model.json` + `weights.bin`, TensorFlow.js's layers format) read without letting
 * TensorFlow.js build anything from it first: the policy folder may come from anyone (Watch → Import,
 * `eval --policy`), and tf.loadLayersModel allocates whatever layers a 2 KB model.json declares. Here
 * the topology is parsed with a schema, every layer is checked against the policy's spaces and the
 * limits below, the parameter count against weights.bin's exact size (from lstat, before reading), and
 * every weight must be finite; only then is an Mlp built. Files must be regular files (no symlinks,
 * devices or FIFOs). Errors name the file within the policy folder and the problem — never a machine
 * path or a file's content.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Mlp, type Activation } from '../nn/mlp.ts';

/** Far above anything this lab trains (zoo nets are ≤ 2 × 256), far below what could stall it. */
export const MODEL_LIMITS = {
  maxLayers: 8,
  maxUnits: 4096,
  maxParams: 4_000_000,
  maxModelJsonBytes: 1_000_000,
  maxMetaBytes: 1_000_000,
  maxJsonDepth: 32,
} as const;

export class ModelFileError extends Error {
  constructor(
    readonly code: 'missing' | 'corrupt' | 'space',
    message: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}

const Dense = z.object({
  class_name: z.literal('Dense'),
  config: z
    .object({
      units: z.number().int().min(1),
      activation: z.enum(['tanh', 'relu', 'linear']),
      use_bias: z.literal(true).optional(),
      batch_input_shape: z.tuple([z.null(), z.number().int().min(1)]).optional(),
      dtype: z.literal('float32').optional(),
    })
    .passthrough(),
});

const ModelJson = z
  .object({
    format: z.literal('layers-model').optional(),
    modelTopology: z
      .object({
        class_name: z.literal('Sequential'),
        config: z.object({ layers: z.array(Dense).min(1) }).passthrough(),
      })
      .passthrough(),
    weightsManifest: z
      .array(
        z.object({
          paths: z.tuple([z.literal('./weights.bin')]),
          weights: z.array(z.object({ name: z.string().max(200), shape: z.array(z.number().int().min(0)).max(2), dtype: z.literal('float32') })),
        }),
      )
      .length(1),
  })
  .passthrough();

/** What the network must look like: its input and output widths. */
export interface ExpectedShape {
  inputDim: number;
  outputDim: number;
}

/** A network as model.json declares it, checked against the limits and weights.bin's size. */
export interface ModelSpec {
  /** Input width, then each layer's units (the last is the output width). */
  dims: number[];
  activation: Activation;
  params: number;
}

/**
 * Reads and checks the network in `dir` (`label` names that folder in messages, e.g. "critic/").
 * Resolves to an Mlp whose input and output fit `expected`.
 */
export async function readModel(dir: string, expected: ExpectedShape, label = ''): Promise<Mlp> {
  const { dims, activation, params } = await checkModel(dir, label, expected);
  const weightsName = `${label}weights.bin`;
  const bytes = await readRegularFile(join(dir, 'weights.bin'), weightsName, params * 4, params * 4);
  const all = new Float32Array(params);
  new Uint8Array(all.buffer).set(bytes);
  const bad = all.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new ModelFileError('corrupt', `${weightsName} holds a non-finite weight (${all[bad]}) at index ${bad}`);

  const layerCount = dims.length - 1;
  const kernels: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let o = 0;
  for (let l = 0; l < layerCount; l++) {
    kernels.push(all.slice(o, (o += dims[l] * dims[l + 1])));
    biases.push(all.slice(o, (o += dims[l + 1])));
  }
  return new Mlp({ inputDim: dims[0], outputDim: dims[layerCount], netArch: dims.slice(1, -1), activation }, { kernels, biases });
}

/**
 * Everything about the network in `dir` that can be checked without reading its weights: model.json's
 * schema, the limits, the manifest, `expected` widths when given, and weights.bin's exact size (fstat
 * only). Bounded work whatever the files hold, so it may run where the app answers requests.
 */
export async function checkModel(dir: string, label = '', expected?: ExpectedShape): Promise<ModelSpec> {
  const modelName = `${label}model.json`;
  const weightsName = `${label}weights.bin`;
  const text = (await readRegularFile(join(dir, 'model.json'), modelName, MODEL_LIMITS.maxModelJsonBytes)).toString('utf8');
  const parsed = ModelJson.safeParse(parseJsonFile(text, modelName));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFileError('corrupt', `${modelName} is not a dense network saved by Policy Lab (at ${issue.path.join('.') || 'the top'}: ${issue.message})`);
  }
  const layers = parsed.data.modelTopology.config.layers.map((l) => l.config);
  if (layers.length > MODEL_LIMITS.maxLayers)
    throw new ModelFileError('corrupt', `${modelName} declares ${layers.length} layers (at most ${MODEL_LIMITS.maxLayers})`);
  const inputDim = layers[0].batch_input_shape?.[1];
  if (inputDim === undefined) throw new ModelFileError('corrupt', `${modelName}: the first layer declares no input shape`);
  const dims = [inputDim, ...layers.map((l) => l.units)];
  const wide = dims.findIndex((d) => d > MODEL_LIMITS.maxUnits);
  if (wide >= 0)
    throw new ModelFileError(
      'corrupt',
      `${modelName}: ${wide === 0 ? 'the input' : `layer ${wide}`} has ${dims[wide]} units (at most ${MODEL_LIMITS.maxUnits})`,
    );
  const outputDim = dims[dims.length - 1];
  if (expected && inputDim !== expected.inputDim)
    throw new ModelFileError('space', `${modelName} takes ${inputDim} inputs; the observation space has ${expected.inputDim}`);
  if (expected && outputDim !== expected.outputDim)
    throw new ModelFileError('space', `${modelName} has ${outputDim} outputs; the action space needs ${expected.outputDim}`);

  // Hidden layers share one activation (tanh or relu); the output is linear.
  let activation: Activation | null = null;
  for (let l = 0; l < layers.length; l++) {
    const a = layers[l].activation;
    if (l === layers.length - 1) {
      if (a !== 'linear') throw new ModelFileError('corrupt', `${modelName}: the output layer must be linear, not ${a}`);
    } else {
      if (a === 'linear') throw new ModelFileError('corrupt', `${modelName}: hidden layer ${l + 1} is linear (tanh or relu expected)`);
      if (activation && a !== activation) throw new ModelFileError('corrupt', `${modelName}: hidden layers mix ${activation} and ${a}`);
      activation = a;
    }
  }

  // The manifest: a kernel [in, out] then a bias [out] per layer, in order; then the exact byte count.
  const specs = parsed.data.weightsManifest[0].weights;
  if (specs.length !== 2 * layers.length)
    throw new ModelFileError('corrupt', `${modelName} lists ${specs.length} weight tensors; ${layers.length} dense layers have ${2 * layers.length}`);
  let params = 0;
  for (let l = 0; l < layers.length; l++) {
    const [k, b] = [specs[2 * l].shape, specs[2 * l + 1].shape];
    if (k.length !== 2 || k[0] !== dims[l] || k[1] !== dims[l + 1] || b.length !== 1 || b[0] !== dims[l + 1]) {
      throw new ModelFileError('corrupt', `${modelName}: the weights of layer ${l + 1} are not [${dims[l]}, ${dims[l + 1]}] and [${dims[l + 1]}]`);
    }
    params += dims[l] * dims[l + 1] + dims[l + 1];
  }
  if (params > MODEL_LIMITS.maxParams)
    throw new ModelFileError(
      'corrupt',
      `${modelName} declares ${params.toLocaleString('en-US')} parameters (at most ${MODEL_LIMITS.maxParams.toLocaleString('en-US')})`,
    );
  await checkRegularFile(join(dir, 'weights.bin'), weightsName, params * 4, params * 4);
  return { dims, activation: activation ?? 'tanh', params };
}

/**
 * A policy folder's JSON file (`name` for messages) parsed, once its nesting is known to be shallow: no
 * file of ours nests deeper than a few levels, and a megabyte of brackets would take JSON.parse half a
 * second. The depth is counted in one pass over the text, outside strings.
 */
export function parseJsonFile(text: string, name: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MODEL_LIMITS.maxJsonDepth) throw new ModelFileError('corrupt', `${name} nests deeper than ${MODEL_LIMITS.maxJsonDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelFileError('corrupt', `${name} is not valid JSON`);
  }
}

/**
 * A regular file's bytes, its size checked (fstat of the opened file, so it cannot be swapped after the
 * check) before anything is read: at most `max` bytes, exactly `exact` when given. Symlinks (O_NOFOLLOW),
 * devices, FIFOs (opened non-blocking, then refused) and folders are refused.
 */
export async function readRegularFile(path: string, name: string, max: number, exact?: number): Promise<Buffer> {
  return withRegularFile(path, name, max, exact, async (fh, size) => {
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== size) throw new ModelFileError('corrupt', `${name} changed while it was read`);
    return buf;
  });
}

/** readRegularFile's checks without the read: for files too large to read where the check runs. */
export async function checkRegularFile(path: string, name: string, max: number, exact?: number): Promise<void> {
  await withRegularFile(path, name, max, exact, async () => undefined);
}

/** Opens `path` as readRegularFile describes, checks it, and hands the open file to `use`. */
async function withRegularFile<T>(
  path: string,
  name: string,
  max: number,
  exact: number | undefined,
  use: (fh: FileHandle, size: number) => Promise<T>,
): Promise<T> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ModelFileError('corrupt', `${name} is a symbolic link (only regular files are read)`);
    throw new ModelFileError('missing', `${name} is missing or unreadable (${code ?? 'error'})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ModelFileError('corrupt', `${name} is not a regular file (${st.isDirectory() ? 'a folder' : 'a device or pipe'})`);
    if (exact !== undefined && st.size !== exact)
      throw new ModelFileError('corrupt', `${name} has ${st.size.toLocaleString('en-US')} bytes; ${exact.toLocaleString('en-US')} expected`);
    if (st.size > max) throw new ModelFileError('corrupt', `${name} has ${st.size.toLocaleString('en-US')} bytes (at most ${max.toLocaleString('en-US')})`);
    return await use(fh, st.size);
  } finally {
    await fh.close();
  }
}
