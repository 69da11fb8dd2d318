/** The one rule by which browser mode and the app's policy-lab:// scheme serve the built renderer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rendererReply } from '../../main/renderer-files.ts';

const CSP = "default-src 'self'";

test('renderer files: files inside the built renderer with their type and the CSP; nothing outside it', async () => {
  const base = await mkdtemp(join(tmpdir(), 'pl-rf-'));
  const root = join(base, 'renderer');
  try {
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html>');
    await writeFile(join(root, 'assets', 'app.js'), 'export {}');
    await writeFile(join(root, 'assets', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
    await writeFile(join(base, 'renderer-secret.txt'), 'secret'); // a sibling whose name starts like root
    await writeFile(join(base, 'secret.txt'), 'secret');

    const index = await rendererReply(root, 'GET', '/', CSP);
    assert.equal(index.status, 200);
    assert.equal(String(index.body), '<!doctype html>');
    assert.equal(index.headers['Content-Type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['Content-Security-Policy'], CSP);
    assert.equal(index.headers['X-Content-Type-Options'], 'nosniff');
    assert.equal((await rendererReply(root, 'GET', '/assets/app.js', CSP)).headers['Content-Type'], 'text/javascript; charset=utf-8');
    assert.equal((await rendererReply(root, 'GET', '/assets/x.wasm', CSP)).headers['Content-Type'], 'application/wasm', 'streaming wasm compile needs it');
    const head = await rendererReply(root, 'HEAD', '/index.html', CSP);
    assert.equal(head.status, 200);
    assert.equal(head.body, null);

    for (const [path, status] of [
      ['/../secret.txt', 403],
      ['/%2e%2e/secret.txt', 403],
      ['/..%2fsecret.txt', 403],
      ['/assets/%2e%2e/%2e%2e/secret.txt', 403],
      ['/../renderer-secret.txt', 403],
      ['/%E0%A4%A', 400],
      ['/index.html%00.js', 400],
      ['/missing.js', 404],
      ['/assets', 404], // a folder is not a file
    ] as const) {
      const r = await rendererReply(root, 'GET', path, CSP);
      assert.equal(r.status, status, path);
      assert.ok(!String(r.body ?? '').includes('secret'), path);
      assert.equal(r.headers['Content-Security-Policy'], CSP, `${path}: refusals carry the CSP too`);
    }
    assert.equal((await rendererReply(root, 'POST', '/index.html', CSP)).status, 405);

    await rm(join(root, 'index.html'));
    const unbuilt = await rendererReply(root, 'GET', '/', CSP);
    assert.equal(unbuilt.status, 503);
    assert.match(String(unbuilt.body), /npm run build/);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
