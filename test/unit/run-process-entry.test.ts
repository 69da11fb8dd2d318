/** Which entry a run process starts from: the built worker only while it is newer than every source it is built from. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_BUILD_SOURCES, defaultWorkerPath, freshBuiltWorker } from '../../main/lab/runs/fork-launcher.ts';

function at(path: string, seconds: number): void {
  utimesSync(path, seconds, seconds);
}

/** A checkout with sources at t=100 s and the built worker at `builtAt`. */
function checkout(builtAt: number | null): string {
  const root = mkdtempSync(join(tmpdir(), 'pl-entry-'));
  mkdirSync(join(root, 'main', 'lab'), { recursive: true });
  for (const f of ['main/worker.ts', 'main/lab/trainer.ts', 'electron.vite.config.ts', 'package.json']) writeFileSync(join(root, f), '');
  if (builtAt !== null) {
    mkdirSync(join(root, 'out', 'main'), { recursive: true });
    writeFileSync(join(root, 'out', 'main', 'worker.js'), '');
    at(join(root, 'out', 'main', 'worker.js'), builtAt);
  }
  for (const f of ['main/worker.ts', 'main/lab/trainer.ts', 'main/lab', 'main', 'electron.vite.config.ts', 'package.json']) at(join(root, f), 100);
  return root;
}

test('a build newer than every source is used; no build, or an older one, is not', () => {
  const fresh = checkout(200);
  assert.equal(freshBuiltWorker(fresh), join(fresh, 'out', 'main', 'worker.js'));
  const none = checkout(null);
  assert.equal(freshBuiltWorker(none), null);
  const old = checkout(50);
  assert.equal(freshBuiltWorker(old), null);
  for (const r of [fresh, none, old]) rmSync(r, { recursive: true });
});

test('editing any source it is built from (deep in main/, the vite config, package.json) makes the build stale', () => {
  for (const edited of ['main/lab/trainer.ts', 'electron.vite.config.ts', 'package.json']) {
    const root = checkout(200);
    at(join(root, edited), 300);
    assert.equal(freshBuiltWorker(root), null, edited);
    rmSync(root, { recursive: true });
  }
});

test('deleting a source makes the build stale (its folder is newer)', () => {
  const root = checkout(200);
  rmSync(join(root, 'main', 'lab', 'trainer.ts'));
  at(join(root, 'main', 'lab'), 300);
  assert.equal(freshBuiltWorker(root), null);
  rmSync(root, { recursive: true });
});

test('npm start rebuilds from the same sources the run process checks', () => {
  const start = readFileSync(new URL('../../main/bin/start.mjs', import.meta.url), 'utf8');
  const desktop = /sources: \[([^\]]*)\]/.exec(start)?.[1] ?? '';
  for (const src of WORKER_BUILD_SOURCES) assert.ok(desktop.includes(`'${src}'`), `start.mjs rebuilds on ${src}`);
  assert.match(start, /BROWSER = \{[^}]*'out\/main\/worker\.js'/, 'browser mode builds the worker too');
});

test('in this checkout the entry is the TypeScript worker or a fresh build of it', () => {
  const entry = defaultWorkerPath();
  assert.match(entry, /(main[\\/]worker\.ts|out[\\/]main[\\/]worker\.js)$/);
});
