/**
 * The policy library: every saved policy the lab can show (a run's final and best policies and its
 * checkpoints, the bundled demos, imported files), imports checked before anything is built from them,
 * and loaded policies cached by path. Bridges may load only from the lab's own folders.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { LabError } from '../domain/errors.ts';
import type { PolicyInfo } from '../domain/policies.ts';
import type { RunSummary } from '../domain/runs.ts';
import { checkPolicyFolder, loadPolicy, type LoadedPolicy } from './policy-file.ts';
import { CRITIC_DIR } from './policy-meta.ts';
import { readZip, ZipError } from './unzip.ts';
import { checkPolicyOffThread } from './policy-check.ts';
import { writeProblem, type RunStore } from './run-store.ts';

/** The files of a policy folder (policy-file.ts); an import keeps these and nothing else. */
const IMPORTABLE_FILES = new Set(['policy.json', 'model.json', 'weights.bin', 'qtable.bin', `${CRITIC_DIR}/model.json`, `${CRITIC_DIR}/weights.bin`]);

/** A policy zip: at most a few files, small (the largest network the checks allow is 4M parameters, 16 MiB). */
const ZIP_LIMITS = { maxEntries: 64, maxTotalBytes: 64 * 2 ** 20 };

/** The zip's policy folder: files relative to the folder holding policy.json (zips often wrap it in one folder). */
function fromZip(bytes: Uint8Array): { name: string; data: Uint8Array }[] {
  let entries;
  try {
    entries = readZip(bytes, ZIP_LIMITS);
  } catch (err) {
    if (err instanceof ZipError) throw new LabError(err.message, 'invalid');
    throw err;
  }
  const metas = entries.filter((e) => e.name === 'policy.json' || e.name.endsWith('/policy.json'));
  if (metas.length > 1) throw new LabError('the zip holds more than one policy (several policy.json files); zip one policy folder', 'invalid');
  const prefix = metas.length ? metas[0].name.slice(0, -'policy.json'.length) : '';
  return entries.filter((e) => e.name.startsWith(prefix)).map((e) => ({ name: e.name.slice(prefix.length), data: e.data }));
}

/** A folder name from a person's label: letters, digits, ".", "_" and "-", at most 80 characters. */
function slug(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
}

export interface PolicyLibraryOptions {
  store: RunStore;
  /** Where imported policies are kept. */
  importsDir: string;
  /** Where earlier versions kept them (beside the runs folder): still listed, never written. */
  legacyImportsDir?: string;
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
      [this.opts.legacyImportsDir ?? null, 'file'],
    ] as const) {
      if (!root || !existsSync(root)) continue;
      for (const name of (await readdir(root)).sort()) {
        if (name.startsWith('.')) continue; // an import being checked
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

  /**
   * Stores a policy given as its folder's files (critic/ files named "critic/model.json", …) or as one
   * zip of the folder (Runs → Policy zip, or zipped by hand), checks it before anything is built from
   * it, and names it after the source (the zip's or folder's name), else after what it is.
   */
  async import(files: { name: string; dataBase64: string }[], sourceName?: string): Promise<PolicyInfo> {
    const given = files.map((f) => ({ name: f.name, data: Buffer.from(f.dataBase64, 'base64') }));
    const zip = given.length === 1 && given[0].name.toLowerCase().endsWith('.zip') ? given[0] : null;
    const entries = zip ? fromZip(zip.data) : given;
    const name = sourceName ?? (zip ? zip.name.replace(/(-policy)?\.zip$/i, '') : undefined);
    // Only a policy folder's own files are kept (whatever else was picked is ignored), each once.
    const kept = entries.filter((f) => IMPORTABLE_FILES.has(f.name));
    if (!kept.some((f) => f.name === 'policy.json'))
      throw new LabError(`no policy.json among the files (a policy is ${[...IMPORTABLE_FILES].join(', ')}, or a zip of its folder)`, 'invalid');
    const names = kept.map((f) => f.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new LabError(`${twice} was given twice`, 'invalid');
    // Written under a hidden name, checked, then renamed: a refused or interrupted import leaves nothing.
    const partial = join(this.opts.importsDir, `.partial-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`);
    try {
      await mkdir(join(partial, CRITIC_DIR), { recursive: true });
      for (const f of kept) await writeFile(join(partial, f.name), f.data);
    } catch (err) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      throw new LabError(`could not store the imported policy: ${writeProblem(err)}`, 'failed');
    }
    let meta: { env: string; algo: string; steps: number };
    try {
      if (!kept.some((f) => f.name.startsWith(`${CRITIC_DIR}/`))) await rm(join(partial, CRITIC_DIR), { recursive: true });
      await checkPolicyFolder(partial); // bounded checks here: a hostile folder is refused at once
      await checkPolicyOffThread(partial); // then a real load where a file that got past them cannot stall this process
      meta = JSON.parse(await readFile(join(partial, 'policy.json'), 'utf8'));
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw new LabError((err as Error).message, 'invalid');
    }
    const id = await this.freeImportName(slug(name ?? '') || slug(`${meta.env}-${meta.algo}-${meta.steps}-steps`));
    const dir = join(this.opts.importsDir, id);
    let p: LoadedPolicy;
    try {
      await rename(partial, dir);
      p = await this.load(dir);
    } catch (err) {
      await rm(existsSync(dir) ? dir : partial, { recursive: true, force: true });
      throw new LabError((err as Error).message, 'invalid');
    }
    return { path: dir, label: `imported · ${id}`, env: p.meta.env, algo: p.meta.algo, steps: p.meta.steps, evalMean: p.meta.evalMean ?? null, source: 'file' };
  }

  private async freeImportName(base: string): Promise<string> {
    for (let k = 1; ; k++) {
      const name = k === 1 ? base : `${base}-${k}`;
      if (!existsSync(join(this.opts.importsDir, name))) return name;
    }
  }

  private checkPolicyPath(path: string): string {
    const abs = resolve(path);
    if (this.opts.allowAnyPolicyPath) return abs;
    const roots = [this.opts.store.root, this.opts.importsDir, this.opts.legacyImportsDir, this.opts.resourcesDir]
      .filter((r): r is string => !!r)
      .map((r) => resolve(r) + sep);
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
