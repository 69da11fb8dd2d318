/**
 * The pure, testable half of main/index.ts's hardening: the Content-Security-Policy, the webPreferences
 * every window must have, the app's own URL scheme, and the URL / IPC-sender trust checks. Nothing here imports 'electron' at run
 * time, so test/unit/electron-main.test.ts can exercise it without an Electron binary.
 */
import { isAbsolute, join } from 'node:path';
import type { WebPreferences } from 'electron';

// ---------- Content-Security-Policy ----------

/**
 * The renderer's policy. main/index.ts sends it as a header (written there as a literal, the way
 * Electron's docs show it, so Electronegativity can read and evaluate it; the unit test checks the two
 * are identical) for the dev server's pages, the policy-lab:// scheme puts it on every file it serves,
 * and renderer/index.html carries it as a meta tag as well. 'wasm-unsafe-eval' lets the tfjs WASM backend compile its module without allowing eval();
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

// ---------- where the built app lives, and the scheme it is shown from ----------

export interface AppPaths {
  preload: string;
  /** out/renderer: what the policy-lab:// scheme serves, and nothing else. */
  rendererDir: string;
  worker: string;
}

/** Paths of the built bundles, relative to the built main file (out/main/index.js). */
export function appPaths(mainDir: string): AppPaths {
  return {
    preload: join(mainDir, '..', 'preload', 'index.cjs'),
    rendererDir: join(mainDir, '..', 'renderer'),
    worker: join(mainDir, 'worker.js'),
  };
}

/**
 * The renderer is served from policy-lab://app/ rather than file://, so the page has an origin of its
 * own ('self' in the CSP means the app's files, not every file on the disk) and can reach only
 * out/renderer. Standard (relative URLs and an origin), secure (a secure context, like https), with
 * fetch (tfjs and Vite's module preloads use it); nothing else (no service workers, no CORS, no bypass
 * of the CSP).
 */
export const APP_SCHEME = 'policy-lab';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;
export const APP_SCHEME_PRIVILEGES = Object.freeze({ standard: true, secure: true, supportFetchAPI: true } as const);

// ---------- trust: which URLs are our renderer, which IPC senders we answer ----------

export interface RendererTrust {
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); null when packaged or not in dev. */
  devServerUrl: string | null;
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
 * `https://example.com.attacker.com` through): either our index.html on the app's own scheme (any
 * query or #route), or a page on the dev server's origin. file:// pages are never ours.
 */
export function isTrustedRendererUrl(url: string | null | undefined, trust: RendererTrust): boolean {
  if (typeof url !== 'string' || url === '') return false;
  const parsed = parseUrl(url);
  if (!parsed) return false;

  if (parsed.protocol === `${APP_SCHEME}:`) {
    return parsed.host === APP_HOST && parsed.username === '' && parsed.password === '' && (parsed.pathname === '/index.html' || parsed.pathname === '/');
  }

  if (trust.devServerUrl && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    const dev = parseUrl(trust.devServerUrl);
    return dev !== null && (dev.protocol === 'http:' || dev.protocol === 'https:') && parsed.origin === dev.origin;
  }
  return false;
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
export function isTrustedIpcSender(sender: IpcSenderInfo, mainWebContentsId: number | null, trust: RendererTrust): boolean {
  if (mainWebContentsId === null || sender.webContentsId !== mainWebContentsId) return false;
  if (!sender.isMainFrame) return false;
  return isTrustedRendererUrl(sender.frameUrl, trust);
}
