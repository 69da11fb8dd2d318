/** numpy-rng.ts against numpy 1.24 outputs recorded in ../shared/refdata/rng.json (bit-exact). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Generator, PCG64, PCG64_MULTIPLIER, SeedSequence, npRandom, seedToU32Words } from '../../main/lab/envs/numpy-rng.ts';

interface Big {
  hex: string;
  dec: string;
}
interface RecState {
  state: Big;
  inc: Big;
  has_uint32: number;
  uinteger: number;
}
interface SeedEntry {
  seed: number | string;
  seed_str: string;
  seedsequence: {
    entropy_u32_words: number[];
    pool_u32: number[];
    generate_state_8_u32: number[];
    generate_state_4_u64: Big[];
  };
  pcg64_state_after_seeding: RecState;
  random_raw_10: Big[];
  random_10: number[];
  'uniform_m0.05_0.05_size4': number[];
  uniform_0_Hhalf_size12: number[];
  integers_m9999_9999_x2: number[];
  state_after_integers_x2: RecState;
  uniform_m1_1_after_integers: number;
  integers_4_scalar_x10: number[];
  gymnasium_np_random: { np_random_seed: string; state: RecState };
}
interface RngRef {
  constants: { pcg64_multiplier: Big };
  seeds: SeedEntry[];
}

const REF_URL = new URL('../../../shared/refdata/rng.json', import.meta.url);

let cached: RngRef | undefined;
function ref(): RngRef {
  if (cached) return cached;
  const path = fileURLToPath(REF_URL);
  if (!existsSync(path)) {
    throw new Error(`reference data missing: ${path} (recorded from numpy 1.24; see shared/refdata/README.md)`);
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as RngRef;
  return cached;
}

const big = (b: Big): bigint => BigInt(b.hex);
const recState = (s: RecState) => ({ state: big(s.state), inc: big(s.inc), hasUint32: s.has_uint32 ? (1 as const) : (0 as const), uinteger: s.uinteger });
const seedOf = (e: SeedEntry): bigint => BigInt(e.seed_str);
const gen = (e: SeedEntry): Generator => npRandom(seedOf(e));

test('refdata covers small, 32/64-bit-boundary and huge seeds', () => {
  const seeds = ref().seeds.map((e) => e.seed_str);
  for (const s of ['0', '19', '4294967295', '4294967296', '9007199254740991', '18446744073709551621', '12345678901234567890123']) {
    assert.ok(seeds.includes(s), `seed ${s} present`);
  }
  assert.equal(big(ref().constants.pcg64_multiplier), PCG64_MULTIPLIER);
});

test('SeedSequence: entropy words, pool and generate_state', () => {
  for (const e of ref().seeds) {
    const ss = new SeedSequence(seedOf(e));
    const rec = e.seedsequence;
    assert.deepEqual(seedToU32Words(seedOf(e)), rec.entropy_u32_words, `words, seed ${e.seed_str}`);
    assert.deepEqual([...ss.pool], rec.pool_u32, `pool, seed ${e.seed_str}`);
    assert.deepEqual([...ss.generateState(8)], rec.generate_state_8_u32, `u32 state, seed ${e.seed_str}`);
    assert.deepEqual(ss.generateState64(4), rec.generate_state_4_u64.map(big), `u64 state, seed ${e.seed_str}`);
  }
});

test('PCG64 state after seeding', () => {
  for (const e of ref().seeds) {
    assert.deepEqual(new PCG64(seedOf(e)).getState(), recState(e.pcg64_state_after_seeding), `seed ${e.seed_str}`);
  }
});

test('number and bigint seeds agree where both are possible', () => {
  for (const e of ref().seeds) {
    const b = seedOf(e);
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    assert.deepEqual(npRandom(Number(b)).getState(), npRandom(b).getState(), `seed ${e.seed_str}`);
  }
});

test('random_raw: first 10 next_uint64 outputs', () => {
  for (const e of ref().seeds) {
    const g = gen(e);
    assert.deepEqual(
      Array.from({ length: 10 }, () => g.nextUint64()),
      e.random_raw_10.map(big),
      `seed ${e.seed_str}`,
    );
  }
});

test('random(): first 10 doubles', () => {
  for (const e of ref().seeds) {
    const g = gen(e);
    assert.deepEqual(
      Array.from({ length: 10 }, () => g.random()),
      e.random_10,
      `seed ${e.seed_str}`,
    );
  }
});

test('uniform(): CartPole reset bounds and LunarLander terrain draws', () => {
  const hHalf = 400 / 30 / 2;
  for (const e of ref().seeds) {
    let g = gen(e);
    assert.deepEqual(
      Array.from({ length: 4 }, () => g.uniform(-0.05, 0.05)),
      e['uniform_m0.05_0.05_size4'],
      `seed ${e.seed_str}`,
    );
    g = gen(e);
    assert.deepEqual(
      Array.from({ length: 12 }, () => g.uniform(0, hHalf)),
      e.uniform_0_Hhalf_size12,
      `seed ${e.seed_str}`,
    );
  }
});

test('integers(-9999, 9999) x2 (buffered 32-bit halves), state after, then a uniform', () => {
  for (const e of ref().seeds) {
    const g = gen(e);
    assert.deepEqual([g.integers(-9999, 9999), g.integers(-9999, 9999)], e.integers_m9999_9999_x2, `seed ${e.seed_str}`);
    assert.deepEqual(g.getState(), recState(e.state_after_integers_x2), `state, seed ${e.seed_str}`);
    assert.equal(g.uniform(-1, 1), e.uniform_m1_1_after_integers, `uniform after, seed ${e.seed_str}`);
  }
});

test('integers(4) scalar x10 (Discrete(4).sample())', () => {
  for (const e of ref().seeds) {
    const g = gen(e);
    assert.deepEqual(
      Array.from({ length: 10 }, () => g.integers(4)),
      e.integers_4_scalar_x10,
      `seed ${e.seed_str}`,
    );
    const h = gen(e);
    assert.deepEqual(
      Array.from({ length: 10 }, () => h.integers(0, 4)),
      e.integers_4_scalar_x10,
      `two-arg form, seed ${e.seed_str}`,
    );
  }
});

test('npRandom(seed) matches gymnasium.utils.seeding.np_random', () => {
  for (const e of ref().seeds) {
    const g = gen(e);
    assert.deepEqual(g.getState(), recState(e.gymnasium_np_random.state), `seed ${e.seed_str}`);
    assert.equal(g.seed, BigInt(e.gymnasium_np_random.np_random_seed));
  }
});

test('setState restores a recorded state, including the buffered half-word', () => {
  for (const e of ref().seeds.slice(0, 5)) {
    const g = npRandom(1);
    g.setState(recState(e.state_after_integers_x2));
    assert.equal(g.uniform(-1, 1), e.uniform_m1_1_after_integers);
    // With the buffer flagged full, the next 32-bit draw is the stored high half.
    const h = npRandom(1);
    h.setState({ ...recState(e.state_after_integers_x2), hasUint32: true, uinteger: 12345 });
    assert.equal(h.nextUint32(), 12345);
    assert.equal(h.getState().hasUint32, 0);
  }
});

test('nextUint32: low half first, high half buffered', () => {
  const e = ref().seeds[0];
  const raw = big(e.random_raw_10[0]);
  const g = gen(e);
  assert.equal(g.nextUint32(), Number(raw & 0xffffffffn));
  assert.deepEqual(g.getState().hasUint32, 1);
  assert.equal(g.nextUint32(), Number(raw >> 32n));
  assert.equal(g.nextUint64(), big(e.random_raw_10[1]));
});

/** numpy's buffered_bounded_lemire_uint32 written with BigInt, to check large ranges (rejections are common there). */
function lemireRef(next32: () => number, low: number, high: number): number {
  const rng = BigInt(high - 1 - low);
  const rngExcl = rng + 1n;
  let m = BigInt(next32()) * rngExcl;
  let leftover = m & 0xffffffffn;
  if (leftover < rngExcl) {
    const threshold = (0xffffffffn - rng) % rngExcl;
    while (leftover < threshold) {
      m = BigInt(next32()) * rngExcl;
      leftover = m & 0xffffffffn;
    }
  }
  return low + Number(m >> 32n);
}

test('integers(): large ranges and rejection path agree with a BigInt model', () => {
  for (const [low, high] of [
    [0, 3_000_000_001],
    [-5, 2_500_000_000],
    [7, 19998 + 7],
    [0, 2 ** 31 + 12345],
  ]) {
    const g = npRandom(2024);
    const r = npRandom(2024);
    for (let k = 0; k < 2000; k++)
      assert.equal(
        g.integers(low, high),
        lemireRef(() => r.nextUint32(), low, high),
        `(${low}, ${high}) draw ${k}`,
      );
    assert.deepEqual(g.getState(), r.getState());
  }
});

test('integers(): edge cases', () => {
  const g = npRandom(3);
  const before = g.getState();
  assert.equal(g.integers(5, 6), 5); // a one-value range draws nothing
  assert.deepEqual(g.getState(), before);
  const r = npRandom(3);
  assert.equal(g.integers(10, 10 + 2 ** 32), 10 + r.nextUint32()); // full 32-bit range: a raw draw
  assert.throws(() => g.integers(0, 2 ** 32 + 1), /not supported/);
  assert.throws(() => g.integers(3, 3), /low >= high/);
  assert.throws(() => g.integers(0.5, 3), /integers/);
});

test('invalid seeds are rejected', () => {
  assert.throws(() => npRandom(-1), /non-negative/);
  assert.throws(() => npRandom(1.5), /non-negative/);
  assert.throws(() => npRandom(Number.NaN), /non-negative/);
  assert.throws(() => npRandom(2 ** 60), /bigint/);
  assert.throws(() => npRandom(-1n), /non-negative/);
});

test('npRandom() without a seed uses 128-bit OS entropy', () => {
  const a = npRandom();
  const b = npRandom();
  assert.equal(typeof a.seed, 'bigint');
  assert.ok((a.seed as bigint) < 1n << 128n);
  assert.notEqual(a.seed, b.seed);
  assert.notEqual(a.random(), b.random());
});
