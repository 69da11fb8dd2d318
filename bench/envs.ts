/**
 * Env throughput benchmark (single thread): numpy-compatible RNG draws, one wrapped CartPole env,
 * SyncVecEnv and the specialised CartPoleVecEnv at several sizes. Not a pass/fail test.
 *
 *   node --import tsx bench/envs.ts            # table
 *   node --import tsx bench/envs.ts --json     # one JSON line per result
 *   node --import tsx bench/envs.ts --quick    # shorter runs
 */
import { npRandom } from '../main/lab/envs/numpy-rng.ts';
import { makeEnv } from '../main/lab/envs/registry.ts';
import { CartPoleVecEnv } from '../main/lab/envs/cartpole-vec.ts';
import { SyncVecEnv } from '../main/lab/envs/vector-env.ts';
import type { VecEnv } from '../main/lab/envs/env.ts';

import { lcg, measure as measureFor, type Result } from './measure.ts';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const SECONDS = args.has('--quick') ? 0.3 : 1.0;

/** Every benchmark here runs for SECONDS after a 150 ms warm-up. */
const measure = (name: string, unit: string, opsPerBatch: number, batch: () => void): Result => measureFor(name, unit, opsPerBatch, batch, SECONDS, 150);

let sink = 0; // keeps results observable so the JIT cannot drop the work

function benchRandom(): Result {
  const g = npRandom(0);
  return measure('numpy-rng random()', 'calls/s', 100_000, () => {
    let s = 0;
    for (let k = 0; k < 100_000; k++) s += g.random();
    sink += s;
  });
}

function benchSingle(): Result {
  const env = makeEnv('CartPole-v1');
  env.reset({ seed: 0 });
  const next = lcg(1);
  return measure('CartPole-v1 makeEnv (1 env)', 'steps/s', 10_000, () => {
    for (let k = 0; k < 10_000; k++) {
      const r = env.step(next() >>> 31);
      if (r.terminated || r.truncated) env.reset();
      sink += r.reward;
    }
  });
}

function benchVec(name: string, vec: VecEnv, stepsPerBatch: number): Result {
  const n = vec.numEnvs;
  vec.reset(0);
  const actions = new Int32Array(n);
  const next = lcg(2);
  return measure(name, 'env steps/s', stepsPerBatch * n, () => {
    for (let k = 0; k < stepsPerBatch; k++) {
      for (let i = 0; i < n; i++) actions[i] = next() >>> 31;
      vec.step(actions);
    }
    sink += vec.rewards[0];
  });
}

const results: Result[] = [];
const run = (r: Result): void => {
  results.push(r);
  if (JSON_OUT) console.log(JSON.stringify({ bench: 'envs', ...r, node: process.version }));
};

run(benchRandom());
run(benchSingle());
for (const n of [16, 64])
  run(benchVec(`SyncVecEnv CartPole ×${n}`, new SyncVecEnv(Array.from({ length: n }, () => makeEnv('CartPole-v1'))), Math.ceil(20_000 / n)));
for (const n of [1, 16, 64, 256]) run(benchVec(`CartPoleVecEnv ×${n}`, new CartPoleVecEnv(n), Math.ceil(50_000 / n)));

if (!JSON_OUT) {
  const w = Math.max(...results.map((r) => r.name.length));
  console.log(`${'benchmark'.padEnd(w)}  ${'rate'.padStart(12)}  unit`);
  for (const r of results) console.log(`${r.name.padEnd(w)}  ${(r.perSecond / 1e6).toFixed(2).padStart(10)} M  ${r.unit}`);
}
if (sink === 42.4242) console.log(''); // never true; reads sink
