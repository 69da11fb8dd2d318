/**
 * Worker-thread entry: loads a user-supplied policy folder once, off the lab's own thread, and reports
 * whether it loads (policy-check.ts waits for it with a time limit). Its own TensorFlow.js (cpu backend:
 * nothing here is trained), so whatever the files do happens here, not where the app answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../nn/backend.ts';
import { loadPolicy, PolicyFileError } from './policy-file.ts';

try {
  await initBackend('cpu');
  const p = await loadPolicy((workerData as { dir: string }).dir);
  p.dispose();
  parentPort!.postMessage({ ok: true });
} catch (err) {
  parentPort!.postMessage({
    ok: false,
    code: err instanceof PolicyFileError ? err.code : 'corrupt',
    message: err instanceof Error ? err.message : String(err),
  });
}
