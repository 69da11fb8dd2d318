/** Training episodes kept for replay: the schedule, what is written, that it is the episode the metrics report, and its GIF. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { isRecordedEpisode, type EpisodeRecord, type StartRunRequest } from '../../main/lab/domain/runs.ts';
import { expandFrames } from '../../main/lab/media/frames.ts';

test('the default schedule is RecordVideo’s: cubes below 1000, then every 1000th', () => {
  const picked = Array.from({ length: 5001 }, (_, k) => k).filter((k) => isRecordedEpisode(k));
  assert.deepEqual(picked, [0, 1, 8, 27, 64, 125, 216, 343, 512, 729, 1000, 2000, 3000, 4000, 5000]);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].filter((k) => isRecordedEpisode(k, 3)),
    [0, 3, 6],
  );
  assert.equal(isRecordedEpisode(0, 0), false);
});

test('a run keeps the scheduled episodes of its first env: the very episodes its metrics report, replayable and exportable as GIF', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-media-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
  const train = async (p: Partial<StartRunRequest>) => {
    const run = await service.startRun(
      service.buildConfigRequest({ env: 'CartPole-v1', algo: 'reinforce', seed: 1, evalEpisodes: 1, ...p } as StartRunRequest),
    );
    const s = await service.waitForRun(run.runId);
    assert.equal(s.status, 'finished', s.error);
    return service.getRun(run.runId);
  };
  try {
    // One env: the first env's episodes are all the episodes.
    const solo = await train({ maxEpisodes: 30 });
    assert.deepEqual(
      solo.recorded.map((r) => r.index),
      [0, 1, 8, 27],
    );
    const episodes = solo.metrics.filter((m): m is EpisodeRecord => m.kind === 'episode');
    for (const r of solo.recorded) {
      const m = episodes.find((e) => e.episode === r.episode)!;
      assert.equal(r.episode, r.index + 1);
      assert.deepEqual([r.step, r.return, r.length], [m.step, m.return, m.length]);
      const ep = await service.recordedEpisode(solo.summary.runId, r.index);
      const frames = expandFrames(ep);
      assert.equal(frames.length, r.length + 1, 'the reset state and one frame per step');
      // The last frame is the terminal state: the pole fell or the cart left the track (CartPole's termination).
      const last = frames.at(-1) as { x: number; theta: number };
      if (m.outcome === 'terminated') assert.ok(Math.abs(last.x) > 2.4 || Math.abs(last.theta) > (12 * 2 * Math.PI) / 360, JSON.stringify(last));
    }
    const gif = await service.exportRecordedGif({ runId: solo.summary.runId, index: 8, fps: 50, scale: 0.5 });
    const bytes = Buffer.from(gif.dataBase64, 'base64');
    assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(gif.frames, solo.recorded.find((r) => r.index === 8)!.length + 1);
    await assert.rejects(service.recordedEpisode(solo.summary.runId, 2), /no recorded episode 2/);

    // Eight envs (PPO), every 4th episode of the first: each recording is one of env 0's episodes.
    const vec = await train({ algo: 'ppo', steps: 4096, recordEvery: 4 });
    assert.ok(vec.recorded.length >= 2, `recorded ${vec.recorded.length}`);
    assert.deepEqual(
      vec.recorded.map((r) => r.index),
      vec.recorded.map((_, i) => i * 4),
    );
    const vecEpisodes = vec.metrics.filter((m): m is EpisodeRecord => m.kind === 'episode');
    for (const r of vec.recorded) {
      const m = vecEpisodes.find((e) => e.episode === r.episode)!;
      assert.deepEqual([r.step, r.return, r.length], [m.step, m.return, m.length]);
      assert.equal(expandFrames(await service.recordedEpisode(vec.summary.runId, r.index)).length, r.length + 1);
    }

    const none = await train({ maxEpisodes: 5, recordEvery: 0 });
    assert.deepEqual(none.recorded, []);
    assert.equal(existsSync(join(none.summary.runDir, 'media')), false);
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
