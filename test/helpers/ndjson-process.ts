/**
 * A long-lived child process (`node --import tsx ARGS`, in the checkout) whose stdout NDJSON lines are
 * collected as they come, so a test can wait for an event while the process goes on (a worker, a lab).
 * For a process that is run to its end, runCli (cli.ts) is simpler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, ndjsonLines } from './cli.ts';

export type NdjsonLine = Record<string, unknown>;

export interface NdjsonProcess {
  child: ChildProcess;
  /** Every complete stdout line that parsed, in order; grows while the process runs. */
  lines: NdjsonLine[];
  stderr: () => string;
  /** Resolves with the first line (already seen or still to come) that `pred` accepts; rejects after timeoutMs naming `what`. */
  waitFor: (pred: (l: NdjsonLine) => boolean, timeoutMs: number, what: string) => Promise<NdjsonLine>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Every process started here, so a test's after() can end those a failed test left running. */
const started: ChildProcess[] = [];

export function killStartedProcesses(): void {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export function startNdjsonProcess(args: string[]): NdjsonProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const lines: NdjsonLine[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    // Only whole lines: a chunk may end inside one, which waits in buf for the rest.
    const cut = buf.lastIndexOf('\n');
    if (cut < 0) return;
    lines.push(...ndjsonLines(buf.slice(0, cut)));
    buf = buf.slice(cut + 1);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor: NdjsonProcess['waitFor'] = (pred, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}\nstderr: ${err.slice(-2000)}`)), timeoutMs);
      const check = () => {
        const hit = lines.find(pred);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, stderr: () => err, waitFor, exited };
}
