/** A run's recorded training episodes (training/episode-recorder.ts writes them): the list, and one episode's frames. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordedEpisode } from '../domain/runs.ts';
import type { CompactFrames } from '../media/frames.ts';
import { MEDIA_DIR, MEDIA_INDEX } from '../training/episode-recorder.ts';

/** The recorded episodes, oldest first; a line torn by a crash is skipped. */
export async function listRecordedEpisodes(runDir: string): Promise<RecordedEpisode[]> {
  const path = join(runDir, MEDIA_DIR, MEDIA_INDEX);
  if (!existsSync(path)) return [];
  const out: RecordedEpisode[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as RecordedEpisode;
      if (Number.isSafeInteger(r.index) && typeof r.file === 'string' && /^episode-\d{6,}\.json$/.test(r.file)) out.push(r);
    } catch {
      /* torn last line */
    }
  }
  return out;
}

/** One recorded episode with its (compacted) frames, or null when the run has no such recording. */
export async function readRecordedEpisode(runDir: string, index: number): Promise<(RecordedEpisode & CompactFrames) | null> {
  const rec = (await listRecordedEpisodes(runDir)).find((r) => r.index === index);
  if (!rec) return null;
  const data = JSON.parse(await readFile(join(runDir, MEDIA_DIR, rec.file), 'utf8')) as CompactFrames;
  return { ...rec, ...(data.shared ? { shared: data.shared } : {}), frames: data.frames };
}
