/**
 * The renderer-agnostic scenes (main/lab/media/scene.ts) against Gymnasium's render() geometry:
 * CartPole's cart/pole/axle/track numbers, LunarLander's sky polygons, flags, lander and legs
 * (world × SCALE, y flipped), the exhaust, and the wind read-out that only wind episodes show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RenderState } from '../../main/lab/domain/envs.ts';
import { rgbToNumber, sceneFor, type RGB, type Scene, type Shape } from '../../main/lab/media/scene.ts';
import { ensureEnvReady, makeEnv } from '../../main/lab/envs/registry.ts';

type Polygon = Extract<Shape, { kind: 'polygon' }>;
type Pt = readonly [number, number];

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function assertPoints(actual: readonly Pt[], expected: readonly Pt[], what: string, tol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: point count`);
  actual.forEach((p, i) => {
    close(p[0], expected[i][0], tol, `${what}[${i}].x`);
    close(p[1], expected[i][1], tol, `${what}[${i}].y`);
  });
}

const sameColor = (a: RGB | undefined, b: RGB): boolean => a !== undefined && rgbToNumber(a) === rgbToNumber(b);
const polygons = (s: Scene, fill: RGB): Polygon[] => s.shapes.filter((x): x is Polygon => x.kind === 'polygon' && sameColor(x.fill, fill));

test('CartPole scene: Gymnasium geometry (scale 125 px/unit, cart 50×30 at y 100, pole 10×125 from the axle), y flipped', () => {
  // Numbers from gymnasium/envs/classic_control/cartpole.py render(), flipped to y-down by hand.
  const cases: { x: number; theta: number; cart: Pt[]; pole: Pt[]; axle: Pt }[] = [
    {
      x: 0,
      theta: 0,
      cart: [
        [275, 315],
        [275, 285],
        [325, 285],
        [325, 315],
      ],
      pole: [
        [295, 297.5],
        [295, 172.5],
        [305, 172.5],
        [305, 297.5],
      ],
      axle: [300, 292.5],
    },
    {
      x: 1.0,
      theta: 0.2,
      cart: [
        [400, 315],
        [400, 285],
        [450, 285],
        [450, 315],
      ],
      pole: [
        [419.10632, 296.406986],
        [443.939987, 173.898664],
        [453.740653, 175.885357],
        [428.906986, 298.39368],
      ],
      axle: [425, 292.5],
    },
    {
      x: -0.5,
      theta: -0.1,
      cart: [
        [212.5, 315],
        [212.5, 285],
        [262.5, 315 - 30],
        [262.5, 315],
      ],
      pole: [
        [233.024146, 297.974188],
        [220.544969, 173.598667],
        [230.495011, 172.600333],
        [242.974188, 296.975854],
      ],
      axle: [237.5, 292.5],
    },
  ];
  for (const c of cases) {
    const s = sceneFor({ env: 'CartPole-v1', x: c.x, theta: c.theta });
    assert.deepEqual([s.width, s.height, s.background], [600, 400, [255, 255, 255]]);
    const [cart, pole, axle, track] = s.shapes;
    assert.ok(cart.kind === 'polygon' && pole.kind === 'polygon' && axle.kind === 'circle' && track.kind === 'line');
    assert.deepEqual(cart.fill, [0, 0, 0]);
    assert.deepEqual(pole.fill, [202, 152, 101]);
    assert.deepEqual(axle.fill, [129, 132, 203]);
    assertPoints(cart.points, c.cart, `cart x=${c.x}`);
    assertPoints(pole.points, c.pole, `pole θ=${c.theta}`, 1e-5);
    assertPoints([[axle.x, axle.y]], [c.axle], 'axle');
    assert.equal(axle.r, 5);
    assert.deepEqual([track.x1, track.y1, track.x2, track.y2], [0, 300, 600, 300]);
  }
});

async function lunarStates(options: Record<string, unknown>, seed: number, actions: number[]): Promise<RenderState[]> {
  await ensureEnvReady('LunarLander-v3');
  const env = makeEnv('LunarLander-v3', options);
  env.reset({ seed });
  const out = [env.renderState()];
  for (const a of actions) {
    env.step(a);
    out.push(env.renderState());
  }
  env.close();
  return out;
}

interface LunarState {
  skyPolys: number[][];
  helipad: { x1: number; x2: number; y: number };
  lander: number[];
  landerPos: [number, number];
  landerAngle: number;
  legs: number[][];
}

const BODY: RGB = [128, 102, 230];
const toScreen = (flat: number[]): Pt[] => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i] * 30, 400 - flat[2 * i + 1] * 30] as Pt);

test('LunarLander scene (seeded reset): white moon, black sky polygons, flags at the helipad, lander and legs', async () => {
  const [state] = await lunarStates({}, 0, []);
  const st = state as unknown as LunarState;
  const s = sceneFor(state);
  assert.deepEqual([s.width, s.height, s.background], [600, 400, [255, 255, 255]]);

  // Ten sky quads: the terrain chunk on the bottom, the top of the viewport (y = H → 0) on top.
  const sky = polygons(s, [0, 0, 0]);
  assert.equal(sky.length, 10);
  sky.forEach((p, i) => assertPoints(p.points, toScreen(st.skyPolys[i]), `sky ${i}`));
  // (H = 13.333 after the state's 1e-3 rounding: 0.01 px short of the top edge.)
  assert.ok(
    sky.every((p) => Math.abs(p.points[2][1]) < 0.02 && Math.abs(p.points[3][1]) < 0.02),
    'sky reaches the top edge',
  );
  // Between the flags the ground is flat, at 0.99 × helipad_y (Gymnasium smooths heights with 0.33 × 3).
  const padY = 400 - st.helipad.y * 30;
  const pad = sky.filter((p) => p.points[0][0] >= st.helipad.x1 * 30 && p.points[1][0] <= st.helipad.x2 * 30);
  assert.equal(pad.length, 2);
  for (const p of pad) for (const q of p.points.slice(0, 2)) close(q[1], 400 - 0.99 * st.helipad.y * 30, 0.05, 'helipad ground');

  // Flags: a 50 px white pole at each helipad edge, a yellow pennant at its top pointing right.
  const poles = s.shapes.filter((x) => x.kind === 'line');
  assert.equal(poles.length, 2);
  const flags = polygons(s, [204, 204, 0]);
  assert.equal(flags.length, 2);
  [st.helipad.x1, st.helipad.x2].forEach((hx, i) => {
    const pole = poles[i];
    assert.ok(pole.kind === 'line');
    assert.deepEqual(pole.color, [255, 255, 255]);
    close(pole.x1, hx * 30 + 0.5, 1e-9, `pole ${i} x (pixel column centre)`);
    close(pole.y1, padY, 1e-9, `pole ${i} foot`);
    close(pole.y2, padY - 50, 1e-9, `pole ${i} top`);
    assertPoints(
      flags[i].points,
      [
        [hx * 30, padY - 50],
        [hx * 30, padY - 40],
        [hx * 30 + 25, padY - 45],
      ],
      `flag ${i}`,
    );
  });
  assert.deepEqual([st.helipad.x1 * 30, st.helipad.x2 * 30], [240, 360]);

  // Lander then legs, filled (128,102,230) and outlined (77,77,128).
  const bodies = polygons(s, BODY);
  assert.equal(bodies.length, 3);
  assert.ok(bodies.every((b) => sameColor(b.stroke, [77, 77, 128])));
  assertPoints(bodies[0].points, toScreen(st.lander), 'hull');
  assertPoints(bodies[1].points, toScreen(st.legs[0]), 'leg 0');
  assertPoints(bodies[2].points, toScreen(st.legs[1]), 'leg 1');
  // Hull centre: the body position × 30, y flipped (the hull's vertex mean sits 14/6 px above the
  // body origin along the lander's up axis).
  const [px, py] = [st.landerPos[0] * 30, 400 - st.landerPos[1] * 30];
  const mean = bodies[0].points.reduce((a, p) => [a[0] + p[0] / 6, a[1] + p[1] / 6], [0, 0]);
  close(mean[0], px - (14 / 6) * Math.sin(st.landerAngle), 0.1, 'hull centre x');
  close(mean[1], py - (14 / 6) * Math.cos(st.landerAngle), 0.1, 'hull centre y');
  close(px, 300, 5, 'starts near the top centre (x)');
  assert.ok(py < 20, 'starts at the top');

  // Draw order: sky under everything, flags over the lander (as in Gymnasium), and no wind read-out.
  const index = (x: Shape): number => s.shapes.indexOf(x);
  assert.ok(Math.max(...sky.map(index)) < index(bodies[0]));
  assert.ok(index(bodies[2]) < Math.min(...flags.map(index)));
  assert.equal(s.shapes.filter((x) => x.kind === 'text').length, 0);

  // Pure: the same state gives the same scene, and JSON round trips do not change it.
  assert.deepEqual(sceneFor(JSON.parse(JSON.stringify(state)) as RenderState), s);
});

test('LunarLander scene: exhaust dots only while an engine fires, behind the lander, never under the ground', async () => {
  // Reset, then main engine, noop, left engine (action 1 → fires out of the right side), right engine.
  const states = await lunarStates({}, 4, [2, 0, 1, 3]);
  const dots = (s: Scene): Extract<Shape, { kind: 'circle' }>[] => s.shapes.filter((x): x is Extract<Shape, { kind: 'circle' }> => x.kind === 'circle');
  const [reset, main, noop, left, right] = states.map(sceneFor);
  assert.equal(dots(reset).length, 0);
  assert.equal(dots(noop).length, 0);
  assert.equal(dots(main).length, 6, 'full throttle: six particle ages');
  assert.deepEqual(dots(main)[0].fill, [255, 108, 108], "Gymnasium's colour of a fresh particle");
  assert.ok(dots(main).every((d) => d.r === 2));
  const pos = (i: number): [number, number] => {
    const st = states[i] as unknown as LunarState;
    return [st.landerPos[0] * 30, 400 - st.landerPos[1] * 30];
  };
  assert.ok(
    dots(main).every((d) => d.y > pos(1)[1] + 10),
    'main engine: below the hull',
  );
  assert.ok(
    dots(left).every((d) => d.x > pos(3)[0] + 15),
    'action 1: out of the right side',
  );
  assert.ok(
    dots(right).every((d) => d.x < pos(4)[0] - 15),
    'action 3: out of the left side',
  );
  const firstBody = main.shapes.findIndex((x) => x.kind === 'polygon' && sameColor(x.fill, BODY));
  assert.ok(main.shapes.findIndex((x) => x.kind === 'circle') < firstBody, 'exhaust drawn before the lander');

  // Near the surface the trail stops at the ground instead of running into the moon.
  const st = states[1] as unknown as LunarState & Record<string, unknown>;
  const low = { ...st, landerPos: [10, st.helipad.y + 0.9], landerAngle: 0 } as unknown as RenderState;
  const lowDots = dots(sceneFor(low));
  assert.ok(lowDots.length > 0 && lowDots.length < 6, `${lowDots.length} dots above the ground`);
  assert.ok(lowDots.every((d) => d.y + d.r <= 400 - st.helipad.y * 30 + 1e-9));
});

test('LunarLander scene: a wind arrow and value only with enable_wind', async () => {
  const [, windy] = await lunarStates({ enable_wind: true }, 0, [0]);
  const [, calm] = await lunarStates({}, 0, [0]);
  const force = (windy as unknown as { wind: { force: number } }).wind.force;
  assert.notEqual(force, 0);
  const w = sceneFor(windy);
  const texts = w.shapes.filter((x) => x.kind === 'text');
  assert.equal(texts.length, 1);
  assert.ok(texts[0].kind === 'text');
  assert.match(texts[0].text, /^wind [+−]\d+\.\d$/);
  assert.equal(texts[0].text, `wind ${force > 0 ? '+' : '−'}${Math.abs(force).toFixed(1)}`);
  // The arrow points along the force: its head (last polygon) is on the force's side of the shaft.
  const shaft = w.shapes.find((x) => x.kind === 'line' && x.width === 2);
  assert.ok(shaft && shaft.kind === 'line');
  assert.equal(Math.sign(shaft.x2 - shaft.x1), Math.sign(force));

  const c = sceneFor(calm);
  assert.equal(c.shapes.filter((x) => x.kind === 'text').length, 0);
  assert.equal(c.shapes.length, w.shapes.length - 3, 'wind adds exactly a label, a shaft and a head');
});

test('LunarLander scene: tolerates states without an episode and malformed fields', () => {
  const before = sceneFor({ env: 'LunarLander-v3', ready: false });
  assert.ok(before.shapes.length > 0);
  const junk = sceneFor({
    env: 'LunarLander-v3',
    ready: true,
    skyPolys: ['x', [1, 2]],
    lander: [1, 2, 3],
    legs: 'no',
    helipad: null,
    engine: { main: 'a' },
    wind: 7,
  });
  assert.deepEqual(junk.shapes, []);
  assert.deepEqual(junk.background, [255, 255, 255]);
});
