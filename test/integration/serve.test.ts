/** Browser mode's server: static files with a CSP, the WebSocket bridge, and what it refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { MAX_FRAME_BYTES, MAX_IN_FLIGHT, startServer } from '../../main/serve.ts';

/** The bridge's address for a page address (http://host:port/?token=…), the token kept or replaced. */
function wsUrl(pageUrl: string, token?: string | null): string {
  const u = new URL('/ws', pageUrl);
  u.protocol = 'ws:';
  const t = token === undefined ? new URL(pageUrl).searchParams.get('token') : token;
  if (t !== null) u.searchParams.set('token', t);
  return u.href;
}

async function withServer(fn: (url: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-serve-'));
  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Policy Lab</title>');
  const server = await startServer({ host: '127.0.0.1', port: 0, runsDir: join(dir, 'runs'), rendererDir });
  try {
    await fn(server.url);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function connect(url: string, origin: string, opts: { token?: string | null; headers?: Record<string, string> } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(url, opts.token), { headers: { Origin: origin, ...opts.headers } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function invoke(ws: WebSocket, id: number, name: string, payload: unknown): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }> {
  return new Promise((resolve) => {
    const onMsg = (data: Buffer) => {
      const m = JSON.parse(String(data));
      if (m.type === 'result' && m.id === id) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ type: 'invoke', id, name, payload }));
  });
}

test('serves the renderer with a CSP and refuses paths outside it', async () => {
  await withServer(async (url) => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Policy Lab/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /'unsafe-eval'/);
    const trav = await fetch(new URL(url).origin + '/..%2F..%2Fpackage.json');
    assert.ok(trav.status === 403 || trav.status === 404, `traversal gives ${trav.status}`);
    const post = await fetch(url, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});

test('the WebSocket bridge answers validated requests and rejects foreign origins', async () => {
  await withServer(async (url) => {
    const origin = new URL(url).origin;
    const ws = await connect(url, origin);
    const envs = await invoke(ws, 1, 'listEnvs', {});
    assert.equal(envs.ok, true);
    const ids = (envs.result as { id: string }[]).map((e) => e.id);
    assert.ok(ids.includes('CartPole-v1'));
    const bad = await invoke(ws, 2, 'startRun', { env: 'CartPole-v1', algo: 'nope' });
    assert.equal(bad.ok, false);
    assert.match(bad.error!.message, /algo/);
    const unknown = await invoke(ws, 3, 'deleteEverything', {});
    assert.equal(unknown.ok, false);
    const ro = await invoke(ws, 4, 'rollout', { env: 'CartPole-v1', seed: 0, agent: 'heuristic' });
    assert.equal(ro.ok, true);
    assert.equal((ro.result as { length: number }).length, 500);
    const gif = await invoke(ws, 5, 'exportGif', { env: 'LunarLander-v3', seed: 2, agent: 'heuristic', maxSteps: 30, fps: 25 });
    assert.equal(gif.ok, true, JSON.stringify(gif.error));
    const g = gif.result as { dataBase64: string; frames: number; fileName: string };
    assert.equal(Buffer.from(g.dataBase64, 'base64').subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(g.frames, 31);
    assert.match(g.fileName, /\.gif$/);
    ws.close();
    await assert.rejects(connect(url, 'http://evil.example'), /HTTP 40\d/);
  });
});

test('the bridge needs the token of this launch: none, a wrong one, or one elsewhere than /ws?token= is refused (401)', async () => {
  await withServer(async (url) => {
    const origin = new URL(url).origin;
    const token = new URL(url).searchParams.get('token')!;
    assert.ok(token.length >= 32, 'a random token of at least 192 bits');
    await assert.rejects(connect(url, origin, { token: null }), /HTTP 401/);
    await assert.rejects(connect(url, origin, { token: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') }), /HTTP 401/);
    await assert.rejects(connect(url, origin, { token: token + 'x' }), /HTTP 401/);
    await assert.rejects(connect(url, origin, { token: null, headers: { Authorization: `Bearer ${token}`, Cookie: `token=${token}` } }), /HTTP 401/);
    // With the token, a foreign origin is still refused (403), a script without Origin gets in.
    await assert.rejects(connect(url, 'http://evil.example'), /HTTP 403/);
    const ws = await connect(url, '');
    assert.equal((await invoke(ws, 1, 'listEnvs', {})).ok, true);
    ws.close();
  });
  // POLICY_LAB_TOKEN chooses it (scripts, tests).
  process.env.POLICY_LAB_TOKEN = 'chosen-token-for-scripts-0123456789';
  try {
    await withServer(async (url) => assert.equal(new URL(url).searchParams.get('token'), 'chosen-token-for-scripts-0123456789'));
  } finally {
    delete process.env.POLICY_LAB_TOKEN;
  }
});

test('frames that are not requests get an error reply; a flood of requests is refused beyond the in-flight limit; the server stays up', async () => {
  await withServer(async (url) => {
    const ws = await connect(url, new URL(url).origin);
    const replies: { id: number; ok: boolean; error?: { message: string; code?: string } }[] = [];
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(String(d));
      if (m.type === 'result') replies.push(m);
    });
    const junk: (string | Buffer)[] = [
      'not json',
      '{"type":"invoke"}',
      '[1,2,3]',
      'null',
      '{"type":"invoke","id":-3,"name":"listEnvs"}',
      '{"type":"invoke","id":1.5,"name":"listEnvs"}',
      Buffer.from([0, 1, 2, 255]),
      '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
      JSON.stringify({ type: 'invoke', id: 7, name: 'x'.repeat(100_000), payload: {} }),
    ];
    for (const f of junk) ws.send(f);
    // More requests than allowed at once: the rest are refused at once, every one is answered.
    const n = MAX_IN_FLIGHT + 20;
    for (let i = 0; i < n; i++)
      ws.send(JSON.stringify({ type: 'invoke', id: 100 + i, name: 'rollout', payload: { env: 'CartPole-v1', seed: i, agent: 'random' } }));
    const deadline = Date.now() + 30_000;
    while (replies.length < junk.length + n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(replies.length, junk.length + n, 'every frame is answered');
    const bad = replies.filter((r) => r.id < 100);
    assert.ok(
      bad.every((r) => (!r.ok && r.error?.code === 'invalid') || (r.id === 7 && !r.ok)),
      JSON.stringify(bad.map((r) => r.error)),
    );
    const flood = replies.filter((r) => r.id >= 100);
    const busy = flood.filter((r) => !r.ok && /too many requests/.test(r.error!.message));
    // (the junk request with the 100 kB name is well-formed, so it may hold a slot too)
    assert.ok(busy.length >= 1 && busy.length <= n - MAX_IN_FLIGHT + 1, `${busy.length} refused as busy`);
    assert.equal(flood.filter((r) => r.ok).length + busy.length, n);
    // Still serving.
    assert.equal((await invoke(ws, 9999, 'listEnvs', {})).ok, true);
    ws.close();
  });
});

test('only a policy import may send a large frame; anything else over the cap is refused unparsed', async () => {
  await withServer(async (url) => {
    const ws = await connect(url, new URL(url).origin);
    const big = 'x'.repeat(MAX_FRAME_BYTES + 10);
    const r1 = await invoke(ws, 1, 'listEnvs', { junk: big });
    assert.equal(r1.ok, false);
    assert.match(r1.error!.message, /request too large \([\d,]+ bytes; at most 1,048,576 but for a policy import\)/);
    // A large import gets through to validation (and is refused there for what it is, not its size).
    const r2 = await invoke(ws, 2, 'importPolicy', { files: [{ name: 'notes.txt', dataBase64: Buffer.from(big).toString('base64') }] });
    assert.equal(r2.ok, false);
    assert.match(r2.error!.message, /no policy\.json among the files/);
    assert.equal((await invoke(ws, 3, 'listEnvs', {})).ok, true);
    ws.close();
  });
});
