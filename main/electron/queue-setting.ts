/**
 * The app's queue setting: runs go to a Redis job queue (lab/queue/) instead of this machine's cores
 * when `queue` in <userData>/settings.json (set from the app's Settings) or POLICY_LAB_QUEUE (which
 * wins, and makes the setting read-only) names one. The lab's QueueChoice reads, checks and changes it.
 */
import { join } from 'node:path';
import type { QueueChoiceOptions } from '../lab/queue/queue-choice.ts';

/** Where the app keeps the setting, and POLICY_LAB_QUEUE when set. */
export function appQueueOptions(userDataDir: string, env: NodeJS.ProcessEnv = process.env): Omit<QueueChoiceOptions, 'log'> {
  return {
    settingsFile: join(userDataDir, 'settings.json'),
    savedIn: "the app's settings.json",
    pinned: env.POLICY_LAB_QUEUE ? { url: env.POLICY_LAB_QUEUE, by: 'POLICY_LAB_QUEUE' } : null,
  };
}
