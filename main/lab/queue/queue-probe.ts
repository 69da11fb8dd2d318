/**
 * A look at a queue address: does a Redis answer there, how many `policy-lab worker`s are connected
 * (BullMQ's Queue#getWorkers: the connections its workers name after the queue) and how many runs wait.
 * On its own short-lived connection that gives up at once, so a dead address is said specifically
 * (refused, wrong password, timeout, …) instead of being retried. Nothing it returns holds the password.
 */
import type { Queue } from 'bullmq';
import type { QueueProbe, QueueProblem } from '../domain/queue.ts';
import { KEY_PREFIX, QUEUE_NAME } from './protocol.ts';
import { parseQueueUrl, redisOptions, type QueueAddress } from './queue-url.ts';
import { redisLibs } from './redis-libs.ts';

const MAX_NAMES = 20;

export async function probeQueue(url: string, timeoutMs = 4000): Promise<QueueProbe> {
  const a = parseQueueUrl(url);
  const checkedAt = new Date().toISOString();
  const seen: { error: Error | null } = { error: null };
  const { Redis, Queue } = await redisLibs();
  const redis = new Redis({
    ...redisOptions(a),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt: the answer is what happened
  });
  // The first error is the telling one (a refused connection is followed by "Connection is closed").
  redis.on('error', (err: Error) => (seen.error ??= err));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'PROBE_TIMEOUT' })), timeoutMs);
  });
  let queue: Queue | null = null;
  try {
    const found = await Promise.race([
      (async () => {
        await redis.connect();
        await redis.ping();
        queue = new Queue(QUEUE_NAME, { connection: redis, prefix: KEY_PREFIX });
        queue.on('error', () => undefined);
        const [clients, counts] = await Promise.all([queue.getWorkers(), queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active')]);
        return { clients, counts };
      })(),
      timeout,
    ]);
    const names = workerNames(found.clients);
    return {
      display: a.display,
      reachable: true,
      workers: names === null ? null : names.length,
      workerNames: (names ?? []).slice(0, MAX_NAMES),
      waiting: (found.counts.waiting ?? 0) + (found.counts.prioritized ?? 0) + (found.counts.delayed ?? 0),
      active: found.counts.active ?? 0,
      problem: null,
      error: null,
      checkedAt,
    };
  } catch (err) {
    const { problem, error } = describeFailure(seen.error ?? (err as Error), a, timeoutMs);
    return { display: a.display, reachable: false, workers: null, workerNames: [], waiting: null, active: null, problem, error, checkedAt };
  } finally {
    clearTimeout(timer);
    await (queue as Queue | null)?.close().catch(() => undefined);
    redis.disconnect();
  }
}

/**
 * The workers' names from BullMQ's client list, each once (a worker may hold several named connections);
 * null when the server does not list its clients (BullMQ then returns a placeholder without an address).
 */
function workerNames(clients: Record<string, string>[]): string[] | null {
  if (clients.some((c) => !c.addr)) return null;
  const names = new Set<string>();
  for (const c of clients) {
    const raw = c.rawname ?? ''; // BullMQ puts the queue's name in `name`, the connection's in `rawname`
    const i = raw.indexOf(':w:');
    names.add(i >= 0 ? raw.slice(i + 3) : c.addr);
  }
  return [...names].sort();
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_)/;

/** What went wrong, as a kind and in words, without the password (nor any URL the error may quote). */
export function describeFailure(err: Error, a: QueueAddress, timeoutMs: number): { problem: QueueProblem; error: string } {
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  const text = scrub(err.message ?? String(err), a);
  const where = `${a.host}:${a.port}`;
  if (code === 'ECONNREFUSED')
    return { problem: 'refused', error: `nothing listens at ${where} (connection refused): is redis-server running there, on that port?` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { problem: 'no-host', error: `the host name ${a.host} does not resolve` };
  if (code === 'PROBE_TIMEOUT' || code === 'ETIMEDOUT' || /timed? ?out/i.test(text))
    return {
      problem: 'timeout',
      error: `no answer from ${where} within ${timeoutMs / 1000} s (a firewall, a wrong host, or ${a.tls ? 'a server that does not speak TLS' : 'a TLS-only port: try rediss://'})`,
    };
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password|authentication required/i.test(text))
    return a.password
      ? { problem: 'auth', error: `${where} refused the password${a.username ? ` for user ${a.username}` : ''} (authentication failed)` }
      : { problem: 'auth', error: `${where} asks for a password: put it in the address, redis://:PASSWORD@${where}` };
  if (TLS_CODES.test(code) || /\b(SSL|TLS)\b|certificate/i.test(text))
    return { problem: 'tls', error: `the TLS connection to ${where} failed (${text.slice(0, 160)})${a.tls ? '; a plain Redis port needs redis://' : ''}` };
  if (/protocol error|unexpected|reply type|RESP type/i.test(text))
    return { problem: 'not-redis', error: `something answers at ${where}, but not as Redis does: not a queue address` };
  if (code === 'ECONNRESET' || /connection is closed/i.test(text))
    return { problem: 'not-redis', error: `${where} closed the connection without answering as Redis does${a.tls ? '' : ' (a TLS-only port? try rediss://)'}` };
  return { problem: 'failed', error: `cannot use the queue at ${a.display}: ${text.slice(0, 200)}` };
}

/** An error's text without the password and without any address it quotes. */
export function scrub(text: string, a: QueueAddress): string {
  let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, '');
  if (a.password) out = out.split(a.password).join('***');
  return out.trim() || 'unknown error';
}
