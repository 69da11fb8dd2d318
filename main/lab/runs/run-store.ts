/**
 * The runs folder on disk. One folder per run:
 *   config.json       the resolved TrainerConfig (+ versions), written once
 *   status.json       the RunSummary, rewritten atomically on every status change (by the lab; by the run
 *                     process itself when it outlives the lab)
 *   progress.json     the run process's own progress, rewritten atomically every few seconds: what a lab
 *                     restarted after a crash rebuilds the summary from
 *   metrics.ndjson    append-only episode/update records (the worker appends; a crash loses at most a line)
 *   checkpoints/      policy snapshots during training
 *   policy/           the final policy (tfjs model + policy.json)
 */
import { mkdir, readFile, readdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import { appendFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunConfig, type MetricRecord, type RunSummary } from '../domain/runs.ts';
import type { TrainerConfig } from '../training/trainer-config.ts';
import { MEDIA_DIR, MEDIA_INDEX } from '../training/episode-recorder.ts';

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

/** What a run process last wrote of its progress (progress.json). */
export interface RunProgress {
  pid: number;
  steps: number;
  episodes: number;
  mean100: number | null;
  best100: number | null;
  /** Training seconds so far. */
  wallSeconds: number;
  /** ISO time of the write. */
  updatedAt: string;
}

/**
 * Why writing to the runs folder failed, in words and without a path (fs errors carry the full path
 * in their message); the code itself for anything unexpected.
 */
export function writeProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full';
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return 'the runs folder is not writable';
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'the runs folder cannot be created';
  return code ?? 'write error';
}

/** Whether `err` is a failed write of the runs folder (as opposed to a training error). */
export function isWriteError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && ['ENOSPC', 'EDQUOT', 'EACCES', 'EROFS', 'EPERM', 'ENOENT', 'ENOTDIR', 'EIO'].includes(code);
}

/** Where a run folder is made before it is renamed into place (hidden: list() skips dot-names). */
const PARTIAL_PREFIX = '.partial-';

/**
 * A run's progress as its metrics tell it: the finest record a crash leaves (the run process appends
 * them every 100 ms; progress.json is rewritten only every few seconds).
 */
export function progressFromMetrics(records: readonly MetricRecord[]): Omit<RunProgress, 'pid' | 'updatedAt'> {
  let steps = 0;
  let wallSeconds = 0;
  const returns: number[] = [];
  let sum = 0; // of the last (up to) 100 returns
  let best100: number | null = null;
  for (const r of records) {
    steps = Math.max(steps, r.step);
    wallSeconds = Math.max(wallSeconds, r.wall);
    if (r.kind !== 'episode') continue;
    returns.push(r.return);
    sum += r.return - (returns.length > 100 ? returns[returns.length - 101] : 0);
    if (returns.length >= 100) best100 = Math.max(best100 ?? -Infinity, sum / 100);
  }
  const n = Math.min(100, returns.length);
  return { steps, episodes: returns.length, mean100: n ? sum / n : null, best100, wallSeconds };
}

export function progressPath(runDir: string): string {
  return join(runDir, 'progress.json');
}

export async function readProgress(runDir: string): Promise<RunProgress | null> {
  try {
    const p = JSON.parse(await readFile(progressPath(runDir), 'utf8')) as RunProgress;
    return typeof p.steps === 'number' && typeof p.pid === 'number' ? p : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid is alive (and ours to signal). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function metricsPath(runDir: string): string {
  return join(runDir, 'metrics.ndjson');
}

/** One write per batch, in the run process (which may block briefly: it is not the UI's process). */
export function appendMetricsSync(runDir: string, records: readonly MetricRecord[]): void {
  if (records.length === 0) return;
  appendFileSync(metricsPath(runDir), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Reads metrics.ndjson, skipping a torn last line (the run process may have died mid-write). */
export async function readMetrics(runDir: string): Promise<MetricRecord[]> {
  let text: string;
  try {
    text = await readFile(metricsPath(runDir), 'utf8');
  } catch {
    return [];
  }
  const out: MetricRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      /* torn line from a crash */
    }
  }
  return out;
}

export class RunStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(runId) || runId.startsWith('.')) throw new Error(`invalid run id "${runId}"`);
    return join(this.root, runId);
  }

  /** A readable, sortable, unique id: 20261121-063512-CartPole-v1-ppo-s0-ab12 */
  newRunId(config: Pick<TrainerConfig, 'env' | 'algo' | 'seed'>): string {
    const d = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
    const rand = Math.random().toString(36).slice(2, 6);
    return `${stamp}-${config.env}-${config.algo}-s${config.seed}-${rand}`;
  }

  /**
   * A new run's folder with config.json, an empty metrics.ndjson and status.json, made under a hidden
   * name and renamed into place: a crash (or a full disk) midway leaves no run without a status, only a
   * hidden folder that sweepPartial() removes later.
   */
  async create(summary: RunSummary, config: TrainerConfig, extra: Record<string, unknown>): Promise<string> {
    const dir = this.runDir(summary.runId);
    const partial = join(this.root, `${PARTIAL_PREFIX}${summary.runId}`);
    try {
      await mkdir(join(partial, 'checkpoints'), { recursive: true });
      await writeJsonAtomic(join(partial, 'config.json'), { ...config, ...extra });
      await writeFile(metricsPath(partial), '', { flag: 'a' });
      await writeJsonAtomic(join(partial, 'status.json'), summary);
      await rename(partial, dir);
    } catch (err) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    return dir;
  }

  /** Removes run folders a crash left half-made (older than an hour: another lab may be making one now). */
  async sweepPartial(): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(PARTIAL_PREFIX)) continue;
      const path = join(this.root, name);
      const st = await stat(path).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 3_600_000) await rm(path, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async writeStatus(summary: RunSummary): Promise<void> {
    await writeJsonAtomic(join(this.runDir(summary.runId), 'status.json'), summary);
  }

  async readStatus(runId: string): Promise<RunSummary | null> {
    try {
      // Runs from before training engines existed have no engine: they all trained op-by-op on tfjs.
      return { engine: 'tfjs', ...(JSON.parse(await readFile(join(this.runDir(runId), 'status.json'), 'utf8')) as Omit<RunSummary, 'engine'>) };
    } catch {
      return null;
    }
  }

  async readConfig(runId: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(join(this.runDir(runId), 'config.json'), 'utf8')) as Record<string, unknown>;
  }

  /** config.json read back through the schema it was written from (RunConfig). */
  async readRunConfig(runId: string): Promise<TrainerConfig> {
    const parsed = RunConfig.safeParse(await this.readConfig(runId));
    if (!parsed.success)
      throw new Error(
        `config.json of run ${runId} is not a run configuration (${parsed.error.issues[0]?.path.join('.') || 'top'}: ${parsed.error.issues[0]?.message})`,
      );
    return parsed.data;
  }

  /** The newest policy folder of a run: policy/, else the highest checkpoints/step-N/. */
  async latestPolicyDir(runId: string): Promise<string | null> {
    const dir = this.runDir(runId);
    if (existsSync(join(dir, 'policy', 'policy.json'))) return join(dir, 'policy');
    const cps = await this.checkpoints(runId);
    return cps.length ? cps[cps.length - 1].dir : null;
  }

  /**
   * Before a run resumes from its checkpoint at `step`: what it logged after that step (a crash's last
   * moments, which the resumed run will log again) is dropped — metrics records, the recorded-episode
   * index, later checkpoints — and progress.json goes (the resumed process writes its own). Returns the
   * run's progress as the kept metrics tell it.
   */
  async rewindTo(runId: string, step: number): Promise<Omit<RunProgress, 'pid' | 'updatedAt'>> {
    const dir = this.runDir(runId);
    const kept = (await readMetrics(dir)).filter((r) => r.step <= step);
    const tmp = `${metricsPath(dir)}.${process.pid}.tmp`;
    await writeFile(tmp, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    await rename(tmp, metricsPath(dir));
    const index = join(dir, MEDIA_DIR, MEDIA_INDEX);
    if (existsSync(index)) {
      const lines = (await readFile(index, 'utf8')).split('\n').filter((line) => {
        try {
          return line !== '' && (JSON.parse(line) as { step: number }).step <= step;
        } catch {
          return false;
        }
      });
      await writeFile(`${index}.tmp`, lines.map((l) => l + '\n').join(''));
      await rename(`${index}.tmp`, index);
    }
    for (const c of await this.checkpoints(runId)) if (c.step > step) await rm(c.dir, { recursive: true, force: true });
    await rm(progressPath(dir), { force: true });
    return progressFromMetrics(kept);
  }

  /** A run's complete checkpoints, oldest first. */
  async checkpoints(runId: string): Promise<{ step: number; dir: string }[]> {
    const root = join(this.runDir(runId), 'checkpoints');
    if (!existsSync(root)) return [];
    return (await readdir(root))
      .map((n) => ({ step: Number(/^step-(\d+)$/.exec(n)?.[1] ?? NaN), dir: join(root, n) }))
      .filter((c) => Number.isFinite(c.step) && existsSync(join(c.dir, 'policy.json')))
      .sort((a, b) => a.step - b.step);
  }

  async list(): Promise<RunSummary[]> {
    if (!existsSync(this.root)) return [];
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      // Not a folder (or unreadable): it holds no runs; starting one says why it cannot (service.startRun).
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw e;
    }
    const out: RunSummary[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        if (!(await stat(join(this.root, name))).isDirectory()) continue;
      } catch {
        continue;
      }
      const s = await this.readStatus(name);
      if (s) out.push({ ...s, runDir: join(this.root, name) });
    }
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return out;
  }
}
