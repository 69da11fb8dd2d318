/**
 * A renderer-agnostic description of one env frame: plain shapes in Gymnasium's 600×400 viewport,
 * y pointing down. The live view (Pixi) and the GIF exporter both draw from this, so the two can
 * never disagree about what a frame looks like. No imports at run time: it must load anywhere.
 */
import type { RenderState } from '../../../preload/contract.ts';

/** 0–255 per channel. Tuples rather than CSS strings so a rasterizer needs no colour parser. */
export type RGB = readonly [number, number, number];

export interface Paint {
  fill?: RGB;
  stroke?: RGB;
  /** Pixels; defaults to 1 when `stroke` is set. */
  strokeWidth?: number;
}

export type Shape =
  | ({ kind: 'polygon'; points: readonly (readonly [number, number])[] } & Paint)
  | ({ kind: 'circle'; x: number; y: number; r: number } & Paint)
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; color: RGB; width: number }
  | { kind: 'text'; x: number; y: number; text: string; color: RGB; size: number; align: 'left' | 'center' | 'right' };

export interface Scene {
  width: number;
  height: number;
  background: RGB;
  shapes: Shape[];
}

export const SCENE_WIDTH = 600;
export const SCENE_HEIGHT = 400;

/** Packs an RGB tuple as 0xRRGGBB (what Pixi and most encoders take). */
export function rgbToNumber([r, g, b]: RGB): number {
  return ((r & 255) << 16) | ((g & 255) << 8) | (b & 255);
}

export function sceneFor(state: RenderState): Scene {
  switch (state.env) {
    case 'CartPole-v1':
      return cartPoleScene(state.x, state.theta);
    case 'LunarLander-v3':
      return placeholderScene('LunarLander-v3', 'Not yet: drawing this environment is still to come');
    default:
      return placeholderScene(String((state as { env?: unknown }).env), 'Not yet: unknown environment');
  }
}

// Gymnasium's CartPoleEnv constants (x_threshold = 2.4, length = 0.5 is half the pole).
const CARTPOLE = {
  xThreshold: 2.4,
  halfPoleLength: 0.5,
  poleWidth: 10,
  cartWidth: 50,
  cartHeight: 30,
  cartY: 100,
  black: [0, 0, 0] as RGB,
  pole: [202, 152, 101] as RGB,
  axle: [129, 132, 203] as RGB,
  white: [255, 255, 255] as RGB,
};

/**
 * Mirrors gymnasium/envs/classic_control/cartpole.py render(): geometry is built y-up exactly as
 * Gymnasium does, then flipped (Gymnasium flips the surface vertically before display).
 */
function cartPoleScene(x: number, theta: number): Scene {
  const c = CARTPOLE;
  const W = SCENE_WIDTH;
  const H = SCENE_HEIGHT;
  const scale = W / (2 * c.xThreshold);
  const poleLen = scale * (2 * c.halfPoleLength);
  const axleOffset = c.cartHeight / 4;
  const cartX = x * scale + W / 2;
  const cartY = c.cartY;
  const flip = (px: number, py: number): [number, number] => [px, H - py];

  const l = -c.cartWidth / 2;
  const r = c.cartWidth / 2;
  const t = c.cartHeight / 2;
  const b = -c.cartHeight / 2;
  const cart = ([[l, b], [l, t], [r, t], [r, b]] as const).map(([px, py]) => flip(px + cartX, py + cartY));

  // pygame's Vector2.rotate_rad(-theta), i.e. a clockwise tilt for positive theta.
  const pl = -c.poleWidth / 2;
  const pr = c.poleWidth / 2;
  const pt = poleLen - c.poleWidth / 2;
  const pb = -c.poleWidth / 2;
  const cos = Math.cos(-theta);
  const sin = Math.sin(-theta);
  const pole = ([[pl, pb], [pl, pt], [pr, pt], [pr, pb]] as const).map(([px, py]) =>
    flip(px * cos - py * sin + cartX, px * sin + py * cos + cartY + axleOffset),
  );

  const [ax, ay] = flip(cartX, cartY + axleOffset);
  const [, trackY] = flip(0, cartY);

  // Same draw order as Gymnasium: cart, pole, axle, then the track line on top.
  return {
    width: W,
    height: H,
    background: c.white,
    shapes: [
      { kind: 'polygon', points: cart, fill: c.black, stroke: c.black },
      { kind: 'polygon', points: pole, fill: c.pole, stroke: c.pole },
      { kind: 'circle', x: ax, y: ay, r: c.poleWidth / 2, fill: c.axle, stroke: c.axle },
      { kind: 'line', x1: 0, y1: trackY, x2: W, y2: trackY, color: c.black, width: 1 },
    ],
  };
}

function placeholderScene(title: string, detail: string): Scene {
  return {
    width: SCENE_WIDTH,
    height: SCENE_HEIGHT,
    background: [32, 34, 40],
    shapes: [
      { kind: 'text', x: SCENE_WIDTH / 2, y: SCENE_HEIGHT / 2 - 18, text: title, color: [230, 230, 235], size: 22, align: 'center' },
      { kind: 'text', x: SCENE_WIDTH / 2, y: SCENE_HEIGHT / 2 + 14, text: detail, color: [160, 164, 175], size: 16, align: 'center' },
    ],
  };
}
