/**
 * Sweep records as the lab reads them back: <runs>/sweeps/<id>.json, written by the sweep runner. A
 * record this lab is not running (an earlier lab ran it, maybe to its end, maybe not) is read against
 * its runs' own status files, so a sweep whose lab died shows what its runs really did.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../domain/errors.ts';
import type { RunSummary } from '../domain/runs.ts';
import type { SweepSummary } from '../domain/sweeps.ts';
import { rank, runObjective } from './objective.ts';

const FILE_RE = /^([0-9]{8}-[0-9]{6}-[a-z0-9]{1,8})\.json$/;
/** A run in one of these may still change: the sweep it belongs to has not ended. */
const OPEN = new Set<string>(['queued', 'running', 'paused']);

async function readRecord(dir: string, sweepId: string): Promise<SweepSummary | null> {
  try {
    const s = JSON.parse(await readFile(join(dir, `${sweepId}.json`), 'utf8')) as SweepSummary;
    // Written whole by the runner (writeJsonAtomic); anything else is not a sweep record.
    return s && s.sweepId === sweepId && Array.isArray(s.runs) ? s : null;
  } catch {
    return null;
  }
}

/** The record with its runs' statuses and objectives as their folders tell them now. */
async function reconcile(s: SweepSummary, readStatus: (runId: string) => Promise<RunSummary | null>): Promise<SweepSummary> {
  for (const rec of s.runs) {
    const run = await readStatus(rec.runId).catch(() => null);
    if (!run) continue; // deleted from the library: the record keeps what it last knew
    rec.status = run.status;
    rec.objective = runObjective(run, s.objective);
  }
  const open = s.runs.some((r) => OPEN.has(r.status));
  if (s.status === 'running') s.status = open ? 'interrupted' : 'finished';
  return { ...s, ...rank(s.runs, s.objective) };
}

export interface SweepRecords {
  dir: string;
  /** Sweeps this lab is running now, by id: their records are current as they are. */
  live: ReadonlyMap<string, SweepSummary>;
  readStatus(runId: string): Promise<RunSummary | null>;
}

export async function getSweepRecord(r: SweepRecords, sweepId: string): Promise<SweepSummary> {
  const live = r.live.get(sweepId);
  if (live) return structuredClone(live);
  const s = await readRecord(r.dir, sweepId);
  if (!s) throw new LabError(`no sweep "${sweepId}"`, 'not-found');
  return reconcile(s, r.readStatus);
}

/** The ids of the sweeps in the runs folder, newest first. */
async function sweepIds(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.flatMap((n) => FILE_RE.exec(n)?.[1] ?? []).sort((a, b) => b.localeCompare(a));
}

/**
 * Sweeps an earlier lab left running whose open runs all go on in this lab (`following`: queue runs
 * it left training when it closed or died, followed again here): they are not interrupted, so this
 * lab takes them over (followSweep) instead of showing them so.
 */
export async function sweepsToFollow(r: SweepRecords, following: (runId: string) => boolean): Promise<SweepSummary[]> {
  const out: SweepSummary[] = [];
  for (const id of await sweepIds(r.dir)) {
    if (r.live.has(id)) continue;
    const s = await readRecord(r.dir, id);
    if (!s || s.status !== 'running') continue;
    const open: string[] = [];
    for (const rec of s.runs) {
      const run = await r.readStatus(rec.runId).catch(() => null);
      if (run && OPEN.has(run.status)) open.push(run.runId);
    }
    if (open.length > 0 && open.every(following)) out.push(s);
  }
  return out;
}

/** Every sweep in the runs folder, newest first. */
export async function listSweepRecords(r: SweepRecords): Promise<SweepSummary[]> {
  const out: SweepSummary[] = [];
  for (const id of await sweepIds(r.dir)) {
    const s = await getSweepRecord(r, id).catch(() => null);
    if (s) out.push(s);
  }
  return out;
}
