/**
 * A minimal GIF89a reader for tests: header, logical screen, graphic control extensions, image
 * descriptors and LZW, and the screen composited frame by frame (disposal 0/1).
 */
import assert from 'node:assert/strict';

export interface GifFrame {
  x: number;
  y: number;
  w: number;
  h: number;
  delayCs: number;
  dispose: number;
  palette: number[][];
  indices: Uint8Array;
}

export interface Gif {
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

export function decodeGif(b: Uint8Array): Gif {
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
export function composite(gif: Gif, k: number): Uint8Array {
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

export const pixel = (rgb: Uint8Array, width: number, x: number, y: number): number[] => {
  const o = (Math.round(y) * width + Math.round(x)) * 3;
  return [rgb[o], rgb[o + 1], rgb[o + 2]];
};
