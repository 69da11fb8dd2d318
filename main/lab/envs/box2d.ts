/**
 * Loads box2d.js (Box2D 2.3.1 compiled to asm.js by Emscripten) once per process and shares it.
 *
 * Why this build: Gymnasium's LunarLander runs pybox2d 2.3.10, whose C++ core is Box2D 2.3.x. This
 * 2.3.1 build has the same solver; its sources differ in damping and polygon–polygon collision (unused
 * here) and in how a time-of-impact sweep is interpolated (rounding only, on fast impacts), so the port
 * follows Gymnasium's trajectories to float32 rounding (BENCHMARKS.md, "LunarLander parity"). V8
 * compiles the asm.js module to wasm at load (~0.4 s, synchronous). Floats are stored as float32 but
 * intermediate arithmetic runs in double (the build has no Math.fround), hence 1-ulp differences.
 *
 * `await loadBox2D()` (or the registry's `ensureEnvReady`) before building a Box2D env; envs then
 * take the module synchronously from `requireBox2D()`. Besides loading, this file knows where b2Body
 * keeps its transform and velocities (read straight from the heap instead of allocating wrapper
 * objects) and how to drop the JS wrapper objects that the glue caches per pointer.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';

/** The part of box2d.js's WebIDL glue the envs use (the package ships no types). */
export interface B2Vec2 {
  Set(x: number, y: number): void;
  get_x(): number;
  get_y(): number;
}
export type B2Shape = object;
export interface B2EdgeShape extends B2Shape {
  Set(v1: B2Vec2, v2: B2Vec2): void;
  get_m_vertex1(): B2Vec2;
  get_m_vertex2(): B2Vec2;
}
export interface B2PolygonShape extends B2Shape {
  /** `vertices` is a pointer to `count` b2Vec2 in the heap. */
  Set(vertices: number, count: number): void;
  SetAsBox(hx: number, hy: number): void;
}
export interface B2Filter {
  set_categoryBits(v: number): void;
  set_maskBits(v: number): void;
  set_groupIndex(v: number): void;
}
export interface B2FixtureDef {
  set_shape(s: B2Shape): void;
  set_density(v: number): void;
  set_friction(v: number): void;
  set_restitution(v: number): void;
  set_isSensor(v: boolean): void;
  /** The def's own b2Filter (writes go into the def). */
  get_filter(): B2Filter;
}
export interface B2Fixture {
  GetNext(): B2Fixture;
  GetShape(): B2Shape;
}
export interface B2BodyDef {
  set_type(t: number): void;
  set_position(v: B2Vec2): void;
  set_angle(a: number): void;
  set_linearVelocity(v: B2Vec2): void;
  set_angularVelocity(w: number): void;
}
export interface B2Body {
  CreateFixture(def: B2FixtureDef): B2Fixture;
  ApplyForceToCenter(force: B2Vec2, wake: boolean): void;
  ApplyTorque(torque: number, wake: boolean): void;
  ApplyLinearImpulse(impulse: B2Vec2, point: B2Vec2, wake: boolean): void;
  /** The glue returns C++ bools as 0 / 1. */
  IsAwake(): number;
  GetFixtureList(): B2Fixture;
  GetPosition(): B2Vec2;
  GetLinearVelocity(): B2Vec2;
  GetAngle(): number;
  GetAngularVelocity(): number;
}
export interface B2RevoluteJointDef {
  set_bodyA(b: B2Body): void;
  set_bodyB(b: B2Body): void;
  set_localAnchorA(v: B2Vec2): void;
  set_localAnchorB(v: B2Vec2): void;
  set_referenceAngle(a: number): void;
  set_collideConnected(v: boolean): void;
  set_enableMotor(v: boolean): void;
  set_enableLimit(v: boolean): void;
  set_maxMotorTorque(v: number): void;
  set_motorSpeed(v: number): void;
  set_lowerAngle(v: number): void;
  set_upperAngle(v: number): void;
}
export type B2Joint = object;
export interface B2Contact {
  GetFixtureA(): B2Fixture;
  GetFixtureB(): B2Fixture;
}
/** Its four callbacks are assigned as own properties; each receives a b2Contact pointer. */
export type JSContactListener = object;
export interface B2World {
  SetContactListener(l: JSContactListener): void;
  CreateBody(def: B2BodyDef): B2Body;
  CreateJoint(def: B2RevoluteJointDef): B2Joint;
  Step(timeStep: number, velocityIterations: number, positionIterations: number): void;
}

/** A glue class: the token that wrapPointer, getCache and castObject take. */
export interface WrapperClass<T> {
  readonly prototype: T;
}
type Ctor<T, A extends unknown[] = []> = WrapperClass<T> & (new (...args: A) => T);

/** The loaded module: the Box2D classes plus the Emscripten heap views. */
export interface Box2DModule {
  b2Vec2: Ctor<B2Vec2, [number, number]>;
  b2World: Ctor<B2World, [B2Vec2]>;
  b2BodyDef: Ctor<B2BodyDef>;
  b2FixtureDef: Ctor<B2FixtureDef>;
  b2EdgeShape: Ctor<B2EdgeShape>;
  b2PolygonShape: Ctor<B2PolygonShape>;
  b2RevoluteJointDef: Ctor<B2RevoluteJointDef>;
  JSContactListener: Ctor<JSContactListener>;
  b2Body: WrapperClass<B2Body>;
  b2Fixture: WrapperClass<B2Fixture>;
  b2Shape: WrapperClass<B2Shape>;
  b2Joint: WrapperClass<B2Joint>;
  b2Contact: WrapperClass<B2Contact>;
  b2_staticBody: number;
  b2_dynamicBody: number;
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  getPointer(obj: object): number;
  wrapPointer<T>(ptr: number, cls: WrapperClass<T>): T;
  destroy(obj: object): void;
  getCache(cls: WrapperClass<unknown>): Record<number, unknown>;
}

/**
 * Float32 word offsets (byte offset / 4) inside a b2Body (Box2D 2.3.1, 32-bit pointers). Checked
 * against the API getters when the module loads, so a different build fails loudly instead of misreading.
 */
export const BODY_F32 = Object.freeze({
  /** m_xf.p.x, m_xf.p.y, m_xf.q.s, m_xf.q.c */
  posX: 3,
  posY: 4,
  sin: 5,
  cos: 6,
  /** m_sweep.a: the angle GetAngle() returns (unwrapped, may exceed ±π). */
  angle: 14,
  velX: 16,
  velY: 17,
  angVel: 18,
});

/**
 * The asm.js heap cannot grow (the build has no ALLOW_MEMORY_GROWTH) and defaults to 16 MiB, which
 * holds only ~67 LunarLander worlds (~230 KB each, mostly Box2D's per-world stack and block
 * allocators), fewer than n_envs allows (256). 256 MiB holds ~1,100; the pages are touched only as
 * used, so the resident size does not change.
 */
const HEAP_BYTES = 256 * 1024 * 1024;

let loaded: Box2DModule | undefined;
let loading: Promise<Box2DModule> | undefined;

/**
 * Evaluates the package's script with its own `Module` (where Emscripten reads TOTAL_MEMORY), the way
 * Node's CommonJS loader would otherwise run it. The glue adds a process-wide 'uncaughtException'
 * handler that rethrows; it would change how the host app handles errors, so it is removed again.
 */
function instantiate(): Box2DModule {
  const require = createRequire(import.meta.url);
  const file = require.resolve('box2d.js');
  const before = new Set(process.listeners('uncaughtException'));
  try {
    const run = runInThisContext(`(function (Module, require, module) {${readFileSync(file, 'utf8')}\n})`, { filename: file }) as (
      module: { TOTAL_MEMORY: number },
      req: NodeJS.Require,
      mod: { exports: unknown },
    ) => void;
    const mod = { exports: undefined as unknown };
    run({ TOTAL_MEMORY: HEAP_BYTES }, require, mod);
    return mod.exports as Box2DModule;
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!before.has(l)) process.removeListener('uncaughtException', l);
  }
}

/** Loads (once) and returns the Box2D module. Safe to call many times and concurrently. */
export function loadBox2D(): Promise<Box2DModule> {
  if (loaded) return Promise.resolve(loaded);
  if (!loading) {
    // Async for callers (the registry's contract for envs that need loading), synchronous inside.
    loading = Promise.resolve().then(() => {
      const B = instantiate();
      checkBodyLayout(B);
      loaded = B;
      return B;
    });
    // A failed load may be retried by the next caller.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** The loaded module, or undefined if loadBox2D() has not finished yet. */
export function box2dIfLoaded(): Box2DModule | undefined {
  return loaded;
}

/** The loaded module; throws a clear error naming `who` if it has not been loaded (awaited) yet. */
export function requireBox2D(who: string): Box2DModule {
  if (!loaded) {
    throw new Error(
      `${who} needs the Box2D physics engine, which loads asynchronously: ` +
        `call "await ensureEnvReady('${who}')" (registry.ts) or "await loadBox2D()" (box2d.ts) before creating it`,
    );
  }
  return loaded;
}

/** Drops the glue's cached JS wrapper for a pointer (after the C++ object is gone). */
export function forgetWrapper(B: Box2DModule, cls: WrapperClass<unknown>, ptr: number): void {
  delete B.getCache(cls)[ptr];
}

/** Verifies BODY_F32 against the API on a throw-away world. */
function checkBodyLayout(B: Box2DModule): void {
  const v = new B.b2Vec2(0, -10);
  const world = new B.b2World(v);
  const def = new B.b2BodyDef();
  try {
    def.set_type(B.b2_dynamicBody);
    v.Set(1.25, -2.5);
    def.set_position(v);
    def.set_angle(0.375);
    v.Set(3.5, -4.75);
    def.set_linearVelocity(v);
    def.set_angularVelocity(-0.625);
    const body = world.CreateBody(def);
    const base = B.getPointer(body) >> 2;
    const f = B.HEAPF32;
    const pos = body.GetPosition();
    const vel = body.GetLinearVelocity();
    const ok =
      f[base + BODY_F32.posX] === pos.get_x() &&
      f[base + BODY_F32.posY] === pos.get_y() &&
      f[base + BODY_F32.angle] === body.GetAngle() &&
      Math.abs(f[base + BODY_F32.sin] - Math.sin(0.375)) < 1e-6 &&
      Math.abs(f[base + BODY_F32.cos] - Math.cos(0.375)) < 1e-6 &&
      f[base + BODY_F32.velX] === vel.get_x() &&
      f[base + BODY_F32.velY] === vel.get_y() &&
      f[base + BODY_F32.angVel] === body.GetAngularVelocity() &&
      body.GetAngularVelocity() === -0.625;
    forgetWrapper(B, B.b2Vec2, B.getPointer(pos));
    forgetWrapper(B, B.b2Vec2, B.getPointer(vel));
    forgetWrapper(B, B.b2Body, B.getPointer(body));
    if (!ok) throw new Error('box2d.js: unexpected b2Body memory layout (expected Box2D 2.3.1 as built by box2d.js 1.0.4)');
  } finally {
    B.destroy(def);
    B.destroy(world);
    B.destroy(v);
  }
}
