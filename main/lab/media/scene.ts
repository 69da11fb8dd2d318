/**
 * A renderer-agnostic description of one env frame: plain shapes in Gymnasium's 600×400 viewport,
 * y pointing down. The live view (Pixi) and the GIF exporter both draw from this, so the two can
 * never disagree about what a frame looks like. No imports at run time: it must load anywhere.
 */
import type { EnvId, RenderState } from '../domain/envs.ts';

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

/** Each env's scene builder, given that env's render state. */
const SCENES: { readonly [K in EnvId]: (state: Extract<RenderState, { env: K }>) => Scene } = {
  'CartPole-v1': (state) => cartPoleScene(state.x, state.theta),
  'LunarLander-v3': (state) => lunarLanderScene(state),
};

export function sceneFor(state: RenderState): Scene {
  // Frames arrive as JSON (IPC, saved rollouts): an env this build does not know gets a placeholder.
  const build = (SCENES as Readonly<Record<string, ((s: RenderState) => Scene) | undefined>>)[state.env];
  return build ? build(state) : placeholderScene(String((state as { env?: unknown }).env), 'Not yet: unknown environment');
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
  const cart = (
    [
      [l, b],
      [l, t],
      [r, t],
      [r, b],
    ] as const
  ).map(([px, py]) => flip(px + cartX, py + cartY));

  // pygame's Vector2.rotate_rad(-theta), i.e. a clockwise tilt for positive theta.
  const pl = -c.poleWidth / 2;
  const pr = c.poleWidth / 2;
  const pt = poleLen - c.poleWidth / 2;
  const pb = -c.poleWidth / 2;
  const cos = Math.cos(-theta);
  const sin = Math.sin(-theta);
  const pole = (
    [
      [pl, pb],
      [pl, pt],
      [pr, pt],
      [pr, pb],
    ] as const
  ).map(([px, py]) => flip(px * cos - py * sin + cartX, px * sin + py * cos + cartY + axleOffset));

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

/**
 * What LunarLanderEnv.renderState() produces (main/lab/envs/lunar-lander.ts): world units, y up,
 * polygons as flat [x0, y0, x1, y1, …] lists. Frames travel as JSON (IPC, saved rollouts), so the
 * scene builder reads them defensively and skips whatever is missing or malformed.
 */
export interface LunarLanderRenderState {
  env: 'LunarLander-v3';
  /** False before the first reset: there is nothing to draw yet. */
  ready: boolean;
  /** Pixels per world unit (Gymnasium's SCALE = 30). */
  scale?: number;
  /** [600, 400] pixels. */
  viewport?: [number, number];
  /** Ten quads [p1, p2, (p2.x, H), (p1.x, H)]: the black sky above each terrain chunk. */
  skyPolys?: number[][];
  helipad?: { x1: number; x2: number; y: number };
  lander?: number[];
  landerPos?: [number, number];
  landerAngle?: number;
  legs?: number[][];
  legContact?: [boolean, boolean];
  /** The last step's firing: throttles 0 or 0.5..1; sideDirection −1 (action 1, left engine), +1 (action 3), 0. */
  engine?: { main: number; side: number; sideDirection: number };
  /** The last step's wind force and turbulence torque (0 while a leg touches the ground). */
  wind?: { enabled: boolean; force: number; torque: number };
  gameOver?: boolean;
  awake?: boolean;
}

// Gymnasium's LunarLander render() constants and colours (gymnasium/envs/box2d/lunar_lander.py).
const LUNAR = {
  scale: 30,
  /** The surface is cleared white (the moon); the sky polygons are painted black over it. */
  moon: [255, 255, 255] as RGB,
  sky: [0, 0, 0] as RGB,
  bodyFill: [128, 102, 230] as RGB,
  bodyOutline: [77, 77, 128] as RGB,
  flagPole: [255, 255, 255] as RGB,
  flag: [204, 204, 0] as RGB,
  flagPoleHeight: 50,
  flagLength: 25,
  flagHeight: 10,
  /** Particles are circles of radius 2 px. */
  particleRadius: 2,
  /** Where the engines sit on the hull, in hull pixels (x right, y up). */
  hullBottom: -10,
  sideEngineHeight: 14,
  hullHalfWidthAtSideEngine: 15,
  /** Not part of Gymnasium's frame: our wind read-out. */
  wind: [150, 200, 255] as RGB,
};

/**
 * Gymnasium's particle colour for a remaining lifetime `ttl` (its render() fades each exhaust
 * particle from light red to dark grey as ttl drops by 0.15 per frame).
 */
function particleColor(ttl: number): RGB {
  const r = Math.trunc(Math.max(0.2, 0.15 + ttl) * 255);
  const gb = Math.trunc(Math.max(0.2, 0.5 * ttl) * 255);
  return [Math.min(255, r), gb, gb];
}

/** The fixed exhaust palette: the colours a full-throttle particle shows in its 1st … 6th frame. */
const EXHAUST_STEPS = 6;
const EXHAUST: readonly RGB[] = Array.from({ length: EXHAUST_STEPS }, (_, j) => particleColor(1 - 0.15 * (j + 1)));

/** Deterministic stand-in for the random dispersion of real particles: a fixed sideways scatter. */
const SCATTER = [0.15, -0.55, 0.85, -0.35, 0.65, -0.9];

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A flat [x0, y0, x1, y1, …] list of at least `min` points, or null. */
function flatPoints(v: unknown, min = 3): [number, number][] | null {
  if (!Array.isArray(v) || v.length < 2 * min || v.length % 2 !== 0) return null;
  const out: [number, number][] = [];
  for (let i = 0; i < v.length; i += 2) {
    const x: unknown = v[i];
    const y: unknown = v[i + 1];
    if (!isNum(x) || !isNum(y)) return null;
    out.push([x, y]);
  }
  return out;
}

/**
 * Mirrors Gymnasium's LunarLander render(): a white surface (the moon), the black sky polygons over
 * it, exhaust particles, the lander and its legs (fill + 1 px outline), then the helipad flags, all
 * drawn y-up at SCALE px per unit and flipped. Gymnasium's particles are physics bodies with random
 * dispersion; a frame here only knows the last step's firing, so the exhaust is a deterministic
 * trail of particle-sized dots in Gymnasium's fading colours, as long as the throttle is high.
 * With enable_wind, a wind arrow and value (not in Gymnasium's frame) sit in the top-left corner.
 */
function lunarLanderScene(state: Readonly<Record<string, unknown>>): Scene {
  const c = LUNAR;
  const W = SCENE_WIDTH;
  const H = SCENE_HEIGHT;
  if (state.ready !== true) return placeholderScene(String(state.env), 'No episode yet');
  const S = isNum(state.scale) && state.scale > 0 ? state.scale : c.scale;
  const toScreen = ([x, y]: readonly [number, number]): [number, number] => [x * S, H - y * S];
  const shapes: Shape[] = [];

  // Sky: one black quad per terrain chunk; the outline hides seams between neighbours.
  const ground: [number, number, number, number][] = []; // world x1, y1, x2, y2 of each chunk's surface
  if (Array.isArray(state.skyPolys)) {
    for (const raw of state.skyPolys) {
      const poly = flatPoints(raw);
      if (!poly) continue;
      shapes.push({ kind: 'polygon', points: poly.map(toScreen), fill: c.sky, stroke: c.sky });
      ground.push([poly[0][0], poly[0][1], poly[1][0], poly[1][1]]);
    }
  }
  const groundY = (x: number): number => {
    for (const [x1, y1, x2, y2] of ground) if (x >= x1 && x <= x2) return x2 > x1 ? y1 + ((y2 - y1) * (x - x1)) / (x2 - x1) : Math.max(y1, y2);
    return -Infinity;
  };

  // Exhaust, drawn before the lander as Gymnasium draws its particles first.
  const pos = Array.isArray(state.landerPos) ? state.landerPos : null;
  const engine = asRecord(state.engine);
  if (pos && isNum(pos[0]) && isNum(pos[1]) && engine) {
    const angle = isNum(state.landerAngle) ? state.landerAngle : 0;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    // Hull pixels (x right, y up, unrotated) → world.
    const local = (lx: number, ly: number): [number, number] => [pos[0] + (cos * lx - sin * ly) / S, pos[1] + (sin * lx + cos * ly) / S];
    const trail = (power: number, at: (k: number) => [number, number]): void => {
      if (!isNum(power) || power <= 0) return;
      // A particle lives for `power` and fades 0.15 per frame: lower throttle, fewer and darker dots.
      const first = Math.min(EXHAUST_STEPS - 1, Math.max(0, Math.round((1 - Math.min(power, 1)) / 0.15)));
      for (let j = first; j < EXHAUST_STEPS; j++) {
        const p = at(j - first);
        if (p[1] - c.particleRadius / S < groundY(p[0])) break; // the trail stops at the surface
        const [x, y] = toScreen(p);
        shapes.push({ kind: 'circle', x, y, r: c.particleRadius, fill: EXHAUST[j], stroke: EXHAUST[j] });
      }
    };
    const main = engine.main;
    if (isNum(main) && main > 0) {
      // Straight down out of the hull, spreading a little with distance.
      const step = 9 + 5 * main;
      trail(main, (k) => {
        const d = 3 + step * k;
        return local(0.25 * d * SCATTER[k % SCATTER.length], c.hullBottom - d);
      });
    }
    const side = engine.side;
    const dir = engine.sideDirection;
    if (isNum(side) && side > 0 && isNum(dir) && dir !== 0) {
      // Action 1 (direction −1) fires out of the right side, action 3 out of the left.
      const out = -Math.sign(dir);
      const step = 6 + 4 * side;
      trail(side, (k) => {
        const d = 3 + step * k;
        return local(out * (c.hullHalfWidthAtSideEngine + d), c.sideEngineHeight + 0.1 * d * SCATTER[k % SCATTER.length]);
      });
    }
  }

  // Lander, then legs (Gymnasium's drawlist order): fill plus a 1 px outline.
  const body = (raw: unknown): void => {
    const poly = flatPoints(raw);
    if (poly) shapes.push({ kind: 'polygon', points: poly.map(toScreen), fill: c.bodyFill, stroke: c.bodyOutline, strokeWidth: 1 });
  };
  body(state.lander);
  if (Array.isArray(state.legs)) for (const leg of state.legs) body(leg);

  // Helipad flags: a 50 px white pole on each helipad edge, a yellow pennant at its top pointing right.
  const pad = asRecord(state.helipad);
  if (pad && isNum(pad.y)) {
    for (const fx of [pad.x1, pad.x2]) {
      if (!isNum(fx)) continue;
      const x = fx * S;
      const y1 = pad.y * S;
      const y2 = y1 + c.flagPoleHeight;
      // pygame's 1 px line fills pixel column x, whose centre is x + 0.5 (crisp, not two grey columns).
      shapes.push({ kind: 'line', x1: x + 0.5, y1: H - y1, x2: x + 0.5, y2: H - y2, color: c.flagPole, width: 1 });
      const flag: [number, number][] = [
        [x, y2],
        [x, y2 - c.flagHeight],
        [x + c.flagLength, y2 - c.flagHeight / 2],
      ];
      shapes.push({ kind: 'polygon', points: flag.map(([px, py]) => [px, H - py] as [number, number]), fill: c.flag, stroke: c.flag });
    }
  }

  const wind = asRecord(state.wind);
  if (wind && wind.enabled === true) shapes.push(...windIndicator(isNum(wind.force) ? wind.force : 0));

  return { width: W, height: H, background: c.moon, shapes };
}

/** Top-left read-out: "wind ±f.f" and an arrow along the force, 4 px per unit (capped at 60 px). */
function windIndicator(force: number): Shape[] {
  const color = LUNAR.wind;
  const shown = Math.round(force * 10) / 10;
  const sign = shown > 0 ? '+' : shown < 0 ? '−' : '';
  const shapes: Shape[] = [{ kind: 'text', x: 10, y: 14, text: `wind ${sign}${Math.abs(shown).toFixed(1)}`, color, size: 13, align: 'left' }];
  const len = Math.min(60, Math.abs(force) * 4);
  if (len >= 2) {
    const dir = Math.sign(force);
    const cx = 45;
    const y = 34;
    const tail = cx - (dir * len) / 2;
    const tip = cx + (dir * len) / 2;
    const head = Math.min(8, len);
    shapes.push({ kind: 'line', x1: tail, y1: y, x2: tip - dir * head, y2: y, color, width: 2 });
    shapes.push({
      kind: 'polygon',
      points: [
        [tip, y],
        [tip - dir * head, y - 4.5],
        [tip - dir * head, y + 4.5],
      ],
      fill: color,
      stroke: color,
    });
  }
  return shapes;
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
