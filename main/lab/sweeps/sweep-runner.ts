/**
 * Runs a sweep through the lab's own queue: plans every run, validates them all before any starts,
 * starts them tagged with the sweep (the queue trains as many at once as it has slots), prunes by the
 * median rule when asked, and keeps the sweep's record in <runs>/sweeps/<id>.json as runs end. A
 * sweep an earlier lab left running, whose runs this lab follows again (on a job queue), goes on here
 * (followSweep).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../domain/errors.ts';
import type { EnvOptionDef } from '../domain/env-def.ts';
import type { HyperparameterSpec, HyperValue } from '../domain/hyperparameters.ts';
import { ENDED_STATUSES, type EpisodeRecord, type MetricRecord, type RunRequest, type RunSummary } from '../domain/runs.ts';
import { sweepRunName, sweepTag, type SweepParams, type SweepPoint, type SweepRunRecord, type SweepSummary } from '../domain/sweeps.ts';
import { writeJsonAtomic } from '../runs/run-store.ts';
import { MedianPruner } from './median-pruner.ts';
import { rank, runObjective } from './objective.ts';
import { planSweep } from './sweep-plan.ts';

/** What a sweep needs of the lab (LabService provides it). */
export interface SweepHost {
  rules(algo: string): readonly HyperparameterSpec[];
  envOptions(env: string): Readonly<Record<string, EnvOptionDef>>;
  /** Resolves and checks a run request exactly as starting it would (throws what is wrong). */
  checkRun(req: RunRequest): { totalSteps: number; hyperparameters: Record<string, HyperValue>; envOptions: Record<string, number | boolean> };
  startRun(req: RunRequest): Promise<RunSummary>;
  stopRun(runId: string): Promise<RunSummary>;
  updateRun(runId: string, p: { tags?: string[]; notes?: string | null }): Promise<RunSummary>;
  waitForRun(runId: string): Promise<RunSummary>;
  onMetrics(listener: (runId: string, records: readonly MetricRecord[]) => void): () => void;
  onStatus(listener: (run: RunSummary) => void): () => void;
  /** The sweep's record changed (a run ended or was pruned, the sweep ended). */
  changed(summary: SweepSummary): void;
  sweepsDir: string;
}

/** Sorts by time and stays a valid file name; the suffix keeps two sweeps started in one second apart. */
function newSweepId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export interface RunningSweep {
  summary: SweepSummary;
  /** Resolves with the final record once every run has ended. */
  done: Promise<SweepSummary>;
  /** Stops every run of the sweep that has not ended (queued ones never start); `done` then resolves. */
  stop(): Promise<void>;
}

/** Ended: the run's status will not change again in this lab. */

export async function startSweep(host: SweepHost, p: SweepParams): Promise<RunningSweep> {
  let plan;
  try {
    plan = planSweep(p, {
      rules: Object.fromEntries(host.rules(p.algo).map((r) => [r.key, r])),
      envOptions: host.envOptions(p.env),
    });
  } catch (err) {
    throw new LabError((err as Error).message, 'invalid');
  }
  const sweepId = newSweepId();
  const tag = sweepTag(sweepId);
  // Every run checked before any is queued: a bad point fails the sweep with nothing started. Each
  // point is then recorded as the lab read it (the command line's "3e-4" is 0.0003, "64" is [64]).
  let totalSteps = 0;
  for (const run of plan) {
    let config;
    try {
      config = host.checkRun(run.request);
    } catch (err) {
      const where = Object.entries(run.point)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ');
      throw new LabError(`${where ? `at ${where}: ` : ''}${(err as Error).message}`, 'invalid');
    }
    totalSteps = config.totalSteps;
    const read: SweepPoint = {};
    for (const k of Object.keys(run.point))
      read[k] = k in config.envOptions && !(k in config.hyperparameters) ? config.envOptions[k] : config.hyperparameters[k];
    run.point = read;
  }
  const pruner = p.prune ? new MedianPruner(totalSteps) : null;
  const summary: SweepSummary = {
    sweepId,
    name: p.name ?? null,
    env: p.env,
    algo: p.algo,
    objective: p.objective,
    createdAt: new Date().toISOString(),
    status: 'running',
    request: p,
    totalSteps,
    rungs: pruner ? pruner.rungSteps : null,
    runs: [],
    ranking: [],
    best: null,
  };
  await mkdir(host.sweepsDir, { recursive: true });
  const save = recorder(host, summary);

  const returns = new Map<string, number[]>();
  const nextRung = new Map<string, number>();
  const byId = new Map<string, SweepRunRecord>();
  const tagsOf = new Map<string, string[]>();
  const off = pruner
    ? host.onMetrics((runId, records) => {
        const rec = byId.get(runId);
        if (!rec || rec.pruned) return;
        const last = returns.get(runId) ?? [];
        returns.set(runId, last);
        for (const m of records) {
          if (m.kind !== 'episode') continue;
          last.push((m as EpisodeRecord).return);
          if (last.length > 100) last.shift();
          const rung = nextRung.get(runId) ?? 0;
          if (rung >= pruner.rungSteps.length || m.step < pruner.rungSteps[rung]) continue;
          nextRung.set(runId, rung + 1);
          const value = last.reduce((a, b) => a + b, 0) / last.length;
          const d = pruner.report(runId, rung, value);
          if (!d) continue;
          rec.pruned =
            `pruned at step ${m.step.toLocaleString('en-US')} (rung ${d.rung + 1} of ${pruner.rungSteps.length}, ${d.step.toLocaleString('en-US')} steps): ` +
            `100-episode mean ${d.value.toFixed(1)} below the median ${d.median.toFixed(1)} of ${d.others} other runs`;
          void host.stopRun(runId).catch(() => undefined);
          // The run itself says why it stopped early, in the runs library too.
          void host.updateRun(runId, { tags: [...(tagsOf.get(runId) ?? [tag]), 'pruned'], notes: rec.pruned }).catch(() => undefined);
          void save();
          break;
        }
      })
    : () => undefined;

  /** Statuses that arrive before startRun returns (a run that starts at once is running before it is recorded). */
  const early = new Map<string, RunSummary['status']>();
  const offStatus = host.onStatus((s) => {
    const rec = byId.get(s.runId);
    if (!rec && !ENDED_STATUSES.has(s.status)) early.set(s.runId, s.status);
    if (noteStatus(rec, s)) void save();
  });
  const started: RunSummary[] = [];
  try {
    for (const run of plan) {
      const name = sweepRunName(run.point, run.seed, p.name);
      const s = await host.startRun({ ...run.request, name, tags: [...new Set([...(run.request.tags ?? []), tag])] });
      started.push(s);
      tagsOf.set(s.runId, s.tags ?? [tag]);
      const rec: SweepRunRecord = { runId: s.runId, point: run.point, seed: run.seed, status: early.get(s.runId) ?? s.status, objective: null };
      byId.set(s.runId, rec);
      summary.runs.push(rec);
    }
  } catch (err) {
    off();
    offStatus();
    for (const s of started) void host.stopRun(s.runId).catch(() => undefined);
    throw err;
  }
  await save();
  return {
    summary: structuredClone(summary),
    ...untilEnded(host, summary, save, () => {
      off();
      offStatus();
    }),
  };
}

/**
 * A sweep an earlier lab left running (it closed or died while the sweep's runs trained on a job
 * queue), whose open runs this lab follows again: its record goes on here as they end, and it can be
 * stopped. Its pruning does not resume (the rungs' returns were the earlier lab's).
 */
export function followSweep(host: SweepHost, record: SweepSummary): RunningSweep {
  const summary = structuredClone(record);
  const save = recorder(host, summary);
  const offStatus = host.onStatus((s) => {
    if (
      noteStatus(
        summary.runs.find((r) => r.runId === s.runId),
        s,
      )
    )
      void save();
  });
  return { summary: structuredClone(summary), ...untilEnded(host, summary, save, offStatus) };
}

/** Writes the sweep's record, ranked, whole and in order (runs end concurrently), and tells the lab. */
function recorder(host: SweepHost, summary: SweepSummary): () => Promise<void> {
  const path = join(host.sweepsDir, `${summary.sweepId}.json`);
  let saving: Promise<void> = Promise.resolve();
  return () => {
    Object.assign(summary, rank(summary.runs, summary.objective));
    const snapshot = structuredClone(summary);
    host.changed(snapshot);
    return (saving = saving.then(() => writeJsonAtomic(path, snapshot)));
  };
}

/** A run's new status into its record (an ending is recorded with its objective once written: untilEnded); true if it changed. */
function noteStatus(rec: SweepRunRecord | undefined, s: RunSummary): boolean {
  if (!rec || rec.status === s.status || ENDED_STATUSES.has(rec.status) || ENDED_STATUSES.has(s.status)) return false;
  rec.status = s.status;
  return true;
}

/**
 * Records each run's end as it comes, then the sweep's (stopped or finished). A run the lab left
 * training when it closed (its wait fails) leaves the record as it is, still running, for the next lab.
 */
function untilEnded(host: SweepHost, summary: SweepSummary, save: () => Promise<void>, release: () => void): Omit<RunningSweep, 'summary'> {
  let stopping = false;
  const done = (async () => {
    try {
      await Promise.all(
        summary.runs.map(async (rec) => {
          const s = await host.waitForRun(rec.runId).catch((err: unknown) => {
            if (err instanceof LabError && err.code === 'not-found') return null; // deleted from the library after it ended
            throw err;
          });
          if (!s) return;
          rec.status = s.status;
          rec.objective = runObjective(s, summary.objective);
          await save();
        }),
      );
    } finally {
      release();
    }
    summary.status = stopping && summary.runs.some((r) => r.status === 'stopped' && !r.pruned) ? 'stopped' : 'finished';
    await save();
    return structuredClone(summary);
  })();
  return {
    done,
    async stop() {
      stopping = true;
      // Queued runs first, so none starts in a slot a stopping run frees.
      const open = summary.runs.filter((r) => !ENDED_STATUSES.has(r.status));
      const order = [...open.filter((r) => r.status === 'queued'), ...open.filter((r) => r.status !== 'queued')];
      for (const r of order) await host.stopRun(r.runId).catch(() => undefined);
    },
  };
}
