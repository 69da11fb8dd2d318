/**
 * Browser mode: the same renderer the desktop app shows, served over HTTP on loopback, talking to the
 * same LabService over a WebSocket (/ws) instead of Electron IPC. Requests go through dispatch(), so
 * they are validated exactly as in the app.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { LabService } from './lab/service.ts';
import { dispatch } from './dispatch.ts';
import { ForkLauncher } from './lab/runs/fork-launcher.ts';
import { runsFolderSettings } from './lab/queue/queue-choice.ts';
import { projectRoot } from './lab/paths.ts';
import { rendererReply } from './renderer-files.ts';
import type { WsClientMessage, WsServerMessage } from '../preload/contract.ts';

export const BROWSER_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Requests one connection may have unanswered at once (the app's pages stay well below it; Compare over many runs sends one per run). */
export const MAX_IN_FLIGHT = 64;
/** Largest frame for any request but importPolicy (whose files have their own caps in the contract). */
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface ServeOptions {
  host: string;
  port: number;
  runsDir: string;
  resourcesDir?: string;
  rendererDir?: string;
  /** Tests can pass a service; otherwise one is created with a fork launcher. */
  service?: LabService;
  /** The bridge's access token (else POLICY_LAB_TOKEN, else a random one for this launch). */
  token?: string;
}

/** The access token, compared in constant time; a missing or differently long one simply fails. */
function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RunningServer {
  /** The page's address, with the access token (?token=…): what to open. */
  url: string;
  token: string;
  runsDir: string;
  service: LabService;
  /** Closes the server and the lab; runs on a job queue are left training (how many: leftTraining) for the next lab to follow. */
  close(): Promise<{ leftTraining: number }>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const rendererDir = resolve(opts.rendererDir ?? join(projectRoot(), 'out', 'renderer'));
  const service =
    opts.service ??
    new LabService({
      runsDir: opts.runsDir,
      launcher: new ForkLauncher(),
      mode: 'browser',
      resourcesDir: opts.resourcesDir,
      queue: runsFolderSettings(opts.runsDir),
    });
  if (!existsSync(join(rendererDir, 'index.html'))) {
    process.stderr.write(`policy-lab: the renderer is not built (${rendererDir}/index.html missing): run \`npm run build\` first\n`);
  }

  const http = createServer((req, res) => {
    serveStatic(rendererDir, req, res).catch(() => {
      res.writeHead(500).end('internal error');
    });
  });
  const allowedHosts = new Set<string>();
  const token = opts.token ?? (process.env.POLICY_LAB_TOKEN || randomBytes(24).toString('base64url'));
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    maxPayload: 80 * 1024 * 1024,
    // Every connection needs this launch's token (/ws?token=…): any local process or, with --host,
    // any machine could otherwise drive the lab. Only pages served by this server may connect:
    // blocks cross-site WebSocket hijacking from other origins open in the same browser.
    verifyClient: ({ origin, req }: { origin: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
      const host = req.headers.host ?? '';
      if (!tokenMatches(new URL(req.url ?? '/', 'http://x').searchParams.get('token'), token)) return done(false, 401, 'Unauthorized');
      done(allowedHosts.has(host) && (origin === `http://${host}` || origin === undefined || origin === ''), 403, 'Forbidden');
    },
  });

  const sockets = new Set<WebSocket>();
  const send = (ws: WebSocket, msg: WsServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const unsubscribe = service.on((event, payload) => {
    for (const ws of sockets) send(ws, { type: 'event', event, payload });
  });
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    let inFlight = 0;
    ws.on('message', async (data, isBinary) => {
      // Only a policy import may be large: anything else over MAX_FRAME_BYTES is refused before it is
      // parsed (the page sends {"type":"invoke","id":…,"name":…} in that order).
      const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
      if (!isBinary && bytes > MAX_FRAME_BYTES) {
        const head = /^\{"type":"invoke","id":(\d{1,15}),"name":"([A-Za-z]{1,40})"/.exec(String(data).slice(0, 100));
        if (!head || head[2] !== 'importPolicy') {
          send(ws, {
            type: 'result',
            id: head ? Number(head[1]) : -1,
            ok: false,
            error: {
              message: `request too large (${bytes.toLocaleString('en-US')} bytes; at most ${MAX_FRAME_BYTES.toLocaleString('en-US')} but for a policy import)`,
              code: 'invalid',
            },
          });
          return;
        }
      }
      let msg: WsClientMessage | null = null;
      try {
        msg = isBinary ? null : (JSON.parse(String(data)) as WsClientMessage);
      } catch {
        // answered below: a frame that is not our protocol gets an error, not silence
      }
      const id = typeof msg?.id === 'number' && Number.isSafeInteger(msg.id) ? msg.id : -1;
      if (msg?.type !== 'invoke' || id < 0 || typeof msg.name !== 'string') {
        send(ws, {
          type: 'result',
          id,
          ok: false,
          error: { message: 'not a bridge request: expected a JSON text frame {type: "invoke", id: <integer ≥ 0>, name, payload}', code: 'invalid' },
        });
        return;
      }
      // One page sends a handful at a time; a client flooding requests is told to wait, not queued.
      if (inFlight >= MAX_IN_FLIGHT) {
        send(ws, {
          type: 'result',
          id,
          ok: false,
          error: { message: `too many requests at once (at most ${MAX_IN_FLIGHT} per connection): wait for answers first`, code: 'failed' },
        });
        return;
      }
      inFlight++;
      try {
        const reply = await dispatch(service, msg.name, msg.payload);
        send(ws, reply.ok ? { type: 'result', id, ok: true, result: reply.result } : { type: 'result', id, ok: false, error: reply.error });
      } finally {
        inFlight--;
      }
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => resolveListen());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  allowedHosts.add(`${hostForUrl}:${port}`);
  if (opts.host === '127.0.0.1' || opts.host === '::1') allowedHosts.add(`localhost:${port}`);

  return {
    url: `http://${hostForUrl}:${port}/?token=${encodeURIComponent(token)}`,
    token,
    runsDir: service.store.root,
    service,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
      // Stopping the server is the lab closing, not the runs ending: queue workers go on training them.
      return service.close({ leaveQueueRuns: true });
    },
  };
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = await rendererReply(root, req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, BROWSER_CSP);
  res.writeHead(reply.status, reply.headers).end(reply.body ?? undefined);
}
