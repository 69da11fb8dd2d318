/**
 * The built renderer as files: which file a request path names, with what type and headers. Both ways
 * of showing the renderer use this one rule (browser mode's HTTP server and the desktop app's
 * policy-lab:// scheme), so neither can be talked into serving anything outside out/renderer.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface RendererReply {
  status: number;
  headers: Record<string, string>;
  /** null for HEAD and for refusals without a body. */
  body: Buffer | string | null;
}

/**
 * The reply to `method pathname` (the URL's still-encoded path) from the renderer built into `root`.
 * Only GET/HEAD of regular files inside root; a path that decodes to somewhere else is refused (403),
 * a malformed one too (400). `csp` goes on every reply.
 */
export async function rendererReply(root: string, method: string, pathname: string, csp: string): Promise<RendererReply> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers, body: null };
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return { status: 400, headers, body: null };
  }
  if (rel.includes('\0')) return { status: 400, headers, body: null };
  if (rel.endsWith('/')) rel += 'index.html';
  const base = resolve(root);
  const file = normalize(join(base, rel));
  if (!file.startsWith(base + sep)) return { status: 403, headers, body: null };
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    headers['Content-Type'] = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    headers['Content-Length'] = String(body.length);
    return { status: 200, headers, body: method === 'HEAD' ? null : body };
  } catch {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    if (rel === '/index.html') return { status: 503, headers, body: 'Policy Lab: the renderer is not built. Run `npm run build`, then reload.\n' };
    return { status: 404, headers, body: 'not found' };
  }
}
