/**
 * What the app says about where runs train: the capacity line ("2 runs train at once on this machine",
 * "queue host:port · 2 workers online") and a Test's result, from the lab's QueueSettings and QueueProbe.
 * The lab sends addresses without their passwords; these show only host and port.
 */
import type { QueueProbe, QueueSettings } from '../../../../main/lab/domain/queue.ts';

/** host:port (and /db) of a displayed address, without scheme or user. */
export function queueHost(display: string): string {
  return display.replace(/^rediss?:\/\/([^@/]*@)?/, '');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The workers part: "2 workers online", or why it is not known. */
export function workersText(p: QueueProbe): string {
  if (!p.reachable) return `not reachable: ${p.error ?? 'no answer'}`;
  if (p.workers === null) return 'reachable (the server does not list its workers)';
  return `${plural(p.workers, 'worker', 'workers')} online`;
}

/** The capacity line: this machine's cores, or the queue and its workers. `cores` is the lab's own count until settings arrive. */
export function capacityText(s: QueueSettings | null, cores: number | null): string {
  if (!s || s.queue === null) {
    const n = s?.cores ?? cores;
    return n === null ? 'Training slots unknown' : `${plural(n, 'run trains', 'runs train')} at once on this machine`;
  }
  const where = `queue ${queueHost(s.queue)}`;
  return s.status ? `${where} · ${workersText(s.status)}` : `${where} · checking…`;
}

/** A Test's result in one line: what it found, or the specific reason it could not use the address. */
export function probeText(p: QueueProbe): string {
  if (!p.reachable) return `${queueHost(p.display)}: ${p.error ?? 'no answer'}`;
  const parts = [`${queueHost(p.display)} answers`, workersText(p)];
  if (p.workerNames.length) parts[1] += ` (${p.workerNames.join(', ')})`;
  if (p.waiting !== null) parts.push(`${plural(p.waiting, 'run', 'runs')} waiting`);
  return parts.join(' · ');
}
