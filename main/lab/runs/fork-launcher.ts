/**
 * Run processes outside Electron: child_process.fork of main/worker.ts. From a source checkout the
 * worker is TypeScript and runs under tsx; from a build it is out/main/worker.js.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunLauncher, RunProcess } from './launcher.ts';
import type { FromWorker } from '../training/protocol.ts';

export function defaultWorkerPath(): string {
  const ts = fileURLToPath(new URL('../../worker.ts', import.meta.url));
  if (existsSync(ts)) return ts;
  return fileURLToPath(new URL('./worker.js', import.meta.url)); // bundled next to the built entry
}

export class ForkLauncher implements RunLauncher {
  private readonly workerPath: string;
  constructor(workerPath = defaultWorkerPath()) {
    this.workerPath = workerPath;
  }

  launch(): RunProcess {
    // Resolve tsx from here, not from the cwd, so `policy-lab` works from any folder.
    const execArgv = this.workerPath.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    // stderr is inherited so a worker crash prints its stack where a developer can see it.
    // JSON serialization: the messages are plain JSON, and 'advanced' lost large messages (whole
    // LunarLander episodes) under load here, after which the channel stalled.
    const child = fork(this.workerPath, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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
