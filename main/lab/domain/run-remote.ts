/**
 * (A module of its own, without zod: the renderer imports remoteNote, and importing a schema module
 * would build schemas before the renderer turns zod's eval off, a CSP violation.)
 *
 * A run left training on a queue worker by a lab that quit or died, seen by a lab without that queue:
 * its status stays as it was (the worker may still train it) and only a lab on that queue follows it.
 * Never written to status.json: each lab works it out when it starts.
 */
export interface RunRemote {
  /** The queue's address without its password (redis://host:port[/db]). */
  queue: string;
  followed: false;
  /** This lab is on that queue, but it did not answer (looked at again every few seconds). */
  unanswered?: true;
}

/** What the Runs list, the Train page and `policy-lab runs` say of such a run, and stop/pause answer. */
export function remoteNote(r: RunRemote): string {
  if (r.unanswered) return `on queue ${r.queue} · not followed yet: the queue does not answer — followed here as soon as it does`;
  return `on queue ${r.queue} · not followed here — choose that queue (Settings → Job queue, or start the lab with it) to follow it`;
}
