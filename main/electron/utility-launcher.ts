/**
 * RunLauncher for the desktop app: each run is an Electron utility process (Chromium's Services API,
 * the recommended way to fork Node work off the main process) running out/main/worker.js, which reads
 * messages from process.parentPort.
 */
import { createInterface } from 'node:readline';
import { utilityProcess } from 'electron';
import type { RunLauncher, RunProcess } from '../lab/runs/launcher.ts';
import type { FromWorker, ToWorker } from '../lab/training/protocol.ts';

export class UtilityProcessLauncher implements RunLauncher {
  private readonly workerPath: string;

  /** @param workerPath absolute path of the built worker entry (out/main/worker.js). */
  constructor(workerPath: string) {
    this.workerPath = workerPath;
  }

  launch(): RunProcess {
    const child = utilityProcess.fork(this.workerPath, [], {
      serviceName: 'policy-lab-run', // the name app.getAppMetrics() and 'child-process-gone' report
      stdio: 'pipe',
    });

    // With stdio 'pipe' someone must drain stdout/stderr, or a chatty run blocks on a full pipe.
    // Forward them, tagged, to the main process's own streams where `npm start` shows them.
    let pid: number | undefined;
    const tag = (): string => `[run ${(pid ??= child.pid) ?? '?'}]`; // pid is gone once the process exits
    if (child.stdout) createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (l) => console.log(tag(), l));
    if (child.stderr) createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (l) => console.error(tag(), l));
    child.on('error', (type, location) => {
      console.error(tag(), `utility process ${type} at ${location}`);
    });

    let killRequested = false;
    return {
      send(msg: ToWorker): void {
        // A no-op once the process has exited (Electron drops the handle), like a closed IPC channel.
        child.postMessage(msg);
      },
      onMessage(listener: (msg: FromWorker) => void): void {
        child.on('message', (msg: unknown) => listener(msg as FromWorker));
      },
      onExit(listener: (code: number | null, signal: string | null) => void): void {
        child.on('exit', (code: number) => {
          // utilityProcess reports only an exit code. When we asked for the kill and the process did not
          // exit cleanly, report it as child_process.fork would (code null, SIGTERM), so LabService reads
          // "stopped" the same way from either launcher.
          if (killRequested && code !== 0) listener(null, 'SIGTERM');
          else listener(code, null);
        });
      },
      onSpawn(listener: (pid: number) => void): void {
        child.once('spawn', () => listener(child.pid!));
      },
      kill(): void {
        killRequested = true;
        child.kill(); // SIGTERM on POSIX; Electron reaps the process
      },
    };
  }
}
