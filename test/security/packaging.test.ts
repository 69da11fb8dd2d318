/**
 * The packaged app, as `npm run package` makes it: electron-builder over the built bundles, with the
 * Electron fuses of the security checklist flipped at package time. Electron's binary cannot be
 * downloaded here, so a stand-in takes its place: a file carrying Electron's fuse wire as Electron 45
 * ships it (RunAsNode, NodeOptions, inspect arguments and file:// privileges on; the rest off). The
 * packager really runs, and the fuses are read back from the packaged executable by @electron/fuses,
 * the library the packager writes them with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const { FuseV1Options, getCurrentFuseWire } = require('@electron/fuses') as typeof import('@electron/fuses');
const asar = require('@electron/asar') as { listPackage(path: string, opts?: object): string[] };

/** The sentinel @electron/fuses looks for, then wire version 1, 8 fuses, '1' = on, '0' = off. */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_45_DEFAULT_WIRE = '10110001';
/** How the wire stores a fuse: the characters '1' and '0'. */
const FuseState = { ENABLE: '1'.charCodeAt(0), DISABLE: '0'.charCodeAt(0) };

test('npm run package: fuses flipped (RunAsNode off, cookie encryption on, NODE_OPTIONS and --inspect off, ASAR integrity, only from ASAR), only the built app inside', async (t) => {
  if (!existsSync(join(ROOT, 'out', 'main', 'index.js'))) {
    t.skip('out/ not built (npm test builds it first)');
    return;
  }
  const base = await mkdtemp(join(tmpdir(), 'pl-pack-'));
  try {
    const dist = join(base, 'electron-dist');
    await mkdir(join(dist, 'resources'), { recursive: true });
    const stand_in = Buffer.concat([
      Buffer.from('\x7fELF stand-in for the electron binary\n'),
      Buffer.from(SENTINEL),
      Buffer.from([1, 8]),
      Buffer.from(ELECTRON_45_DEFAULT_WIRE),
      Buffer.from('\n'),
    ]);
    await writeFile(join(dist, 'electron'), stand_in, { mode: 0o755 });
    await writeFile(join(dist, 'version'), '45.5.0');
    await writeFile(join(dist, 'LICENSE'), 'stand-in');

    const out = join(base, 'packaged');
    const r = spawnSync(
      process.execPath,
      [require.resolve('electron-builder/cli.js'), '--dir', '--linux', `-c.electronDist=${dist}`, `-c.directories.output=${out}`],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
        timeout: 5 * 60_000,
      },
    );
    assert.equal(r.status, 0, `electron-builder failed:\n${(r.stdout + r.stderr).slice(-3000)}`);

    const app = join(out, 'linux-unpacked');
    const exe = join(app, 'policy-lab');
    const wire = await getCurrentFuseWire(exe);
    const state = (fuse: number) => (wire as unknown as Record<number, number>)[fuse];
    assert.equal(state(FuseV1Options.RunAsNode), FuseState.DISABLE, 'ELECTRON_RUN_AS_NODE would turn the app into a plain Node.js');
    assert.equal(state(FuseV1Options.EnableCookieEncryption), FuseState.ENABLE);
    assert.equal(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable), FuseState.DISABLE);
    assert.equal(state(FuseV1Options.EnableNodeCliInspectArguments), FuseState.DISABLE);
    assert.equal(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation), FuseState.ENABLE);
    assert.equal(state(FuseV1Options.OnlyLoadAppFromAsar), FuseState.ENABLE);
    assert.equal(state(FuseV1Options.GrantFileProtocolExtraPrivileges), FuseState.DISABLE, 'the app loads nothing from file://');

    // The archive holds the built bundles and package.json, plus production dependencies; no sources, tests or runs.
    const files = asar.listPackage(join(app, 'resources', 'app.asar')).map((f) => f.replace(/\\/g, '/'));
    for (const needed of ['/out/main/index.js', '/out/main/worker.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json']) {
      assert.ok(files.includes(needed), `${needed} packaged`);
    }
    const own = files.filter((f) => f !== '/node_modules' && !f.startsWith('/node_modules/'));
    assert.deepEqual(
      own.filter((f) => f !== '/out' && !f.startsWith('/out/') && f !== '/package.json'),
      [],
      'nothing but out/ and package.json of our own',
    );
    assert.ok(!files.some((f) => /^\/node_modules\/(electron|electron-builder|typescript|eslint)\//.test(f)), 'no build tools or Electron itself');
    // The demo policies sit beside the archive, where main/index.ts looks for them (process.resourcesPath).
    assert.deepEqual((await readdir(join(app, 'resources', 'policies'))).filter((n) => !n.endsWith('.md')).sort(), ['cartpole-v1-ppo', 'lunarlander-v3-ppo']);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
