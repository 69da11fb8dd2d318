/**
 * Hostile and broken policy folders: each is refused before TensorFlow.js (or anything else) builds
 * from it — quickly, without memory growth, with an error that names the file and the problem but no
 * machine path and none of the file's content. The demo policy, read the new way, acts exactly as
 * TensorFlow.js's own loader reads it (tf.loadLayersModel is the oracle).
 */
import { test, before, after } from 'node:test';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/lab/nn/backend.ts';
import { loadPolicy, PolicyFileError } from '../../main/lab/runs/policy-file.ts';
import type { MlpPolicy } from '../../main/lab/agents/algorithm.ts';
import { MODEL_LIMITS } from '../../main/lab/runs/model-file.ts';

const DEMO = join(import.meta.dirname, '..', '..', 'resources', 'policies', 'cartpole-v1-ppo');
let tmp: string;
let n = 0;

before(async () => {
  await initBackend('cpu');
  tmp = await mkdtemp(join(tmpdir(), 'policy-lab-hostile-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of the demo policy, changed by `edit`. */
async function variant(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(tmp, `p${n++}`);
  await cp(DEMO, dir, { recursive: true });
  await edit(dir);
  return dir;
}

async function editModel(
  dir: string,
  f: (m: {
    modelTopology: { config: { layers: { config: Record<string, unknown> }[] } };
    weightsManifest: { weights: { name: string; shape: number[]; dtype?: string }[] }[];
  }) => void,
): Promise<void> {
  const path = join(dir, 'model.json');
  const m = JSON.parse(await readFile(path, 'utf8'));
  f(m);
  await writeFile(path, JSON.stringify(m));
}

/** Refused with `code` and a message matching `re`, within 1 s, RSS growing < 100 MB, no path or content. */
async function refused(dir: string, code: string, re: RegExp, forbidden: string[] = []): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  let err: unknown = null;
  try {
    (await loadPolicy(dir)).dispose();
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
  assert.ok(err instanceof PolicyFileError, `refused with a PolicyFileError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, re);
  for (const s of [tmp, dir, ...forbidden]) assert.ok(!err.message.includes(s), `the message shows "${s}": ${err.message}`);
  assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  assert.ok(grew < 100, `memory grew ${grew.toFixed(0)} MB`);
}

test('a model.json declaring huge layers over a small weights.bin is refused before anything is built', async () => {
  const dir = await variant((d) =>
    editModel(d, (m) => {
      const layers = m.modelTopology.config.layers;
      layers[0].config.units = 30_000;
      layers[1].config.units = 30_000;
      m.weightsManifest[0].weights[0].shape = [4, 30_000];
      m.weightsManifest[0].weights[1].shape = [30_000];
      m.weightsManifest[0].weights[2].shape = [30_000, 30_000];
      m.weightsManifest[0].weights[3].shape = [30_000];
      m.weightsManifest[0].weights[4].shape = [30_000, 2];
    }),
  );
  await refused(dir, 'corrupt', new RegExp(`model\\.json: layer 1 has 30000 units \\(at most ${MODEL_LIMITS.maxUnits}\\)`));
});

test('many modest layers adding up to too many parameters, or more layers than any policy has, are refused', async () => {
  const wide = await variant((d) =>
    editModel(d, (m) => {
      const layers = m.modelTopology.config.layers;
      const w = m.weightsManifest[0].weights;
      layers.splice(1, 0, ...Array.from({ length: 4 }, () => structuredClone(layers[1])));
      for (const l of layers.slice(0, -1)) l.config.units = 4000;
      w.length = 0;
      const dims = [4, 4000, 4000, 4000, 4000, 4000, 4000, 2];
      for (let l = 0; l + 1 < dims.length; l++)
        w.push({ name: `k${l}`, shape: [dims[l], dims[l + 1]], dtype: 'float32' }, { name: `b${l}`, shape: [dims[l + 1]], dtype: 'float32' });
    }),
  );
  await refused(wide, 'corrupt', /model\.json declares [\d,]+ parameters \(at most 4,000,000\)/);
  const deep = await variant((d) =>
    editModel(d, (m) => {
      const layers = m.modelTopology.config.layers;
      layers.splice(1, 0, ...Array.from({ length: 8 }, () => structuredClone(layers[1])));
    }),
  );
  await refused(deep, 'corrupt', /model\.json declares 11 layers \(at most 8\)/);
});

test('weights.bin must have exactly the bytes the declared layers need; its size is checked before it is read', async () => {
  await refused(await variant((d) => truncate(join(d, 'weights.bin'), 100)), 'corrupt', /weights\.bin has 100 bytes; 18,440 expected/);
  // 1.5 GB (sparse): refused from its size alone, in well under a second.
  await refused(await variant((d) => truncate(join(d, 'weights.bin'), 1.5 * 2 ** 30)), 'corrupt', /weights\.bin has 1,610,612,736 bytes; 18,440 expected/);
});

test('symbolic links, devices, FIFOs and folders are not read; the message shows none of their content', async () => {
  await refused(
    await variant(async (d) => {
      await unlink(join(d, 'model.json'));
      await symlink('/etc/passwd', join(d, 'model.json'));
    }),
    'corrupt',
    /model\.json is a symbolic link/,
    ['root:', '/etc/passwd'],
  );
  await refused(
    await variant(async (d) => {
      await unlink(join(d, 'weights.bin'));
      await symlink('/dev/zero', join(d, 'weights.bin'));
    }),
    'corrupt',
    /weights\.bin is a symbolic link/,
  );
  await refused(
    await variant(async (d) => {
      await unlink(join(d, 'weights.bin'));
      execFileSync('mkfifo', [join(d, 'weights.bin')]);
    }),
    'corrupt',
    /weights\.bin is not a regular file \(a device or pipe\)/,
  );
  await refused(
    await variant(async (d) => {
      await unlink(join(d, 'policy.json'));
      await mkdir(join(d, 'policy.json'));
    }),
    'corrupt',
    /policy\.json is not a regular file \(a folder\)/,
  );
});

test('non-finite weights, a non-JSON model.json and a model of other layers are refused, without echoing the file', async () => {
  await refused(
    await variant(async (d) => {
      const bytes = await readFile(join(d, 'weights.bin'));
      new DataView(bytes.buffer, bytes.byteOffset).setFloat32(40, NaN, true);
      await writeFile(join(d, 'weights.bin'), bytes);
    }),
    'corrupt',
    /weights\.bin holds a non-finite weight \(NaN\) at index 10/,
  );
  await refused(await variant((d) => writeFile(join(d, 'model.json'), 'SECRET-CONTENT {not json')), 'corrupt', /^model\.json is not valid JSON$/, ['SECRET']);
  await refused(
    await variant((d) => editModel(d, (m) => (m.modelTopology.config.layers[0] = { class_name: 'Lambda', config: { function: 'SECRET' } } as never))),
    'corrupt',
    /model\.json is not a dense network saved by Policy Lab/,
    ['SECRET'],
  );
  await refused(
    await variant((d) => editModel(d, (m) => (m.modelTopology.config.layers[2].config.units = 3))),
    'space',
    /model\.json has 3 outputs; the action space needs 2/,
  );
});

test("policy.json: a hostile field of each kind is refused by the schema at once, with the field's message and no more than an excerpt", async () => {
  const meta = JSON.parse(await readFile(join(DEMO, 'policy.json'), 'utf8'));
  const withMeta = (text: string) => variant((d) => writeFile(join(d, 'policy.json'), text));
  const secret = 'SECRET-'.repeat(10_000);
  const huge = Array(100_000).fill(1);
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  // A megabyte of brackets: refused from its depth, before JSON.parse spends half a second on it.
  await refused(await withMeta(nested(499_999)), 'corrupt', /^policy\.json nests deeper than 32 levels$/);
  // JSON.parse keeps "__proto__" as a key: the file's own fields are read, not the prototype's.
  await refused(await withMeta(`{"__proto__": ${JSON.stringify(meta)}}`), 'format', /^policy\.json is not a Policy Lab policy \(format null/);
  await refused(await withMeta(JSON.stringify({ ...meta, env: secret })), 'env', /^policy\.json names an unknown env "SECRET-SECRET/, [secret]);
  await refused(await withMeta(JSON.stringify({ ...meta, logStd: huge })), 'corrupt', /^policy\.json has "logStd" but a Discrete\(2\) action space/);
  await refused(await withMeta(JSON.stringify({ ...meta, critic: { netArch: huge, activation: secret } })), 'corrupt', /^policy\.json: "critic" must be/, [
    secret,
  ]);
  await refused(
    await withMeta(JSON.stringify({ ...meta, kind: 'q-network', epsilon: secret })),
    'corrupt',
    /^policy\.json has "epsilon" "SECRET.*; it must be a number in \[0, 1\]$/,
    [secret],
  );
  await refused(
    await withMeta(
      JSON.stringify({
        ...meta,
        kind: 'q-table',
        binning: { bins: huge, low: huge, high: huge },
        qTable: { file: 'qtable.bin', dtype: 'float64', shape: [1, 2] },
      }),
    ),
    'corrupt',
    /^policy\.json needs "binning"/,
  );
  await refused(
    await withMeta(JSON.stringify({ ...meta, kind: 'baseline', agent: { type: 'constant', action: '@' } }).replace('"@"', `[${'0,'.repeat(200_000)}"x"]`)),
    'corrupt',
    /^policy\.json: a constant agent needs "action": a list of numbers, got \[0,0,0/,
  );
});

test('the demo policy read without TensorFlow.js acts exactly as tf.loadLayersModel reads it', async () => {
  const policy = (await loadPolicy(DEMO)) as unknown as MlpPolicy & { dispose(): void };
  const mj = JSON.parse(await readFile(join(DEMO, 'model.json'), 'utf8'));
  const weights = await readFile(join(DEMO, 'weights.bin'));
  const oracle = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: mj.modelTopology,
      weightSpecs: mj.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
  try {
    const obs = Float32Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i * 12.9898) * 2);
    const want = (oracle.predict(tf.tensor2d(obs, [64, 4])) as tf.Tensor).dataSync();
    const got = policy.net.forward(obs, 64);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), `output ${i}: ${got[i]} vs ${want[i]}`);
  } finally {
    oracle.dispose();
    policy.dispose();
  }
});

test('eval --policy and gif --policy on the hostile folder exit at once with one clear line', async () => {
  const dir = await variant((d) => editModel(d, (m) => (m.modelTopology.config.layers[0].config.units = 30_000)));
  const gifOut = join(tmp, 'hostile.gif');
  for (const args of [
    ['eval', '--policy', dir, '--episodes', '1'],
    ['gif', '--env', 'CartPole-v1', '--policy', dir, '--seed', '0', '--out', gifOut],
  ]) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const s = (performance.now() - t0) / 1000;
    assert.notEqual(r.status, 0, args[0]);
    assert.match(r.stderr, /model\.json: layer 1 has 30000 units/, args[0]);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args[0]}: one line`);
    assert.ok(!r.stderr.includes(tmp), `${args[0]}: no machine path`);
    assert.ok(s < 20, `${args[0]} exited after ${s.toFixed(1)} s (process start included)`);
  }
  assert.ok(!existsSync(gifOut), 'no GIF written');
});

test('over the bridge: a hostile import is refused while another client is answered at once, and memory stays put', async () => {
  const { startServer } = await import('../../main/serve.ts');
  const { WebSocket } = await import('ws');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const base = join(tmp, 'bridge');
  await mkdir(join(base, 'renderer'), { recursive: true });
  await writeFile(join(base, 'renderer', 'index.html'), '<!doctype html>');
  const server = await startServer({ host: '127.0.0.1', port: 0, runsDir: join(base, 'runs'), rendererDir: join(base, 'renderer'), token: 'reliability' });
  const connect = async () => {
    const u = new URL('/ws?token=reliability', server.url);
    u.protocol = 'ws:';
    const ws = new WebSocket(u, { headers: { Origin: new URL(server.url).origin } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    return ws;
  };
  const invoke = (ws: InstanceType<typeof WebSocket>, id: number, name: string, payload: unknown) =>
    new Promise<{ ok: boolean; error?: { message: string }; ms: number }>((resolve) => {
      const t0 = performance.now();
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(String(d));
        if (m.id === id) resolve({ ...m, ms: performance.now() - t0 });
      });
      ws.send(JSON.stringify({ type: 'invoke', id, name, payload }));
    });
  const [a, b] = [await connect(), await connect()];
  try {
    const hostile = await variant((d) =>
      editModel(d, (m) => {
        m.modelTopology.config.layers[0].config.units = 30_000;
        m.modelTopology.config.layers[1].config.units = 30_000;
      }),
    );
    const files = await Promise.all(
      ['policy.json', 'model.json', 'weights.bin'].map(async (name) => ({ name, dataBase64: (await readFile(join(hostile, name))).toString('base64') })),
    );
    (globalThis as { gc?: () => void }).gc?.();
    const rss0 = process.memoryUsage().rss;
    const [imported, info] = await Promise.all([invoke(a, 1, 'importPolicy', { files }), invoke(b, 2, 'systemInfo', {})]);
    assert.equal(imported.ok, false);
    assert.match(imported.error!.message, /model\.json: layer 1 has 30000 units/);
    assert.ok(!imported.error!.message.includes(tmp), 'no machine path');
    assert.ok(imported.ms < 1000, `refused in ${imported.ms.toFixed(0)} ms`);
    assert.equal(info.ok, true);
    assert.ok(info.ms < 1000, `the other client waited ${info.ms.toFixed(0)} ms`);
    const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grew < 100, `memory grew ${grew.toFixed(0)} MB`);
  } finally {
    a.close();
    b.close();
    await server.close();
  }
});

test("Watch → Import keeps only a policy folder's files, refuses junk and hostile files clearly, and leaves nothing behind", async () => {
  const { LabService } = await import('../../main/lab/service.ts');
  const { ForkLauncher } = await import('../../main/lab/runs/fork-launcher.ts');
  const { readdir } = await import('node:fs/promises');
  const runsDir = join(tmp, 'import-runs');
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser' });
  const file = async (dir: string, name: string) => ({ name, dataBase64: (await readFile(join(dir, name))).toString('base64') });
  const demoFiles = await Promise.all(['policy.json', 'model.json', 'weights.bin'].map((n) => file(DEMO, n)));
  const importsDir = (service as unknown as { importsDir: string }).importsDir;
  const folders = async () => (existsSync(importsDir) ? (await readdir(importsDir)).length : 0);
  try {
    const info = await service.importPolicy([...demoFiles, { name: 'run-me.sh', dataBase64: Buffer.from('#!/bin/sh').toString('base64') }]);
    assert.deepEqual((await readdir(info.path)).sort(), ['model.json', 'policy.json', 'weights.bin'], 'only the policy files are kept');
    assert.equal(info.env, 'CartPole-v1');
    const before = await folders();

    await assert.rejects(
      service.importPolicy([
        { name: '..', dataBase64: '' },
        { name: '.', dataBase64: '' },
      ]),
      /no policy\.json among the files/,
    );
    await assert.rejects(service.importPolicy([...demoFiles, demoFiles[0]]), /policy\.json was given twice/);
    const hostile = await variant((d) => editModel(d, (m) => (m.modelTopology.config.layers[0].config.units = 30_000)));
    const t0 = performance.now();
    await assert.rejects(
      service.importPolicy(await Promise.all(['policy.json', 'model.json', 'weights.bin'].map((n) => file(hostile, n)))),
      (e: Error) => /model\.json: layer 1 has 30000 units/.test(e.message) && !e.message.includes(tmp),
    );
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(await folders(), before, 'a refused import leaves no folder');
  } finally {
    await service.close();
  }
});

test('an imported policy is first loaded on a thread of its own, with a time limit', async () => {
  const { checkPolicyOffThread } = await import('../../main/lab/runs/policy-check.ts');
  await checkPolicyOffThread(DEMO);
  const hostile = await variant((d) => truncate(join(d, 'weights.bin'), 1.5 * 2 ** 30));
  await assert.rejects(checkPolicyOffThread(hostile), (e: Error) => e instanceof PolicyFileError && /weights\.bin has 1,610,612,736 bytes/.test(e.message));
  // A check that outlives its limit is abandoned (its thread terminated) and reported as such.
  await assert.rejects(checkPolicyOffThread(DEMO, 0.001), /the policy did not load within 0\.001 s/);
});
