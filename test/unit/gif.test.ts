/**
 * GIF/PNG export (main/lab/media/gif.ts): short real CartPole and LunarLander episodes are encoded,
 * then read back with the small GIF decoder below (header, logical screen, graphic control
 * extensions, image descriptors, LZW) and composited frame by frame to check sizes, frame counts,
 * delays and that the pixels are the rasterized scene's (the body colours exactly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RenderState } from '../../main/lab/domain/envs.ts';
import { ensureEnvReady, makeEnv } from '../../main/lab/envs/registry.ts';
import { heuristicActor } from '../../main/lab/agents/baselines.ts';
import { encodeGif, renderPng } from '../../main/lab/media/gif.ts';
import { rasterize } from '../../main/lab/media/rasterize.ts';
import { sceneFor, type LunarLanderRenderState } from '../../main/lab/media/scene.ts';

// ---------- a minimal GIF89a reader ----------

interface GifFrame {
  x: number;
  y: number;
  w: number;
  h: number;
  delayCs: number;
  dispose: number;
  palette: number[][];
  indices: Uint8Array;
}

interface Gif {
  version: string;
  width: number;
  height: number;
  loop: number | null;
  frames: GifFrame[];
}

function readPalette(b: Uint8Array, at: number, sizeBits: number): number[][] {
  const n = 1 << (sizeBits + 1);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push([b[at + 3 * i], b[at + 3 * i + 1], b[at + 3 * i + 2]]);
  return out;
}

/** Concatenates data sub-blocks starting at `at`; returns the data and the offset after the terminator. */
function readBlocks(b: Uint8Array, at: number): { data: Uint8Array; end: number } {
  const parts: Uint8Array[] = [];
  let p = at;
  while (b[p] !== 0) {
    parts.push(b.subarray(p + 1, p + 1 + b[p]));
    p += 1 + b[p];
  }
  const data = new Uint8Array(parts.reduce((s, q) => s + q.length, 0));
  let o = 0;
  for (const q of parts) {
    data.set(q, o);
    o += q.length;
  }
  return { data, end: p + 1 };
}

function lzwDecode(minCodeSize: number, data: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
  }
  let size = minCodeSize + 1;
  let next = eoi + 1;
  let prev = -1;
  let bit = 0;
  let o = 0;
  const firstOf = (code: number): number => {
    while (prefix[code] >= 0) code = prefix[code];
    return suffix[code];
  };
  const emit = (code: number): void => {
    const len = length[code];
    for (let i = len - 1, c = code; i >= 0; i--, c = prefix[c]) if (o + i < count) out[o + i] = suffix[c];
    o += len;
  };
  while (bit + size <= data.length * 8) {
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << i;
    if (code === clear) {
      size = minCodeSize + 1;
      next = eoi + 1;
      prev = -1;
      continue;
    }
    if (code === eoi) break;
    if (prev < 0) {
      emit(code);
      prev = code;
      continue;
    }
    const known = code < next;
    assert.ok(known || code === next, `LZW code ${code} beyond the table (${next})`);
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = firstOf(known ? code : prev);
      length[next] = length[prev] + 1;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    emit(code);
    prev = code;
  }
  assert.equal(o, count, 'LZW pixel count');
  return out;
}

function decodeGif(b: Uint8Array): Gif {
  const version = String.fromCharCode(...b.subarray(0, 6));
  const u16 = (at: number): number => b[at] | (b[at + 1] << 8);
  const width = u16(6);
  const height = u16(8);
  const flags = b[10];
  let p = 13;
  let global: number[][] = [];
  if (flags & 0x80) {
    global = readPalette(b, p, flags & 7);
    p += 3 << ((flags & 7) + 1);
  }
  let loop: number | null = null;
  let delayCs = 0;
  let dispose = 0;
  const frames: GifFrame[] = [];
  for (;;) {
    const kind = b[p];
    if (kind === 0x3b) break;
    if (kind === 0x21) {
      const label = b[p + 1];
      if (label === 0xf9) {
        dispose = (b[p + 3] >> 2) & 7;
        delayCs = u16(p + 4);
      }
      if (label === 0xff && String.fromCharCode(...b.subarray(p + 3, p + 14)) === 'NETSCAPE2.0') loop = u16(p + 16);
      p = readBlocks(b, p + 2 + 1 + b[p + 2]).end;
      continue;
    }
    assert.equal(kind, 0x2c, `block type 0x${kind.toString(16)} at ${p}`);
    const [x, y, w, h] = [u16(p + 1), u16(p + 3), u16(p + 5), u16(p + 7)];
    const f = b[p + 9];
    p += 10;
    let palette = global;
    if (f & 0x80) {
      palette = readPalette(b, p, f & 7);
      p += 3 << ((f & 7) + 1);
    }
    assert.equal(f & 0x40, 0, 'not interlaced');
    const minCodeSize = b[p];
    const { data, end } = readBlocks(b, p + 1);
    p = end;
    frames.push({ x, y, w, h, delayCs, dispose, palette, indices: lzwDecode(minCodeSize, data, w * h) });
  }
  return { version, width, height, loop, frames };
}

/** RGB of the whole screen after drawing frames 0..k (disposal 0/1: frames paint over the previous). */
function composite(gif: Gif, k: number): Uint8Array {
  const rgb = new Uint8Array(gif.width * gif.height * 3);
  for (let i = 0; i <= k; i++) {
    const f = gif.frames[i];
    assert.ok(f.dispose <= 1, 'frames are kept, not disposed');
    for (let row = 0; row < f.h; row++) {
      for (let col = 0; col < f.w; col++) {
        const c = f.palette[f.indices[row * f.w + col]];
        const o = ((f.y + row) * gif.width + f.x + col) * 3;
        rgb[o] = c[0];
        rgb[o + 1] = c[1];
        rgb[o + 2] = c[2];
      }
    }
  }
  return rgb;
}

const pixel = (rgb: Uint8Array, width: number, x: number, y: number): number[] => {
  const o = (Math.round(y) * width + Math.round(x)) * 3;
  return [rgb[o], rgb[o + 1], rgb[o + 2]];
};

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
