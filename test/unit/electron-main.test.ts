/**
 * What can be tested of the Electron main process without an Electron binary: the pure security
 * pieces (main/electron/security.ts), the literals main/index.ts actually passes to BrowserWindow and
 * to the CSP header (read from its syntax tree, as a scanner would), and the preload's imports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import {
  APP_INDEX_URL,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  REQUIRED_WEB_PREFERENCES,
  appPaths,
  hardeningViolations,
  isTrustedIpcSender,
  isTrustedRendererUrl,
  parseCsp,
  type RendererTrust,
} from '../../main/electron/security.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN_DIR = resolve('/opt/policy-lab/out/main');
const PATHS = appPaths(MAIN_DIR);
const RENDERER_URL = APP_INDEX_URL;
const APP_TRUST: RendererTrust = { devServerUrl: null };
const DEV_TRUST: RendererTrust = { devServerUrl: 'http://localhost:5173' };

// ---------- reading main/index.ts like a scanner ----------

function sourceOf(rel: string): ts.SourceFile {
  const file = join(ROOT, rel);
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function findAll<T extends ts.Node>(node: ts.Node, pred: (n: ts.Node) => n is T): T[] {
  const found: T[] = [];
  const visit = (n: ts.Node): void => {
    if (pred(n)) found.push(n);
    n.forEachChild(visit);
  };
  visit(node);
  return found;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isSatisfiesExpression(e) || ts.isAsExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  if (!p.name) return undefined;
  if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) return p.name.text;
  return undefined;
}

/** Literal values of an object literal; anything computed is kept as its source text in `{ expr }`. */
function literalObject(obj: ts.ObjectLiteralExpression): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of obj.properties) {
    const name = propName(p);
    if (!name || !ts.isPropertyAssignment(p)) continue;
    const v = unwrap(p.initializer);
    if (v.kind === ts.SyntaxKind.TrueKeyword) out[name] = true;
    else if (v.kind === ts.SyntaxKind.FalseKeyword) out[name] = false;
    else if (ts.isStringLiteralLike(v)) out[name] = v.text;
    else if (ts.isNumericLiteral(v)) out[name] = Number(v.text);
    else if (ts.isObjectLiteralExpression(v)) out[name] = literalObject(v);
    else out[name] = { expr: v.getText() };
  }
  return out;
}

function browserWindowOptions(): Record<string, unknown>[] {
  const news = findAll(sourceOf('main/index.ts'), ts.isNewExpression).filter((n) => n.expression.getText() === 'BrowserWindow');
  return news.map((n) => {
    const arg = n.arguments?.[0];
    assert.ok(arg && ts.isObjectLiteralExpression(unwrap(arg)), 'new BrowserWindow() must get an object literal');
    return literalObject(unwrap(arg) as ts.ObjectLiteralExpression);
  });
}

/** The string literals main/index.ts puts under a 'Content-Security-Policy' key. */
function cspHeaderLiterals(): string[] {
  const props = findAll(sourceOf('main/index.ts'), ts.isPropertyAssignment).filter((p) => propName(p)?.toLowerCase() === 'content-security-policy');
  return props.map((p) => {
    const v = unwrap(p.initializer);
    assert.ok(ts.isArrayLiteralExpression(v) && v.elements.length === 1, 'CSP header value must be a one-element array');
    const el = unwrap(v.elements[0] as ts.Expression);
    assert.ok(ts.isStringLiteralLike(el), 'CSP header must be a string literal (so scanners can evaluate it)');
    return el.text;
  });
}

// ---------- Content-Security-Policy ----------

test('CSP: no eval, scripts only from the app itself', () => {
  const csp = parseCsp(CONTENT_SECURITY_POLICY);
  assert.ok(!CONTENT_SECURITY_POLICY.includes("'unsafe-eval'"), 'unsafe-eval must never appear');
  assert.deepEqual(csp.get('default-src'), ["'self'"]);
  assert.deepEqual(csp.get('script-src'), ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(csp.get('connect-src'), ["'self'"]);
  // No plugins, and no <base> that could re-point the app's relative URLs.
  assert.deepEqual(csp.get('object-src'), ["'none'"]);
  assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  for (const [directive, sources] of csp) {
    for (const s of sources) {
      assert.ok(!/^(\*|https?:|wss?:|'unsafe-hashes')$/i.test(s) && !s.includes('*'), `${directive} allows ${s}`);
    }
  }
  assert.ok(!csp.get('script-src')?.some((s) => s === "'unsafe-inline'" || s === 'data:' || s === 'blob:'));
});

test('CSP: main/index.ts sends exactly CONTENT_SECURITY_POLICY as its header', () => {
  const literals = cspHeaderLiterals();
  assert.equal(literals.length, 1, 'one CSP header in main/index.ts');
  assert.equal(literals[0], CONTENT_SECURITY_POLICY);
});

test('CSP: renderer/index.html meta tag keeps the same script and default sources', (t) => {
  const html = join(ROOT, 'renderer', 'index.html');
  if (!existsSync(html)) return t.skip('renderer/index.html not there yet');
  const m = /<meta\s+http-equiv=["']Content-Security-Policy["']\s+content="([^"]+)"/i.exec(readFileSync(html, 'utf8'));
  assert.ok(m, 'renderer/index.html must carry a CSP meta tag (a second line of defence should a header be lost)');
  const meta = parseCsp(m[1]!);
  const ours = parseCsp(CONTENT_SECURITY_POLICY);
  assert.ok(!m[1]!.includes("'unsafe-eval'"));
  for (const d of ['default-src', 'script-src', 'style-src', 'img-src', 'worker-src']) {
    assert.deepEqual(meta.get(d), ours.get(d), `${d} differs between header and meta tag`);
  }
});

// ---------- webPreferences ----------

test('webPreferences: the required set passes, every weakening is reported', () => {
  const good = { ...REQUIRED_WEB_PREFERENCES, preload: PATHS.preload };
  assert.deepEqual(hardeningViolations(good), []);
  for (const key of Object.keys(REQUIRED_WEB_PREFERENCES) as (keyof typeof REQUIRED_WEB_PREFERENCES)[]) {
    const flipped = { ...good, [key]: !REQUIRED_WEB_PREFERENCES[key] };
    assert.deepEqual(hardeningViolations(flipped), [key], `flipping ${key} must be caught`);
    const { [key]: _omitted, ...missing } = good;
    assert.deepEqual(hardeningViolations(missing), [key], `omitting ${key} (relying on a default) must be caught`);
  }
  assert.deepEqual(hardeningViolations({ ...good, enableBlinkFeatures: 'CSSVariables' }), ['enableBlinkFeatures']);
  assert.deepEqual(hardeningViolations({ ...good, preload: 'preload/index.cjs' }), ['preload']);
  assert.ok(hardeningViolations(null).length > 0);
});

test('webPreferences: every BrowserWindow in main/index.ts is hardened', () => {
  const windows = browserWindowOptions();
  assert.ok(windows.length >= 1, 'main/index.ts creates a BrowserWindow');
  for (const opts of windows) {
    const prefs = opts.webPreferences as Record<string, unknown> | undefined;
    assert.ok(prefs, 'webPreferences must be written out, not left to defaults');
    assert.deepEqual(prefs.preload, { expr: 'paths.preload' }, 'preload comes from appPaths()');
    assert.deepEqual(hardeningViolations({ ...prefs, preload: PATHS.preload }), []);
    assert.equal(prefs.disableBlinkFeatures, 'Auxclick');
  }
});

test('appPaths: bundles resolve next to the built main file', () => {
  assert.equal(PATHS.preload, resolve('/opt/policy-lab/out/preload/index.cjs'));
  assert.equal(PATHS.rendererDir, resolve('/opt/policy-lab/out/renderer'));
  assert.equal(PATHS.worker, resolve('/opt/policy-lab/out/main/worker.js'));
});

// ---------- trusted URLs and IPC senders ----------

test('renderer URL: our index.html (with any route) is trusted', () => {
  assert.ok(isTrustedRendererUrl(RENDERER_URL, APP_TRUST));
  assert.ok(isTrustedRendererUrl(`${RENDERER_URL}#/runs/abc`, APP_TRUST));
  assert.ok(isTrustedRendererUrl(`${RENDERER_URL}?tab=compare`, APP_TRUST));
});

test('renderer URL: other pages of the scheme, other hosts, and file:// (even of our own index.html) are not', () => {
  for (const url of [
    'policy-lab://app/other.html',
    'policy-lab://app/assets/index.html',
    'policy-lab://app/index.html.evil.html',
    'policy-lab://evil/index.html',
    'policy-lab://app.evil/index.html',
    'policy-lab://user@app/index.html',
    'policy-lab:app/index.html',
    pathToFileURL(resolve('/opt/policy-lab/out/renderer/index.html')).href, // the app no longer loads files
    'file:///etc/passwd',
  ]) {
    assert.equal(isTrustedRendererUrl(url, APP_TRUST), false, url);
  }
});

test('renderer URL: web origins, odd schemes and garbage are not', () => {
  for (const url of [
    'https://example.com/',
    'http://localhost:5173/',
    'about:blank',
    'data:text/html,<script>alert(1)</script>',
    'devtools://devtools/bundled/inspector.html',
    'chrome://gpu',
    '',
    'not a url',
    null,
    undefined,
  ]) {
    assert.equal(isTrustedRendererUrl(url, APP_TRUST), false, String(url));
  }
});

test('renderer URL: dev server origin only, compared as origins not prefixes', () => {
  assert.ok(isTrustedRendererUrl('http://localhost:5173/', DEV_TRUST));
  assert.ok(isTrustedRendererUrl('http://localhost:5173/index.html#/runs', DEV_TRUST));
  assert.ok(isTrustedRendererUrl(RENDERER_URL, DEV_TRUST), 'the built page stays trusted in dev');
  for (const url of [
    'http://localhost:5174/',
    'https://localhost:5173/',
    'http://127.0.0.1:5173/',
    'http://localhost:5173.attacker.com/',
    'http://localhost:5173@attacker.com/',
    'http://attacker.com/http://localhost:5173/',
    'ws://localhost:5173/',
  ]) {
    assert.equal(isTrustedRendererUrl(url, DEV_TRUST), false, url);
  }
  // A dev URL that is not http(s) is never honoured.
  assert.equal(isTrustedRendererUrl('file:///x', { ...APP_TRUST, devServerUrl: 'file:///x' }), false);
});

test('app scheme: main/index.ts registers it privileged before ready, loads the page from it, and never a file', () => {
  const src = readFileSync(join(ROOT, 'main/index.ts'), 'utf8');
  assert.match(
    src,
    /^protocol\.registerSchemesAsPrivileged\(\[\{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES \}\]\);$/m,
    'top level, so before ready',
  );
  assert.match(src, /win\.loadURL\(APP_INDEX_URL\)/);
  assert.doesNotMatch(src, /loadFile\(|['"`]file:/);
  assert.deepEqual({ ...APP_SCHEME_PRIVILEGES }, { standard: true, secure: true, supportFetchAPI: true }, 'no CSP bypass, no service workers');
});

test("IPC sender: only the main window's top frame showing our page", () => {
  const ours = { webContentsId: 7, frameUrl: RENDERER_URL, isMainFrame: true };
  assert.equal(isTrustedIpcSender(ours, 7, APP_TRUST), true);
  assert.equal(isTrustedIpcSender(ours, 8, APP_TRUST), false, 'another webContents');
  assert.equal(isTrustedIpcSender(ours, null, APP_TRUST), false, 'no main window (closed)');
  assert.equal(isTrustedIpcSender({ ...ours, isMainFrame: false }, 7, APP_TRUST), false, 'a subframe');
  assert.equal(isTrustedIpcSender({ ...ours, frameUrl: null }, 7, APP_TRUST), false, 'destroyed/navigated frame');
  assert.equal(isTrustedIpcSender({ ...ours, frameUrl: 'https://evil.example/' }, 7, APP_TRUST), false, 'wrong origin');
  assert.equal(
    isTrustedIpcSender({ ...ours, frameUrl: pathToFileURL(resolve('/opt/policy-lab/out/renderer/index.html')).href }, 7, APP_TRUST),
    false,
    'a file:// page',
  );
  assert.equal(isTrustedIpcSender({ ...ours, frameUrl: 'http://localhost:5173/' }, 7, APP_TRUST), false, 'dev URL when not in dev');
  assert.equal(isTrustedIpcSender({ ...ours, frameUrl: 'http://localhost:5173/' }, 7, DEV_TRUST), true);
});

// ---------- preload: nothing but 'electron' at run time ----------

test('preload: runtime imports are only electron and the dependency-free channel names', () => {
  const runtimeImports = (rel: string): string[] =>
    sourceOf(rel)
      .statements.filter(ts.isImportDeclaration)
      .filter((d) => !d.importClause?.isTypeOnly)
      .filter((d) => {
        // `import { type A, type B } from 'x'` is erased too
        const named = d.importClause?.namedBindings;
        const allTypes = !d.importClause?.name && named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly);
        return !allTypes;
      })
      .map((d) => (d.moduleSpecifier as ts.StringLiteral).text);
  assert.deepEqual(runtimeImports('preload/index.ts').sort(), ['./channels.ts', 'electron']);
  assert.deepEqual(runtimeImports('preload/channels.ts'), []);
});

test('preload bundle: requires nothing but electron', (t) => {
  const bundle = join(ROOT, 'out', 'preload', 'index.cjs');
  if (!existsSync(bundle)) return t.skip('out/preload/index.cjs not built');
  const requires = [...readFileSync(bundle, 'utf8').matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(requires)], ['electron']);
  assert.ok(!/\bimport\s*\(/.test(readFileSync(bundle, 'utf8')), 'no dynamic import in a sandboxed preload');
});
