/**
 * The pure, testable half of main/index.ts's hardening: the Content-Security-Policy, the webPreferences
 * every window must have, and the URL / IPC-sender trust checks. Nothing here imports 'electron' at run
 * time, so test/unit/electron-main.test.ts can exercise it without an Electron binary.
 */
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WebPreferences } from 'electron';

// ---------- Content-Security-Policy ----------

/**
 * The renderer's policy. main/index.ts sends it as a header (written there as a literal, the way
 * Electron's docs show it, so Electronegativity can read and evaluate it; the unit test checks the two
 * are identical) and renderer/index.html carries it as a meta tag for file:// loads, which have no
 * headers. 'wasm-unsafe-eval' lets the tfjs WASM backend compile its module without allowing eval();
 * inline <style> is how Vite delivers component CSS in dev; blob: workers/images are what tfjs and the
 * GIF export produce.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'";

/** A policy as directive → sources (lower-cased names), for checks and tests. */
export function parseCsp(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

// ---------- webPreferences ----------

/**
 * What every window's webPreferences must say. main/index.ts writes its BrowserWindow options as a
 * literal (which is what Electronegativity reads) that `satisfies` HardenedWebPreferences, so the
 * compiler holds it to these values; the unit test also runs hardeningViolations() over that literal.
 */
export const REQUIRED_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
} as const);

export type HardenedWebPreferences = WebPreferences & typeof REQUIRED_WEB_PREFERENCES & { preload: string };

/** Names of the required preferences that `prefs` gets wrong (empty when hardened). */
export function hardeningViolations(prefs: WebPreferences | null | undefined): string[] {
  const actual = (prefs ?? {}) as Record<string, unknown>;
  const wrong = Object.entries(REQUIRED_WEB_PREFERENCES)
    .filter(([key, value]) => actual[key] !== value)
    .map(([key]) => key);
  // enableBlinkFeatures switches on features Chromium keeps off (checklist item 10).
  if (actual.enableBlinkFeatures) wrong.push('enableBlinkFeatures');
  // The bridge is the only way in; a relative preload path would resolve against the cwd.
  if (typeof actual.preload !== 'string' || !isAbsolute(actual.preload)) wrong.push('preload');
  return wrong;
}

// ---------- where the built app lives ----------

export interface AppPaths {
  preload: string;
  rendererIndex: string;
  worker: string;
}

/** Paths of the built bundles, relative to the built main file (out/main/index.js). */
export function appPaths(mainDir: string): AppPaths {
  return {
    preload: join(mainDir, '..', 'preload', 'index.cjs'),
    rendererIndex: join(mainDir, '..', 'renderer', 'index.html'),
    worker: join(mainDir, 'worker.js'),
  };
}

// ---------- trust: which URLs are our renderer, which IPC senders we answer ----------

export interface RendererTrust {
  /** Absolute path of out/renderer/index.html. */
  rendererIndex: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); null when packaged or not in dev. */
  devServerUrl: string | null;
  /** Windows file paths are case-insensitive, so file URLs are compared that way there. */
  caseInsensitivePaths?: boolean;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Is `url` our renderer page? Parsed with a real URL parser (the checklist warns that prefix tests let
 * `https://example.com.attacker.com` through): either exactly our index.html as a local file URL (any
 * query or #route), or a page on the dev server's origin.
 */
export function isTrustedRendererUrl(url: string | null | undefined, trust: RendererTrust): boolean {
  if (typeof url !== 'string' || url === '') return false;
  const parsed = parseUrl(url);
  if (!parsed) return false;

  if (parsed.protocol === 'file:') {
    const expected = pathToFileURL(trust.rendererIndex);
    // A host means a UNC path (file://server/share/...): never ours.
    if (parsed.host !== '' || parsed.username !== '' || parsed.password !== '') return false;
    const fold = (s: string): string => {
      const decoded = safeDecode(s);
      return trust.caseInsensitivePaths ? decoded.toLowerCase() : decoded;
    };
    return fold(parsed.pathname) === fold(expected.pathname);
  }

  if (trust.devServerUrl && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    const dev = parseUrl(trust.devServerUrl);
    return dev !== null && (dev.protocol === 'http:' || dev.protocol === 'https:') && parsed.origin === dev.origin;
  }
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // malformed escapes: compare as-is, which then simply fails to match
  }
}

/** What main/index.ts reads off an IpcMainInvokeEvent, as plain values. */
export interface IpcSenderInfo {
  /** event.sender.id */
  webContentsId: number;
  /** event.senderFrame?.url — null when the frame has navigated away or been destroyed. */
  frameUrl: string | null | undefined;
  /** event.senderFrame is the top frame of its page (no parent). */
  isMainFrame: boolean;
}

/**
 * Checklist item 17: answer only our main window's top frame while it shows our renderer. Anything
 * else (a subframe, another webContents, a page we navigated away to, a destroyed frame) is refused.
 */
export function isTrustedIpcSender(
  sender: IpcSenderInfo,
  mainWebContentsId: number | null,
  trust: RendererTrust,
): boolean {
  if (mainWebContentsId === null || sender.webContentsId !== mainWebContentsId) return false;
  if (!sender.isMainFrame) return false;
  return isTrustedRendererUrl(sender.frameUrl, trust);
}
