/**
 * The app's queue setting: runs go to a Redis job queue (lab/queue/) instead of this machine's cores
 * when `queue` in <userData>/settings.json, or POLICY_LAB_QUEUE (which wins), names one. Read once at
 * start and checked here; a setting that is not a queue address is reported and runs stay local.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseQueueUrl } from '../lab/queue/queue-url.ts';

const ShellSettings = z.object({ queue: z.string().max(2000).nullable().optional() }).passthrough();

export interface QueueSetting {
  /** The queue to submit runs to; null: this machine trains them. */
  url: string | null;
  /** Why a configured queue is not used (said without the password). */
  problem: string | null;
}

export function queueSetting(userDataDir: string, env: NodeJS.ProcessEnv = process.env): QueueSetting {
  let url: string | null = env.POLICY_LAB_QUEUE || null;
  let where = 'POLICY_LAB_QUEUE';
  if (url === null) {
    let text: string;
    try {
      text = readFileSync(join(userDataDir, 'settings.json'), 'utf8');
    } catch {
      return { url: null, problem: null }; // no settings yet
    }
    let parsed: ReturnType<typeof ShellSettings.safeParse>;
    try {
      parsed = ShellSettings.safeParse(JSON.parse(text));
    } catch {
      return { url: null, problem: 'settings.json is not JSON' };
    }
    if (!parsed.success) return { url: null, problem: `settings.json: queue must be a redis:// or rediss:// address` };
    url = parsed.data.queue ?? null;
    where = 'settings.json queue';
  }
  if (url === null || url.trim() === '') return { url: null, problem: null };
  try {
    parseQueueUrl(url);
  } catch (err) {
    return { url: null, problem: `${where}: ${(err as Error).message}` };
  }
  return { url, problem: null };
}
