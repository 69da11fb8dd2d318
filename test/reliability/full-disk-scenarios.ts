/**
 * Run by full-disk.test.ts inside a private mount namespace whose argv[2] is a small tmpfs: a real
 * disk that really fills. Prints one JSON line of what it saw; the test asserts on it.
 */
import { existsSync } from 'node:fs';
import { open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import type { RunSummary } from '../../main/lab/domain/runs.ts';

const mount = process.argv[2];
const runsDir = join(mount, 'runs');
const filler = join(mount, 'filler');

/** Writes filler until the disk refuses, then frees `leaveBytes`. */
async function fill(leaveBytes: number): Promise<void> {
  const fh = await open(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (;;) {
      await fh.write(chunk, 0, chunk.length, size);
      size += chunk.length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  await fh.truncate(Math.max(0, size - leaveBytes));
  await fh.close();
}

const entries = async () => (existsSync(runsDir) ? await readdir(runsDir) : []);
const request = (lab: LabService, steps: number) =>
  lab.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 0, steps, evalEpisodes: 0, checkpointSeconds: 1 });
const out: Record<string, unknown> = {};

// 1. A completely full disk, then one with a single page free: no run starts, nothing is left behind.
for (const [name, leave] of [
  ['full', 0],
  ['onePage', 4096],
] as const) {
  await fill(leave);
  const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
  let error = '';
  await lab.startRun(request(lab, 1000)).catch((e: Error) => (error = e.message));
  out[name] = { error, entries: await entries(), runs: (await lab.listRuns()).length };
  await lab.close();
  await rm(filler, { force: true });
}

// 2. Room to start, not to finish: the run stops with the reason, the lab keeps answering, and a lab
//    opened once there is room again shows the run crashed with the progress it made.
await fill(256 * 1024);
const lab = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
// The lab's own word on the run (its status.json may not be writable any more).
let ended: RunSummary | null = null;
lab.on((event, payload) => {
  const s = payload as RunSummary;
  if (event === 'run:status' && !['queued', 'running', 'paused'].includes(s.status)) ended = s;
});
await lab.startRun(request(lab, 2_000_000));
const t0 = Date.now();
while (!ended && Date.now() - t0 < 180_000) await new Promise((r) => setTimeout(r, 200));
if (!ended) throw new Error('the run did not end within 180 s');
const final: RunSummary = ended;
const answering = (await lab.listRuns()).length === 1;
await lab.close();
await rm(filler, { force: true });
const text = await readFile(join(final.runDir, 'metrics.ndjson'), 'utf8');
const complete = text
  .slice(0, text.lastIndexOf('\n') + 1)
  .split('\n')
  .filter(Boolean);
let torn = 0;
for (const l of complete) {
  try {
    JSON.parse(l);
  } catch {
    torn++;
  }
}
const reopened = (await new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' }).listRuns())[0];
out.midRun = {
  status: final.status,
  error: final.error ?? '',
  steps: final.steps,
  answering,
  lines: complete.length,
  torn,
  reopened: { status: reopened.status, steps: reopened.steps, error: reopened.error ?? '' },
};
await writeFile(join(mount, 'done'), '');
process.stdout.write(JSON.stringify(out) + '\n');
