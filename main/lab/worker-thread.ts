/**
 * Starting one of the lab's worker threads from its entry file: the bundled `<name>.js` in out/main/
 * (beside the calling bundle, or above the shared chunk it was put in), or, from a source checkout, the `.ts` next to the caller through tsx's
 * API — a worker does not inherit the process's `--import tsx` loader.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `callerUrl`: the caller's import.meta.url; `entry`: the entry's file name without extension. */
export function startWorkerThread(callerUrl: string, entry: string, workerData: unknown): Worker {
  // Bundled: the caller may sit in out/main/ or in a shared chunk below it (out/main/chunks/).
  for (const rel of [`./${entry}.js`, `../${entry}.js`]) {
    const js = fileURLToPath(new URL(rel, callerUrl));
    if (existsSync(js)) return new Worker(js, { workerData });
  }
  const ts = new URL(`./${entry}.ts`, callerUrl).href;
  const load = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(ts)}, ${JSON.stringify(ts)}))`;
  return new Worker(load, { eval: true, workerData });
}
