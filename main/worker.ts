/**
 * A run process: trains one run and streams it. Started by child_process.fork (CLI, browser mode,
 * tests) or Electron's utilityProcess.fork (desktop app); it speaks training/protocol.ts over
 * whichever channel it has. Metrics are appended to the run folder here, in the process that makes
 * them, so a crash of the parent loses nothing; the stream to the parent is batched (≤ 10 flushes/s).
 */
import type { FromWorker, ToWorker } from './lab/training/protocol.ts';
import type { MetricRecord } from './lab/domain/runs.ts';
import { appendMetricsSync, isWriteError, progressPath, writeJsonAtomic, writeProblem, type RunProgress } from './lab/runs/run-store.ts';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { train } from './lab/training/trainer.ts';
import { compactFrames } from './lab/media/frames.ts';
import { EpisodeRecorder } from './lab/training/episode-recorder.ts';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(msg: FromWorker, then?: () => void): void {
  if (parentPort) {
    parentPort.postMessage(msg);
    then?.();
  } else if (process.send && process.connected) {
    // The callback fires once the message is handed to the channel: exiting earlier can drop it.
    process.send(msg, undefined, {}, () => then?.());
  } else then?.();
}

function onMessage(listener: (msg: ToWorker) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data as ToWorker));
  else process.on('message', (m) => listener(m as ToWorker));
}

const FLUSH_MS = 100;
const FRAMES_EVERY_MS = 1000;

let stopRequested = false;
let pauseRequested = false;
let started = false;
let threads = 1;

onMessage((msg) => {
  if (msg.type === 'stop') stopRequested = true;
  else if (msg.type === 'pause') pauseRequested = true;
  else if (msg.type === 'resume') pauseRequested = false;
  else if (msg.type === 'threads') threads = msg.threads;
  else if (msg.type === 'start' && !started) {
    started = true;
    run(msg).then(
      () => process.exit(0),
      (err: unknown) => {
        // Exit once the error has left (or after 2 s if the channel is gone).
        setTimeout(() => process.exit(1), 2000).unref();
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
      },
    );
  }
});

// Ctrl-C in a terminal reaches the whole process group, this process too: it is the lab's stop (the
// CLI asks for it as well), so the run ends `stopped` with a checkpoint it can be resumed from.
process.on('SIGINT', () => {
  stopRequested = true;
});

// The lab went away (crashed, or the CLI was killed): finish the run anyway and record its end in
// status.json ourselves (runEnded), so nothing it learns is lost or mislabelled.
let orphaned = false;
process.on('disconnect', () => {
  // A queue worker that died: BullMQ gives its job to another worker, so training on here would train the run twice.
  if (process.env.POLICY_LAB_RUN_OWNER === 'queue-worker') process.exit(1);
  orphaned = true;
  pauseRequested = false; // nobody is left to resume it
});
const PROGRESS_EVERY_MS = 2000;

async function run(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const { runDir, config, resumeFrom } = msg;
  let pending: MetricRecord[] = [];
  let progress: Extract<FromWorker, { type: 'progress' }>['progress'] | null = null;
  let frames: Extract<FromWorker, { type: 'episode' }>['frames'] | null = null;
  let lastFramesSent = 0;
  let lastProgressWrite = 0;
  let best100: number | null = null;
  let progressWriting = false;
  const writeProgress = (p: NonNullable<typeof progress>, force = false): void => {
    const now = Date.now();
    if (p.episodes >= 100 && p.mean100 !== null) best100 = Math.max(best100 ?? -Infinity, p.mean100);
    if (progressWriting || (!force && now - lastProgressWrite < PROGRESS_EVERY_MS)) return;
    lastProgressWrite = now;
    progressWriting = true;
    const rec: RunProgress = {
      pid: process.pid,
      steps: p.step,
      episodes: p.episodes,
      mean100: p.mean100,
      best100,
      wallSeconds: p.step / Math.max(p.sps, 1e-9),
      updatedAt: new Date().toISOString(),
    };
    writeJsonAtomic(progressPath(runDir), rec)
      .catch(() => undefined) // a full disk must not stop training; status.json still tells the end
      .finally(() => (progressWriting = false));
  };

  // A write that fails (disk full, folder gone read-only) stops training: what is not on disk would be
  // lost anyway. The run ends crashed with the reason; what was written before is kept.
  let writeFailure: unknown = null;
  const flush = (): void => {
    if (pending.length > 0 && writeFailure === null) {
      const batch = pending;
      pending = [];
      // On disk before it is streamed: whatever the UI has seen survives a crash of this process.
      try {
        appendMetricsSync(runDir, batch);
        send({ type: 'metrics', records: batch });
      } catch (err) {
        writeFailure = err;
      }
    }
    if (progress) {
      writeProgress(progress);
      send({ type: 'progress', progress });
      progress = null;
    }
    const now = Date.now();
    if (frames && now - lastFramesSent >= FRAMES_EVERY_MS) {
      send({ type: 'episode', frames: { ...frames, ...compactFrames(frames.frames) } });
      frames = null;
      lastFramesSent = now;
    }
  };
  const timer = setInterval(flush, FLUSH_MS);
  let recorder = new EpisodeRecorder(runDir, config.recordEvery);

  try {
    const result = await train(
      config,
      {
        runDir,
        resumeFrom: resumeFrom ?? null,
        // The recorder's schedule counts the first env's episodes from the run's start.
        onResumed: (r) => (recorder = new EpisodeRecorder(runDir, config.recordEvery, r.env0Episodes)),
        onBackend: (backend, engine) => send({ type: 'ready', backend, engine }),
        onEpisode: (rec) => pending.push(rec),
        onUpdate: (rec) => pending.push(rec),
        onProgress: (p) => (progress = p),
        onEpisodeFrames: (f) => {
          frames = f;
          if (writeFailure !== null) return;
          try {
            recorder.offer(f);
          } catch (err) {
            writeFailure = err;
          }
        },
        onWarning: (message) => send({ type: 'warning', message }),
      },
      { stopRequested: () => stopRequested || writeFailure !== null, pauseRequested: () => pauseRequested, threads: () => threads },
    );
    clearInterval(timer);
    flush();
    if (writeFailure !== null) throw writeFailure;
    if (orphaned) await runEnded(runDir, { ...result, status: result.status, hasPolicy: existsSync(join(runDir, 'policy', 'policy.json')) });
    await new Promise<void>((resolve) => send({ type: 'done', summary: { ...result } }, resolve));
  } catch (err) {
    // fs errors name the full path; say what went wrong instead.
    const failure = isWriteError(err) ? new Error(`${writeProblem(err)}: training stopped; the metrics and checkpoints written before are kept`) : err;
    if (orphaned) await runEnded(runDir, { status: 'crashed', error: failure instanceof Error ? failure.message : String(failure) }).catch(() => undefined);
    throw failure;
  } finally {
    clearInterval(timer);
    flush();
  }
}

/** With no lab to tell, the run process records how its run ended in status.json itself. */
async function runEnded(runDir: string, patch: Record<string, unknown>): Promise<void> {
  try {
    const status = JSON.parse(await readFile(join(runDir, 'status.json'), 'utf8')) as Record<string, unknown>;
    await writeJsonAtomic(join(runDir, 'status.json'), { ...status, ...patch });
  } catch {
    // nothing more to do: the next lab rebuilds the run from its folder (recoverInterrupted)
  }
}
