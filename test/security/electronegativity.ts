/**
 * `npm run test:security`: Doyensec's Electronegativity over the app's code (main/, preload/,
 * renderer/ and, when built, out/), with the installed Electron version. Every finding is printed and
 * fails the run; so does a scanner that crashes, writes no report, or cannot parse one of our files.
 *
 * A few checks are "manual review" items that fire on correct code by design (every preload script;
 * any CSP with script-src 'self'). Those we have reviewed are listed in REVIEWED below, narrowly (check,
 * exact message, files) and with the reason; they are printed on every run, never dropped silently,
 * and any other finding, or the same check firing anywhere else, still fails.
 *
 * The sources are copied into one temporary folder and scanned together, because the scanner's global
 * checks (CSP, navigation limits, permission handler) need main and renderer in the same scan, and
 * because pointing it at the repository root would also scan test/ and node_modules' neighbours.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['main', 'preload', 'renderer', 'out'];
const SCAN_TIMEOUT_MS = 5 * 60_000;
const require = createRequire(import.meta.url);

interface Reviewed {
  id: string;
  /** The scanner's exact message, so a different verdict of the same check is not covered. */
  description: string;
  /** Repo-relative files where this finding was reviewed. */
  files: string[];
  reason: string;
}

const REVIEWED: Reviewed[] = [
  {
    id: 'PRELOAD_JS_CHECK',
    description: 'Review the use of preload scripts',
    files: ['main/index.ts', 'out/main/index.js'],
    reason:
      'The one preload (preload/index.ts → out/preload/index.cjs) requires only electron and exposes two functions, ' +
      'invoke/on, over two fixed channels; ipcRenderer and IPC events never reach the page. Re-review on any change.',
  },
  {
    id: 'CSP_GLOBAL_CHECK',
    description: 'One or more CSP directives detected seems to be vulnerable',
    files: ['main/index.ts', 'out/main/index.js', 'renderer/index.html', 'out/renderer/index.html'],
    reason:
      "csp-evaluator marks script-src 'self' as possibly problematic (JSONP, user-uploaded scripts on the same origin) " +
      "and asks for object-src 'none'. 'self' is what Electron's checklist recommends, and the origin is the app's own " +
      'files. A weak (not just possibly weak) policy is a different message and still fails.',
  },
];

interface SarifResult {
  ruleId: string;
  level?: string;
  message?: { text?: string };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number; startColumn?: number } } }[];
}

interface Finding {
  id: string;
  file: string;
  line: number;
  column: number;
  description: string;
  review: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function electronVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error('node_modules/electron/package.json has no version');
  return pkg.version;
}

/** Copies the scanned folders into `stage` under their own names (so report paths read as repo paths). */
async function stageSources(stage: string): Promise<string[]> {
  const staged: string[] = [];
  for (const dir of SCANNED) {
    const from = join(ROOT, dir);
    if (!(await exists(from))) continue;
    await cp(from, join(stage, dir), {
      recursive: true,
      filter: (src) => !src.split(sep).includes('node_modules'),
    });
    staged.push(dir);
  }
  return staged;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/**
 * With a report file requested, the CLI keeps per-file parse errors to itself (they are only printed in
 * table mode), so a file it could not read would pass silently. Parse every file it would scan with
 * the scanner's own Parser first: a file it cannot parse is a file it did not check.
 */
async function unparsableFiles(stage: string): Promise<string[]> {
  const { Parser } = require('@doyensec/electronegativity/dist/parser/index.js') as {
    Parser: new (babelFirst: boolean, typescriptBabelFirst: boolean) => { parse(file: string, content: Buffer): unknown };
  };
  const parser = new Parser(false, true); // the settings runner.js uses
  const failures: string[] = [];
  for (const file of await listFiles(stage)) {
    if (!['.js', '.jsx', '.ts', '.tsx', '.html', '.htm'].includes(extname(file).toLowerCase())) continue;
    try {
      parser.parse(file, await readFile(file));
    } catch (err) {
      failures.push(`${relative(stage, file)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failures;
}

function runScanner(args: string[]): Promise<{ code: number | null; signal: string | null; output: string }> {
  const cli = join(dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
  return new Promise((resolve, reject) => {
    // LANG picks the scanner's message locale; a POSIX value like C.UTF-8 is not one it ships.
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, LANG: 'en-US' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: SCAN_TIMEOUT_MS,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

function parseSarif(text: string): Finding[] {
  const sarif = JSON.parse(text) as { runs?: { results?: SarifResult[] }[] };
  const results = sarif.runs?.[0]?.results;
  if (!Array.isArray(results)) throw new Error('report has no runs[0].results array');
  return results.map((r) => {
    const loc = r.locations?.[0]?.physicalLocation;
    const uri = loc?.artifactLocation?.uri ?? 'N/A';
    return {
      id: r.ruleId,
      // Global checks have no file; the scanner writes them as "file:///".
      file: uri === 'file:///' ? '(whole app)' : uri.split(/[\\/]/).join('/'),
      line: loc?.region?.startLine ?? 0,
      column: loc?.region?.startColumn ?? 0,
      description: r.message?.text ?? '',
      review: r.level === 'note', // the scanner marks "manual review" findings as SARIF notes
    };
  });
}

/** The REVIEWED entry covering a finding: only manual-review findings, exact check, message and file. */
function reviewFor(f: Finding): Reviewed | undefined {
  if (!f.review) return undefined;
  return REVIEWED.find((r) => r.id === f.id && r.description === f.description && r.files.includes(f.file));
}

async function main(): Promise<number> {
  const version = await electronVersion();
  const stage = await mkdtemp(join(tmpdir(), 'policy-lab-eng-'));
  try {
    const staged = await stageSources(stage);
    if (!staged.includes('main') || !staged.includes('preload')) {
      console.error('electronegativity: main/ and preload/ are required');
      return 1;
    }
    if (!staged.includes('out')) console.warn('electronegativity: out/ not built; scanning sources only (run `npm run build` to include the bundles)');

    const unparsable = await unparsableFiles(stage);
    if (unparsable.length > 0) {
      console.error('electronegativity: the scanner cannot parse these files, so it would not check them:');
      for (const u of unparsable) console.error(`  ${u}`);
      return 1;
    }

    const report = join(stage, 'electronegativity.sarif');
    const scan = await runScanner(['-i', stage, '-e', version, '-o', report, '-r']);
    if (scan.code !== 0 || scan.signal) {
      console.error(`electronegativity: the scanner failed (exit ${scan.code ?? scan.signal}):\n${scan.output}`);
      return 1;
    }
    let findings: Finding[];
    try {
      findings = parseSarif(await readFile(report, 'utf8'));
    } catch (err) {
      console.error(`electronegativity: no usable report (${err instanceof Error ? err.message : String(err)}); scanner output:\n${scan.output}`);
      return 1;
    }

    console.log(`electronegativity: scanned ${staged.join('/, ')}/ for Electron ${version}`);
    const reviewed = findings.map((f) => [f, reviewFor(f)] as const).filter(([, r]) => r !== undefined);
    const open = findings.filter((f) => reviewFor(f) === undefined);
    for (const [f, r] of reviewed) {
      console.log(`reviewed: ${f.id}  ${f.file}:${f.line}:${f.column}\n    ${f.description}\n    why it stands: ${r?.reason}`);
    }
    for (const f of open) {
      console.log(`${f.id}${f.review ? ' (manual review)' : ''}  ${f.file}:${f.line}:${f.column}\n    ${f.description}`);
    }
    console.log(
      `electronegativity: ${open.length} finding${open.length === 1 ? '' : 's'}` + (reviewed.length ? ` (+${reviewed.length} reviewed, listed above)` : ''),
    );
    return open.length === 0 ? 0 : 1;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('electronegativity: crashed:', err);
    process.exitCode = 1;
  },
);
