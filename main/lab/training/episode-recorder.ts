/**
 * Training episodes kept for replay, as Gymnasium's RecordVideo keeps videos: the first env's episodes
 * the schedule picks (domain/runs.ts isRecordedEpisode) go to media/ as compacted frames, listed in
 * media/index.ndjson. Frames, not video: a replay draws them with the app's own scene, and a GIF is
 * made from them on request (media/gif.ts), so training never waits on an encoder.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRecordedEpisode, type EpisodeFramesEvent, type RecordedEpisode } from '../domain/runs.ts';
import { compactFrames } from '../media/frames.ts';

export const MEDIA_DIR = 'media';
export const MEDIA_INDEX = 'index.ndjson';

export class EpisodeRecorder {
  private index = 0;
  private readonly dir: string;
  private readonly every: number | undefined;

  /** `firstIndex`: episodes of the first env already recorded by the run this one continues (none: 0). */
  constructor(runDir: string, every: number | undefined, firstIndex = 0) {
    this.dir = join(runDir, MEDIA_DIR);
    this.every = every;
    this.index = firstIndex;
  }

  /**
   * One finished episode of the first env. Written synchronously, like the metrics: a write that fails
   * (a full disk) throws to the caller, which stops the run the same way.
   */
  offer(ep: Omit<EpisodeFramesEvent, 'runId' | 'shared'>): RecordedEpisode | null {
    const k = this.index++;
    if (!isRecordedEpisode(k, this.every)) return null;
    mkdirSync(this.dir, { recursive: true });
    const file = `episode-${String(k).padStart(6, '0')}.json`;
    const tmp = join(this.dir, `.${file}.tmp`);
    const rec: RecordedEpisode = { index: k, episode: ep.episode, step: ep.step, return: ep.return, length: ep.length, file };
    writeFileSync(tmp, JSON.stringify({ ...rec, ...compactFrames(ep.frames) }));
    renameSync(tmp, join(this.dir, file));
    // Listed only once the file is whole: a crash in between leaves an unlisted file, never a torn one.
    appendFileSync(join(this.dir, MEDIA_INDEX), JSON.stringify(rec) + '\n');
    return rec;
  }
}
