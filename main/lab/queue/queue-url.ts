/**
 * The queue's address: redis://[[user]:password@]host:port[/db] or rediss://… (TLS). Checked once here,
 * where it enters (CLI flag, POLICY_LAB_QUEUE, the app's setting); errors never repeat the password.
 */
import { LabError } from '../domain/errors.ts';

export interface QueueAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** The address without its password, for messages and logs. */
  display: string;
}

const HELP = 'expected redis://[:password@]host:port or rediss://… (TLS)';

export function parseQueueUrl(text: string): QueueAddress {
  const raw = text.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LabError(`the queue address is not a URL (${HELP})`, 'invalid');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new LabError(`the queue address must start with redis:// or rediss:// (${HELP})`, 'invalid');
  if (!url.hostname) throw new LabError(`the queue address names no host (${HELP})`, 'invalid');
  if (!url.port) throw new LabError(`the queue address names no port (${HELP}; Redis listens on 6379 by default)`, 'invalid');
  if (url.search || url.hash) throw new LabError(`the queue address takes no ?query or #fragment (${HELP})`, 'invalid');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw new LabError(`the queue address's path must be a database number such as /0 (${HELP})`, 'invalid');
  const tls = url.protocol === 'rediss:';
  const host = url.hostname.replace(/^\[|\]$/g, ''); // IPv6 literals come bracketed
  const port = Number(url.port);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const db = path === '' ? 0 : Number(path);
  const auth = password ? `${username ?? ''}:***@` : username ? `${username}@` : '';
  return {
    host,
    port,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    db,
    tls,
    display: `${url.protocol}//${auth}${url.host}${db ? `/${db}` : ''}`,
  };
}

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
