/**
 * A user-supplied policy folder is first loaded on a worker thread of its own with a time limit
 * (check-policy-thread.ts), so that even a file that got past every check in policy-file.ts cannot
 * stall or swell the process that serves the app; only a folder that loaded there is loaded here.
 */
import { startWorkerThread } from '../worker-thread.ts';
import { PolicyFileError, type PolicyFileErrorCode } from './policy-file.ts';

export const POLICY_CHECK_SECONDS = 20;

export async function checkPolicyOffThread(dir: string, timeoutSeconds = POLICY_CHECK_SECONDS): Promise<void> {
  const worker = startWorkerThread(import.meta.url, 'check-policy-thread', { dir });
  try {
    const r = await new Promise<{ ok: boolean; code?: PolicyFileErrorCode; message?: string }>((resolve) => {
      const timer = setTimeout(
        () => resolve({ ok: false, code: 'corrupt', message: `the policy did not load within ${timeoutSeconds} s` }),
        timeoutSeconds * 1000,
      );
      worker.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        resolve({ ok: false, code: 'corrupt', message: `the policy could not be loaded (${e.message.split('\n')[0]})` });
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ ok: false, code: 'corrupt', message: `the policy could not be loaded (the check stopped with code ${code})` });
      });
    });
    if (!r.ok) throw new PolicyFileError(r.code ?? 'corrupt', r.message ?? 'the policy could not be loaded');
  } finally {
    await worker.terminate();
  }
}
