/**
 * Where runs train: this machine, or a Redis job queue that `policy-lab worker`s take runs from
 * (lab/queue/). The queue's address is parsed here, the one place (CLI flag, POLICY_LAB_QUEUE, the
 * app's setting, the bridge's requests); errors and displays never repeat the password.
 */
import { z } from 'zod';
import { LabError } from './errors.ts';

export interface QueueAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** The address without its password (":***@" stands for it), for messages, logs and the UI. */
  display: string;
}

const HELP = 'expected redis://[:password@]host:port or rediss://… (TLS)';
/** What a display shows instead of a password; sent back unchanged, it means "the password already saved". */
export const MASKED_PASSWORD = '***';

/** redis://[[user]:password@]host:port[/db] or rediss://… (TLS); throws a LabError ('invalid') saying what is wrong. */
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
  const a = { host, port, ...(username ? { username } : {}), ...(password ? { password } : {}), db, tls };
  return { ...a, display: queueDisplay(a) };
}

/** A queue's address as messages show it: scheme by TLS, the user if any, the password masked, the db unless 0. */
export function queueDisplay(q: Pick<QueueAddress, 'host' | 'port' | 'db' | 'tls' | 'username' | 'password'>): string {
  const auth = q.password ? `${q.username ?? ''}:${MASKED_PASSWORD}@` : q.username ? `${q.username}@` : '';
  const host = q.host.includes(':') ? `[${q.host}]` : q.host;
  return `${q.tls ? 'rediss' : 'redis'}://${auth}${host}:${q.port}${q.db ? `/${q.db}` : ''}`;
}

/** The queue field as the bridge receives it: empty = this machine, else a queue address. */
export const QueueUrlField = z
  .string()
  .max(2000)
  .superRefine((text, ctx) => {
    if (text.trim() === '') return;
    try {
      parseQueueUrl(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/** Why a queue could not be used, as a client can act on it. */
export type QueueProblem =
  | 'refused' // nothing listens there
  | 'auth' // wrong or missing password (or user)
  | 'timeout' // no answer in time
  | 'no-host' // the host name does not resolve
  | 'tls' // the TLS handshake failed (rediss:// to a plain Redis, a bad certificate, …)
  | 'not-redis' // something answered, but not as Redis does
  | 'failed';

/** What a look at a queue found. */
export interface QueueProbe {
  /** The address looked at, without its password. */
  display: string;
  reachable: boolean;
  /** `policy-lab worker`s connected to it now (null: not reachable, or the server hides its clients). */
  workers: number | null;
  /** Their names (hostname:pid unless --name), at most 20. */
  workerNames: string[];
  /** Runs waiting for a worker / being trained, over every lab submitting to this queue. */
  waiting: number | null;
  active: number | null;
  problem: QueueProblem | null;
  /** What went wrong, in words (never the password). */
  error: string | null;
  /** When it looked (ISO time). */
  checkedAt: string;
}

/** Where new runs train and why; what the Settings panel and the capacity lines show. */
export interface QueueSettings {
  /** The queue new runs go to (display, no password), or null: this machine. */
  queue: string | null;
  /** Set outside the app, which wins over the saved setting: the field is read-only. */
  pinnedBy: 'POLICY_LAB_QUEUE' | '--queue' | null;
  /** Where the setting is kept, in words (no machine path). */
  savedIn: string;
  /** A saved setting that could not be used (runs train here meanwhile). */
  problem: string | null;
  /** Runs this machine trains at once when no queue is set. */
  cores: number;
  /** The queue's state now (at most a few seconds old); null without a queue. */
  status: QueueProbe | null;
}
