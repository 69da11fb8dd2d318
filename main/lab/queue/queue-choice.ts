/**
 * Where new runs train, chosen while the lab runs: this machine's run processes, or a job queue
 * (QueueLauncher). The scheduler is given one RunLauncher, the switch below, which hands each launch
 * to the launcher chosen at that moment; a run already launched keeps its own process or job, so
 * changing the setting never moves a run. A queue launcher left behind is closed once its last run ends.
 *
 * The choice is kept in a settings.json (the app's, in its user-data folder; browser mode's, in the
 * runs folder) under `queue`, other keys left as they are, readable by its owner only (it may hold the
 * queue's password). An address set outside the app (POLICY_LAB_QUEUE, serve --queue) wins and cannot
 * be changed here. Replies show the address without its password; "***" sent back means the saved one.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { LabError } from '../domain/errors.ts';
import { MASKED_PASSWORD, parseQueueUrl, queueDisplay, type QueueAddress, type QueueProbe, type QueueSettings } from '../domain/queue.ts';
import type { RunLauncher, RunProcess } from '../runs/launcher.ts';
import { QueueLauncher, closeWithin } from './queue-launcher.ts';
import { probeQueue } from './queue-probe.ts';
import type { QueueRecord } from './queue-record.ts';
import type { RunRemote } from '../domain/run-remote.ts';

/** The queue's state is looked at no more often than this, however many pages ask. */
const STATUS_TTL_MS = 2000;
/** How long closing waits for a queue launcher: one whose Redis never answered does not finish closing. */
const CLOSE_WAIT_MS = 3000;

export interface QueueChoiceOptions {
  /** The settings.json that keeps the choice. */
  settingsFile: string;
  /** Where that is, in words for the UI (no machine path). */
  savedIn: string;
  /** An address set outside the app: it wins over the saved one, and Save is refused. */
  pinned?: { url: string; by: 'POLICY_LAB_QUEUE' | '--queue' } | null;
  /** Makes the launcher for a queue (tests shorten its timings). */
  connect?: (url: string) => QueueLauncher;
  /** Where a queue that cannot be reached at start is reported (the run waits in it meanwhile). */
  log?: (line: string) => void;
  /** How long Test and Save wait for an answer. */
  probeTimeoutMs?: number;
}

/** settings.json as far as the queue goes; other keys pass through untouched. */
const SettingsFile = z.object({ queue: z.string().max(2000).nullable().optional() }).passthrough();

/** The saved queue address in a settings.json: null when none is set (or there is no file), else checked. */
export function readQueueSetting(file: string): { url: string | null; problem: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { url: null, problem: null }; // no settings yet
  }
  let parsed: ReturnType<typeof SettingsFile.safeParse>;
  try {
    parsed = SettingsFile.safeParse(JSON.parse(text));
  } catch {
    return { url: null, problem: 'settings.json is not JSON' };
  }
  if (!parsed.success) return { url: null, problem: 'settings.json: queue must be a redis:// or rediss:// address' };
  const url = parsed.data.queue?.trim() || null;
  if (url === null) return { url: null, problem: null };
  try {
    parseQueueUrl(url);
  } catch (err) {
    return { url: null, problem: `settings.json queue: ${(err as Error).message}` };
  }
  return { url, problem: null };
}

/** The RunLauncher the scheduler holds: each launch goes to whichever launcher is chosen now. */
class LauncherSwitch implements RunLauncher {
  current: RunLauncher;
  /** Runs still on each queue launcher, so one set aside is closed when its last run ends. */
  private readonly live = new Map<QueueLauncher, number>();
  private readonly retired = new Set<QueueLauncher>();

  constructor(initial: RunLauncher) {
    this.current = initial;
  }

  get queue(): boolean {
    return !!this.current.queue;
  }

  launch(): RunProcess {
    const l = this.current;
    const proc = l.launch();
    if (l instanceof QueueLauncher) this.hold(l, proc);
    return proc;
  }

  followsQueue(): QueueAddress | null {
    return this.current instanceof QueueLauncher ? this.current.followsQueue() : null;
  }

  /** A run a lab before this one left on a queue (queue-record.ts): followed again by the queue chosen now, if any. */
  async reattach(runDir: string, record: QueueRecord): Promise<{ proc: RunProcess } | { lost: string } | { remote: RunRemote }> {
    const l = this.current;
    // (reattachQueueRun asks only a lab on the run's queue; should that change, such a run is left alone, not lost.)
    if (!(l instanceof QueueLauncher)) return { remote: { queue: queueDisplay(record.queue), followed: false } };
    const r = await l.reattach(runDir, record);
    if ('proc' in r) this.hold(l, r.proc);
    return r;
  }

  /** Counts a run on a queue launcher until it ends. */
  private hold(l: QueueLauncher, proc: RunProcess): void {
    this.live.set(l, (this.live.get(l) ?? 0) + 1);
    proc.onExit(() => {
      const n = (this.live.get(l) ?? 1) - 1;
      this.live.set(l, n);
      if (n === 0 && this.retired.has(l)) this.drop(l);
    });
  }

  /** New runs go to `next`; a queue launcher set aside closes now if idle, else after its last run. */
  use(next: RunLauncher): void {
    const prev = this.current;
    this.current = next;
    if (prev instanceof QueueLauncher && prev !== next) {
      if ((this.live.get(prev) ?? 0) === 0) this.drop(prev);
      else this.retired.add(prev);
    }
  }

  private drop(l: QueueLauncher): void {
    this.retired.delete(l);
    this.live.delete(l);
    void l.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = new Set<QueueLauncher>([...this.retired, ...this.live.keys()]);
    if (this.current instanceof QueueLauncher) all.add(this.current);
    await Promise.allSettled([...all].map((l) => closeWithin(l, CLOSE_WAIT_MS)));
  }
}

export class QueueChoice {
  private readonly opts: QueueChoiceOptions;
  private readonly local: RunLauncher;
  private readonly switch: LauncherSwitch;
  /** The address new runs go to (with its password), or null: this machine. */
  private url: string | null = null;
  private problem: string | null = null;
  private startup: Promise<void> = Promise.resolve();
  private status: { url: string; at: number; probe: Promise<QueueProbe> } | null = null;

  constructor(local: RunLauncher, opts: QueueChoiceOptions) {
    this.opts = opts;
    this.local = local;
    this.switch = new LauncherSwitch(local);
    let url: string | null;
    if (opts.pinned) {
      url = opts.pinned.url;
      try {
        parseQueueUrl(url);
      } catch (err) {
        this.problem = `${opts.pinned.by}: ${(err as Error).message}`;
        url = null;
      }
    } else {
      const saved = readQueueSetting(opts.settingsFile);
      url = saved.url;
      this.problem = saved.problem;
    }
    if (url !== null) {
      const q = this.connect(url);
      this.switch.use(q);
      this.url = url;
      // Not awaited: the lab starts either way, and runs wait in the queue until it answers.
      this.startup = q.ready();
      this.startup.catch((err: Error) => opts.log?.(`${err.message}; runs wait in the queue until it answers`));
    }
  }

  /** The launcher to give the scheduler. */
  get launcher(): RunLauncher {
    return this.switch;
  }

  /** Resolves once the queue chosen at start answers (at once without one); rejects with why it does not. */
  ready(): Promise<void> {
    return this.startup;
  }

  /** `cores`: how many runs train at once on this machine when no queue is set. */
  async settings(cores: number): Promise<QueueSettings> {
    return {
      queue: this.url === null ? null : parseQueueUrl(this.url).display,
      pinnedBy: this.opts.pinned?.by ?? null,
      savedIn: this.opts.savedIn,
      problem: this.problem,
      cores,
      status: this.url === null ? null : await this.lookAt(this.url),
    };
  }

  /** Test: what a look at the address finds (reachable, workers, or the specific reason it is not). */
  test(text: string): Promise<QueueProbe> {
    const url = this.unmask(text);
    if (url === null) throw new LabError('nothing to test: an empty address means runs train on this machine', 'invalid');
    return probeQueue(url, this.opts.probeTimeoutMs);
  }

  /**
   * Save: new runs go to the queue (after a look finds it answering) or, empty, to this machine;
   * kept in settings.json. Runs already started stay where they are.
   */
  async save(text: string, cores: number): Promise<QueueSettings> {
    if (this.opts.pinned)
      throw new LabError(
        `the queue is set by ${this.opts.pinned.by}, which wins over the app's setting: change or unset it there and restart the lab`,
        'invalid',
      );
    const url = this.unmask(text);
    if (url !== null) {
      const probe = await probeQueue(url, this.opts.probeTimeoutMs);
      if (!probe.reachable) throw new LabError(`not saved: ${probe.error ?? 'the queue does not answer'}`, 'failed');
      this.status = { url, at: Date.now(), probe: Promise.resolve(probe) };
    }
    let next: RunLauncher | null = null;
    if (url !== this.url) {
      next = this.local;
      if (url !== null) {
        const q = this.connect(url);
        try {
          await q.ready(this.opts.probeTimeoutMs);
        } catch (err) {
          await closeWithin(q, CLOSE_WAIT_MS).catch(() => undefined);
          throw err;
        }
        next = q;
      }
    }
    try {
      await this.persist(url);
    } catch (err) {
      if (next instanceof QueueLauncher) await closeWithin(next, CLOSE_WAIT_MS).catch(() => undefined);
      throw err;
    }
    if (next) {
      this.switch.use(next);
      this.url = url;
    }
    this.problem = null;
    return this.settings(cores);
  }

  close(): Promise<void> {
    return this.switch.close();
  }

  private connect(url: string): QueueLauncher {
    return this.opts.connect ? this.opts.connect(url) : new QueueLauncher(url);
  }

  /** The state of the chosen queue, looked at no more than once per STATUS_TTL_MS. */
  private lookAt(url: string): Promise<QueueProbe> {
    const s = this.status;
    if (s && s.url === url && Date.now() - s.at < STATUS_TTL_MS) return s.probe;
    const probe = probeQueue(url, this.opts.probeTimeoutMs);
    this.status = { url, at: Date.now(), probe };
    return probe;
  }

  /**
   * The address as typed, with "***" for a password replaced by the one known for that same address
   * (the saved or the pinned one): the UI never receives a password, so it sends the mask back.
   */
  private unmask(text: string): string | null {
    const typed = text.trim();
    if (typed === '') return null;
    const a = parseQueueUrl(typed);
    if (a.password !== MASKED_PASSWORD) return typed;
    for (const known of [this.url, this.opts.pinned?.url, readQueueSetting(this.opts.settingsFile).url]) {
      if (!known) continue;
      const k = parseQueueUrl(known);
      if (k.host === a.host && k.port === a.port && k.db === a.db && k.tls === a.tls && k.username === a.username) return known;
    }
    throw new LabError(`the password shows as ${MASKED_PASSWORD}, and none is saved for ${a.host}:${a.port}: type it in the address`, 'invalid');
  }

  /** Writes `queue` into settings.json (other keys kept), whole, readable by its owner only. */
  private async persist(url: string | null): Promise<void> {
    const file = this.opts.settingsFile;
    let current: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) current = parsed as Record<string, unknown>;
    } catch {
      // none yet, or unreadable: the queue's key is written into a fresh one
    }
    const next = { ...current };
    if (url === null) delete next.queue;
    else next.queue = url;
    try {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
      await rename(tmp, file);
    } catch (err) {
      throw new LabError(`could not save the setting (${(err as NodeJS.ErrnoException).code ?? 'write failed'})`, 'failed');
    }
  }
}

/** Browser mode keeps its settings.json in the runs folder (the app keeps its own in its user-data folder). */
export function runsFolderSettings(runsDir: string): Pick<QueueChoiceOptions, 'settingsFile' | 'savedIn'> {
  return { settingsFile: join(runsDir, 'settings.json'), savedIn: 'settings.json in the runs folder' };
}
