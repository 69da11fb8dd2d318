/**
 * Run processes outside Electron: child_process.fork of main/worker.ts. From a build the worker is
 * out/main/worker.js; from a source checkout it is the same bundle when that is built and newer than
 * every source it is built from, else main/worker.ts under tsx.
 */
import { fork } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunLauncher, RunProcess } from './launcher.ts';
import type { FromWorker } from '../training/protocol.ts';

/**
 * What out/main/worker.js is built from (electron.vite.config.ts): main/bin/start.mjs rebuilds when
 * one of these is newer, for the same reason.
 */
export const WORKER_BUILD_SOURCES = ['main', 'electron.vite.config.ts', 'package.json'] as const;

function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file shows as a newer folder
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, e.name)));
  }
  return newest;
}

/** The built worker under `root` when it is at least as new as all its sources; null otherwise. */
export function freshBuiltWorker(root: string): string | null {
  const built = join(root, 'out', 'main', 'worker.js');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return null;
  }
  for (const src of WORKER_BUILD_SOURCES) if (newestMtime(join(root, src)) > builtAt) return null;
  return built;
}

/**
 * The run process's entry. A source checkout prefers a fresh build: starting main/worker.ts compiles
 * ~150 modules through tsx on every run (≈ 1 s and 1.8 CPU-s more per run here, BENCHMARKS.md "Job
 * queue"), which a sweep of short runs pays again and again. Checked at each launch (a few ms), so an
 * edited source is never run stale.
 */
export function defaultWorkerPath(): string {
  const ts = fileURLToPath(new URL('../../worker.ts', import.meta.url));
  if (existsSync(ts)) return freshBuiltWorker(fileURLToPath(new URL('../../../', import.meta.url))) ?? ts;
  return fileURLToPath(new URL('./worker.js', import.meta.url)); // bundled next to the built entry
}

export class ForkLauncher implements RunLauncher {
  private readonly workerPath: string | undefined;
  /** Without a path, each launch picks defaultWorkerPath() afresh. */
  constructor(workerPath?: string) {
    this.workerPath = workerPath;
  }

  launch(): RunProcess {
    const path = this.workerPath ?? defaultWorkerPath();
    // Resolve tsx from here, not from the cwd, so `policy-lab` works from any folder.
    const execArgv = path.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    // stderr is inherited so a worker crash prints its stack where a developer can see it.
    // JSON serialization: the messages are plain JSON, and 'advanced' lost large messages (whole
    // LunarLander episodes) under load here, after which the channel stalled.
    const child = fork(path, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return {
      send: (msg) => {
        if (child.connected) child.send(msg);
      },
      onMessage: (l) => child.on('message', (m) => l(m as FromWorker)),
      onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
      kill: () => child.kill('SIGKILL'),
      onSpawn: (l) => child.once('spawn', () => l(child.pid!)),
    };
  }
}
