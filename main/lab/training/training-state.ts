/**
 * A checkpoint's training state: what a resumed run needs beyond the policy folder to go on exactly
 * as if it never stopped — the trainer's counters and last-100 window, the algorithm's random stream,
 * the vector env (its sub-envs and their generators, where the env can be captured), and the
 * algorithm's own state (optimizer moments and step counts, …). One file beside the policy files,
 * which it leaves unchanged: training-state.bin, written under a temporary name and renamed, so a
 * checkpoint has a whole one or none.
 *
 * The file: "PLTS" · u32 format · u32 header length · header (JSON) · payload. The header is the
 * state as JSON with each typed array replaced by {"$a": i} (its bytes in the payload) and each
 * bigint by {"$n": "digits"}, plus the payload's SHA-256: a torn or altered file is refused with a
 * reason, never half-read.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BestEval } from '../domain/runs.ts';
import type { RenderState } from '../domain/envs.ts';
import type { VecEnvSnapshot } from '../envs/env.ts';
import type { PCG64State } from '../envs/numpy-rng.ts';
import type { AlgorithmState } from '../agents/algorithm.ts';
import type { CollapseState } from './collapse.ts';

export const TRAINING_STATE_FILE = 'training-state.bin';
const MAGIC = 'PLTS';
const FORMAT = 1;

/** The trainer's own part, and the parts it gathers from the env and the algorithm. */
export interface TrainingState {
  env: string;
  algo: string;
  seed: number;
  engine: string;
  numEnvs: number;
  steps: number;
  episodes: number;
  updates: number;
  /** Training seconds so far (wall time and SPS go on from it). */
  wallSeconds: number;
  last100: number[];
  solvedAtStep: number | null;
  solvedAtEpisode: number | null;
  solvedAtSeconds: number | null;
  collapse: CollapseState;
  warning: string | null;
  bestEval: BestEval | null;
  /** Finished episodes of the first env (the recorder's schedule counts them). */
  env0Episodes: number;
  /** The first env's running episode so far (its frames), when the env was captured. */
  env0Frames: RenderState[] | null;
  rng: PCG64State;
  vecEnv: VecEnvSnapshot | null;
  algorithm: AlgorithmState | null;
  /**
   * best/ as it was at this checkpoint (null: there was none), so that a resume can put it back: a
   * best policy found after the checkpoint belongs to training the resume drops. Absent in states
   * written before it was kept (a resume then leaves best/ as it is).
   */
  bestPolicy?: FolderFiles | null;
}

/** A small folder's files as bytes, by path relative to it ('/'-separated, at most one subfolder deep). */
export interface FolderFiles {
  files: { name: string; data: Uint8Array }[];
}

/** A training state that cannot be used, with the reason in words (no path). */
export class TrainingStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingStateError';
  }
}

type ArrayKind = 'f32' | 'f64' | 'i32' | 'u8' | 'u32';
const CTORS = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array, u32: Uint32Array } as const;

function kindOf(v: unknown): ArrayKind | null {
  for (const [k, C] of Object.entries(CTORS)) if (v instanceof C) return k as ArrayKind;
  return null;
}

export function encodeTrainingState(state: TrainingState): Buffer {
  const arrays: { kind: ArrayKind; bytes: Uint8Array }[] = [];
  const tree = JSON.stringify(state, function (this: unknown, key: string, value: unknown) {
    // JSON.stringify hands typed arrays to the replacer before serialising them (toJSON-free objects).
    const raw = (this as Record<string, unknown>)[key];
    const kind = kindOf(raw);
    if (kind) {
      const a = raw as Float32Array;
      arrays.push({ kind, bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) });
      return { $a: arrays.length - 1 };
    }
    if (typeof raw === 'bigint') return { $n: raw.toString() };
    if (typeof value === 'number' && !Number.isFinite(value)) return { $f: String(value) };
    return value;
  });
  const payload = Buffer.concat(arrays.map((a) => a.bytes));
  const header = Buffer.from(
    JSON.stringify({
      sha256: createHash('sha256').update(payload).digest('hex'),
      arrays: arrays.map((a) => ({ kind: a.kind, bytes: a.bytes.byteLength })),
      tree,
    }),
  );
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT, 4);
  head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, header, payload]);
}

export function decodeTrainingState(buf: Buffer): TrainingState {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== MAGIC) throw new TrainingStateError('it is not a training state file');
  const format = buf.readUInt32LE(4);
  if (format !== FORMAT) throw new TrainingStateError(`it has format ${format}; this lab reads format ${FORMAT}`);
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) throw new TrainingStateError('it is cut short');
  let header: { sha256: string; arrays: { kind: ArrayKind; bytes: number }[]; tree: string };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen)) as typeof header;
  } catch {
    throw new TrainingStateError('its header is damaged');
  }
  if (typeof header?.sha256 !== 'string' || !Array.isArray(header.arrays) || typeof header.tree !== 'string')
    throw new TrainingStateError('its header is damaged');
  const payload = buf.subarray(12 + headerLen);
  const total = header.arrays.reduce((s, a) => s + (Number.isSafeInteger(a?.bytes) && a.bytes >= 0 ? a.bytes : NaN), 0);
  if (total !== payload.length) throw new TrainingStateError(total < payload.length || Number.isNaN(total) ? 'its header is damaged' : 'it is cut short');
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) throw new TrainingStateError('its contents do not match their checksum (damaged)');
  const arrays: ArrayLike<number>[] = [];
  let off = 0;
  for (const a of header.arrays) {
    const C = CTORS[a.kind];
    if (!C || a.bytes % C.BYTES_PER_ELEMENT !== 0) throw new TrainingStateError('its header is damaged');
    // A copy: aligned for the view, and independent of the file's buffer.
    const bytes = Uint8Array.from(payload.subarray(off, off + a.bytes));
    arrays.push(new C(bytes.buffer, 0, a.bytes / C.BYTES_PER_ELEMENT));
    off += a.bytes;
  }
  let state: unknown;
  try {
    state = JSON.parse(header.tree, (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === '$a') {
          const i = o.$a as number;
          if (!Number.isInteger(i) || !arrays[i]) throw new TrainingStateError('its header is damaged');
          return arrays[i];
        }
        if (keys.length === 1 && keys[0] === '$n' && typeof o.$n === 'string' && /^-?\d+$/.test(o.$n)) return BigInt(o.$n);
        if (keys.length === 1 && keys[0] === '$f') return Number(o.$f);
      }
      return v;
    });
  } catch (err) {
    if (err instanceof TrainingStateError) throw err;
    throw new TrainingStateError('its header is damaged');
  }
  checkTrainerPart(state);
  return state;
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumOrNull = (v: unknown) => v === null || typeof v === 'number';

/** The trainer's own fields (the env's and the algorithm's parts are checked by whoever restores them). */
function checkTrainerPart(s: unknown): asserts s is TrainingState {
  const o = s as Record<string, unknown>;
  const rng = o?.rng as Record<string, unknown> | undefined;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    typeof o.env === 'string' &&
    typeof o.algo === 'string' &&
    typeof o.engine === 'string' &&
    isCount(o.seed) &&
    isCount(o.numEnvs) &&
    isCount(o.steps) &&
    isCount(o.episodes) &&
    isCount(o.updates) &&
    isCount(o.env0Episodes) &&
    typeof o.wallSeconds === 'number' &&
    Array.isArray(o.last100) &&
    o.last100.length <= 100 &&
    o.last100.every((x) => typeof x === 'number') &&
    isNumOrNull(o.solvedAtStep) &&
    isNumOrNull(o.solvedAtEpisode) &&
    isNumOrNull(o.solvedAtSeconds) &&
    typeof o.collapse === 'object' &&
    o.collapse !== null &&
    (o.env0Frames === null || Array.isArray(o.env0Frames)) &&
    typeof rng?.state === 'bigint' &&
    typeof rng.inc === 'bigint' &&
    (o.vecEnv === null || (typeof o.vecEnv === 'object' && typeof (o.vecEnv as { kind?: unknown }).kind === 'string')) &&
    (o.algorithm === null || typeof o.algorithm === 'object') &&
    (o.bestPolicy === undefined || o.bestPolicy === null || isFolderFiles(o.bestPolicy));
  if (!ok) throw new TrainingStateError('it does not hold a training state');
}

/** A file name a restore may write: inside the folder, at most one subfolder deep (a policy's critic/). */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$/;

function isFolderFiles(v: unknown): v is FolderFiles {
  const files = (v as FolderFiles | null)?.files;
  return Array.isArray(files) && files.every((f) => typeof f?.name === 'string' && FILE_NAME.test(f.name) && f.data instanceof Uint8Array);
}

/** The files of folder `dir` (and of its subfolders, one level down, hidden ones left out); null when it does not exist. */
export function readFolderFiles(dir: string): FolderFiles | null {
  if (!existsSync(dir)) return null;
  const files: FolderFiles['files'] = [];
  const walk = (sub: string, depth: number): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = sub ? `${sub}/${e.name}` : e.name;
      if (!FILE_NAME.test(name)) continue; // hidden or stray names are not the policy's
      if (e.isDirectory() && depth === 0) walk(name, 1);
      else if (e.isFile()) files.push({ name, data: new Uint8Array(readFileSync(join(dir, name))) });
    }
  };
  walk('', 0);
  return { files };
}

const sameFiles = (a: FolderFiles | null, b: FolderFiles | null): boolean =>
  a === null || b === null
    ? a === b
    : a.files.length === b.files.length && a.files.every((f, i) => f.name === b.files[i].name && Buffer.from(f.data).equals(b.files[i].data));

/**
 * Puts folder `dir` back to `saved` (null: no folder), unless it already is; true when it changed
 * it. The files are written beside it under a temporary name, then swapped in.
 */
export function restoreFolder(dir: string, saved: FolderFiles | null): boolean {
  if (sameFiles(readFolderFiles(dir), saved)) return false;
  if (saved === null) {
    rmSync(dir, { recursive: true, force: true });
    return true;
  }
  const tmp = `${dir}.restore-${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const f of saved.files) {
    mkdirSync(dirname(join(tmp, f.name)), { recursive: true });
    writeFileSync(join(tmp, f.name), f.data);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return true;
}

/** Written beside the policy files of `dir` (a checkpoint folder), atomically. */
export function writeTrainingState(dir: string, state: TrainingState): void {
  const path = join(dir, TRAINING_STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeTrainingState(state));
  renameSync(tmp, path);
}

/** Checkpoints that keep their training state: the newest, and the one before in case the newest is refused. */
export const TRAINING_STATES_KEPT = 2;

/**
 * Drops the training state of every checkpoint under `checkpointsDir` but the newest `keep` (their
 * policies stay, for the filmstrip and Watch). A resume starts from the newest state, and DQN's holds
 * the replay buffer (MBs each), so a long run's checkpoints would otherwise fill a disk.
 */
export function pruneTrainingStates(checkpointsDir: string, keep = TRAINING_STATES_KEPT): void {
  const withState: { step: number; name: string }[] = [];
  for (const e of readdirSync(checkpointsDir, { withFileTypes: true })) {
    const m = /^step-(\d+)$/.exec(e.name);
    if (!e.isDirectory() || !m) continue;
    if (existsSync(join(checkpointsDir, e.name, TRAINING_STATE_FILE))) withState.push({ step: Number(m[1]), name: e.name });
  }
  withState.sort((a, b) => a.step - b.step);
  for (const c of withState.slice(0, Math.max(0, withState.length - keep))) rmSync(join(checkpointsDir, c.name, TRAINING_STATE_FILE), { force: true });
}

/** The training state of checkpoint folder `dir`; a missing, torn or altered file is a TrainingStateError. */
export function readTrainingState(dir: string): TrainingState {
  let buf: Buffer;
  try {
    buf = readFileSync(join(dir, TRAINING_STATE_FILE));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TrainingStateError(code === 'ENOENT' ? 'it has no training state file' : `it cannot be read (${code ?? 'read error'})`);
  }
  return decodeTrainingState(buf);
}
