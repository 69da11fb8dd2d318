/** LabService with real run processes: streaming, stop, and a killed process losing nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { RunLauncher, RunProcess } from '../../main/lab/runs/launcher.ts';
import type { EventName } from '../../preload/contract.ts';
import { dispatch } from '../../main/dispatch.ts';
import { readMetrics } from '../../main/lab/runs/run-store.ts';
import { resolveEngine } from '../../main/lab/nn/fused/engine-choice.ts';

/** A fork launcher that remembers its processes so a test can kill one like a crash would. */
class RecordingLauncher implements RunLauncher {
  readonly procs: RunProcess[] = [];
  private readonly inner = new ForkLauncher();
  launch(): RunProcess {
    const p = this.inner.launch();
    this.procs.push(p);
    return p;
  }
}

function waitForEvent(service: LabService, name: EventName, pred: (p: unknown) => boolean = () => true, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = service.on((e, p) => {
      if (e === name && pred(p)) {
        clearTimeout(t);
        off();
        resolve(p);
      }
    });
  });
}

test('a killed run process is marked crashed and keeps its metrics', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  const launcher = new RecordingLauncher();
  const service = new LabService({ runsDir, launcher, mode: 'cli' });
  try {
    const run = await service.startRun(service.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 0, steps: 1_000_000 }));
    await waitForEvent(service, 'run:metrics', (p) => (p as { records: { kind: string }[] }).records.some((r) => r.kind === 'episode'));
    launcher.procs[0].kill();
    const s = await service.waitForRun(run.runId);
    assert.equal(s.status, 'crashed');
    assert.match(s.error ?? '', /exited unexpectedly/);
    // Every complete (newline-terminated) line parses; only a line torn by the kill itself may not.
    const text = await readFile(join(s.runDir, 'metrics.ndjson'), 'utf8');
    const complete = text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean);
    assert.ok(complete.length > 0 && complete.every((l) => JSON.parse(l).kind), 'metrics written before the crash are intact');
    assert.equal((await readMetrics(s.runDir)).length, complete.length, 'the reader skips a torn last line');
    // A fresh service (an app restart) lists it as crashed, too.
    const again = new LabService({ runsDir, launcher, mode: 'cli' });
    const listed = (await again.listRuns()).find((r) => r.runId === run.runId);
    assert.equal(listed?.status, 'crashed');
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('stopping a run saves its policy; progress and episodes stream while it trains', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
  try {
    const seen = new Set<string>();
    service.on((e) => seen.add(e));
    const run = await service.startRun(service.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 2, steps: 1_000_000, evalEpisodes: 3 }));
    const frames = (await waitForEvent(service, 'run:episode')) as { frames: { env: string; x: number; theta: number }[]; length: number };
    assert.equal(frames.frames.length, frames.length + 1, 'one frame per step plus the reset frame');
    assert.equal(frames.frames[0].env, 'CartPole-v1');
    await service.stopRun(run.runId);
    const s = await service.waitForRun(run.runId);
    assert.equal(s.status, 'stopped');
    assert.ok(s.steps > 0 && s.steps < 1_000_000);
    assert.ok(existsSync(join(s.runDir, 'policy', 'policy.json')), 'policy saved on stop');
    assert.ok(seen.has('run:progress') && seen.has('run:metrics') && seen.has('run:status'));
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('dispatch validates names and payloads before the service sees them', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser' });
  try {
    const a = await dispatch(service, 'rmrf', {});
    assert.equal(a.ok, false);
    const b = await dispatch(service, 'startRun', { env: 'CartPole-v1', algo: 'ppo', seed: -1 });
    assert.ok(!b.ok && /seed/.test(b.error.message), JSON.stringify(b));
    const c = await dispatch(service, 'startRun', { env: 'CartPole-v1', algo: 'ppo', hyperparameters: { gamma: 7 } });
    assert.ok(!c.ok && /gamma/.test(c.error.message), JSON.stringify(c));
    assert.equal((await service.listRuns()).length, 0, 'an invalid request leaves no run folder');
    const d = await dispatch(service, 'rollout', { env: 'CartPole-v1', policy: '/etc' });
    assert.ok(!d.ok && /only be loaded/.test(d.error.message), 'bridges cannot load policies from arbitrary paths');
    const e = await dispatch(service, 'getRun', { runId: '../../etc' });
    assert.ok(!e.ok);
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('the engine a run asks for is recorded, reported once resolved, and kept by continueRun', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser' });
  try {
    const call = async <T>(name: string, payload: unknown): Promise<T> => {
      const r = await dispatch(service, name, payload);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.result as T;
    };
    const info = await call<{ backend: string; engine: string }>('systemInfo', {});
    assert.equal(info.engine, resolveEngine('auto', info.backend).name, "systemInfo says what 'auto' becomes");

    const tiny = { env: 'CartPole-v1', algo: 'reinforce', steps: 300, evalEpisodes: 1 };
    // Settings a continued run must keep: evaluation off, a forced learning rate, a checkpoint clock.
    const started = await call<{ runId: string; engine: string }>('startRun', {
      ...tiny,
      engine: 'tfjs',
      evalEvery: 0,
      force: true,
      checkpointSeconds: 5,
      hyperparameters: { learning_rate: 2 },
    });
    assert.equal(started.engine, 'tfjs');
    const s = await service.waitForRun(started.runId);
    assert.equal(s.status, 'finished', s.error);
    assert.equal(s.engine, 'tfjs');
    assert.equal((await service.store.readConfig(s.runId)).engine, 'tfjs');

    // Resume: the same run goes on to the new total, on the engine it trained on, with its stored settings.
    const cont = await call<{ runId: string; steps: number; totalSteps: number }>('continueRun', { runId: s.runId, steps: 600 });
    assert.equal(cont.runId, s.runId, 'resuming goes on with the same run');
    assert.equal(cont.steps, s.steps, 'from the step it stopped at');
    assert.equal(cont.totalSteps, 600);
    const sc = await service.waitForRun(cont.runId);
    assert.equal(sc.status, 'finished', sc.error);
    assert.equal(sc.engine, 'tfjs', 'the resumed run trains on the engine it trained on');
    assert.ok(sc.steps >= 600 && sc.episodes > s.episodes, `${sc.steps} steps, ${sc.episodes} episodes`);
    // The stored configuration itself, read back through its schema: only the budget differs.
    const source = await service.store.readRunConfig(s.runId);
    assert.equal(source.totalSteps, 600);
    assert.equal(source.evalEvery, 0, 'evaluation stays off');
    assert.equal(source.force, true);
    assert.equal(source.checkpointSeconds, 5);
    assert.equal(source.hyperparameters.learning_rate, 2);
    assert.equal(source.engine, 'tfjs');
    const steps = (await service.getRun(s.runId)).metrics.map((m) => m.step);
    assert.ok(
      steps.every((x, i) => i === 0 || x >= steps[i - 1]),
      'one step axis: the metrics go on from where the run stopped',
    );
    await assert.rejects(call('continueRun', { runId: s.runId, steps: 100 }), /already at step/);

    // No engine asked for: "auto" on disk, the resolved one in the summary.
    const auto = await service.waitForRun((await call<{ runId: string }>('startRun', tiny)).runId);
    assert.equal((await service.store.readConfig(auto.runId)).engine, 'auto');
    assert.equal(auto.engine, info.engine);

    // A status.json from before engines existed reads as tfjs, the only engine there was.
    const { engine: _, ...old } = JSON.parse(await readFile(join(auto.runDir, 'status.json'), 'utf8'));
    await writeFile(join(auto.runDir, 'status.json'), JSON.stringify(old));
    assert.equal((await service.listRuns()).find((r) => r.runId === auto.runId)?.engine, 'tfjs');
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('continue and delete as soon as a run says it stopped (its process still exiting) wait for the exit instead of refusing', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-continue-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser' });
  try {
    const run = await service.startRun(service.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', steps: 5_000_000, evalEpisodes: 0 }));
    await waitForEvent(service, 'run:progress', (p) => (p as { runId: string }).runId === run.runId);
    // Asked in the same tick as the 'stopped' status, as a click on Continue the moment it shows.
    const continued = new Promise<Promise<{ status: string; steps: number }>>((resolve) => {
      const off = service.on((e, p) => {
        if (e === 'run:status' && (p as { runId: string; status: string }).runId === run.runId && (p as { status: string }).status === 'stopped') {
          off();
          resolve(service.continueRun(run.runId));
        }
      });
    });
    await service.stopRun(run.runId);
    const again = await await continued;
    assert.ok(again.status === 'queued' || again.status === 'running', again.status);
    await waitForEvent(service, 'run:progress', (p) => (p as { runId: string }).runId === run.runId);
    // Delete, too, the moment it says it stopped again.
    const deleted = new Promise<Promise<{ deleted: true }>>((resolve) => {
      const off = service.on((e, p) => {
        if (e === 'run:status' && (p as { runId: string; status: string }).runId === run.runId && (p as { status: string }).status === 'stopped') {
          off();
          resolve(service.deleteRun(run.runId));
        }
      });
    });
    await service.stopRun(run.runId);
    assert.equal((await await deleted).deleted, true);
    assert.ok(!existsSync(join(runsDir, run.runId)), 'the run folder is still there');
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('runs library: queue, pause/resume, rename/tag, export, insights, X-ray, continue, delete', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser', concurrency: 1 });
  try {
    const call = async <T>(name: string, payload: unknown): Promise<T> => {
      const r = await dispatch(service, name, payload);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.result as T;
    };
    const [a, b] = await call<{ runId: string; status: string }[]>('startRuns', {
      env: 'CartPole-v1',
      algo: 'ppo',
      seeds: [0, 1],
      steps: 6144,
      evalEpisodes: 0,
      evalEvery: 2048,
      tags: ['smoke'],
    });
    assert.equal((await service.listRuns()).find((r) => r.runId === b.runId)?.status, 'queued', 'concurrency 1 queues the second seed');
    // Paused at once: 6,144 steps can end in well under a second, before a later pause arrives.
    const paused = await call<{ status: string }>('pauseRun', { runId: a.runId });
    assert.equal(paused.status, 'paused');
    // The worker finishes the update in hand and its last progress arrives (slowly on a loaded machine);
    // from then on the step count holds still: 2 s without a step, within 30 s of pausing.
    const stepOf = async () => (await service.listRuns()).find((r) => r.runId === a.runId)!;
    const t2 = Date.now();
    for (let held = false; !held;) {
      const before = (await stepOf()).steps;
      await new Promise((r) => setTimeout(r, 2000));
      held = (await stepOf()).steps === before;
      assert.ok(held || Date.now() - t2 < 30_000, 'a paused run kept training');
    }
    assert.equal((await stepOf()).status, 'paused');
    await call('resumeRun', { runId: a.runId });
    const sa = await service.waitForRun(a.runId);
    const sb = await service.waitForRun(b.runId);
    assert.equal(sa.status, 'finished');
    assert.equal(sb.status, 'finished');
    assert.deepEqual(sa.tags, ['smoke']);

    const renamed = await call<{ name: string; tags: string[] }>('updateRun', { runId: a.runId, name: 'first try', tags: ['smoke', 'ppo'] });
    assert.equal(renamed.name, 'first try');
    assert.equal(
      (await new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' }).listRuns()).find((r) => r.runId === a.runId)?.name,
      'first try',
      'renames survive a restart',
    );

    const csv = await call<{ text: string; fileName: string }>('exportRun', { runId: a.runId, format: 'csv' });
    const [header, ...rows] = csv.text.trim().split('\n');
    assert.match(header, /^kind,step,/);
    assert.ok(header.includes('return') && header.includes('policy_loss'));
    assert.ok(rows.length > 10);
    const zip = await call<{ dataBase64: string }>('exportRun', { runId: a.runId, format: 'policy-zip' });
    const zbuf = Buffer.from(zip.dataBase64, 'base64');
    assert.equal(zbuf.readUInt32LE(0), 0x04034b50, 'a ZIP file');
    assert.ok(zbuf.includes(Buffer.from('policy.json')));

    const policies = await call<{ source: string; runId?: string; path: string }[]>('listPolicies', {});
    const final = policies.find((p) => p.source === 'run' && p.runId === a.runId)!;
    assert.ok(final, 'the finished run lists its policy');
    // Periodic evaluation (every 2048 steps): the best one is kept and listed as a checkpoint.
    assert.ok(sa.bestEval && [2048, 4096, 6144].includes(sa.bestEval.step), `best evaluation ${JSON.stringify(sa.bestEval)}`);
    const bestEntry = policies.find((p) => p.source === 'checkpoint' && p.runId === a.runId && p.path === join(sa.runDir, 'best')) as
      { label: string; evalMean: number } | undefined;
    assert.ok(bestEntry, 'the best policy is listed');
    assert.equal(bestEntry.evalMean, sa.bestEval.mean);
    assert.match(bestEntry.label, /checkpoint @ [\d,]+ · best evaluation /);
    const detail = await call<{ metrics: { kind: string; step: number; eval_mean?: number }[] }>('getRun', { runId: a.runId });
    assert.deepEqual(
      detail.metrics.filter((m) => m.eval_mean !== undefined).map((m) => m.step),
      [2048, 4096, 6144],
      'eval_mean stored with the updates that crossed each 2048',
    );

    const ro = await call<{ probs: number[][]; values: number[]; obs: number[][]; length: number; actions: number[][] }>('rollout', {
      env: 'CartPole-v1',
      seed: 4,
      policy: final.path,
    });
    assert.equal(ro.obs.length, ro.length + 1);
    assert.equal(ro.probs.length, ro.length);
    for (const p of ro.probs) assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-5, 'probabilities sum to 1');
    assert.equal(ro.values.length, ro.length, 'PPO saves its critic, so the X-ray has V(s) at every step');
    assert.ok(ro.values.every(Number.isFinite));
    ro.actions.forEach((a, t) => assert.equal(a[0], ro.probs[t][1] > ro.probs[t][0] ? 1 : 0, 'deterministic = argmax'));

    const grid = await call<{ xs: number[]; ys: number[]; policy: number[][]; greedy: number[][]; value: number[][] | null }>('insights', {
      policy: final.path,
      xDim: 0,
      yDim: 2,
      xRange: [-2.4, 2.4],
      yRange: [-0.2, 0.2],
      fixed: [0, 0, 0, 0],
      resolution: 8,
      actionIndex: 1,
    });
    assert.equal(grid.xs.length, 8);
    assert.equal(grid.policy.length, 8);
    assert.ok(grid.policy.flat().every((v) => v >= 0 && v <= 1));
    assert.ok(grid.value && grid.value.length === 8 && grid.value.flat().every(Number.isFinite), 'V(x, θ) from the saved critic');

    const cont = await call<{ runId: string; steps: number }>('continueRun', { runId: b.runId, steps: sb.steps + 512 });
    assert.equal(cont.runId, b.runId, 'the same run resumes');
    const sc = await service.waitForRun(cont.runId);
    assert.equal(sc.status, 'finished', sc.error);
    assert.ok(sc.steps >= sb.steps + 512);
    const contConfig = JSON.parse(await readFile(join(sc.runDir, 'config.json'), 'utf8'));
    assert.deepEqual(
      contConfig.resumes.map((r: { fromStep: number; totalSteps: number }) => [r.fromStep, r.totalSteps]),
      [[sb.steps, sb.steps + 512]],
      'config.json records the resume',
    );
    assert.equal(contConfig.seed, 1);

    await assert.rejects(call('pauseRun', { runId: a.runId }), /only a running run/);
    await call('deleteRun', { runId: a.runId });
    assert.ok(!(await service.listRuns()).some((r) => r.runId === a.runId));
    await assert.rejects(call('getRun', { runId: a.runId }), /no run/);
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

/** Run processes that do nothing but record what they are sent; exit() plays a process ending. */
class ScriptedLauncher implements RunLauncher {
  readonly procs: { sent: unknown[]; exit: () => void }[] = [];
  launch(): RunProcess {
    const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
    let exited = false;
    const rec = {
      sent: [] as unknown[],
      exit: () => {
        if (!exited) exitListeners.forEach((l) => l(0, null));
        exited = true;
      },
    };
    this.procs.push(rec);
    return {
      send: (msg) => rec.sent.push(msg),
      onMessage: () => undefined,
      onExit: (l) => exitListeners.push(l),
      kill: () => rec.exit(),
    };
  }
}

test('a run that trains alone is offered a second core; as soon as another runs, each gets one', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  const launcher = new ScriptedLauncher();
  const service = new LabService({ runsDir, launcher, mode: 'cli', concurrency: 2 });
  const threadsSent = (i: number) =>
    launcher.procs[i].sent.filter((m) => (m as { type: string }).type === 'threads').map((m) => (m as { threads: number }).threads);
  try {
    const config = service.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 0, steps: 10_000 });
    await service.startRun(config);
    assert.deepEqual(threadsSent(0), [2], 'alone: two cores');
    await service.startRun({ ...config, seed: 1 });
    assert.deepEqual(threadsSent(0), [2, 1], 'a second run takes one back');
    assert.deepEqual(threadsSent(1), [1]);
    launcher.procs[1].exit();
    assert.deepEqual(threadsSent(0), [2, 1, 2], 'alone again: two');
    process.env.POLICY_LAB_MAX_THREADS = '1';
    await service.startRun({ ...config, seed: 2 });
    launcher.procs[2].exit();
    assert.deepEqual(threadsSent(0), [2, 1, 2, 1], 'POLICY_LAB_MAX_THREADS=1: never two');
  } finally {
    delete process.env.POLICY_LAB_MAX_THREADS;
    for (const p of launcher.procs) p.exit();
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('a runs folder that cannot be written gives a clear error and leaves no half-made run', async () => {
  const base = await mkdtemp(join(tmpdir(), 'pl-svc-'));
  try {
    // A file where the runs folder should be: creating the run's folder fails (as root, permissions would not).
    await writeFile(join(base, 'runs'), 'not a folder');
    const service = new LabService({ runsDir: join(base, 'runs'), launcher: new ForkLauncher(), mode: 'cli' });
    await assert.rejects(service.startRun(service.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 0, steps: 1000 })), (e: Error) => {
      assert.match(e.message, /^cannot start the run: the runs folder cannot be created$/);
      assert.ok(!e.message.includes(base), 'no machine path');
      return true;
    });
    assert.deepEqual((await service.listRuns()).length, 0);
    await service.close();
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
