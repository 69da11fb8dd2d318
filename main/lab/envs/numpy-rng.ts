/**
 * numpy-compatible random numbers: SeedSequence → PCG64 → Generator, bit-exact with numpy 1.24
 * (what Gymnasium's `np_random(seed)` builds), so seeded envs reproduce Gymnasium's trajectories.
 *
 * Browser-safe: no node imports; OS entropy comes from `globalThis.crypto.getRandomValues`.
 * The hot path (next 64-bit output, next double) uses no BigInt: the 128-bit LCG state is six
 * 24-bit limbs held in plain numbers, so every limb product (< 2^48) and every column sum
 * (< 2^51) is exact in a double. BigInt is used only for seeding and get/setState.
 */

const M32 = 0xffffffff;
const MASK128 = (1n << 128n) - 1n;

// SeedSequence hash constants (numpy/random/bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** PCG64's default 128-bit multiplier, and as 24-bit limbs (least significant first; M5 holds bits 120..127). */
export const PCG64_MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;
const M0 = 0xccf645;
const M1 = 0xdf649f;
const M2 = 0xa44385;
const M3 = 0x1fc65d;
const M4 = 0x60ed05;
const M5 = 0x23;

const TWO_POW_M53 = 1 / 9007199254740992;
const TWO_POW_21 = 2097152;
const INV_2_24 = 1 / 16777216;

export type Seed = number | bigint;

function seedToBigInt(seed: Seed): bigint {
  if (typeof seed === 'bigint') {
    if (seed < 0n) throw new Error(`seed must be a non-negative integer, got ${seed}`);
    return seed;
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed must be a non-negative safe integer (use a bigint above 2^53), got ${String(seed)}`);
  }
  return BigInt(seed);
}

/** Little-endian 32-bit words of a non-negative integer; 0 → [0] (numpy's _coerce_to_uint32_array). */
export function seedToU32Words(seed: Seed): number[] {
  let n = seedToBigInt(seed);
  if (n === 0n) return [0];
  const out: number[] = [];
  while (n > 0n) {
    out.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return out;
}

/** numpy.random.SeedSequence (no spawn key, pool size 4). */
export class SeedSequence {
  readonly entropy: bigint;
  readonly entropyWords: readonly number[];
  /** The mixed 4-word pool (u32). */
  readonly pool: readonly number[];

  constructor(entropy: Seed) {
    this.entropy = seedToBigInt(entropy);
    this.entropyWords = seedToU32Words(entropy);
    this.pool = mixEntropy(this.entropyWords);
  }

  /** generate_state(n, dtype=uint32). */
  generateState(nWords: number): Uint32Array {
    const out = new Uint32Array(nWords);
    let hashConst = INIT_B;
    for (let i = 0; i < nWords; i++) {
      let v = (this.pool[i % POOL_SIZE] ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      v = Math.imul(v, hashConst) >>> 0;
      v = (v ^ (v >>> XSHIFT)) >>> 0;
      out[i] = v;
    }
    return out;
  }

  /** generate_state(n, dtype=uint64): pairs of u32 words, low word first. */
  generateState64(nWords: number): bigint[] {
    const w = this.generateState(2 * nWords);
    const out: bigint[] = [];
    for (let i = 0; i < nWords; i++) out.push(BigInt(w[2 * i]) | (BigInt(w[2 * i + 1]) << 32n));
    return out;
  }
}

function mixEntropy(entropy: readonly number[]): number[] {
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    let v = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    v = Math.imul(v, hashConst) >>> 0;
    return (v ^ (v >>> XSHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    let r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    r = (r ^ (r >>> XSHIFT)) >>> 0;
    return r;
  };
  const pool = new Array<number>(POOL_SIZE).fill(0);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  return pool;
}

/** Bit-generator state in numpy's terms (`bit_generator.state['state']` plus the uint32 buffer). */
export interface PCG64State {
  state: bigint;
  inc: bigint;
  hasUint32: boolean | 0 | 1;
  uinteger: number;
}

/**
 * PCG64 (XSL-RR 128/64), seeded like numpy.random.PCG64(SeedSequence(seed)).
 * State and increment are 24-bit limbs (6 limbs, the top one 8 bits): limb products are < 2^48 and
 * a column of six of them stays < 2^51, so the 128-bit multiply is exact in doubles with only 21
 * products (16-bit limbs would need 36 and ran ~40% slower).
 */
export class PCG64 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private s4 = 0;
  private s5 = 0;
  private i0 = 1;
  private i1 = 0;
  private i2 = 0;
  private i3 = 0;
  private i4 = 0;
  private i5 = 0;
  /** Last 64-bit output as two u32 halves (avoids returning an object/BigInt). */
  private outHi = 0;
  private outLo = 0;
  private hasUint32 = 0;
  private uinteger = 0;

  constructor(seed?: Seed | SeedSequence) {
    if (seed === undefined) return;
    const ss = seed instanceof SeedSequence ? seed : new SeedSequence(seed);
    const w = ss.generateState64(4);
    this.seedWith((w[0] << 64n) | w[1], (w[2] << 64n) | w[3]);
  }

  /** pcg64_srandom: inc = 2·initseq + 1, state = 0, step, state += initstate, step. */
  seedWith(initstate: bigint, initseq: bigint): void {
    this.setLimbs(0n, ((initseq << 1n) | 1n) & MASK128);
    this.step();
    this.setLimbs((this.stateBig() + (initstate & MASK128)) & MASK128, this.incBig());
    this.step();
    this.hasUint32 = 0;
    this.uinteger = 0;
  }

  /**
   * state = state·MULT + inc (mod 2^128), schoolbook on limbs. `t & 0xffffff` is exact for t < 2^53
   * (ToInt32 keeps the low 32 bits), and (t − low)·2^-24 is the exact carry.
   */
  private step(): void {
    const s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3,
      s4 = this.s4,
      s5 = this.s5;
    let t = s0 * M0 + this.i0;
    const n0 = t & 0xffffff;
    t = (t - n0) * INV_2_24 + s0 * M1 + s1 * M0 + this.i1;
    const n1 = t & 0xffffff;
    t = (t - n1) * INV_2_24 + s0 * M2 + s1 * M1 + s2 * M0 + this.i2;
    const n2 = t & 0xffffff;
    t = (t - n2) * INV_2_24 + s0 * M3 + s1 * M2 + s2 * M1 + s3 * M0 + this.i3;
    const n3 = t & 0xffffff;
    t = (t - n3) * INV_2_24 + s0 * M4 + s1 * M3 + s2 * M2 + s3 * M1 + s4 * M0 + this.i4;
    const n4 = t & 0xffffff;
    t = (t - n4) * INV_2_24 + s0 * M5 + s1 * M4 + s2 * M3 + s3 * M2 + s4 * M1 + s5 * M0 + this.i5;
    this.s0 = n0;
    this.s1 = n1;
    this.s2 = n2;
    this.s3 = n3;
    this.s4 = n4;
    this.s5 = t & 0xff; // mod 2^128
  }

  /** Step, then XSL-RR on the new state into outHi/outLo. */
  private next64(): void {
    this.step();
    const s1 = this.s1,
      s2 = this.s2,
      s5 = this.s5;
    // The four 32-bit words of the state, w0 least significant (signed int32s; only bits matter).
    const w0 = this.s0 | (s1 << 24);
    const w1 = (s1 >>> 8) | (s2 << 16);
    const w2 = (s2 >>> 16) | (this.s3 << 8);
    const w3 = this.s4 | (s5 << 24);
    // x = high64 ^ low64, rotated right by the top 6 bits of the state.
    let h = w3 ^ w1;
    let l = w2 ^ w0;
    let r = s5 >>> 2;
    if (r >= 32) {
      const tmp = h;
      h = l;
      l = tmp;
      r -= 32;
    }
    if (r !== 0) {
      const nh = (h >>> r) | (l << (32 - r));
      l = (l >>> r) | (h << (32 - r));
      h = nh;
    }
    this.outHi = h >>> 0;
    this.outLo = l >>> 0;
  }

  /** numpy next_double: (u64 >> 11) · 2^-53. */
  nextDouble(): number {
    this.next64();
    return (this.outHi * TWO_POW_21 + (this.outLo >>> 11)) * TWO_POW_M53;
  }

  /** Next 64-bit output as a BigInt (tests/inspection only; not the hot path). */
  nextUint64(): bigint {
    this.next64();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** numpy's buffered 32-bit draw: low half of a fresh 64-bit output, high half kept for next time. */
  nextUint32(): number {
    if (this.hasUint32) {
      this.hasUint32 = 0;
      return this.uinteger;
    }
    this.next64();
    this.hasUint32 = 1;
    this.uinteger = this.outHi;
    return this.outLo;
  }

  getState(): { state: bigint; inc: bigint; hasUint32: 0 | 1; uinteger: number } {
    return { state: this.stateBig(), inc: this.incBig(), hasUint32: this.hasUint32 ? 1 : 0, uinteger: this.uinteger };
  }

  setState(st: PCG64State): void {
    if (typeof st.state !== 'bigint' || typeof st.inc !== 'bigint') throw new Error('PCG64 state/inc must be bigints');
    if (st.state < 0n || st.state > MASK128 || st.inc < 0n || st.inc > MASK128) throw new Error('PCG64 state/inc must be 128-bit unsigned');
    if (!Number.isInteger(st.uinteger) || st.uinteger < 0 || st.uinteger > M32) throw new Error('PCG64 uinteger must be a u32');
    this.setLimbs(st.state, st.inc);
    this.hasUint32 = st.hasUint32 ? 1 : 0;
    this.uinteger = st.uinteger;
  }

  private stateBig(): bigint {
    return limbsToBig([this.s0, this.s1, this.s2, this.s3, this.s4, this.s5]);
  }

  private incBig(): bigint {
    return limbsToBig([this.i0, this.i1, this.i2, this.i3, this.i4, this.i5]);
  }

  private setLimbs(state: bigint, inc: bigint): void {
    const s = bigToLimbs(state);
    const i = bigToLimbs(inc);
    this.s0 = s[0];
    this.s1 = s[1];
    this.s2 = s[2];
    this.s3 = s[3];
    this.s4 = s[4];
    this.s5 = s[5];
    this.i0 = i[0];
    this.i1 = i[1];
    this.i2 = i[2];
    this.i3 = i[3];
    this.i4 = i[4];
    this.i5 = i[5];
  }
}

function limbsToBig(limbs: readonly number[]): bigint {
  let v = 0n;
  for (let k = limbs.length - 1; k >= 0; k--) v = (v << 24n) | BigInt(limbs[k]);
  return v;
}

function bigToLimbs(v: bigint): number[] {
  const out: number[] = [];
  for (let k = 0; k < 6; k++) {
    out.push(Number(v & 0xffffffn));
    v >>= 24n;
  }
  return out;
}

/** numpy.random.Generator over a PCG64 (the subset Gymnasium's envs and spaces use). */
export class Generator {
  readonly bitGenerator: PCG64;
  /** The seed it was built from (Gymnasium's `np_random_seed`); OS-entropy seeds are 128-bit bigints. */
  readonly seed: bigint | undefined;

  constructor(bitGenerator: PCG64, seed?: bigint) {
    this.bitGenerator = bitGenerator;
    this.seed = seed;
  }

  /** Uniform double in [0, 1), one 64-bit output. */
  random(): number {
    return this.bitGenerator.nextDouble();
  }

  /** low + (high − low)·random(), one 64-bit output (numpy's formula, same rounding). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.bitGenerator.nextDouble();
  }

  /**
   * Generator.integers(low, high) for a scalar int64 result, high exclusive; `integers(n)` means
   * [0, n). Ranges below 2^32 use numpy's Lemire method on buffered 32-bit draws.
   */
  integers(low: number, high?: number): number {
    if (high === undefined) {
      high = low;
      low = 0;
    }
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) throw new Error(`integers() needs safe integers, got (${low}, ${high})`);
    if (high <= low) throw new Error(`integers(): low >= high (${low} >= ${high})`);
    const rng = high - 1 - low; // numpy works on the closed range [low, high-1]
    if (rng === 0) return low;
    if (rng < M32) return low + this.lemire32(rng);
    if (rng === M32) return low + this.bitGenerator.nextUint32();
    throw new Error('integers(): ranges of 2^32 or more are not supported');
  }

  /** numpy buffered_bounded_lemire_uint32: floor(u32·(rng+1) / 2^32) with rejection of the biased slice. */
  private lemire32(rng: number): number {
    const rngExcl = rng + 1;
    let u = this.bitGenerator.nextUint32();
    let leftover = Math.imul(u, rngExcl) >>> 0; // low 32 bits of the 64-bit product
    if (leftover < rngExcl) {
      const threshold = (M32 - rng) % rngExcl;
      while (leftover < threshold) {
        u = this.bitGenerator.nextUint32();
        leftover = Math.imul(u, rngExcl) >>> 0;
      }
    }
    return mulHi32(u, rngExcl);
  }

  nextUint32(): number {
    return this.bitGenerator.nextUint32();
  }

  nextUint64(): bigint {
    return this.bitGenerator.nextUint64();
  }

  getState(): { state: bigint; inc: bigint; hasUint32: 0 | 1; uinteger: number } {
    return this.bitGenerator.getState();
  }

  setState(st: PCG64State): void {
    this.bitGenerator.setState(st);
  }
}

/** High 32 bits of the exact 64-bit product of two u32 values (a split keeps every term < 2^53). */
function mulHi32(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const lo = aLo * b; // < 2^48
  const mid = aHi * b + Math.floor(lo / 65536); // < 2^49
  return Math.floor(mid / 65536);
}

/** A 128-bit seed from OS entropy, as numpy's SeedSequence(None) draws. */
export function osEntropySeed(): bigint {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') throw new Error('no OS entropy source: globalThis.crypto.getRandomValues is unavailable');
  const w = c.getRandomValues(new Uint32Array(4));
  return (BigInt(w[3]) << 96n) | (BigInt(w[2]) << 64n) | (BigInt(w[1]) << 32n) | BigInt(w[0]);
}

/**
 * Gymnasium's `seeding.np_random(seed)`: Generator(PCG64(SeedSequence(seed))); without a seed the
 * seed is 128 bits of OS entropy (not reproducible).
 */
export function npRandom(seed?: Seed): Generator {
  const s = seed === undefined ? osEntropySeed() : seedToBigInt(seed);
  return new Generator(new PCG64(new SeedSequence(s)), s);
}
