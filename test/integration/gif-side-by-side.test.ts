/**
 * Watch's side-by-side GIF: one exportGif request with `beside` plays both agents on the same seed
 * and returns one GIF, twice as wide, whose halves (under their captions) are the two agents' own
 * single GIFs frame by frame; the shorter episode holds its last frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { dispatch } from '../../main/dispatch.ts';
import type { GifExport } from '../../main/lab/domain/policies.ts';
import { CAPTION_HEIGHT } from '../../main/lab/media/gif.ts';
import { composite, decodeGif, type Gif } from '../helpers/gif-reader.ts';

const resourcesDir = fileURLToPath(new URL('../../resources', import.meta.url));

async function exportGif(service: LabService, payload: unknown): Promise<{ info: GifExport; gif: Gif }> {
  const reply = await dispatch(service, 'exportGif', payload);
  assert.ok(reply.ok, reply.ok ? '' : reply.error.message);
  const info = reply.result as GifExport;
  return { info, gif: decodeGif(Buffer.from(info.dataBase64, 'base64')) };
}

/** The w×h region at (x, y) of a composited RGB screen `width` wide. */
function region(rgb: Uint8Array, width: number, x: number, y: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let row = 0; row < h; row++) out.set(rgb.subarray(((y + row) * width + x) * 3, ((y + row) * width + x + w) * 3), row * w * 3);
  return out;
}

/**
 * The two GIFs' palettes differ (the pair's also holds the captions' colours), so a pixel of an
 * anti-aliased edge may map to a neighbouring blend; every scene colour is exact.
 */
function assertSameFrame(got: Uint8Array, want: Uint8Array, what: string): void {
  let exact = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i += 3) {
    const d = Math.max(Math.abs(got[i] - want[i]), Math.abs(got[i + 1] - want[i + 1]), Math.abs(got[i + 2] - want[i + 2]));
    if (d === 0) exact++;
    worst = Math.max(worst, d);
  }
  const share = exact / (want.length / 3);
  assert.ok(share > 0.995, `${what}: ${(100 * share).toFixed(2)}% of pixels equal`);
  assert.ok(worst <= 48, `${what}: worst channel difference ${worst}`);
}

test('a side-by-side GIF is the two agents’ own GIFs next to each other, each under its caption', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'policy-lab-gif-pair-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser', resourcesDir });
  try {
    const demo = (await service.listPolicies()).find((p) => p.source === 'demo' && p.env === 'CartPole-v1');
    assert.ok(demo, 'the bundled CartPole demo is listed');
    // The trained policy balances for all 60 steps; the random agent falls within about 20.
    const left = { env: 'CartPole-v1', policy: demo.path };
    const right = { env: 'CartPole-v1', agent: 'random' };
    const shared = { seed: 11, maxSteps: 60 };

    const pair = await exportGif(service, { ...left, ...shared, label: 'PPO demo', beside: { ...right, label: 'Random agent' } });
    const a = await exportGif(service, { ...left, ...shared });
    const b = await exportGif(service, { ...right, ...shared });

    assert.equal(pair.info.fileName, 'CartPole-v1-policy-vs-random-seed11.gif');
    assert.equal(pair.info.return, a.info.return);
    assert.deepEqual(pair.info.beside, { return: b.info.return, length: b.info.length });
    const [lenA, lenB] = [a.gif.frames.length, b.gif.frames.length];
    assert.equal(lenA, 61);
    assert.ok(lenB < lenA - 5, `the random agent's episode (${lenB} frames) is the shorter one`);

    assert.equal(pair.gif.width, 2 * a.gif.width, 'twice as wide');
    assert.equal(pair.gif.height, a.gif.height + CAPTION_HEIGHT, 'the scene plus the caption band');
    assert.equal(pair.gif.frames.length, lenA, 'as long as the longer episode');
    assert.equal(pair.info.frames, lenA);

    const [w, h] = [a.gif.width, a.gif.height];
    for (const k of [0, 7, lenB - 1, lenB + 4, lenA - 1]) {
      const screen = composite(pair.gif, k);
      assertSameFrame(region(screen, pair.gif.width, 0, CAPTION_HEIGHT, w, h), composite(a.gif, k), `left half, frame ${k}`);
      // The shorter episode holds its last frame.
      assertSameFrame(region(screen, pair.gif.width, w, CAPTION_HEIGHT, w, h), composite(b.gif, Math.min(k, lenB - 1)), `right half, frame ${k}`);
    }

    // Each caption band has its text in it: dark pixels on the light band, in both halves.
    const first = composite(pair.gif, 0);
    for (const x0 of [0, w]) {
      const band = region(first, pair.gif.width, x0, 0, w, CAPTION_HEIGHT);
      let dark = 0;
      for (let i = 0; i < band.length; i += 3) if (band[i] + band[i + 1] + band[i + 2] < 300) dark++;
      assert.ok(dark > 30, `caption over the half at x=${x0}: ${dark} dark pixels`);
    }
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});

test('a side-by-side GIF request names a second agent it can play', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'policy-lab-gif-pair-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'browser', resourcesDir });
  try {
    const blank = await dispatch(service, 'exportGif', {
      env: 'CartPole-v1',
      agent: 'random',
      beside: { env: 'CartPole-v1', agent: 'heuristic', label: '  ' },
    });
    assert.equal(blank.ok, false);
    const missing = await dispatch(service, 'exportGif', {
      env: 'CartPole-v1',
      agent: 'random',
      beside: { env: 'CartPole-v1', policy: join(runsDir, 'nope') },
    });
    assert.equal(missing.ok, false);
    assert.ok(!missing.ok && !missing.error.message.includes(runsDir), `no machine path in: ${!missing.ok && missing.error.message}`);
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
