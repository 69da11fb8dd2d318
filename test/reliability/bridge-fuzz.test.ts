/**
 * 10,000 fuzzed frames at browser mode's bridge — random JSON, wrong types for real request names,
 * huge strings, deep nesting, binary — from a client that has the token: the server stays up, answers
 * every frame, and its memory comes back. Runs it would start go to a launcher that starts nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer } from '../../main/serve.ts';
import { LabService } from '../../main/lab/service.ts';
import type { RunLauncher, RunProcess } from '../../main/lab/runs/launcher.ts';
import { requestSchemas } from '../../preload/contract.ts';
import { npRandom } from '../../main/lab/envs/numpy-rng.ts';
import { loadBox2D } from '../../main/lab/envs/box2d.ts';

/** Processes that never run: a fuzzed request that happens to be a valid startRun queues nothing real. */
class InertLauncher implements RunLauncher {
  launch(): RunProcess {
    return { send: () => undefined, onMessage: () => undefined, onExit: () => undefined, kill: () => undefined };
  }
}

const rng = npRandom(20261202);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.random() * xs.length)];
function value(depth: number): unknown {
  const r = rng.random();
  if (depth > 4 || r < 0.3) return pick([0, -1, 1e308, -0.5, 2 ** 53, NaN, 'x', '', '../../etc/passwd', 'CartPole-v1', true, false, null]);
  if (r < 0.55) return Array.from({ length: Math.floor(rng.random() * 5) }, () => value(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(rng.random() * 5); i++)
    o[pick(['env', 'algo', 'seed', 'runId', 'path', 'policy', 'steps', 'files', 'name', '__proto__', 'constructor', 'x'])] = value(depth + 1);
  return o;
}

function frame(i: number): string | Buffer {
  switch (i % 8) {
    case 0:
      return JSON.stringify(value(0));
    case 1:
      return JSON.stringify({ type: 'invoke', id: i, name: pick(Object.keys(requestSchemas)), payload: value(0) });
    case 2:
      return JSON.stringify({ type: pick(['invoke', 'event', 'result', 7]), id: pick([i, -i, 'x', null, 1.5]), name: value(1), payload: value(1) });
    case 3:
      return Buffer.from(Array.from({ length: 1 + Math.floor(rng.random() * 64) }, () => Math.floor(rng.random() * 256)));
    case 4:
      return '{"type":"invoke","id":' + i + ',"name":"' + 'x'.repeat(1 + Math.floor(rng.random() * 200_000)) + '"}';
    case 5:
      return '['.repeat(20_000) + ']'.repeat(20_000);
    case 6:
      return JSON.stringify({
        type: 'invoke',
        id: i,
        name: pick(['getRun', 'deleteRun', 'renameRun', 'exportPolicy', 'rollout', 'xray']),
        payload: { runId: pick(['..', '../x', 'a/b', '%2e%2e', 'x'.repeat(500)]), path: '/etc/passwd', policy: '../../../etc' },
      });
    default:
      return 'not json ' + i;
  }
}

test('10,000 fuzzed frames: the server stays up, answers every frame, and its memory comes back', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pl-fuzz-'));
  await mkdir(join(dir, 'renderer'));
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Policy Lab</title>');
  const service = new LabService({ runsDir: join(dir, 'runs'), launcher: new InertLauncher(), mode: 'browser' });
  const server = await startServer({ host: '127.0.0.1', port: 0, runsDir: join(dir, 'runs'), rendererDir: join(dir, 'renderer'), service });
  try {
    const u = new URL('/ws', server.url);
    u.protocol = 'ws:';
    u.searchParams.set('token', server.token);
    const ws = new WebSocket(u, { headers: { Origin: new URL(server.url).origin } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    let answered = 0;
    ws.on('message', () => answered++);
    // Box2D's fixed asm.js heap (256 MiB, counted as external) is allocated once, by the first request
    // that touches LunarLander: a one-time cost the baseline must include, not memory the fuzz kept.
    await loadBox2D();
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const mem0 = process.memoryUsage();
    const N = 10_000;
    // In batches, so the in-flight limit answers "busy" for some rather than all.
    for (let i = 0; i < N; i += 200) {
      for (let k = i; k < Math.min(N, i + 200); k++) ws.send(frame(k));
      const want = Math.min(N, i + 200);
      const t0 = Date.now();
      while (answered < want && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(answered, want, `every frame answered (batch at ${i})`);
    }
    // Still serving, and the peak has gone.
    const ok = await new Promise<{ ok: boolean }>((resolve) => {
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(String(d));
        if (m.id === 999_999) resolve(m);
      });
      ws.send(JSON.stringify({ type: 'invoke', id: 999_999, name: 'listEnvs', payload: {} }));
    });
    assert.equal(ok.ok, true);
    ws.close();
    await new Promise((r) => setTimeout(r, 500));
    gc?.();
    const mem = process.memoryUsage();
    // What the server holds (JS heap and buffers); the allocator may keep freed pages in RSS for reuse.
    const grew = (mem.heapUsed + mem.external - mem0.heapUsed - mem0.external) / 2 ** 20;
    assert.ok(grew < 50, `heap + buffers ${grew.toFixed(0)} MB above where they started (RSS ${((mem.rss - mem0.rss) / 2 ** 20).toFixed(0)} MB)`);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
