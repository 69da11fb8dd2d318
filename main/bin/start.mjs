#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, otherwise browser mode (the same
// UI served by `policy-lab serve`). Builds first when out/ is missing or older than the sources.
//   npm start                 desktop app (or browser mode if Electron is unavailable)
//   npm start -- --browser    browser mode even if Electron is installed
// Other arguments go to Electron (desktop) or to `serve` (browser mode, e.g. --port 5170).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

const argv = process.argv.slice(2);
const forceBrowser = argv.includes('--browser');
const passThrough = argv.filter((a) => a !== '--browser');

/** Everything the desktop build reads, and the files it must produce. */
const DESKTOP = {
  sources: ['main', 'preload', 'renderer', 'electron.vite.config.ts', 'package.json'],
  outputs: ['out/main/index.js', 'out/main/worker.js', 'out/preload/index.cjs', 'out/renderer/index.html'],
};
/**
 * Browser mode serves main/ from source (tsx), the renderer bundle, and starts each run from the built
 * worker when it is fresh (main/lab/runs/fork-launcher.ts: ~1 s less per run start than compiling it).
 */
const BROWSER = { sources: DESKTOP.sources, outputs: ['out/main/worker.js', 'out/renderer/index.html'] };

/** The Electron executable, or why there is none. electron's index.js returns its path or throws. */
function findElectron() {
  let path;
  try {
    path = require('electron');
  } catch (err) {
    return { reason: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
  if (typeof path !== 'string') return { reason: 'the electron package did not return a binary path' };
  if (!existsSync(path)) return { reason: `no binary at ${path}` };
  return { path };
}

async function newestMtime(path) {
  let st;
  try {
    st = await stat(path);
  } catch {
    return 0; // a missing optional source is not newer than anything
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file shows up as a newer directory
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, await newestMtime(join(path, entry.name)));
  }
  return newest;
}

async function needsBuild({ sources, outputs }) {
  let oldestOutput = Infinity;
  for (const out of outputs) {
    try {
      oldestOutput = Math.min(oldestOutput, (await stat(join(ROOT, out))).mtimeMs);
    } catch {
      return true; // missing output
    }
  }
  let newestSource = 0;
  for (const src of sources) newestSource = Math.max(newestSource, await newestMtime(join(ROOT, src)));
  return newestSource > oldestOutput;
}

/** Runs a command with our stdio and resolves to its exit code; we outlive it to report that code. */
function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env, windowsHide: false });
    // Ctrl-C already reaches the child (same terminal process group), so SIGINT is only kept from
    // killing us; forwarding it too would count as a second Ctrl-C, which the CLI treats as "abort".
    // SIGTERM is usually aimed at our pid alone, so that one is passed on.
    const onSigint = () => {};
    const onSigterm = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      if (code === null) console.error(`${command} exited on ${signal}`);
      resolve(code ?? 1);
    });
  });
}

function binOf(pkg, name) {
  const pkgJson = require.resolve(`${pkg}/package.json`);
  const { bin } = require(pkgJson);
  return join(dirname(pkgJson), typeof bin === 'string' ? bin : bin[name]);
}

async function build(target) {
  if (!(await needsBuild(target))) return 0;
  console.log('policy-lab: building (electron-vite build)…');
  // Node + the package's JS entry instead of `npx`: no shell, works the same on Windows.
  return run(process.execPath, [binOf('electron-vite', 'electron-vite'), 'build']);
}

async function main() {
  const electron = forceBrowser ? null : findElectron();

  if (electron?.path) {
    const built = await build(DESKTOP);
    if (built !== 0) return built;
    // ELECTRON_RUN_AS_NODE in the environment would make the binary behave as plain Node.
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    return run(electron.path, ['.', ...passThrough], env);
  }

  if (forceBrowser) {
    console.log('policy-lab: starting browser mode (--browser).');
  } else {
    console.log(
      'policy-lab: Electron binary not installed (download failed during npm install) — starting browser mode. ' +
        `The desktop window needs Electron's binary, which is missing here (${electron?.reason}); the same UI ` +
        'runs in your browser instead, served locally by `policy-lab serve` at the URL printed below. ' +
        'To get the desktop app later, retry the download with `node node_modules/electron/install.js`, then `npm start` again.',
    );
  }
  const built = await build(BROWSER);
  if (built !== 0) return built;
  return run(process.execPath, [binOf('tsx', 'tsx'), join('main', 'cli.ts'), 'serve', ...passThrough]);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('policy-lab: could not start:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
