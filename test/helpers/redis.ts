/**
 * A real redis-server (Debian's) for a test: on a free loopback port, no persistence, in a scratch
 * folder, stopped by the test. Optionally with a password (requirepass).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = '/usr/bin/redis-server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something on the port answers a plain PING as Redis does (with or without a password set). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.setTimeout(1000, () => sock.destroy());
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      sock.destroy();
    });
    sock.once('error', () => resolve(false));
    sock.once('close', () => resolve(false));
  });
}

export interface TestRedis {
  port: number;
  /** The redis-server process (a test may SIGSTOP it to make a queue that does not answer). */
  pid: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing (Debian package redis-server)`);
  const dir = await mkdtemp(join(tmpdir(), 'pl-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  // The free port can be taken between the look and redis-server's bind (another job on the machine):
  // then ours exits, and what answers there is someone else's. A new port, up to three times.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
    if (opts.password) args.push('--requirepass', opts.password);
    const c: ChildProcess = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    const t0 = Date.now();
    while (c.exitCode === null && !(await answers(port))) {
      if (Date.now() - t0 > 10_000) {
        c.kill('SIGKILL');
        throw new Error('redis-server did not start within 10 s');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 50)); // an exit for a taken port comes right after the bind fails
    if (c.exitCode === null && c.signalCode === null) child = c;
    else if (attempt >= 3) throw new Error(`redis-server exited at start (code ${c.exitCode}) three times`);
  }
  return {
    port,
    pid: child.pid!,
    url: `redis://${opts.password ? `:${encodeURIComponent(opts.password)}@` : ''}127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGCONT'); // a stopped one would not hear the SIGTERM
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
