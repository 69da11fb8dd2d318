/**
 * LunarLander-v3, a port of Gymnasium 1.3.0's LunarLander (Box2D) on box2d.js (Box2D 2.3.1).
 *
 * Same constants, terrain, bodies, fixtures, joints, contact rules, reward, termination and RNG draw
 * order as Gymnasium, so terrain, helipad, initial push and wind phases are identical for every seed.
 * The physics is the same Box2D 2.3 solver as Gymnasium's pybox2d 2.3.10, so observations agree to
 * float32 rounding and trajectories follow the recorded ones until rounding differences grow (see
 * box2d.ts for where they come from, test/unit/lunar-lander.test.ts for the tolerances).
 *
 * Box2D loads asynchronously: `await loadBox2D()` (box2d.ts) or the registry's `ensureEnvReady`
 * before constructing. Each reset builds a brand-new world (as v3 does) and frees the old one.
 */
import { LUNAR_LANDER } from '../domain/env-defs/lunar-lander.ts';
import { ResetNeeded, type Action, type Env, type EnvSpec, type RenderState, type ResetOptions, type ResetResult, type StepResult } from './env.ts';
import { npRandom, type Generator } from './numpy-rng.ts';
import { box, discrete, type BoxSpace, type DiscreteSpace } from './spaces.ts';
import { envWarn } from './warnings.ts';
import {
  BODY_F32,
  forgetWrapper,
  requireBox2D,
  type B2Body,
  type B2BodyDef,
  type B2EdgeShape,
  type B2Filter,
  type B2FixtureDef,
  type B2PolygonShape,
  type B2RevoluteJointDef,
  type B2Shape,
  type B2Vec2,
  type B2World,
  type Box2DModule,
  type JSContactListener,
} from './box2d.ts';

export const FPS = 50;
/** Pixels per world unit: affects how fast-paced the game is. */
export const SCALE = 30.0;
export const MAIN_ENGINE_POWER = 13.0;
export const SIDE_ENGINE_POWER = 0.6;
export const INITIAL_RANDOM = 1000.0;
/** Lander hull in pixels (divided by SCALE for Box2D). */
export const LANDER_POLY: readonly (readonly [number, number])[] = Object.freeze([
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
] as const);
export const LEG_AWAY = 20;
export const LEG_DOWN = 18;
export const LEG_W = 2;
export const LEG_H = 8;
export const LEG_SPRING_TORQUE = 40;
export const SIDE_ENGINE_HEIGHT = 14;
export const SIDE_ENGINE_AWAY = 12;
/** Y location of the main engine on the lander body. */
export const MAIN_ENGINE_Y_LOCATION = 4;
export const VIEWPORT_W = 600;
export const VIEWPORT_H = 400;
/** Terrain chunks (11 x positions, 12 height draws). */
export const CHUNKS = 11;
/** World.Step arguments: 1/FPS, 6·30 velocity and 2·30 position iterations. */
export const TIME_STEP = 1.0 / FPS;
export const VELOCITY_ITERATIONS = 6 * 30;
export const POSITION_ITERATIONS = 2 * 30;

/** Viewport in world units. */
const W = VIEWPORT_W / SCALE;
const H = VIEWPORT_H / SCALE;
// Observation scale factors, written as Gymnasium's expressions so the doubles are identical.
const HALF_W = VIEWPORT_W / SCALE / 2;
const HALF_H = VIEWPORT_H / SCALE / 2;

/** Draw colours (RGB 0..255) of Gymnasium's frame, for renderers. */
export const LUNAR_COLORS = Object.freeze({
  background: [255, 255, 255],
  sky: [0, 0, 0],
  bodyFill: [128, 102, 230],
  bodyOutline: [77, 77, 128],
  flagPole: [255, 255, 255],
  flag: [204, 204, 0],
});

export const LUNAR_LANDER_SPEC: EnvSpec = Object.freeze({ id: LUNAR_LANDER.id, ...LUNAR_LANDER.spec });

export function lunarObservationSpace(): BoxSpace {
  // x, y, vx, vy, angle, angular velocity, leg contacts.
  return box([-2.5, -2.5, -10.0, -10.0, -2 * Math.PI, -10.0, -0.0, -0.0], [2.5, 2.5, 10.0, 10.0, 2 * Math.PI, 10.0, 1.0, 1.0]);
}

/** Discrete: 0 noop, 1 left engine, 2 main engine, 3 right engine. Continuous: [main, lateral] in [−1, 1]. */
export function lunarActionSpace(continuous: boolean): BoxSpace | DiscreteSpace {
  return continuous ? box([-1, -1], [1, 1]) : discrete(4);
}

export interface LunarLanderOptions {
  continuous?: boolean;
  /** In the open interval (−12, 0); default −10. */
  gravity?: number;
  enableWind?: boolean;
  windPower?: number;
  turbulencePower?: number;
}

/** Terrain of the current episode, as Gymnasium computes it (float64). */
export interface LunarTerrain {
  /** The 12 uniform(0, H/2) draws before the helipad overwrite. */
  readonly rawHeights: readonly number[];
  readonly heights: readonly number[];
  readonly chunkX: readonly number[];
  readonly smoothY: readonly number[];
  readonly helipadX1: number;
  readonly helipadX2: number;
  readonly helipadY: number;
  /** 10 quads [p1, p2, (p2.x, H), (p1.x, H)]: the black sky above the ground. */
  readonly skyPolys: readonly (readonly (readonly [number, number])[])[];
}

export interface LunarBodyState {
  position: [number, number];
  angle: number;
  linearVelocity: [number, number];
  angularVelocity: number;
  awake: boolean;
}

export interface LunarBodies {
  lander: LunarBodyState;
  leg0: LunarBodyState & { groundContact: boolean };
  leg1: LunarBodyState & { groundContact: boolean };
}

/** Python's repr of a float in the warning texts (25 → "25.0"). */
function pyFloat(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v);
}

const clip = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v); // NaN passes through, like np.clip

/** Round for compact render JSON. */
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Box2D definition objects reused for every world: Box2D copies them on creation, so one set per
 * module suffices and nothing is allocated per reset except the world's own contents.
 */
interface Scratch {
  readonly v1: B2Vec2;
  readonly v2: B2Vec2;
  readonly v1f: number;
  readonly v2f: number;
  readonly bodyDef: B2BodyDef;
  readonly fixtureDef: B2FixtureDef;
  readonly filter: B2Filter;
  readonly edge: B2EdgeShape;
  readonly landerShape: B2PolygonShape;
  readonly legShape: B2PolygonShape;
  readonly jointDef: B2RevoluteJointDef;
}

const scratchByModule = new WeakMap<Box2DModule, Scratch>();

function scratchFor(B: Box2DModule): Scratch {
  let s = scratchByModule.get(B);
  if (s) return s;
  const v1 = new B.b2Vec2(0, 0);
  const v2 = new B.b2Vec2(0, 0);
  const fixtureDef = new B.b2FixtureDef();
  const landerShape = new B.b2PolygonShape();
  // b2PolygonShape.Set takes a b2Vec2 array in the Emscripten heap: build it, set, free.
  const n = LANDER_POLY.length;
  const ptr = B._malloc(8 * n);
  try {
    for (let k = 0; k < n; k++) {
      B.HEAPF32[(ptr >> 2) + 2 * k] = LANDER_POLY[k][0] / SCALE;
      B.HEAPF32[(ptr >> 2) + 2 * k + 1] = LANDER_POLY[k][1] / SCALE;
    }
    landerShape.Set(ptr, n);
  } finally {
    B._free(ptr);
  }
  const legShape = new B.b2PolygonShape();
  legShape.SetAsBox(LEG_W / SCALE, LEG_H / SCALE);
  s = {
    v1,
    v2,
    v1f: B.getPointer(v1) >> 2,
    v2f: B.getPointer(v2) >> 2,
    bodyDef: new B.b2BodyDef(),
    fixtureDef,
    filter: fixtureDef.get_filter(),
    edge: new B.b2EdgeShape(),
    landerShape,
    legShape,
    jointDef: new B.b2RevoluteJointDef(),
  };
  scratchByModule.set(B, s);
  return s;
}

/**
 * One episode's Box2D world, its bodies and the contact flags. It holds no reference to the env, so
 * a FinalizationRegistry can free it when an env is dropped without close().
 */
class LanderWorld {
  readonly B: Box2DModule;
  readonly world: B2World;
  readonly listener: JSContactListener;
  moon!: B2Body;
  lander!: B2Body;
  legs: B2Body[] = [];
  /** HEAPF32 index of each body (pointer / 4), for reading state without wrappers. */
  landerF = 0;
  legF: number[] = [];
  landerFixture = 0;
  legFixtures: number[] = [];
  /** Everything whose JS wrapper the glue cached, dropped again on destroy. */
  private readonly bodyPtrs: number[] = [];
  private readonly fixturePtrs: number[] = [];
  private readonly jointPtrs: number[] = [];
  gameOver = false;
  legContact: [boolean, boolean] = [false, false];
  private destroyed = false;

  constructor(B: Box2DModule, gravity: number) {
    this.B = B;
    const s = scratchFor(B);
    s.v1.Set(0, gravity);
    this.world = new B.b2World(s.v1);
    const listener = new B.JSContactListener();
    // The glue requires all four callbacks as own properties.
    Object.assign(listener, {
      BeginContact: (c: number) => this.onContact(c, true),
      EndContact: (c: number) => this.onContact(c, false),
      PreSolve: () => undefined,
      PostSolve: () => undefined,
    });
    this.listener = listener;
    this.world.SetContactListener(listener);
  }

  /** Gymnasium's ContactDetector: the lander touching anything ends the game; legs track contact. */
  private onContact(contactPtr: number, begin: boolean): void {
    const B = this.B;
    const c = B.wrapPointer(contactPtr, B.b2Contact);
    const fa = B.getPointer(c.GetFixtureA());
    const fb = B.getPointer(c.GetFixtureB());
    forgetWrapper(B, B.b2Contact, contactPtr);
    if (begin && (fa === this.landerFixture || fb === this.landerFixture)) this.gameOver = true;
    for (let i = 0; i < 2; i++) if (fa === this.legFixtures[i] || fb === this.legFixtures[i]) this.legContact[i] = begin;
  }

  createBody(type: number, x: number, y: number, angle: number): B2Body {
    const s = scratchFor(this.B);
    s.bodyDef.set_type(type);
    s.v1.Set(x, y);
    s.bodyDef.set_position(s.v1);
    s.bodyDef.set_angle(angle);
    const body = this.world.CreateBody(s.bodyDef);
    this.bodyPtrs.push(this.B.getPointer(body));
    return body;
  }

  /** Creates a fixture from the scratch fixture def with every field set (the def is shared). */
  createFixture(body: B2Body, shape: B2Shape, density: number, friction: number, restitution: number, category: number, mask: number): number {
    const s = scratchFor(this.B);
    const fd = s.fixtureDef;
    fd.set_shape(shape);
    fd.set_density(density);
    fd.set_friction(friction);
    fd.set_restitution(restitution);
    fd.set_isSensor(false);
    s.filter.set_categoryBits(category);
    s.filter.set_maskBits(mask);
    s.filter.set_groupIndex(0);
    const ptr = this.B.getPointer(body.CreateFixture(fd));
    this.fixturePtrs.push(ptr);
    return ptr;
  }

  createJoint(def: B2RevoluteJointDef): void {
    this.jointPtrs.push(this.B.getPointer(this.world.CreateJoint(def)));
  }

  /** Frees the world (bodies, fixtures, joints, contacts) and the listener, and their cached wrappers. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const B = this.B;
    B.destroy(this.world);
    B.destroy(this.listener);
    for (const p of this.bodyPtrs) forgetWrapper(B, B.b2Body, p);
    for (const p of this.fixturePtrs) forgetWrapper(B, B.b2Fixture, p);
    for (const p of this.jointPtrs) forgetWrapper(B, B.b2Joint, p);
  }
}

/** Frees worlds of envs that were garbage-collected without close(). */
const worldFinalizer = new FinalizationRegistry<{ world: LanderWorld | null }>((holder) => holder.world?.destroy());

export class LunarLanderEnv implements Env {
  readonly spec: EnvSpec = LUNAR_LANDER_SPEC;
  readonly observationSpace: BoxSpace = lunarObservationSpace();
  readonly actionSpace: BoxSpace | DiscreteSpace;
  readonly continuous: boolean;
  readonly gravity: number;
  readonly enableWind: boolean;
  readonly windPower: number;
  readonly turbulencePower: number;

  private readonly B: Box2DModule;
  private readonly scratch: Scratch;
  private rngInstance: Generator | undefined;
  /** The current world, shared with the finalizer through a holder that does not reference the env. */
  private readonly holder: { world: LanderWorld | null } = { world: null };
  private terrainData: LunarTerrain | null = null;
  private initialForceData: [number, number] = [0, 0];
  private windIdxValue = 0;
  private torqueIdxValue = 0;
  private prevShapingValue: number | null = null;
  // Last step's engine firing and wind, for rendering.
  private lastMainPower = 0;
  private lastSidePower = 0;
  private lastSideDirection = 0;
  private lastWind = 0;
  private lastTorque = 0;

  constructor(opts: LunarLanderOptions = {}) {
    this.B = requireBox2D('LunarLander-v3');
    this.scratch = scratchFor(this.B);
    const gravity = opts.gravity ?? -10.0;
    if (!(typeof gravity === 'number' && -12.0 < gravity && gravity < 0.0)) {
      throw new Error(`LunarLander-v3: gravity (current value: ${gravity}) must be between -12 and 0`);
    }
    const windPower = opts.windPower ?? 15.0;
    const turbulencePower = opts.turbulencePower ?? 1.5;
    if (!Number.isFinite(windPower)) throw new Error(`LunarLander-v3: wind_power must be a finite number, got ${windPower}`);
    if (!Number.isFinite(turbulencePower)) throw new Error(`LunarLander-v3: turbulence_power must be a finite number, got ${turbulencePower}`);
    if (0.0 > windPower || windPower > 20.0) {
      envWarn(`wind_power value is recommended to be between 0.0 and 20.0, (current value: ${pyFloat(windPower)})`);
    }
    if (0.0 > turbulencePower || turbulencePower > 2.0) {
      envWarn(`turbulence_power value is recommended to be between 0.0 and 2.0, (current value: ${pyFloat(turbulencePower)})`);
    }
    this.gravity = gravity;
    this.windPower = windPower;
    this.turbulencePower = turbulencePower;
    this.enableWind = opts.enableWind ?? false;
    this.continuous = opts.continuous ?? false;
    this.actionSpace = lunarActionSpace(this.continuous);
    worldFinalizer.register(this, this.holder, this.holder);
  }

  /** The env's generator (Gymnasium's np_random); created from OS entropy on first use if never seeded. */
  get rng(): Generator {
    if (!this.rngInstance) this.rngInstance = npRandom();
    return this.rngInstance;
  }

  set rng(g: Generator) {
    this.rngInstance = g;
  }

  get unwrapped(): LunarLanderEnv {
    return this;
  }

  /** This episode's terrain, or null before the first reset. */
  get terrain(): LunarTerrain | null {
    return this.terrainData;
  }

  /** The (fx, fy) force applied to the lander at reset. */
  get initialForce(): readonly [number, number] {
    return this.initialForceData;
  }

  /** Wind phase counters (advance only while airborne with wind enabled). */
  get windIdx(): number {
    return this.windIdxValue;
  }

  get torqueIdx(): number {
    return this.torqueIdxValue;
  }

  get prevShaping(): number | null {
    return this.prevShapingValue;
  }

  get gameOver(): boolean {
    return this.holder.world?.gameOver ?? false;
  }

  reset(opts: ResetOptions = {}): ResetResult {
    if (opts.seed !== undefined) this.rngInstance = npRandom(opts.seed);
    const rng = this.rng;
    const B = this.B;
    const s = this.scratch;
    this.holder.world?.destroy();
    this.holder.world = null;
    // A brand-new world every episode (v3's fix for state leaking across resets).
    const lw = new LanderWorld(B, this.gravity);
    this.holder.world = lw;
    this.prevShapingValue = null;

    // Terrain: 12 heights, the helipad chunks flattened, then a 3-tap smoothing (index −1 wraps).
    const rawHeights: number[] = [];
    for (let i = 0; i < CHUNKS + 1; i++) rawHeights.push(rng.uniform(0, H / 2));
    const height = rawHeights.slice();
    const chunkX: number[] = [];
    for (let i = 0; i < CHUNKS; i++) chunkX.push((W / (CHUNKS - 1)) * i);
    const helipadX1 = chunkX[Math.floor(CHUNKS / 2) - 1];
    const helipadX2 = chunkX[Math.floor(CHUNKS / 2) + 1];
    const helipadY = H / 4;
    for (let k = -2; k <= 2; k++) height[Math.floor(CHUNKS / 2) + k] = helipadY;
    const smoothY: number[] = [];
    for (let i = 0; i < CHUNKS; i++) smoothY.push(0.33 * (height[(i - 1 + height.length) % height.length] + height[i] + height[i + 1]));

    // Moon: a static body with the bottom edge first, then one edge per chunk.
    const moon = lw.createBody(B.b2_staticBody, 0, 0, 0);
    lw.moon = moon;
    s.v1.Set(0, 0);
    s.v2.Set(W, 0);
    s.edge.Set(s.v1, s.v2);
    lw.createFixture(moon, s.edge, 0.0, 0.2, 0.0, 0x0001, 0xffff); // b2FixtureDef defaults
    const skyPolys: [number, number][][] = [];
    for (let i = 0; i < CHUNKS - 1; i++) {
      const p1: [number, number] = [chunkX[i], smoothY[i]];
      const p2: [number, number] = [chunkX[i + 1], smoothY[i + 1]];
      s.v1.Set(p1[0], p1[1]);
      s.v2.Set(p2[0], p2[1]);
      s.edge.Set(s.v1, s.v2);
      lw.createFixture(moon, s.edge, 0, 0.1, 0.0, 0x0001, 0xffff);
      skyPolys.push([p1, p2, [p2[0], H], [p1[0], H]]);
    }
    this.terrainData = { rawHeights, heights: height, chunkX, smoothY, helipadX1, helipadX2, helipadY, skyPolys };

    // Lander, pushed by a random force on its first step.
    const initialY = VIEWPORT_H / SCALE;
    const initialX = VIEWPORT_W / SCALE / 2;
    const lander = lw.createBody(B.b2_dynamicBody, initialX, initialY, 0.0);
    lw.lander = lander;
    lw.landerF = B.getPointer(lander) >> 2;
    lw.landerFixture = lw.createFixture(lander, s.landerShape, 5.0, 0.1, 0.0, 0x0010, 0x001); // collides only with ground
    const fx = rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    const fy = rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    this.initialForceData = [fx, fy];
    s.v1.Set(fx, fy);
    lander.ApplyForceToCenter(s.v1, true);

    if (this.enableWind) {
      // Two 32-bit Lemire draws: usually the low then the high half of one 64-bit output.
      this.windIdxValue = rng.integers(-9999, 9999);
      this.torqueIdxValue = rng.integers(-9999, 9999);
    }

    // Legs: i = −1 (right of centre, index 0) then i = +1, each on a motorised, limited revolute joint.
    for (const i of [-1, +1]) {
      const leg = lw.createBody(B.b2_dynamicBody, initialX - (i * LEG_AWAY) / SCALE, initialY, i * 0.05);
      lw.legs.push(leg);
      lw.legF.push(B.getPointer(leg) >> 2);
      lw.legFixtures.push(lw.createFixture(leg, s.legShape, 1.0, 0.2, 0.0, 0x0020, 0x001));
      const jd = s.jointDef;
      jd.set_bodyA(lander);
      jd.set_bodyB(leg);
      s.v1.Set(0, 0);
      jd.set_localAnchorA(s.v1);
      s.v1.Set((i * LEG_AWAY) / SCALE, LEG_DOWN / SCALE);
      jd.set_localAnchorB(s.v1);
      // pybox2d's revoluteJointDef(bodyA=…, bodyB=…) sets referenceAngle = bodyB.angle − bodyA.angle
      // (float32 angles) when none is given, so the limits are relative to the legs' initial ±0.05 tilt.
      const f = B.HEAPF32;
      jd.set_referenceAngle(f[(B.getPointer(leg) >> 2) + BODY_F32.angle] - f[lw.landerF + BODY_F32.angle]);
      jd.set_collideConnected(false);
      jd.set_enableMotor(true);
      jd.set_enableLimit(true);
      jd.set_maxMotorTorque(LEG_SPRING_TORQUE);
      jd.set_motorSpeed(+0.3 * i); // low enough not to jump back into the sky
      if (i === -1) {
        jd.set_lowerAngle(+0.9 - 0.5);
        jd.set_upperAngle(+0.9);
      } else {
        jd.set_lowerAngle(-0.9);
        jd.set_upperAngle(-0.9 + 0.5);
      }
      lw.createJoint(jd);
    }

    // Gymnasium ends reset with a no-op step (not counted by TimeLimit): it sets prev_shaping.
    const { obs } = this.advance(0, 0, 0);
    return { obs, info: {} };
  }

  step(action: Action): StepResult {
    if (!this.holder.world) throw new ResetNeeded('LunarLander-v3: call reset() before step()');
    if (this.continuous) {
      const a = checkContinuousAction(action);
      // np.clip(action, -1, +1).astype(np.float64)
      return this.advance(0, clip(a[0], -1, 1), clip(a[1], -1, 1));
    }
    return this.advance(checkDiscreteAction(action), 0, 0);
  }

  /** One Gymnasium step: wind, engines, World.Step, observation, reward. */
  private advance(act: number, a0: number, a1: number): StepResult {
    const lw = this.holder.world as LanderWorld;
    const B = this.B;
    const s = this.scratch;
    const lander = lw.lander;
    const L = lw.landerF;

    this.lastWind = 0;
    this.lastTorque = 0;
    if (this.enableWind && !(lw.legContact[0] || lw.legContact[1])) {
      // tanh(sin(2kx) + sin(πkx)), k = 0.01: never periodic.
      const windMag = Math.tanh(Math.sin(0.02 * this.windIdxValue) + Math.sin(Math.PI * 0.01 * this.windIdxValue)) * this.windPower;
      this.windIdxValue += 1;
      B.HEAPF32[s.v1f] = windMag;
      B.HEAPF32[s.v1f + 1] = 0.0;
      lander.ApplyForceToCenter(s.v1, true);
      const torqueMag = Math.tanh(Math.sin(0.02 * this.torqueIdxValue) + Math.sin(Math.PI * 0.01 * this.torqueIdxValue)) * this.turbulencePower;
      this.torqueIdxValue += 1;
      lander.ApplyTorque(torqueMag, true);
      this.lastWind = windMag;
      this.lastTorque = torqueMag;
    }

    // tip = (sin, cos) of the lander angle; side = (−cos, sin).
    const angle = B.HEAPF32[L + BODY_F32.angle];
    const tip0 = Math.sin(angle);
    const tip1 = Math.cos(angle);
    const side0 = -tip1;
    const side1 = tip0;
    // Always two draws per step, whatever the action.
    const disp0 = this.rng.uniform(-1.0, +1.0) / SCALE;
    const disp1 = this.rng.uniform(-1.0, +1.0) / SCALE;
    const continuous = this.continuous;

    let mPower = 0.0;
    if (continuous ? a0 > 0.0 : act === 2) {
      mPower = continuous ? (clip(a0, 0.0, 1.0) + 1.0) * 0.5 : 1.0; // 0.5..1.0
      // 4 px below the centre, ±2 px of dispersion.
      const ox = tip0 * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * disp0) + side0 * disp1;
      const oy = -tip1 * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * disp0) - side1 * disp1;
      const f = B.HEAPF32;
      f[s.v2f] = f[L + BODY_F32.posX] + ox;
      f[s.v2f + 1] = f[L + BODY_F32.posY] + oy;
      f[s.v1f] = -ox * MAIN_ENGINE_POWER * mPower;
      f[s.v1f + 1] = -oy * MAIN_ENGINE_POWER * mPower;
      lander.ApplyLinearImpulse(s.v1, s.v2, true);
    }

    let sPower = 0.0;
    let direction = 0;
    if (continuous ? Math.abs(a1) > 0.5 : act === 1 || act === 3) {
      if (continuous) {
        direction = Math.sign(a1);
        sPower = clip(Math.abs(a1), 0.5, 1.0);
      } else {
        direction = act - 2; // 1 = left engine, 3 = right engine
        sPower = 1.0;
      }
      const ox = tip0 * disp0 + side0 * (3 * disp1 + (direction * SIDE_ENGINE_AWAY) / SCALE);
      const oy = -tip1 * disp0 - side1 * (3 * disp1 + (direction * SIDE_ENGINE_AWAY) / SCALE);
      const f = B.HEAPF32;
      // Gymnasium uses 17 px here rather than SIDE_ENGINE_HEIGHT: an orientation-dependent torque, kept.
      f[s.v2f] = f[L + BODY_F32.posX] + ox - (tip0 * 17) / SCALE;
      f[s.v2f + 1] = f[L + BODY_F32.posY] + oy + (tip1 * SIDE_ENGINE_HEIGHT) / SCALE;
      f[s.v1f] = -ox * SIDE_ENGINE_POWER * sPower;
      f[s.v1f + 1] = -oy * SIDE_ENGINE_POWER * sPower;
      lander.ApplyLinearImpulse(s.v1, s.v2, true);
    }
    this.lastMainPower = mPower;
    this.lastSidePower = sPower;
    this.lastSideDirection = direction;

    lw.world.Step(TIME_STEP, VELOCITY_ITERATIONS, POSITION_ITERATIONS);

    const f = B.HEAPF32;
    const s0 = (f[L + BODY_F32.posX] - HALF_W) / HALF_W;
    const s1 = (f[L + BODY_F32.posY] - (this.terrainData!.helipadY + LEG_DOWN / SCALE)) / HALF_H;
    const s2 = (f[L + BODY_F32.velX] * HALF_W) / FPS;
    const s3 = (f[L + BODY_F32.velY] * HALF_H) / FPS;
    const s4 = f[L + BODY_F32.angle];
    const s5 = (20.0 * f[L + BODY_F32.angVel]) / FPS;
    const s6 = lw.legContact[0] ? 1.0 : 0.0;
    const s7 = lw.legContact[1] ? 1.0 : 0.0;
    const obs = new Float32Array(8);
    obs[0] = s0;
    obs[1] = s1;
    obs[2] = s2;
    obs[3] = s3;
    obs[4] = s4;
    obs[5] = s5;
    obs[6] = s6;
    obs[7] = s7;

    // Potential-based shaping (+10 per leg touching, lost again if it lifts off) and fuel costs.
    const shaping = -100 * Math.sqrt(s0 * s0 + s1 * s1) - 100 * Math.sqrt(s2 * s2 + s3 * s3) - 100 * Math.abs(s4) + 10 * s6 + 10 * s7;
    let reward = 0;
    if (this.prevShapingValue !== null) reward = shaping - this.prevShapingValue;
    this.prevShapingValue = shaping;
    reward -= mPower * 0.3;
    reward -= sPower * 0.03;

    let terminated = false;
    if (lw.gameOver || Math.abs(s0) >= 1.0) {
      terminated = true;
      reward = -100;
    }
    // Box2D put the lander to sleep: it came to rest.
    if (lander.IsAwake() === 0) {
      terminated = true;
      reward = +100;
    }
    return { obs, reward, terminated, truncated: false, info: {} };
  }

  /** Body states as Box2D holds them (float32 values), for tests and debugging. */
  bodies(): LunarBodies | null {
    const lw = this.holder.world;
    if (!lw) return null;
    const f = this.B.HEAPF32;
    const read = (F: number, body: B2Body): LunarBodyState => ({
      position: [f[F + BODY_F32.posX], f[F + BODY_F32.posY]],
      angle: f[F + BODY_F32.angle],
      linearVelocity: [f[F + BODY_F32.velX], f[F + BODY_F32.velY]],
      angularVelocity: f[F + BODY_F32.angVel],
      awake: body.IsAwake() !== 0,
    });
    return {
      lander: read(lw.landerF, lw.lander),
      leg0: { ...read(lw.legF[0], lw.legs[0]), groundContact: lw.legContact[0] },
      leg1: { ...read(lw.legF[1], lw.legs[1]), groundContact: lw.legContact[1] },
    };
  }

  /** The moon's edge fixtures as Box2D stores them (float32), in creation order: bottom edge first. */
  moonEdges(): [[number, number], [number, number]][] {
    const lw = this.holder.world;
    if (!lw) return [];
    const B = this.B;
    const out: [[number, number], [number, number]][] = [];
    for (let fx = lw.moon.GetFixtureList(); B.getPointer(fx) !== 0; fx = fx.GetNext()) {
      const shapePtr = B.getPointer(fx.GetShape());
      const edge = B.wrapPointer(shapePtr, B.b2EdgeShape);
      const v1 = edge.get_m_vertex1();
      const v2 = edge.get_m_vertex2();
      out.push([
        [v1.get_x(), v1.get_y()],
        [v2.get_x(), v2.get_y()],
      ]);
      forgetWrapper(B, B.b2Vec2, B.getPointer(v1));
      forgetWrapper(B, B.b2Vec2, B.getPointer(v2));
      forgetWrapper(B, B.b2EdgeShape, shapePtr);
      forgetWrapper(B, B.b2Shape, shapePtr);
    }
    forgetWrapper(B, B.b2Fixture, 0);
    return out.reverse(); // Box2D prepends fixtures to the body's list
  }

  /**
   * What a renderer needs for Gymnasium's frame, in world units (× scale for pixels, y up):
   * black sky polygons over a white background, the two helipad flags, lander and leg polygons,
   * plus the last engine firing (for flames) and the wind.
   */
  renderState(): RenderState {
    const lw = this.holder.world;
    const t = this.terrainData;
    const base = { env: 'LunarLander-v3' as const, scale: SCALE, viewport: [VIEWPORT_W, VIEWPORT_H], world: [r3(W), r3(H)] };
    if (!lw || !t) return { ...base, ready: false };
    const f = this.B.HEAPF32;
    const poly = (F: number, local: readonly (readonly [number, number])[]): number[] => {
      const px = f[F + BODY_F32.posX];
      const py = f[F + BODY_F32.posY];
      const sn = f[F + BODY_F32.sin];
      const cs = f[F + BODY_F32.cos];
      const out: number[] = [];
      for (const [x, y] of local) out.push(r3(px + cs * x - sn * y), r3(py + sn * x + cs * y));
      return out;
    };
    const landerLocal = LANDER_POLY.map(([x, y]) => [x / SCALE, y / SCALE] as const);
    const hx = LEG_W / SCALE;
    const hy = LEG_H / SCALE;
    const legLocal = [
      [-hx, -hy],
      [hx, -hy],
      [hx, hy],
      [-hx, hy],
    ] as const;
    const L = lw.landerF;
    return {
      ...base,
      ready: true,
      skyPolys: t.skyPolys.map((p) => p.flatMap(([x, y]) => [r3(x), r3(y)])),
      helipad: { x1: t.helipadX1, x2: t.helipadX2, y: r3(t.helipadY) },
      lander: poly(L, landerLocal),
      landerPos: [r3(f[L + BODY_F32.posX]), r3(f[L + BODY_F32.posY])],
      landerAngle: r3(f[L + BODY_F32.angle]),
      legs: [poly(lw.legF[0], legLocal), poly(lw.legF[1], legLocal)],
      legContact: [lw.legContact[0], lw.legContact[1]],
      engine: { main: r3(this.lastMainPower), side: r3(this.lastSidePower), sideDirection: this.lastSideDirection },
      wind: { enabled: this.enableWind, force: r3(this.lastWind), torque: r3(this.lastTorque) },
      gameOver: lw.gameOver,
      awake: lw.lander.IsAwake() !== 0,
    };
  }

  /** Frees the Box2D world now; a later reset() builds a new one. */
  close(): void {
    this.holder.world?.destroy();
    this.holder.world = null;
  }
}

function describe(action: unknown): string {
  try {
    return ArrayBuffer.isView(action) ? `${action.constructor.name}[${String(action)}]` : (JSON.stringify(action) ?? String(action));
  } catch {
    return String(action);
  }
}

function checkDiscreteAction(action: unknown): number {
  if (typeof action === 'number' && Number.isInteger(action) && action >= 0 && action < 4) return action;
  throw new Error(
    `LunarLander-v3: invalid action ${describe(action)}; the action space is Discrete(4), so the action must be the number 0 (noop), 1 (left engine), 2 (main engine) or 3 (right engine)`,
  );
}

function checkContinuousAction(action: unknown): ArrayLike<number> {
  const a = action as ArrayLike<unknown>;
  if ((Array.isArray(action) || ArrayBuffer.isView(action)) && a.length === 2 && typeof a[0] === 'number' && typeof a[1] === 'number') {
    return a as ArrayLike<number>;
  }
  throw new Error(
    `LunarLander-v3 (continuous): invalid action ${describe(action)}; the action space is Box(-1, 1, (2,)), so the action must be two numbers [main, lateral]`,
  );
}
