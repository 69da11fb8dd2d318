/**
 * Electron main process, kept thin: one hardened window, the security settings from Electron's security
 * checklist (numbers below refer to it), and LabService bound to two IPC channels. The lab itself lives
 * in main/lab/ (no Electron there); the pure security pieces in main/electron/security.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import { IPC_EVENT, IPC_INVOKE, type EventName } from '../preload/contract.ts';
import { dispatch, type DispatchReply } from './dispatch.ts';
import { LabService } from './lab/service.ts';
import { UtilityProcessLauncher } from './electron/utility-launcher.ts';
import { appQueueOptions } from './electron/queue-setting.ts';
import { leftTrainingNote } from './lab/queue/queue-record.ts';
import { rendererReply } from './renderer-files.ts';
import {
  APP_HOST,
  APP_INDEX_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  appPaths,
  isTrustedIpcSender,
  isTrustedRendererUrl,
  type HardenedWebPreferences,
  type RendererTrust,
} from './electron/security.ts';

// 4. Sandbox every renderer. Must run before 'ready'; a static top-level call in the entry module does.
app.enableSandbox();
// 18. The renderer comes from the app's own scheme, not file:// (registered before 'ready', as required).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

const paths = appPaths(dirname(fileURLToPath(import.meta.url))); // out/main → out/preload, out/renderer
// electron-vite dev sets ELECTRON_RENDERER_URL; a packaged app never trusts it (it is just an env var).
const devServerUrl = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null;
const trust: RendererTrust = { devServerUrl };

/** How long quitting waits for active runs to stop and save before leaving anyway. */
const QUIT_GRACE_MS = 10_000;

let mainWindow: BrowserWindow | null = null;
let service: LabService | null = null;
let quitState: 'running' | 'closing' | 'closed' = 'running';

if (!app.requestSingleInstanceLock()) {
  // Another Policy Lab is running (two would fight over the same runs folder); it gets focused instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('before-quit', (event) => {
    // Give running trainings a moment to stop cleanly (policy saved, metrics flushed), then really quit.
    if (quitState === 'closed' || !service) return;
    event.preventDefault();
    if (quitState === 'closing') return;
    quitState = 'closing';
    // Runs on a job queue keep training on its workers; the app follows them again when it next starts.
    void withTimeout(service.close({ leaveQueueRuns: true }), QUIT_GRACE_MS)
      .then((closed) => closed?.leftTraining && console.error(`policy-lab: ${leftTrainingNote(closed.leftTraining)}`))
      .catch((err: unknown) => console.error('policy-lab: error while stopping runs:', err))
      .finally(() => {
        quitState = 'closed';
        app.quit();
      });
  });

  app.whenReady().then(start).catch(fatal);
}

function start(): void {
  const ses = session.defaultSession;
  // 5. Nothing in the lab needs camera, notifications, geolocation, …: refuse every request and check.
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // 18. policy-lab://app/… serves out/renderer and nothing else (the same rule as browser mode's server),
  // with the CSP on every file.
  protocol.handle(APP_SCHEME, async (request) => {
    if (new URL(request.url).host !== APP_HOST) return new Response(null, { status: 404 });
    const reply = await rendererReply(paths.rendererDir, request.method, new URL(request.url).pathname, CONTENT_SECURITY_POLICY);
    const body = reply.body === null ? null : typeof reply.body === 'string' ? reply.body : new Uint8Array(reply.body);
    return new Response(body, { status: reply.status, headers: reply.headers });
  });
  // 7. CSP as a header for the dev server's pages (the app scheme sets its own). Kept literal (docs'
  // form) so scanners can evaluate it; test/unit/electron-main.test.ts checks it equals CONTENT_SECURITY_POLICY.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'",
        ],
      },
    });
  });

  // Runs train here, or on the workers of a job queue when the app's setting (Settings, settings.json) or POLICY_LAB_QUEUE names one.
  const queue = appQueueOptions(app.getPath('userData'));
  service = new LabService({
    runsDir: join(app.getPath('userData'), 'runs'),
    launcher: new UtilityProcessLauncher(paths.worker),
    queue: { ...queue, log: (line) => console.error(`policy-lab: ${line}`) },
    mode: 'electron',
    resourcesDir: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources'),
    // The runs library's "Reveal folder": only run folders reach here (LabService resolves the id).
    reveal: async (path) => shell.showItemInFolder(path),
  });
  void service.queueSettings().then((q) => q.problem && console.error(`policy-lab: ${q.problem}; runs train on this machine`));
  service.on((event, payload) => forwardEvent(event, payload));
  ipcMain.handle(IPC_INVOKE, handleInvoke);

  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()));
  createWindow();
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    show: false, // shown on ready-to-show, so there is no white flash
    title: 'Policy Lab',
    backgroundColor: '#14161b',
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true, // 3.
      sandbox: true, // 4.
      nodeIntegration: false, // 2.
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true, // 6.
      allowRunningInsecureContent: false, // 8.
      experimentalFeatures: false, // 9.
      webviewTag: false, // 12. no <webview> at all
      // (No enableRemoteModule: the remote module was removed from Electron in v14.)
      // Middle-click (auxclick) can open links as new windows; the lab has no use for it.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    } satisfies HardenedWebPreferences,
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });

  const loaded = devServerUrl ? win.loadURL(devServerUrl) : win.loadURL(APP_INDEX_URL);
  loaded.catch((err: unknown) => console.error('policy-lab: could not load the renderer:', err));
  return win;
}

/** 13, 14, 12: applied to every webContents the app ever creates, not only the main window's. */
function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    // Reloads of our own page are fine; anything else would put foreign content next to the bridge.
    if (!isTrustedRendererUrl(event.url, trust)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** 17. Every request: is it our main window's top frame showing our page? Then validate and dispatch. */
async function handleInvoke(event: IpcMainInvokeEvent, name: unknown, payload: unknown): Promise<DispatchReply> {
  let frameUrl: string | null = null;
  let trusted = false;
  try {
    const frame = event.senderFrame; // null once the frame navigated away or was destroyed
    frameUrl = frame?.url ?? null;
    trusted = isTrustedIpcSender(
      { webContentsId: event.sender.id, frameUrl, isMainFrame: frame != null && frame.parent === null },
      mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents.id : null,
      trust,
    );
  } catch {
    trusted = false; // a frame disposed mid-check throws on access: not a sender we can vouch for
  }
  if (!trusted || !service) {
    console.warn(`policy-lab: refused IPC from untrusted sender (${frameUrl ?? 'unknown frame'})`);
    return { ok: false, error: { message: 'request refused: untrusted sender', code: 'invalid' } };
  }
  return dispatch(service, name, payload);
}

function forwardEvent(event: EventName, payload: unknown): void {
  const win = mainWindow;
  if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
  // Lab data goes only to our own page (never to whatever a navigation might have put there).
  if (!isTrustedRendererUrl(win.webContents.getURL(), trust)) return;
  win.webContents.send(IPC_EVENT, { event, payload });
}

function menuTemplate(): MenuItemConstructorOptions[] {
  const isMac = process.platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    { role: 'forceReload' },
    // DevTools only from a source checkout; a packaged app has no reason to offer them.
    ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as const]),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' }, // copy/paste shortcuts in text fields need these on macOS
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function fatal(err: unknown): void {
  console.error('policy-lab: failed to start:', err);
  app.exit(1);
}
