/**
 * The renderer's one way to talk to the lab. Inside Electron the preload exposes `window.lab`;
 * in browser mode (`policy-lab serve`) the same LabBridge is spoken as JSON over a WebSocket at
 * /ws on the serving host. Everything above this file only sees LabBridge plus a connection state.
 */
import { LabError } from '../../main/lab/domain/errors.ts';
import type { EventName, EventTypes, LabBridge, RequestName, RequestPayload, ResultTypes, WsClientMessage, WsServerMessage } from '../../preload/contract.ts';

export type ConnectionPhase = 'connecting' | 'open' | 'closed' | 'unavailable';

export interface ConnectionState {
  phase: ConnectionPhase;
  /** Where we are trying to connect (browser mode only). */
  url: string | null;
  /** Failed attempts since the last successful connection. */
  failures: number;
  /** When phase is 'closed': epoch ms of the next attempt. */
  retryAt: number | null;
  lastError: string | null;
}

export interface LabClient extends LabBridge {
  readonly mode: 'electron' | 'browser';
  readonly connection: ConnectionState;
  /** Called now with the current state, then on every change. Returns an unsubscribe function. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Skip the backoff wait and try to connect now (no-op in Electron). */
  retryNow(): void;
}

// Most requests answer in milliseconds; these do real work on the lab side.
const DEFAULT_TIMEOUT_MS = 20_000;
const TIMEOUT_MS: Partial<Record<RequestName, number>> = {
  startRun: 60_000,
  getRun: 60_000,
  importPolicy: 120_000,
  rollout: 180_000,
  // A rollout plus encoding up to 1000 frames.
  exportGif: 300_000,
};

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

type Listener = (payload: unknown) => void;

class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  on(event: string, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit(event: string, payload: unknown): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      // One broken listener must not starve the others of events.
      try {
        listener(payload);
      } catch (err) {
        console.error(`lab event listener for ${event} failed`, err);
      }
    }
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Serialized message, kept until the socket is open to send it. */
  unsent: string | null;
}

class WsLabClient implements LabClient {
  readonly mode = 'browser' as const;
  connection: ConnectionState;

  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events = new EventHub();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly url: string) {
    // Shown in the connection banner: without the access token.
    this.connection = { phase: 'connecting', url: url.replace(/\?token=.*$/, ''), failures: 0, retryAt: null, lastError: null };
    this.connect();
    // Coming back online or to the window is a good moment to skip a long backoff.
    window.addEventListener('online', () => this.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.retryNow();
    });
  }

  invoke<K extends RequestName>(name: K, payload: RequestPayload<K>): Promise<ResultTypes[K]> {
    if (this.connection.phase === 'closed') {
      return Promise.reject(new LabError(`Cannot reach the lab at ${this.url}.`, 'disconnected'));
    }
    const id = this.nextId++;
    const message: WsClientMessage = { type: 'invoke', id, name, payload };
    return new Promise<ResultTypes[K]>((resolve, reject) => {
      const timeoutMs = TIMEOUT_MS[name] ?? DEFAULT_TIMEOUT_MS;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LabError(`The lab did not answer "${name}" within ${Math.round(timeoutMs / 1000)} s.`, 'timeout'));
      }, timeoutMs);
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject, timer, unsent: JSON.stringify(message) };
      this.pending.set(id, entry);
      this.flush();
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void {
    return this.events.on(event, listener as Listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.connection);
    return () => this.stateListeners.delete(listener);
  }

  retryNow(): void {
    if (this.connection.phase !== 'closed') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private setState(patch: Partial<ConnectionState>): void {
    this.connection = { ...this.connection, ...patch };
    for (const l of [...this.stateListeners]) l(this.connection);
  }

  private connect(): void {
    this.setState({ phase: 'connecting', retryAt: null });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch (err) {
      this.scheduleRetry(err instanceof Error ? err.message : String(err));
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.setState({ phase: 'open', failures: 0, lastError: null });
      this.flush();
    });
    socket.addEventListener('message', (ev) => this.onMessage(ev.data));
    socket.addEventListener('close', (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      // Requests already on the wire will never be answered on a new connection.
      for (const [id, p] of this.pending) {
        if (p.unsent === null) {
          clearTimeout(p.timer);
          this.pending.delete(id);
          p.reject(new LabError('Lost the connection to the lab before it answered.', 'disconnected'));
        }
      }
      this.scheduleRetry(ev.reason || (ev.wasClean ? 'connection closed' : 'connection failed'));
    });
  }

  private scheduleRetry(reason: string): void {
    const failures = this.connection.failures + 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (failures - 1));
    // Jitter so several tabs do not hammer a restarting server in lockstep.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.setState({ phase: 'closed', failures, lastError: reason, retryAt: Date.now() + delay });
    // Queued requests would only wait out their timeout; fail them now so the UI can say why.
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new LabError(`Cannot reach the lab at ${this.url}.`, 'disconnected'));
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private flush(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    for (const p of this.pending.values()) {
      if (p.unsent !== null) {
        socket.send(p.unsent);
        p.unsent = null;
      }
    }
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: WsServerMessage;
    try {
      msg = JSON.parse(data) as WsServerMessage;
    } catch {
      console.warn('lab sent a message that is not JSON');
      return;
    }
    if (msg?.type === 'event') {
      this.events.emit(msg.event, msg.payload);
    } else if (msg?.type === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return; // already timed out
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new LabError(msg.error?.message || 'The lab reported an error.', msg.error?.code));
    }
  }
}

/** Wraps the preload bridge so errors read the same as in browser mode. */
class ElectronLabClient implements LabClient {
  readonly mode = 'electron' as const;
  readonly connection: ConnectionState = { phase: 'open', url: null, failures: 0, retryAt: null, lastError: null };

  constructor(private readonly bridge: LabBridge) {}

  async invoke<K extends RequestName>(name: K, payload: RequestPayload<K>): Promise<ResultTypes[K]> {
    try {
      return await this.bridge.invoke(name, payload);
    } catch (err) {
      const raw = err instanceof Error ? err.message : String(err);
      // ipcRenderer.invoke prefixes "Error invoking remote method 'x': Error: "; people need the rest.
      const message = raw.replace(/^Error invoking remote method '[^']*':\s*(\w*Error:\s*)?/, '');
      const code = (err as { code?: unknown })?.code;
      throw new LabError(message || 'The lab reported an error.', typeof code === 'string' ? (code as LabError['code']) : undefined);
    }
  }

  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void {
    return this.bridge.on(event, listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    listener(this.connection);
    return () => {};
  }

  retryNow(): void {}
}

/** A page opened from disk without the preload: nothing to talk to, say so instead of failing. */
class UnavailableLabClient implements LabClient {
  readonly mode = 'browser' as const;
  readonly connection: ConnectionState;
  constructor(why = 'No lab bridge: open this page through `policy-lab serve` or the desktop app.') {
    this.connection = { phase: 'unavailable', url: null, failures: 0, retryAt: null, lastError: why };
  }
  invoke<K extends RequestName>(): Promise<ResultTypes[K]> {
    return Promise.reject(new LabError(this.connection.lastError ?? 'No lab bridge.', 'disconnected'));
  }
  on(): () => void {
    return () => {};
  }
  onConnection(listener: (state: ConnectionState) => void): () => void {
    listener(this.connection);
    return () => {};
  }
  retryNow(): void {}
}

/**
 * The bridge's access token: from the address `policy-lab serve` printed (?token=…), kept for this
 * tab (reloads) and removed from the address bar so it is not bookmarked or shared by accident.
 */
export function labToken(loc: Location = window.location, store: Storage | null = window.sessionStorage): string | null {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    store?.setItem('policy-lab-token', fromUrl);
    params.delete('token');
    const rest = params.toString();
    window.history?.replaceState(null, '', `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash}`);
    return fromUrl;
  }
  return store?.getItem('policy-lab-token') ?? null;
}

export function labSocketUrl(loc: Location = window.location, token: string | null = null): string | null {
  if (loc.protocol !== 'http:' && loc.protocol !== 'https:') return null;
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function createLabClient(): LabClient {
  if (window.lab) return new ElectronLabClient(window.lab);
  const token = labToken();
  if (!token) {
    return new UnavailableLabClient(
      'This page needs the access token of the `policy-lab serve` that serves it: open the full address it printed (…/?token=…), or start `npm start` again.',
    );
  }
  const url = labSocketUrl(window.location, token);
  return url ? new WsLabClient(url) : new UnavailableLabClient();
}

let shared: LabClient | null = null;

/** The app-wide client, created on first use. */
export function getLabClient(): LabClient {
  return (shared ??= createLabClient());
}

/** For tests: substitute a fake bridge before the stores first ask for the client. */
export function setLabClient(client: LabClient | null): void {
  shared = client;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'Unexpected error.';
}
