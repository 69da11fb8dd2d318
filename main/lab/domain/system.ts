/** What the lab reports about itself. */
export interface SystemInfo {
  version: string;
  backend: string;
  /** What a run's 'auto' engine resolves to on that backend. */
  engine: string;
  runsDir: string;
  mode: 'electron' | 'browser';
  /** CPU cores = how many runs train at once; more are queued. */
  concurrency: number;
  /** Whether revealRun can open a file manager (Electron only). */
  canReveal: boolean;
}
