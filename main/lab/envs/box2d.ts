/**
 * Loads box2d-wasm (Box2D 2.4.1 compiled to WebAssembly) once per process and shares it.
 *
 * The loader is async (wasm instantiation), so callers `await loadBox2D()` (or the registry's
 * `ensureEnvReady`) before building a Box2D env; envs then take the module synchronously from
 * `requireBox2D()`. Besides loading, this file knows two facts about the wasm build that the envs use
 * for speed and for keeping memory flat: where b2Body keeps its transform and velocities (read
 * straight from the heap instead of allocating wrapper objects), and how to drop the JS wrapper
 * objects that the Emscripten glue caches per pointer.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type Box2DFactory from 'box2d-wasm';

/** The instantiated module: the Box2D classes plus the Emscripten heap views. */
export type Box2DModule = Awaited<ReturnType<typeof Box2DFactory>>;

/**
 * Float32 word offsets (byte offset / 4) inside a b2Body for Box2D 2.4.1's layout. Checked against
 * the API getters when the module loads, so a different build fails loudly instead of misreading.
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
 * Byte offsets of b2RevoluteJoint 2.4.1 fields that the LunarLander port rewrites between steps (to
 * give its leg limits Box2D 2.3's semantics without SetLimits/EnableLimit, which wake the bodies and
 * reset their sleep timers). Verified against the API getters and setters at load.
 */
export const REVOLUTE_BYTES = Object.freeze({
  lowerImpulse: 96,
  upperImpulse: 100,
  /** bool (one byte) */
  enableLimit: 116,
  referenceAngle: 120,
  lowerAngle: 124,
  upperAngle: 128,
});

let loaded: Box2DModule | undefined;
let loading: Promise<Box2DModule> | undefined;

type EmscriptenFactory = (opts: { wasmBinary: Uint8Array }) => Promise<Box2DModule>;

/** Instantiates one of the package's two builds; the glue is CommonJS, so it is loaded with require. */
async function instantiate(file: 'Box2D.simd' | 'Box2D'): Promise<Box2DModule> {
  const require = createRequire(import.meta.url);
  const jsPath = require.resolve(`box2d-wasm/dist/umd/${file}.js`);
  const factory = require(jsPath) as EmscriptenFactory;
  // Passing the bytes skips the glue's fetch() path, which fails on file paths under Node ≥ 18.
  return factory({ wasmBinary: readFileSync(jsPath.replace(/\.js$/, '.wasm')) });
}

/**
 * The glue installs process-wide 'uncaughtException'/'unhandledRejection' handlers that rethrow;
 * they would change how the host app handles errors, so the ones it added are removed again.
 */
async function withoutGlueProcessHandlers<T>(load: () => Promise<T>): Promise<T> {
  type Listener = (...args: unknown[]) => void;
  const before = {
    uncaughtException: new Set<Listener>(process.listeners('uncaughtException') as Listener[]),
    unhandledRejection: new Set<Listener>(process.listeners('unhandledRejection') as Listener[]),
  };
  try {
    return await load();
  } finally {
    for (const l of process.listeners('uncaughtException') as Listener[]) if (!before.uncaughtException.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection') as Listener[])
      if (!before.unhandledRejection.has(l)) process.removeListener('unhandledRejection', l);
  }
}

/** Loads (once) and returns the Box2D module. Safe to call many times and concurrently. */
export function loadBox2D(): Promise<Box2DModule> {
  if (loaded) return Promise.resolve(loaded);
  if (!loading) {
    loading = withoutGlueProcessHandlers(async () => {
      let B: Box2DModule;
      try {
        B = await instantiate('Box2D.simd');
      } catch {
        B = await instantiate('Box2D'); // engines without wasm SIMD
      }
      checkBodyLayout(B);
      checkRevoluteLayout(B);
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

/** Drops the Emscripten glue's cached JS wrapper for a pointer (after the C++ object is gone). */
export function forgetWrapper(B: Box2DModule, cls: typeof Box2D.WrapperObject, ptr: number): void {
  delete (B.getCache(cls) as Record<number, unknown>)[ptr];
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
    const ok =
      f[base + BODY_F32.posX] === body.GetPosition().x &&
      f[base + BODY_F32.posY] === body.GetPosition().y &&
      f[base + BODY_F32.angle] === body.GetAngle() &&
      Math.abs(f[base + BODY_F32.sin] - Math.sin(0.375)) < 1e-6 &&
      Math.abs(f[base + BODY_F32.cos] - Math.cos(0.375)) < 1e-6 &&
      f[base + BODY_F32.velX] === body.GetLinearVelocity().x &&
      f[base + BODY_F32.velY] === body.GetLinearVelocity().y &&
      f[base + BODY_F32.angVel] === body.GetAngularVelocity() &&
      body.GetAngularVelocity() === -0.625;
    forgetWrapper(B, B.b2Vec2, B.getPointer(body.GetPosition()));
    forgetWrapper(B, B.b2Vec2, B.getPointer(body.GetLinearVelocity()));
    forgetWrapper(B, B.b2Body, B.getPointer(body));
    if (!ok) throw new Error('box2d-wasm: unexpected b2Body memory layout (expected Box2D 2.4.1 as built by box2d-wasm 7.0.0)');
  } finally {
    B.destroy(def);
    B.destroy(world);
    B.destroy(v);
  }
}

/** Verifies REVOLUTE_BYTES on a throw-away joint: reads against getters, writes against getters. */
function checkRevoluteLayout(B: Box2DModule): void {
  const v = new B.b2Vec2(0, 0);
  const world = new B.b2World(v);
  const bd = new B.b2BodyDef();
  const jd = new B.b2RevoluteJointDef();
  try {
    bd.set_type(B.b2_dynamicBody);
    const a = world.CreateBody(bd);
    const b = world.CreateBody(bd);
    jd.set_bodyA(a);
    jd.set_bodyB(b);
    jd.set_referenceAngle(0.0625);
    jd.set_enableLimit(true);
    jd.set_lowerAngle(-0.375);
    jd.set_upperAngle(0.875);
    const joint = B.castObject(world.CreateJoint(jd), B.b2RevoluteJoint);
    const J = B.getPointer(joint);
    const f32 = (off: number): number => B.HEAPF32[(J + off) >> 2];
    const R = REVOLUTE_BYTES;
    let ok =
      f32(R.referenceAngle) === joint.GetReferenceAngle() &&
      f32(R.lowerAngle) === joint.GetLowerLimit() &&
      f32(R.upperAngle) === joint.GetUpperLimit() &&
      B.HEAPU8[J + R.enableLimit] === 1 &&
      f32(R.lowerImpulse) === 0 &&
      f32(R.upperImpulse) === 0;
    B.HEAPF32[(J + R.lowerAngle) >> 2] = -0.25;
    B.HEAPF32[(J + R.upperAngle) >> 2] = 0.5;
    B.HEAPU8[J + R.enableLimit] = 0;
    ok = ok && joint.GetLowerLimit() === -0.25 && joint.GetUpperLimit() === 0.5 && !joint.IsLimitEnabled();
    forgetWrapper(B, B.b2RevoluteJoint, J);
    forgetWrapper(B, B.b2Joint, J);
    forgetWrapper(B, B.b2Body, B.getPointer(a));
    forgetWrapper(B, B.b2Body, B.getPointer(b));
    if (!ok) throw new Error('box2d-wasm: unexpected b2RevoluteJoint memory layout (expected Box2D 2.4.1 as built by box2d-wasm 7.0.0)');
  } finally {
    B.destroy(jd);
    B.destroy(bd);
    B.destroy(world);
    B.destroy(v);
  }
}
