/**
 * The queue's address as ioredis takes it. The address itself is parsed in the domain (domain/queue.ts),
 * where the bridge's requests validate it too; errors never repeat the password.
 */
import type { QueueAddress } from '../domain/queue.ts';

export { parseQueueUrl, type QueueAddress } from '../domain/queue.ts';

/** ioredis connection options for an address. */
export function redisOptions(a: QueueAddress): Record<string, unknown> {
  return {
    host: a.host,
    port: a.port,
    db: a.db,
    ...(a.username ? { username: a.username } : {}),
    ...(a.password ? { password: a.password } : {}),
    ...(a.tls ? { tls: { servername: a.host } } : {}),
  };
}
