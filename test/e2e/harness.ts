/**
 * Helpers for the end-to-end test: the real `policy-lab serve` as a child process, Debian's
 * Chromium driven through playwright-core, a collector for console/page/CSP problems, the suite
 * hooks that set these up (labSuite), bounded polling with useful failure messages, and pixel
 * checks on the Pixi (WebGL) canvas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { WebSocket } from 'ws';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');
export const CHROMIUM = '/usr/bin/chromium';

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

// ---------- the server ----------

export interface Serve {
  /** The page's address with its access token; a restart changes it. */
  url: string;
  runsDir: string;
  /** Everything the server wrote so far (stdout and stderr), for failure messages. */
  log(): string;
  /** Stops the server and starts another on the same runs folder (a lab restarted on its runs). */
  restart(): Promise<void>;
  /** Stops the server and removes its runs folder. */
  stop(): Promise<void>;
}

/** One `serve` process: its address, its output, and stopping it (its runs folder stays). */
interface ServeProcess {
  url: string;
  log(): string;
  stop(): Promise<void>;
}

export function requireBuiltRenderer(): void {
  const index = join(ROOT, 'out', 'renderer', 'index.html');
  if (!existsSync(index)) throw new Error(`The renderer is not built (${index} is missing): run \`npm run build\` before the e2e test.`);
}

/**
 * `node --import tsx main/cli.ts serve --port 0 --runs-dir <fresh tmp> --json`; resolves on its "listening" line
 * (within `timeoutMs`, a restart's too).
 */
export async function startServe(timeoutMs = 30_000): Promise<Serve> {
  requireBuiltRenderer();
  const runsDir = mkdtempSync(join(tmpdir(), 'policy-lab-e2e-'));
  let proc = await spawnServe(runsDir, timeoutMs).catch((err: unknown) => {
    rmSync(runsDir, { recursive: true, force: true });
    throw err;
  });
  const serve: Serve = {
    url: proc.url,
    runsDir,
    log: () => proc.log(),
    async restart() {
      await proc.stop();
      proc = await spawnServe(runsDir, timeoutMs);
      serve.url = proc.url;
    },
    async stop() {
      await proc.stop();
      rmSync(runsDir, { recursive: true, force: true });
    },
  };
  return serve;
}

async function spawnServe(runsDir: string, timeoutMs: number): Promise<ServeProcess> {
  // Its own process group, so workers it forked can be cleaned up if it has to be killed.
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli.ts', 'serve', '--port', '0', '--runs-dir', runsDir, '--json'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let pending = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

  const cleanup = (): Promise<void> => stopChild(child, exited);

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not print its "listening" line within ${timeoutMs} ms`)), timeoutMs);
      child.stdout!.on('data', (d: Buffer) => {
        const text = d.toString();
        output += text;
        pending += text;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line.startsWith('{')) continue;
          try {
            const msg = JSON.parse(line) as { event?: string; url?: string };
            if (msg.event === 'listening' && typeof msg.url === 'string') {
              clearTimeout(timer);
              resolve(msg.url);
            }
          } catch {
            // not NDJSON: ignore
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`serve exited early (code ${code}, signal ${signal})`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { url, log: () => output, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw new Error(`${(err as Error).message}\n--- serve output ---\n${output}`, { cause: err });
  }
}

/** SIGTERM (the server closes its service and workers), then SIGKILL to the whole group after a grace period. */
async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 4000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), delay(graceMs).then(() => true)]);
    if (timedOut) killGroup(child.pid, 'SIGKILL');
    await Promise.race([exited, delay(2000)]);
  }
  // Anything it forked and left behind (a worker mid-save, say).
  killGroup(child.pid, 'SIGKILL');
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * One request to the lab over serve's WebSocket bridge (/ws), the way the page sends them: for setting
 * up state (queueing runs) without going through another tab's UI.
 */
export async function labInvoke<T = unknown>(serve: Serve, name: string, payload: unknown, timeoutMs = 30_000): Promise<T> {
  const url = new URL('/ws', serve.url);
  url.protocol = 'ws:';
  url.searchParams.set('token', new URL(serve.url).searchParams.get('token') ?? '');
  const socket = new WebSocket(url);
  try {
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the lab did not answer "${name}" within ${timeoutMs} ms`)), timeoutMs);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'invoke', id: 1, name, payload })));
      socket.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { type: string; id?: number; ok?: boolean; result?: T; error?: { message: string } };
        if (msg.type !== 'result' || msg.id !== 1) return;
        clearTimeout(timer);
        if (msg.ok) resolve(msg.result as T);
        else reject(new Error(`${name}: ${msg.error?.message ?? 'failed'}`));
      });
      socket.on('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } finally {
    socket.close();
  }
}

/**
 * Every e2e file's describe() budget. On Node 20 a suite's timeout bounds the sum of its tests and
 * hooks, which a slow, loaded CI machine stretches far past a fast one's (app.test.ts took 140 s);
 * each wait inside keeps its own bound, so this one only ends a hang.
 */
export const SUITE_TIMEOUT_MS = 900_000;

// ---------- the browser ----------

/** What an e2e file drives: the server, the browser, one page in a context of its own, the page's problems. */
export interface Lab {
  serve: Serve;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  problems: Problems;
}

/**
 * The setup every e2e file shares, as hooks of the suite it is called in: before, `policy-lab serve`
 * on a fresh runs folder, Chromium and one page in a context made with `context` (its problems
 * collected), handed to `ready`; after, the browser closes and the server stops. Call it before the
 * file's own `after`, which then runs once the lab is down.
 */
export function labSuite(context: BrowserContextOptions, ready: (lab: Lab) => void, opts: { serveTimeoutMs?: number } = {}): void {
  let serve: Serve | null = null;
  let browser: Browser | null = null;
  before(async () => {
    serve = await startServe(opts.serveTimeoutMs);
    browser = await launchBrowser();
    const ctx = await browser.newContext(context);
    const page = await ctx.newPage();
    ready({ serve, browser, context: ctx, page, problems: await preparePage(page) });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
  });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's Chromium (\`apt-get install chromium\`); .ci/run does this in CI.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Problems {
  /** Console errors, uncaught page errors and CSP violations: the test asserts there are none. */
  errors: string[];
  /** Console warnings: reported, not asserted. */
  warnings: string[];
}

/**
 * Must run before the first navigation (both are init scripts). Also defines `__name`: tsx
 * compiles this file with esbuild's keepNames, which wraps named inner functions of the callbacks
 * we hand to page.evaluate in `__name(fn, "fn")` calls, and those run in the page.
 */
export async function preparePage(page: Page): Promise<Problems> {
  const problems: Problems = { errors: [], warnings: [] };
  await page.addInitScript('globalThis.__name ??= (fn) => fn;');
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (m) => {
    const text = `console.${m.type()}: ${m.text()}`;
    if (m.type() === 'error' || /content security policy/i.test(m.text())) problems.errors.push(text);
    else if (m.type() === 'warning') problems.warnings.push(text);
  });
  page.on('pageerror', (e) => problems.errors.push(`pageerror: ${e.stack ?? e.message}`));
  return problems;
}

// ---------- waiting ----------

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Thrown from a waitUntil probe: stop waiting and fail now (other probe errors are retried). */
export class Abort extends Error {}

/**
 * Calls `probe` until it returns something other than false/null/undefined, or fails after
 * `timeout` ms (or at once when the probe throws Abort) with `what`, the page state from
 * `describe` and the path of a screenshot taken at that moment.
 */
export async function waitUntil<T>(
  page: Page,
  what: string,
  probe: () => Promise<T | false | null | undefined>,
  opts: { timeout?: number; interval?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const timeout = opts.timeout ?? 20_000;
  const started = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== false && v !== null && v !== undefined) return v;
      lastError = null;
    } catch (err) {
      lastError = err;
      if (err instanceof Abort) break;
    }
    if (Date.now() - started > timeout) break;
    await delay(opts.interval ?? 250);
  }
  const shot = artifact(`failure-${what.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
  await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
  const state = opts.describe ? await opts.describe().catch((e: Error) => `(could not describe: ${e.message})`) : '';
  const aborted = lastError instanceof Abort;
  throw new Error(
    (aborted ? `Gave up waiting for: ${what}` : `Timed out after ${timeout} ms waiting for: ${what}`) +
      (state ? `\n  state: ${state}` : '') +
      (lastError ? `\n  ${aborted ? 'because' : 'last error'}: ${(lastError as Error).message}` : '') +
      `\n  screenshot: ${shot}`,
  );
}

export async function attr(page: Page, selector: string, name: string): Promise<string | null> {
  return page.locator(selector).first().getAttribute(name, { timeout: 1000 });
}

export async function numAttr(page: Page, selector: string, name: string): Promise<number> {
  const v = await attr(page, selector, name);
  return v === null ? NaN : Number(v);
}

// ---------- canvas pixels ----------

export interface PixelStats {
  width: number;
  height: number;
  /** Distinct colours (quantised to 4 bits a channel): 1 means a flat, empty canvas. */
  colors: number;
  /** Pixels that differ from `other` by more than a small tolerance (0 when no `other`). */
  changed: number;
}

/**
 * Decodes PNG screenshots in the page itself (an <img> from a data: URL, which the CSP allows,
 * drawn on a scratch 2D canvas), so no PNG library is needed on the Node side.
 */
export async function pixelStats(page: Page, png: Buffer, other?: Buffer): Promise<PixelStats> {
  return page.evaluate(
    async ([a, b]) => {
      const decode = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const ctx = c.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height);
      };
      const x = await decode(a);
      const colors = new Set<number>();
      for (let i = 0; i < x.data.length; i += 4) colors.add(((x.data[i] >> 4) << 8) | ((x.data[i + 1] >> 4) << 4) | (x.data[i + 2] >> 4));
      let changed = 0;
      if (b) {
        const y = await decode(b);
        if (y.width !== x.width || y.height !== x.height) changed = x.width * x.height;
        else
          for (let i = 0; i < x.data.length; i += 4) {
            const d = Math.abs(x.data[i] - y.data[i]) + Math.abs(x.data[i + 1] - y.data[i + 1]) + Math.abs(x.data[i + 2] - y.data[i + 2]);
            if (d > 24) changed++;
          }
      }
      return { width: x.width, height: x.height, colors: colors.size, changed };
    },
    [png.toString('base64'), other?.toString('base64') ?? null] as const,
  );
}

/** The WebGL canvas inside an env-canvas stage, with the text overlay (episode label) masked out. */
export async function shootCanvas(stage: Locator, path?: string): Promise<Buffer> {
  return stage.locator('canvas').screenshot({ path, mask: [stage.locator('.overlay')], maskColor: '#ff00ff', animations: 'allow' });
}

/**
 * Screenshots the canvas, then again every ~`gapMs` until the picture changes (bounded): a live
 * scene holds its last frame briefly between episodes, so one fixed pair could land in that pause.
 */
export async function expectCanvasAnimates(
  page: Page,
  stage: Locator,
  opts: { gapMs?: number; timeout?: number; shot?: string; playButton?: Locator } = {},
): Promise<{ first: PixelStats; changed: number; attempts: number }> {
  const gap = opts.gapMs ?? 300;
  const a = await shootCanvas(stage, opts.shot);
  const first = await pixelStats(page, a);
  if (first.colors < 3)
    throw new Error(
      `the env canvas looks empty (${first.colors} distinct colour(s) in ${first.width}×${first.height}); screenshot: ${opts.shot ?? '(not saved)'}`,
    );
  let attempts = 0;
  const result = await waitUntil(
    page,
    'the env canvas to change between screenshots',
    async () => {
      attempts++;
      // A one-shot replay (Watch) may have ended before the first screenshot: play it again.
      if (opts.playButton && (await opts.playButton.getAttribute('aria-pressed')) === 'false') await opts.playButton.click();
      await delay(gap);
      const b = await shootCanvas(stage);
      if (b.equals(a)) return null;
      const s = await pixelStats(page, b, a);
      return s.changed > 0 ? s.changed : null;
    },
    {
      // Screenshots of a software-rendered WebGL canvas are slow on a loaded machine.
      timeout: opts.timeout ?? 20_000,
      interval: 0,
      describe: async () => `data-frame ${await stage.getAttribute('data-frame')} of ${await stage.getAttribute('data-frames')}`,
    },
  );
  return { first, changed: result, attempts };
}

// ---------- smoothness ----------

export interface FrameTiming {
  frames: number;
  fps: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

/** requestAnimationFrame intervals over `ms` in the page: a benchmark, reported not asserted. */
export async function measureFrames(page: Page, ms: number): Promise<FrameTiming> {
  return page.evaluate(
    (duration) =>
      new Promise<FrameTiming>((resolve) => {
        const dts: number[] = [];
        let last = -1;
        let start = -1;
        const tick = (now: number) => {
          if (start < 0) start = now;
          else dts.push(now - last);
          last = now;
          if (now - start < duration) requestAnimationFrame(tick);
          else {
            const sorted = [...dts].sort((x, y) => x - y);
            const mean = dts.reduce((s, d) => s + d, 0) / Math.max(1, dts.length);
            resolve({
              frames: dts.length,
              fps: mean > 0 ? 1000 / mean : 0,
              meanMs: mean,
              p95Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0,
              maxMs: sorted[sorted.length - 1] ?? 0,
            });
          }
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}
