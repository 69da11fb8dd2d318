/**
 * How LabService starts a run process. Outside Electron it is child_process.fork (fork-launcher.ts);
 * inside Electron it is utilityProcess.fork (main/electron/utility-launcher.ts). Both speak the
 * worker protocol in training/protocol.ts.
 */
import type { ToWorker, FromWorker } from '../training/protocol.ts';

export interface RunProcess {
  send(msg: ToWorker): void;
  onMessage(listener: (msg: FromWorker) => void): void;
  /** code is null when killed by a signal. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  /** Once the process exists: its pid (so a lab restarted meanwhile knows the run is alive). */
  onSpawn?(listener: (pid: number) => void): void;
  /**
   * A run that trains on another machine (a queue job) can outlive this lab: stop following it and
   * leave it training, keeping what a later lab needs to follow it again. Absent: the run's process
   * lives and dies with this lab's, so closing the lab stops it. False when the run had already ended.
   */
  detach?(): Promise<boolean>;
}

export interface RunLauncher {
  launch(): RunProcess;
  /**
   * A job queue (lab/queue/): a launched run waits there (queued) until a worker takes it, and the
   * workers cap how many train at once, so the lab submits every run at once instead of one per core.
   */
  readonly queue?: boolean;
}
