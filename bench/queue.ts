/**
 * The job queue's costs (issue 13), with a redis-server of its own on a free loopback port:
 *   overhead   per job: submitted → a worker took it (its 'assigned' entry), and the worker's 'exit'
 *              entry → the submitting lab has the run ended; the run process's own start is not counted
 *              (a local run pays it too)
 *   latency    metrics: the worker wrote the batch to Redis → the lab applied it (written, charted);
 *              the run process batches its metrics every 100 ms before that, as it does locally
 *   scaling    8 equal runs (CartPole PPO, seeds 0…7) with W = 1…cores local `policy-lab worker`
 *              processes (one run each at a time) against 8 / W × one run's time
 *   local      the same 8 runs on this lab's own process queue with W at once: what the machine gives
 *              (other load included) without the queue
 *   Wall times here drift ±20 % with other load, so every measurement is repeated in alternating
 *   rounds (one run alone, W = 1…cores on the queue, the same locally) and the medians compared.
 *   node --import tsx bench/queue.ts [--steps 20000] [--runs 8] [--rounds 3] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabService } from '../main/lab/service.ts';
import { QueueLauncher } from '../main/lab/queue/queue-launcher.ts';
import { ForkLauncher, defaultWorkerPath } from '../main/lab/runs/fork-launcher.ts';
import type { RunSummary } from '../main/lab/domain/runs.ts';

const { values } = parseArgs({ options: { steps: { type: 'string' }, runs: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean' } } });
const STEPS = Number(values.steps ?? 20000);
const RUNS = Number(values.runs ?? 8);
/** Rounds of (one run alone, then W = 1…cores, queue and local), alternated so drifting load hits every setting alike; medians reported. */
const ROUNDS = Number(values.rounds ?? 3);
const CLI = fileURLToPath(new URL('../main/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      resolve(d.toString().startsWith('+PONG'));
      sock.destroy();
    });
    sock.once('error', () => resolve(false));
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  const ws: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--queue', url, '--concurrency', '1', '--name', `bench-${i}`, '--json'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      ws.push(child);
      return new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('"listening"') && resolve()));
    }),
  );
  return ws;
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(ws.map((w) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM')))));
}

interface Trial {
  wallSeconds: number;
  /** Each run's 'assigned' and 'exit' entries, as the worker wrote them (ms). */
  assignedAt: number[];
  exitAt: number[];
  runs: RunSummary[];
  pickupMs: number[];
  endMs: number[];
  metricsMs: number[];
}

/** Submits `count` runs through a lab on the queue and waits for all; times what the queue adds. */
async function trial(url: string, runsDir: string, count: number): Promise<Trial> {
  const submitted = new Map<string, number>();
  const pickupMs: number[] = [];
  const endMs: number[] = [];
  const metricsMs: number[] = [];
  const assignedAt: number[] = [];
  const exitAt: number[] = [];
  const launcher = new QueueLauncher(url, {
    onApplied: (runId, type, writtenAt) => {
      const now = Date.now();
      if (type === 'assigned' && submitted.has(runId)) pickupMs.push(writtenAt - submitted.get(runId)!);
      if (type === 'assigned') assignedAt.push(writtenAt);
      if (type === 'exit') exitAt.push(writtenAt);
      if (type === 'metrics') metricsMs.push(now - writtenAt);
      if (type === 'exit') endMs.push(now - writtenAt);
    },
  });
  await launcher.ready();
  const lab = new LabService({ runsDir, launcher, mode: 'cli' });
  lab.on((event, payload) => {
    const s = payload as RunSummary;
    if (event === 'run:status' && s.status === 'queued' && !submitted.has(s.runId)) submitted.set(s.runId, Date.now());
  });
  const t0 = performance.now();
  const req = lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', steps: STEPS, evalEpisodes: 10 });
  const started = await lab.startRuns(
    req,
    Array.from({ length: count }, (_, i) => i),
  );
  const runs = await Promise.all(started.map((s) => lab.waitForRun(s.runId)));
  const wallSeconds = (performance.now() - t0) / 1000;
  await lab.close();
  await launcher.close();
  const bad = runs.filter((r) => r.status !== 'finished');
  if (bad.length) throw new Error(`runs did not finish: ${bad.map((r) => `${r.runId} ${r.status} ${r.error ?? ''}`).join('; ')}`);
  return { wallSeconds, runs, pickupMs, endMs, metricsMs, assignedAt, exitAt };
}

/** The same runs without the queue: this lab's own run processes, `w` at once (one thread each, like a worker's). */
async function localTrial(runsDir: string, count: number, w: number): Promise<number> {
  process.env.POLICY_LAB_MAX_THREADS = '1';
  const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli', concurrency: w });
  const t0 = performance.now();
  const req = lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', steps: STEPS, evalEpisodes: 10 });
  const started = await lab.startRuns(
    req,
    Array.from({ length: count }, (_, i) => i),
  );
  await Promise.all(started.map((s) => lab.waitForRun(s.runId)));
  const seconds = (performance.now() - t0) / 1000;
  await lab.close();
  return seconds;
}

const dir = await mkdtemp(join(tmpdir(), 'pl-bench-queue-'));
const port = await freePort();
const redis = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
});
while (!(await pong(port))) await new Promise((r) => setTimeout(r, 100));
const url = `redis://127.0.0.1:${port}`;
const load = loadavg().map((l) => l.toFixed(2));
// Run processes start from the built worker when out/ is fresh (`npm run build`), else through tsx: ~1 s more per run.
const runEntry = defaultWorkerPath().endsWith('.js') ? 'built worker (out/main/worker.js)' : 'main/worker.ts under tsx (out/ missing or stale)';
const results: Record<string, unknown>[] = [];
try {
  let ws = await startWorkers(url, 1);
  await trial(url, join(dir, 'warm-up'), 1); // the first run fills the disk cache: not "one run's time"
  const overhead: number[] = [];
  const ends: number[] = [];
  const metrics: number[] = [];
  const oneRun: number[] = [];
  const byW = new Map<number, { queue: number[]; local: number[]; perWorker: Map<string, number> }>();
  let handoffMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (ws.length !== 1) {
      await stopWorkers(ws);
      ws = await startWorkers(url, 1);
    }
    // One run alone on one worker: the unit of the scaling target, and the overhead/latency sample.
    const one = await trial(url, join(dir, `one-${round}`), 1);
    oneRun.push(one.wallSeconds);
    overhead.push(...one.pickupMs);
    ends.push(...one.endMs);
    metrics.push(...one.metricsMs);
    for (let w = 1; w <= availableParallelism(); w++) {
      if (ws.length !== w) {
        await stopWorkers(ws);
        ws = await startWorkers(url, w);
      }
      const t = await trial(url, join(dir, `w${w}-${round}`), RUNS);
      overhead.push(...[...t.pickupMs].sort((a, b) => a - b).slice(0, w)); // the runs a free worker took at once
      ends.push(...t.endMs);
      metrics.push(...t.metricsMs);
      if (w === 1 && round === 0) {
        // One worker: from a run's exit to the next run taken, the queue's part of the gap between runs.
        const a = [...t.assignedAt].sort((x, y) => x - y);
        const e = [...t.exitAt].sort((x, y) => x - y);
        handoffMs = e.slice(0, -1).map((x, i) => a[i + 1] - x);
      }
      const local = await localTrial(join(dir, `local${w}-${round}`), RUNS, w);
      const row = byW.get(w) ?? { queue: [], local: [], perWorker: new Map<string, number>() };
      row.queue.push(t.wallSeconds);
      row.local.push(local);
      for (const r of t.runs) row.perWorker.set(r.worker ?? '?', (row.perWorker.get(r.worker ?? '?') ?? 0) + 1);
      byW.set(w, row);
    }
  }
  const oneRunSeconds = pct(oneRun, 50);
  const rows: { workers: number; seconds: number; target: number; localSeconds: number; all: number[]; allLocal: number[] }[] = [];
  for (const [w, row] of byW) {
    rows.push({
      workers: w,
      seconds: pct(row.queue, 50),
      target: 1.15 * (RUNS / w) * oneRunSeconds,
      localSeconds: pct(row.local, 50),
      all: row.queue,
      allLocal: row.local,
    });
    results.push({
      event: 'scaling',
      workers: w,
      runs: RUNS,
      seconds: row.queue,
      localSeconds: row.local,
      oneRunSeconds: oneRun,
      target: rows.at(-1)!.target,
      perWorker: Object.fromEntries(row.perWorker),
    });
  }
  await stopWorkers(ws);
  // Pickup is only an overhead when a worker was free (later runs wait for one to finish).
  const free = overhead;
  results.push({
    event: 'summary',
    date: new Date().toISOString(),
    load,
    cores: availableParallelism(),
    steps: STEPS,
    runEntry,
    pickupMs: { median: pct(free, 50), p95: pct(free, 95), n: free.length },
    endMs: { median: pct(ends, 50), p95: pct(ends, 95), n: ends.length },
    handoffMs: { median: pct(handoffMs, 50), p95: pct(handoffMs, 95), n: handoffMs.length },
    rounds: ROUNDS,
    oneRunSeconds: oneRun,
    metricsLatencyMs: { median: pct(metrics, 50), p95: pct(metrics, 95), max: Math.max(...metrics), n: metrics.length },
    scaling: rows,
  });
} finally {
  redis.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
for (const r of results) {
  if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
  else if (r.event === 'summary') {
    const s = r as {
      handoffMs: { median: number; p95: number };
      pickupMs: { median: number; p95: number };
      endMs: { median: number; p95: number };
      metricsLatencyMs: { median: number; p95: number; max: number };
      scaling: { workers: number; seconds: number; target: number; localSeconds: number; all: number[]; allLocal: number[] }[];
      oneRunSeconds: number[];
    };
    const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' / ');
    process.stdout.write(
      [
        `load ${load.join(' ')} on ${availableParallelism()} cores, ${RUNS} × CartPole PPO ${STEPS} steps; run processes: ${runEntry}`,
        `queue overhead per job: pickup median ${s.pickupMs.median} ms (p95 ${s.pickupMs.p95}), end median ${s.endMs.median} ms (p95 ${s.endMs.p95})`,
        `one worker: a run's exit → the next run taken: median ${s.handoffMs.median} ms (p95 ${s.handoffMs.p95})`,
        `metrics worker → lab: median ${s.metricsLatencyMs.median} ms, p95 ${s.metricsLatencyMs.p95}, max ${s.metricsLatencyMs.max} (+ ≤ 100 ms batching in the run process)`,
        `one run alone (${ROUNDS} rounds): ${list(s.oneRunSeconds)} s`,
        ...s.scaling.map(
          (x) =>
            `W=${x.workers}: median ${x.seconds.toFixed(1)} s (${list(x.all)}; target ≤ ${x.target.toFixed(1)} s = 1.15 × ${RUNS}/${x.workers} × the median run alone; local processes, ${x.workers} at once: ${x.localSeconds.toFixed(1)} s (${list(x.allLocal)}))`,
        ),
        `load at the end: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      ].join('\n') + '\n',
    );
  }
}
process.exit(0);
