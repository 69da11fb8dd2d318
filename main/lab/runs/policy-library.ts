/**
 * The policy library: every saved policy the lab can show (a run's final and best policies and its
 * checkpoints, the bundled demos, imported files), imports checked before anything is built from them,
 * and loaded policies cached by path. Bridges may load only from the lab's own folders.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { LabError } from '../domain/errors.ts';
import type { PolicyInfo } from '../domain/policies.ts';
import type { RunSummary } from '../domain/runs.ts';
import { checkPolicyFolder, loadPolicy, type LoadedPolicy } from './policy-file.ts';
import { checkPolicyOffThread } from './policy-check.ts';
import { writeProblem, type RunStore } from './run-store.ts';

/** The files of a policy folder (policy-file.ts); an import keeps these and nothing else. */
const IMPORTABLE_FILES = new Set(['policy.json', 'model.json', 'weights.bin', 'qtable.bin']);

export interface PolicyLibraryOptions {
  store: RunStore;
  /** Where imported policies are kept. */
  importsDir: string;
  /** Folder with bundled demo policies (resources/). */
  resourcesDir?: string;
  /** The CLI may read policies anywhere; bridges only under the lab's own folders. */
  allowAnyPolicyPath?: boolean;
  /** The runs, as the scheduler knows them (live ones included). */
  listRuns: () => Promise<RunSummary[]>;
  /** A TensorFlow.js backend must be up before a policy loads. */
  ensureBackend: () => Promise<unknown>;
}

export class PolicyLibrary {
  private readonly opts: PolicyLibraryOptions;
  private readonly cache = new Map<string, LoadedPolicy>();

  constructor(opts: PolicyLibraryOptions) {
    this.opts = opts;
  }

  async list(): Promise<PolicyInfo[]> {
    const out: PolicyInfo[] = [];
    for (const s of await this.opts.listRuns()) {
      const base = { env: s.env, algo: s.algo, runId: s.runId, envOptions: s.envOptions };
      const runLabel = `${s.env} · ${s.algo} · seed ${s.seed} · ${s.name ?? s.runId}`;
      const dir = join(s.runDir, 'policy');
      if (existsSync(join(dir, 'policy.json'))) {
        out.push({ ...base, path: dir, label: runLabel, steps: s.steps, evalMean: s.evalMean, source: 'run' });
      }
      const best = join(s.runDir, 'best');
      if (s.bestEval && existsSync(join(best, 'policy.json'))) {
        const at = s.bestEval.step.toLocaleString('en-US');
        out.push({
          ...base,
          path: best,
          label: `${runLabel} · checkpoint @ ${at} · best evaluation ${s.bestEval.mean.toFixed(1)}`,
          steps: s.bestEval.step,
          evalMean: s.bestEval.mean,
          source: 'checkpoint',
        });
      }
      for (const cp of await this.opts.store.checkpoints(s.runId)) {
        out.push({
          ...base,
          path: cp.dir,
          label: `${runLabel} · checkpoint @ ${cp.step.toLocaleString('en-US')}`,
          steps: cp.step,
          evalMean: null,
          source: 'checkpoint',
        });
      }
    }
    for (const [root, source] of [
      [this.opts.resourcesDir ? join(this.opts.resourcesDir, 'policies') : null, 'demo'],
      [this.opts.importsDir, 'file'],
    ] as const) {
      if (!root || !existsSync(root)) continue;
      for (const name of (await readdir(root)).sort()) {
        const dir = join(root, name);
        try {
          const p = await this.load(dir);
          out.push({
            path: dir,
            label: `${source === 'demo' ? 'demo' : 'imported'} · ${name}`,
            env: p.meta.env,
            algo: p.meta.algo,
            steps: p.meta.steps,
            evalMean: p.meta.evalMean ?? null,
            source,
          });
        } catch {
          /* unreadable folders are skipped in the list; loading one directly reports why */
        }
      }
    }
    return out;
  }

  async import(files: { name: string; dataBase64: string }[]): Promise<PolicyInfo> {
    // Only a policy folder's own files are kept (whatever else was picked is ignored), each once.
    const kept = files.filter((f) => IMPORTABLE_FILES.has(f.name));
    if (!kept.some((f) => f.name === 'policy.json'))
      throw new LabError(`no policy.json among the files (a policy is ${[...IMPORTABLE_FILES].join(', ')})`, 'invalid');
    const names = kept.map((f) => f.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new LabError(`${twice} was given twice`, 'invalid');
    const id = `import-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    const dir = join(this.opts.importsDir, id);
    const { rm } = await import('node:fs/promises');
    try {
      await mkdir(dir, { recursive: true });
      for (const f of kept) await writeFile(join(dir, f.name), Buffer.from(f.dataBase64, 'base64'));
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw new LabError(`could not store the imported policy: ${writeProblem(err)}`, 'failed');
    }
    let p: LoadedPolicy;
    try {
      await checkPolicyFolder(dir); // bounded checks here: a hostile folder is refused at once
      await checkPolicyOffThread(dir); // then a real load where a file that got past them cannot stall this process
      p = await this.load(dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new LabError((err as Error).message, 'invalid');
    }
    return { path: dir, label: `imported · ${id}`, env: p.meta.env, algo: p.meta.algo, steps: p.meta.steps, evalMean: p.meta.evalMean ?? null, source: 'file' };
  }

  private checkPolicyPath(path: string): string {
    const abs = resolve(path);
    if (this.opts.allowAnyPolicyPath) return abs;
    const roots = [this.opts.store.root, this.opts.importsDir, this.opts.resourcesDir].filter((r): r is string => !!r).map((r) => resolve(r) + sep);
    if (!roots.some((r) => abs.startsWith(r)))
      throw new LabError('policies can only be loaded from the runs library, imported files or bundled demos', 'invalid');
    return abs;
  }

  /** The policy at `path`, loaded once (paths are checked first). */
  async load(path: string): Promise<LoadedPolicy> {
    const abs = this.checkPolicyPath(path);
    const cached = this.cache.get(abs);
    if (cached) return cached;
    await this.opts.ensureBackend();
    const p = await loadPolicy(abs);
    this.cache.set(abs, p);
    return p;
  }

  /** Drops cached policies under `dir` (a deleted run's folder). */
  forget(dir: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(dir + sep)) this.cache.delete(k);
  }
}
