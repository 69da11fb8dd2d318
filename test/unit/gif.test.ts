/**
 * GIF/PNG export (main/lab/media/gif.ts): short real CartPole and LunarLander episodes are encoded,
 * then read back with the small GIF decoder in test/helpers/gif-reader.ts (header, logical screen, graphic control
 * extensions, image descriptors, LZW) and composited frame by frame to check sizes, frame counts,
 * delays and that the pixels are the rasterized scene's (the body colours exactly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RenderState } from '../../main/lab/domain/envs.ts';
import { ensureEnvReady, makeEnv } from '../../main/lab/envs/registry.ts';
import { heuristicActor } from '../../main/lab/agents/baselines.ts';
import { CAPTION_HEIGHT, encodeGif, encodeSideBySideGif, renderPng, sideBySidePicture } from '../../main/lab/media/gif.ts';
import { drawPicture, rasterize, sceneCanvas } from '../../main/lab/media/rasterize.ts';
import { sceneFor, type LunarLanderRenderState } from '../../main/lab/media/scene.ts';
import { composite, decodeGif, pixel, type Gif } from '../helpers/gif-reader.ts';

// ---------- episodes ----------

async function episode(env: 'CartPole-v1' | 'LunarLander-v3', options: Record<string, unknown>, seed: number, steps: number): Promise<RenderState[]> {
  await ensureEnvReady(env);
  const e = makeEnv(env, options);
  const actor = heuristicActor(env, options);
  let { obs } = e.reset({ seed });
  const frames = [e.renderState()];
  for (let t = 0; t < steps; t++) {
    const r = e.step(actor.act(obs));
    obs = r.obs;
    frames.push(e.renderState());
    if (r.terminated || r.truncated) break;
  }
  e.close();
  return frames;
}

/** The decoded frame k equals the rasterized scene: exact where the scene's own colours are, close on anti-aliased edges. */
function assertMatchesRaster(gif: Gif, frames: readonly RenderState[], k: number, scale = 1): void {
  const rgb = composite(gif, k);
  const c = rasterize(sceneFor(frames[k]), scale);
  const ref = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let exact = 0;
  let worst = 0;
  for (let i = 0, n = c.width * c.height; i < n; i++) {
    const d = Math.max(Math.abs(rgb[3 * i] - ref[4 * i]), Math.abs(rgb[3 * i + 1] - ref[4 * i + 1]), Math.abs(rgb[3 * i + 2] - ref[4 * i + 2]));
    if (d === 0) exact++;
    if (d > worst) worst = d;
  }
  const share = exact / (c.width * c.height);
  assert.ok(share > 0.98, `frame ${k}: ${(100 * share).toFixed(2)}% of pixels exact`);
  assert.ok(worst <= 48, `frame ${k}: worst channel error ${worst}`);
}

test('CartPole episode → GIF89a: 600×400, one frame per state, 2 cs at 50 fps, the cart black where it is', async () => {
  const frames = await episode('CartPole-v1', {}, 3, 30);
  assert.equal(frames.length, 31);
  const progress: [number, number][] = [];
  const bytes = await encodeGif(frames, { onProgress: (d, t) => progress.push([d, t]) });
  const gif = decodeGif(bytes);
  assert.equal(gif.version, 'GIF89a');
  assert.equal(gif.width, 600);
  assert.equal(gif.height, 400);
  assert.equal(gif.loop, 0, 'loops forever');
  assert.equal(gif.frames.length, frames.length);
  for (const f of gif.frames) assert.equal(f.delayCs, 2);
  assert.deepEqual(progress.at(-1), [frames.length, frames.length]);
  for (const k of [0, 15, frames.length - 1]) {
    const s = frames[k] as { x: number };
    // Cart centre: x·125 + 300, 100 px above the bottom; a little below the axle, inside the black cart.
    assert.deepEqual(pixel(composite(gif, k), 600, s.x * 125 + 300, 400 - 100 + 5), [0, 0, 0], `frame ${k}`);
    assertMatchesRaster(gif, frames, k);
  }
});

test('LunarLander episode → GIF: frames, delays, the lander body colour at the lander position', async () => {
  const frames = await episode('LunarLander-v3', { enable_wind: true }, 0, 30);
  assert.equal(frames.length, 31);
  const gif = decodeGif(await encodeGif(frames));
  assert.equal(gif.version, 'GIF89a');
  assert.deepEqual([gif.width, gif.height], [600, 400]);
  assert.equal(gif.frames.length, frames.length);
  assert.ok(gif.frames.every((f) => f.delayCs === 2));
  // After the first, frames store only the changed rectangle.
  assert.deepEqual([gif.frames[0].w, gif.frames[0].h], [600, 400]);
  assert.ok(
    gif.frames.slice(1).every((f) => f.w * f.h < (600 * 400) / 2),
    'later frames are sub-rectangles',
  );
  for (const k of [0, 12, 30]) {
    const s = frames[k] as unknown as LunarLanderRenderState & { landerPos: [number, number] };
    const [x, y] = [s.landerPos[0] * 30, 400 - s.landerPos[1] * 30];
    assert.deepEqual(pixel(composite(gif, k), 600, x, y), [128, 102, 230], `frame ${k}: lander at (${x.toFixed(1)}, ${y.toFixed(1)})`);
    assertMatchesRaster(gif, frames, k);
  }
});

test('GIF options: scale, fps → delays that keep real time, maxFrames subsamples', async () => {
  const frames = await episode('CartPole-v1', {}, 1, 29); // 30 states
  assert.equal(frames.length, 30);

  const half = decodeGif(await encodeGif(frames, { scale: 0.5 }));
  assert.deepEqual([half.width, half.height], [300, 200]);
  assert.equal(half.frames.length, 30);
  const s = frames[10] as { x: number };
  assert.deepEqual(pixel(composite(half, 10), 300, (s.x * 125 + 300) / 2, (400 - 95) / 2), [0, 0, 0]);

  // 30 fps: 3.33 cs per frame, as 3/3/4 so that 30 frames take exactly 1 s.
  const f30 = decodeGif(await encodeGif(frames, { fps: 30 }));
  assert.equal(f30.frames.length, 30);
  assert.deepEqual(new Set(f30.frames.map((f) => f.delayCs)), new Set([3, 4]));
  assert.equal(
    f30.frames.reduce((a, f) => a + f.delayCs, 0),
    100,
  );

  // At most 10 frames: every 3rd state, each shown 3 × 2 cs.
  const few = decodeGif(await encodeGif(frames, { maxFrames: 10 }));
  assert.equal(few.frames.length, 10);
  assert.ok(few.frames.every((f) => f.delayCs === 6));
  assertMatchesRaster(
    few,
    frames.filter((_, i) => i % 3 === 0),
    9,
  );

  // Faster than 50 fps: browsers would stretch 1 cs delays, so every 2nd state is kept at 2 cs.
  const fast = decodeGif(await encodeGif(frames, { fps: 100 }));
  assert.equal(fast.frames.length, 15);
  assert.ok(fast.frames.every((f) => f.delayCs === 2));

  await assert.rejects(encodeGif([]), /no frames/);
  await assert.rejects(encodeGif(frames, { fps: 0 }), /fps/);
  await assert.rejects(encodeGif(frames, { scale: -1 }), /scale/);
});

test('renderPng: a PNG of the frame at the requested scale', async () => {
  const [state] = await episode('LunarLander-v3', {}, 2, 0);
  const png = await renderPng(state);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.deepEqual([dv.getUint32(16), dv.getUint32(20)], [600, 400], 'IHDR size');
  const big = await renderPng(state, { scale: 2 });
  const dv2 = new DataView(big.buffer, big.byteOffset, big.byteLength);
  assert.deepEqual([dv2.getUint32(16), dv2.getUint32(20)], [1200, 800]);
});

test('side by side: each scene is drawn exactly as alone, clipped to its half, under its caption', async () => {
  const left = await episode('LunarLander-v3', {}, 4, 12);
  const right = await episode('CartPole-v1', {}, 2, 12);
  const [a, b] = [sceneFor(left[12]), sceneFor(right[12])];
  // A shape far outside the left scene must not reach the right one.
  const stray = { ...a, shapes: [...a.shapes, { kind: 'circle' as const, x: 700, y: 200, r: 60, fill: [255, 0, 0] as const }] };
  const picture = sideBySidePicture([stray, b], ['left agent', 'right agent']);
  assert.deepEqual([picture.width, picture.height], [1200, 400 + CAPTION_HEIGHT]);
  for (const scale of [1, 0.5]) {
    const canvas = sceneCanvas(picture, scale);
    drawPicture(canvas.getContext('2d'), picture, scale);
    const whole = canvas.getContext('2d');
    const y = CAPTION_HEIGHT * scale;
    const [w, h] = [600 * scale, 400 * scale];
    const alone = (scene: typeof a) => rasterize(scene, scale).getContext('2d').getImageData(0, 0, w, h).data;
    // The stray circle is clipped away, so the left half is the scene without it, pixel for pixel.
    assert.deepEqual(whole.getImageData(0, y, w, h).data, alone(a), `left half at scale ${scale}`);
    assert.deepEqual(whole.getImageData(w, y, w, h).data, alone(b), `right half at scale ${scale}`);
    const band = whole.getImageData(0, 0, 2 * w, y).data;
    // Text: pixels darker than the band's light background, in each half.
    for (const x0 of [0, w]) {
      let inked = 0;
      for (let row = 0; row < y; row++) for (let col = x0; col < x0 + w; col++) if (band[(row * 2 * w + col) * 4] < 200) inked++;
      assert.ok(inked > 10, `caption text over the half at x=${x0}, scale ${scale}: ${inked} pixels`);
    }
  }

  // The encoder holds the shorter episode's last frame and decodes to the picture's size.
  const gif = decodeGif(await encodeSideBySideGif({ frames: left, label: 'lander' }, { frames: right.slice(0, 5), label: 'cart' }));
  assert.deepEqual([gif.width, gif.height, gif.frames.length], [1200, 400 + CAPTION_HEIGHT, left.length]);
  await assert.rejects(encodeSideBySideGif({ frames: left, label: 'a' }, { frames: [], label: 'b' }), /no frames/);
});
