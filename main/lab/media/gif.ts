/**
 * Exports env frames as images: an animated GIF of an episode (encodeGif) and a PNG of one frame
 * (renderPng). Frames go RenderState → Scene (scene.ts) → pixels (rasterize.ts, @napi-rs/canvas)
 * → GIF (gifenc's LZW and container writer).
 *
 * Palette: the scenes are flat-coloured, so one global palette is built from the scenes' own colours
 * (exact, so bodies keep their true colour) plus blends between them for the anti-aliased edges,
 * instead of quantizing pixels: exact and much faster. Only scenes with more than 256 distinct
 * colours fall back to gifenc's quantizer over a few sample frames.
 *
 * Size and speed: after the first frame each frame stores only the rectangle that changed (disposal
 * "do not dispose", so the rest of the previous frame stays on screen). A LunarLander frame changes
 * around the lander only, so most of the work (palette mapping, LZW) shrinks to that box.
 */
// @ts-expect-error gifenc ships no type declarations; the part used here is typed by GifencApi below.
import * as gifencModule from 'gifenc';
import type { RenderState } from '../domain/envs.ts';
import { sceneFor, type RGB, type Scene } from './scene.ts';
import { drawPicture, rasterize, sceneCanvas, type Picture } from './rasterize.ts';

type Palette = number[][];

interface GifencEncoder {
  writeHeader(): void;
  writeFrame(
    index: Uint8Array,
    width: number,
    height: number,
    opts?: { palette?: Palette; first?: boolean; delay?: number; repeat?: number; dispose?: number; colorDepth?: number },
  ): void;
  finish(): void;
  bytes(): Uint8Array;
  readonly stream: { bytesView(): Uint8Array };
}

interface GifencApi {
  GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): GifencEncoder;
  quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number): Palette;
}

// Node loads gifenc's CommonJS build (everything under `default`); a bundler may pick its ES build.
const gifenc: GifencApi = (gifencModule as { GIFEncoder?: unknown }).GIFEncoder
  ? (gifencModule as GifencApi)
  : (gifencModule as { default: GifencApi }).default;

export interface GifOptions {
  /** Playback rate, frames per second of the input (default 50, the envs' rate). GIF delays are whole
   * 1/100 s, so 50 fps is 2 cs per frame; rates that do not divide 100 alternate delays to keep time. */
  fps?: number;
  /** Output size as a multiple of the 600×400 scene (default 1). */
  scale?: number;
  /** Called while encoding, and once at the end with done === total (total = frames written). */
  onProgress?: (done: number, total: number) => void;
  /** At most this many GIF frames: longer inputs are evenly subsampled and each kept frame is shown
   * longer, so the GIF still plays at real speed. */
  maxFrames?: number;
}

/** Browsers play delays under 2 cs at 10 cs, so faster inputs are subsampled down to 50 GIF frames/s. */
const MIN_DELAY_CS = 2;
/** Hand the event loop back this often so progress can be printed and IPC served. */
const YIELD_MS = 30;

/** One episode's frames as an animated GIF of its scenes. */
export async function encodeGif(frames: readonly RenderState[], opts: GifOptions = {}): Promise<Uint8Array> {
  return encodePictures(frames.length, (i) => alone(sceneFor(frames[i])), opts);
}

/** One agent's episode in a side-by-side GIF, and the caption over it (its policy's name). */
export interface GifSide {
  frames: readonly RenderState[];
  label: string;
}

/** Caption band over each scene of a side-by-side GIF, in scene units. */
export const CAPTION_HEIGHT = 28;
const CAPTION = { background: [246, 247, 249] as RGB, text: [40, 44, 52] as RGB, size: 14, maxChars: 72 };

/**
 * Two episodes in one GIF, `left` beside `right`, each under its caption: twice the width of a
 * single-agent GIF (plus the caption band in height), each scene drawn exactly as its own GIF draws
 * it. The shorter episode holds its last frame while the longer one plays on, as Watch shows them.
 */
export async function encodeSideBySideGif(left: GifSide, right: GifSide, opts: GifOptions = {}): Promise<Uint8Array> {
  if (left.frames.length === 0 || right.frames.length === 0) throw new Error('encodeGif: no frames');
  const count = Math.max(left.frames.length, right.frames.length);
  const labels = [left.label, right.label];
  const at = (side: GifSide, i: number): Scene => sceneFor(side.frames[Math.min(i, side.frames.length - 1)]);
  return encodePictures(count, (i) => sideBySidePicture([at(left, i), at(right, i)], labels), opts);
}

const alone = (scene: Scene): Picture => ({ width: scene.width, height: scene.height, parts: [{ scene, x: 0, y: 0 }] });

/** Scenes in a row, left to right, each under a caption band with its label. */
export function sideBySidePicture(scenes: readonly Scene[], labels: readonly string[]): Picture {
  const parts: { scene: Scene; x: number; y: number }[] = [];
  let x = 0;
  let height = 0;
  scenes.forEach((scene, k) => {
    parts.push({ scene: captionScene(labels[k] ?? '', scene.width), x, y: 0 }, { scene, x, y: CAPTION_HEIGHT });
    x += scene.width;
    height = Math.max(height, CAPTION_HEIGHT + scene.height);
  });
  return { width: x, height, parts };
}

function captionScene(label: string, width: number): Scene {
  const text = label.length > CAPTION.maxChars ? `${label.slice(0, CAPTION.maxChars - 1)}…` : label;
  return {
    width,
    height: CAPTION_HEIGHT,
    background: CAPTION.background,
    shapes: [{ kind: 'text', x: 10, y: CAPTION_HEIGHT / 2, text, color: CAPTION.text, size: CAPTION.size, align: 'left' }],
  };
}

/** Encodes `count` input frames, picture i drawn by `pictureAt(i)` (all of one size). */
async function encodePictures(count: number, pictureAt: (i: number) => Picture, opts: GifOptions): Promise<Uint8Array> {
  const fps = opts.fps ?? 50;
  const scale = opts.scale ?? 1;
  const maxFrames = opts.maxFrames ?? Infinity;
  if (count === 0) throw new Error('encodeGif: no frames');
  if (!(Number.isFinite(fps) && fps > 0)) throw new Error(`encodeGif: fps must be a positive number, got ${fps}`);
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 8)) throw new Error(`encodeGif: scale must be in (0, 8], got ${scale}`);
  if (!(maxFrames >= 1)) throw new Error(`encodeGif: maxFrames must be at least 1, got ${maxFrames}`);

  // Keep every stride-th frame; frame j is shown from round(j·stride·100/fps) cs on.
  const stride = Math.max(1, Math.ceil((fps * MIN_DELAY_CS) / 100), Math.ceil(count / maxFrames));
  const pictures: Picture[] = [];
  for (let i = 0; i < count; i += stride) pictures.push(pictureAt(i));
  const total = pictures.length;
  const csAt = (j: number): number => Math.round((j * stride * 100) / fps);

  const canvas = sceneCanvas(pictures[0], scale);
  const ctx = canvas.getContext('2d');
  const width = canvas.width;
  const height = canvas.height;
  const palette = scenePalette(pictures.flatMap((p) => p.parts.map((part) => part.scene))) ?? sampledPalette(pictures, scale);
  const toIndex = indexer(palette);

  const gif = gifenc.GIFEncoder({ auto: false, initialCapacity: 1 << 16 });
  gif.writeHeader();
  let prev: Uint32Array | null = null;
  let lastYield = performance.now();
  for (let j = 0; j < total; j++) {
    drawPicture(ctx, pictures[j], scale);
    const { data } = ctx.getImageData(0, 0, width, height);
    const px = new Uint32Array(data.buffer, data.byteOffset, width * height);
    const delay = (csAt(j + 1) - csAt(j)) * 10; // gifenc takes milliseconds and rounds to cs
    if (!prev) {
      gif.writeFrame(toIndex(px, width, 0, 0, width, height), width, height, { first: true, palette, delay, repeat: 0, dispose: 1 });
    } else {
      const box = changedBox(prev, px, width, height) ?? { x: 0, y: 0, w: 1, h: 1 };
      const at = gif.stream.bytesView().length;
      gif.writeFrame(toIndex(px, width, box.x, box.y, box.w, box.h), box.w, box.h, { delay, dispose: 1 });
      placeImage(gif.stream.bytesView(), at, box.x, box.y);
    }
    prev = px;
    if (performance.now() - lastYield >= YIELD_MS && j + 1 < total) {
      opts.onProgress?.(j + 1, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  gif.finish();
  opts.onProgress?.(total, total);
  return gif.bytes();
}

/** One frame as PNG bytes, at `scale` × 600×400. */
export async function renderPng(state: RenderState, opts: { scale?: number } = {}): Promise<Uint8Array> {
  const scale = opts.scale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 8)) throw new Error(`renderPng: scale must be in (0, 8], got ${scale}`);
  return rasterize(sceneFor(state), scale).encode('png');
}

/**
 * gifenc writes every image at (0, 0); a sub-rectangle frame needs its position in the image
 * descriptor, which follows the 8-byte graphic control extension written at `at`.
 */
function placeImage(bytes: Uint8Array, at: number, x: number, y: number): void {
  if (bytes[at] !== 0x21 || bytes[at + 1] !== 0xf9 || bytes[at + 8] !== 0x2c) throw new Error('encodeGif: unexpected gifenc frame layout');
  bytes[at + 9] = x & 255;
  bytes[at + 10] = x >> 8;
  bytes[at + 11] = y & 255;
  bytes[at + 12] = y >> 8;
}

/** The bounding box of the pixels that differ, or null when the frames are identical. */
function changedBox(a: Uint32Array, b: Uint32Array, width: number, height: number): { x: number; y: number; w: number; h: number } | null {
  let x0 = width;
  let x1 = -1;
  let y0 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (a[row + x] !== b[row + x]) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = width - 1;
    while (a[row + last] === b[row + last]) last--;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  return y0 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

const pack = ([r, g, b]: RGB | number[]): number => ((r & 255) | ((g & 255) << 8) | ((b & 255) << 16)) >>> 0;

/**
 * Maps RGBA pixels (read as little-endian uint32) to palette indices: exact colours by lookup,
 * anything else (anti-aliased edges, text) to the nearest palette colour, remembered per colour.
 */
function indexer(palette: Palette): (px: Uint32Array, stride: number, x: number, y: number, w: number, h: number) => Uint8Array {
  const cache = new Map<number, number>();
  palette.forEach((c, i) => {
    const key = pack(c);
    if (!cache.has(key)) cache.set(key, i);
  });
  const nearest = (key: number): number => {
    const r = key & 255;
    const g = (key >> 8) & 255;
    const b = (key >> 16) & 255;
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < palette.length; i++) {
      const dr = palette[i][0] - r;
      const dg = palette[i][1] - g;
      const db = palette[i][2] - b;
      const d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    cache.set(key, best);
    return best;
  };
  return (px, stride, x, y, w, h) => {
    const out = new Uint8Array(w * h);
    let lastKey = -1;
    let lastIdx = 0;
    for (let row = 0; row < h; row++) {
      const src = (y + row) * stride + x;
      const dst = row * w;
      for (let col = 0; col < w; col++) {
        const key = px[src + col] & 0xffffff;
        if (key !== lastKey) {
          lastKey = key;
          lastIdx = cache.get(key) ?? nearest(key);
        }
        out[dst + col] = lastIdx;
      }
    }
    return out;
  };
}

/**
 * The scenes' colours, most used first, then blends of colour pairs (halves first, then quarters,
 * eighths, …) for anti-aliased edges while the 256 entries last; null when the scenes alone exceed 256 colours.
 */
function scenePalette(scenes: readonly Scene[]): Palette | null {
  const weight = new Map<number, { c: RGB; w: number }>();
  const add = (c: RGB | undefined, w: number): void => {
    if (!c) return;
    const key = pack(c);
    const e = weight.get(key);
    if (e) e.w += w;
    else weight.set(key, { c, w });
  };
  for (const s of scenes) {
    add(s.background, 100);
    for (const sh of s.shapes) {
      if (sh.kind === 'line' || sh.kind === 'text') add(sh.color, 1);
      else {
        add(sh.fill, sh.kind === 'polygon' ? 4 : 1);
        add(sh.stroke, 1);
      }
    }
  }
  if (weight.size > 256) return null;
  const base = [...weight.values()].sort((a, b) => b.w - a.w);
  const palette: Palette = base.map((e) => [e.c[0], e.c[1], e.c[2]]);
  const seen = new Set(palette.map(pack));
  const pairs: [RGB, RGB, number][] = [];
  for (let i = 0; i < base.length; i++) for (let k = i + 1; k < base.length; k++) pairs.push([base[i].c, base[k].c, base[i].w * base[k].w]);
  pairs.sort((a, b) => b[2] - a[2]);
  // Halves, then quarters, eighths, … of every pair (most used pairs first) until the palette is full.
  for (let denom = 2; denom <= 64 && pairs.length > 0; denom *= 2) {
    for (const [a, b] of pairs) {
      for (let m = 1; m < denom; m += 2) {
        const t = m / denom;
        if (palette.length >= 256) return palette;
        const mix = [0, 1, 2].map((ch) => Math.round(a[ch] + (b[ch] - a[ch]) * t));
        const key = pack(mix);
        if (seen.has(key)) continue;
        seen.add(key);
        palette.push(mix);
      }
    }
  }
  return palette;
}

/** Fallback: gifenc's quantizer over up to 8 evenly spaced frames. */
function sampledPalette(pictures: readonly Picture[], scale: number): Palette {
  const n = Math.min(8, pictures.length);
  const parts: Uint8ClampedArray[] = [];
  for (let i = 0; i < n; i++) {
    const picture = pictures[Math.floor((i * pictures.length) / n)];
    const c = sceneCanvas(picture, scale);
    drawPicture(c.getContext('2d'), picture, scale);
    parts.push(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
  }
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return gifenc.quantize(all, 256);
}
