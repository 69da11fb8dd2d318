/**
 * LunarLander-v3 throughput (single thread, box2d.js: Box2D 2.3.1 as asm.js): env steps per second under random actions,
 * resets included as they occur, for the raw env, make()'s wrapped env, the continuous and windy
 * variants, SyncVecEnv, and reset() alone (a full world rebuild). Not a pass/fail test.
 *
 *   node --import tsx bench/lunar.ts            # table
 *   node --import tsx bench/lunar.ts --json     # one JSON line per result
 *   node --import tsx bench/lunar.ts --quick    # shorter runs
 */
import { ensureEnvReady, makeEnv } from '../main/lab/envs/registry.ts';
import { LunarLanderEnv } from '../main/lab/envs/lunar-lander.ts';
import { SyncVecEnv } from '../main/lab/envs/vector-env.ts';
import type { Env } from '../main/lab/envs/env.ts';

import { lcg, measure as measureFor, type Result } from './measure.ts';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const SECONDS = args.has('--quick') ? 0.5 : 2.0;

/** Every benchmark here runs for SECONDS after a 300 ms warm-up. */
const measure = (name: string, unit: string, opsPerBatch: number, batch: () => void): Result => measureFor(name, unit, opsPerBatch, batch, SECONDS, 300);

let sink = 0; // keeps results observable

function benchEnv(name: string, env: Env, continuous: boolean): Result {
  env.reset({ seed: 0 });
  const next = lcg(1);
  const a = new Float32Array(2);
  let len = 0;
  return measure(name, 'steps/s', 2_000, () => {
    for (let k = 0; k < 2_000; k++) {
      len++;
      let r;
      if (continuous) {
        a[0] = ((next() >>> 8) / 2 ** 24) * 2 - 1;
        a[1] = ((next() >>> 8) / 2 ** 24) * 2 - 1;
        r = env.step(a);
      } else {
        r = env.step(next() >>> 30);
      }
      // The raw env has no TimeLimit; cap it the same way so every row runs the same workload
      // (a random lander can sit on its legs, awake, far beyond 1000 steps).
      if (r.terminated || r.truncated || len >= 1000) {
        env.reset();
        len = 0;
      }
      sink += r.reward;
    }
  });
}

function benchVec(n: number): Result {
  const vec = new SyncVecEnv(Array.from({ length: n }, () => makeEnv('LunarLander-v3')));
  vec.reset(0);
  const actions = new Int32Array(n);
  const next = lcg(2);
  const steps = Math.ceil(2_000 / n);
  const r = measure(`SyncVecEnv LunarLander ×${n}`, 'env steps/s', steps * n, () => {
    for (let k = 0; k < steps; k++) {
      for (let i = 0; i < n; i++) actions[i] = next() >>> 30;
      vec.step(actions);
    }
    sink += vec.rewards[0];
  });
  vec.close();
  return r;
}

function benchReset(): Result {
  const env = new LunarLanderEnv();
  env.reset({ seed: 0 });
  const r = measure('reset() (new world + no-op step)', 'resets/s', 200, () => {
    for (let k = 0; k < 200; k++) sink += env.reset().obs[0];
  });
  env.close();
  return r;
}

await ensureEnvReady('LunarLander-v3');
const results: Result[] = [];
const run = (r: Result): void => {
  results.push(r);
  if (JSON_OUT) console.log(JSON.stringify({ bench: 'lunar', ...r, node: process.version }));
};

{
  // Warm-up pass, not reported: wasm and JIT tier-up would otherwise penalise the first row.
  const warm = new LunarLanderEnv();
  benchEnv('warm-up', warm, false);
  warm.close();
}
run(benchEnv('LunarLanderEnv raw (discrete)', new LunarLanderEnv(), false));
run(benchEnv('LunarLander-v3 makeEnv (discrete)', makeEnv('LunarLander-v3'), false));
run(benchEnv('LunarLander-v3 makeEnv (continuous)', makeEnv('LunarLander-v3', { continuous: true }), true));
run(benchEnv('LunarLander-v3 makeEnv (wind)', makeEnv('LunarLander-v3', { enable_wind: true }), false));
run(benchVec(8));
run(benchReset());

if (!JSON_OUT) {
  const w = Math.max(...results.map((r) => r.name.length));
  console.log(`${'benchmark'.padEnd(w)}  ${'rate'.padStart(10)}  unit`);
  for (const r of results) console.log(`${r.name.padEnd(w)}  ${Math.round(r.perSecond).toLocaleString('en-US').padStart(10)}  ${r.unit}`);
}
if (sink === 42.4242) console.log(''); // never true; reads sink
