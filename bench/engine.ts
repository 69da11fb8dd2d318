/**
 * Training-engine benchmark: the tfjs op-by-op engine against the fused engine (nn/fused/) on the
 * wasm backend, for the zoo presets of PPO, A2C and DQN on CartPole-v1 and PPO on LunarLander-v3
 * (PPO also with its critic on a second thread, as a run training alone does).
 * Per algorithm: training env steps/s (collection + updates, no trainer around it). For PPO CartPole
 * also one minibatch update dissected: its wall time, the tfjs kernels it dispatches (tf.profile),
 * the gemm calls the fused engine makes, and the "FLOP floor": those same gemm calls alone, replayed
 * on the same kernels at the same shapes. Not a pass/fail test.
 *
 *   node --import tsx bench/engine.ts [--json] [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../main/lab/nn/backend.ts';
import { ensureEnvReady, makeVecEnv, type EnvId } from '../main/lab/envs/registry.ts';
import { createAlgorithm, resolveHyperparameters } from '../main/lab/agents/registry.ts';
import type { Algorithm } from '../main/lab/agents/algorithm.ts';
import type { AlgoId } from '../main/lab/domain/algorithms.ts';
import type { EngineName } from '../main/lab/nn/fused/engine-choice.ts';
import type { Kernels } from '../main/lab/nn/fused/kernels.ts';
import { npRandom } from '../main/lab/envs/numpy-rng.ts';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');

function build(algo: AlgoId, env: EnvId, engine: EngineName, overrides: Record<string, unknown> = {}): Algorithm {
  const hp = resolveHyperparameters(algo, env, 'zoo', overrides).hyperparameters as Record<string, unknown>;
  const vecEnv = makeVecEnv(env, hp.n_envs as number);
  vecEnv.reset(0);
  return createAlgorithm(algo, { vecEnv, hyperparameters: hp, rng: npRandom(0), engine });
}

/** Env steps/s over `steps` training steps after `warmup` steps (the first updates JIT-compile). */
async function throughput(algo: AlgoId, env: EnvId, engine: EngineName, warmup: number, steps: number, threads = 1): Promise<number> {
  const a = build(algo, env, engine);
  const total = warmup + steps + 1_000_000; // schedules stay near their start
  const ctx = (done: number) => ({ totalSteps: total, stepsDone: done, onEnvStep() {}, threads });
  try {
    let done = 0;
    while (done < warmup) done += (await a.iterate(ctx(done))).steps;
    const t0 = performance.now();
    const start = done;
    while (done < start + steps) done += (await a.iterate(ctx(done))).steps;
    return ((done - start) / (performance.now() - t0)) * 1000;
  } finally {
    a.dispose();
  }
}

interface Dissection {
  engine: EngineName;
  msPerMinibatch: number;
  tfjsKernelsPerMinibatch: number;
  gemmCallsPerMinibatch: number | null;
  gemmFloorMs: number | null;
}

type Private = { fusedMinibatch?: unknown; tfjsMinibatch?: unknown; fused?: { kernels: Kernels } | null };

/** One PPO CartPole (zoo) minibatch update, timed over a few rollouts' worth of minibatches. */
async function dissectPpo(engine: EngineName): Promise<Dissection> {
  const a = build('ppo', 'CartPole-v1', engine);
  const p = a as unknown as Private;
  const key = engine === 'fused' ? 'fusedMinibatch' : 'tfjsMinibatch';
  const inner = p[key] as (...x: unknown[]) => unknown;
  let mbTime = 0;
  let mbCount = 0;
  let inMinibatch = false;
  (p as Record<string, unknown>)[key] = function (this: unknown, ...x: unknown[]) {
    const t0 = performance.now();
    inMinibatch = true;
    try {
      return inner.apply(this, x);
    } finally {
      inMinibatch = false;
      mbTime += performance.now() - t0;
      mbCount++;
    }
  };
  const ctx = (done: number) => ({ totalSteps: 10_000_000, stepsDone: done, onEnvStep() {} });
  try {
    let done = 0;
    for (let i = 0; i < 5; i++) done += (await a.iterate(ctx(done))).steps; // warm-up
    mbTime = 0;
    mbCount = 0;
    for (let i = 0; i < (QUICK ? 10 : 40); i++) done += (await a.iterate(ctx(done))).steps;
    const msPerMinibatch = mbTime / mbCount;

    // Kernels: one rollout + its minibatches under tf.profile, and the gemm calls the minibatches make.
    const kernels = p.fused?.kernels ?? null;
    type GemmArgs = Parameters<Kernels['gemm']>;
    const calls: GemmArgs[] = [];
    let restore: (() => void) | null = null;
    if (kernels) {
      const gemm = kernels.gemm.bind(kernels);
      kernels.gemm = (...g: GemmArgs) => {
        if (inMinibatch) calls.push(g);
        gemm(...g);
      };
      restore = () => (kernels.gemm = gemm);
    }
    mbCount = 0;
    const info = await tf.profile(async () => {
      done += (await a.iterate(ctx(done))).steps;
    });
    restore?.();
    const profiled = mbCount;
    // Acting is JS on both engines, so every kernel here belongs to the updates.
    const tfjsKernelsPerMinibatch = info.kernels.length / profiled;
    let gemmCallsPerMinibatch: number | null = null;
    let gemmFloorMs: number | null = null;
    if (kernels) {
      gemmCallsPerMinibatch = calls.length / profiled;
      const one = calls.slice(0, gemmCallsPerMinibatch);
      const reps = QUICK ? 200 : 1000;
      for (let r = 0; r < 50; r++) for (const g of one) kernels.gemm(...g);
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) for (const g of one) kernels.gemm(...g);
      gemmFloorMs = (performance.now() - t0) / reps;
    }
    return { engine, msPerMinibatch, tfjsKernelsPerMinibatch, gemmCallsPerMinibatch, gemmFloorMs };
  } finally {
    a.dispose();
  }
}

function out(row: Record<string, unknown>, text: string): void {
  if (JSON_OUT) console.log(JSON.stringify(row));
  else console.log(text);
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  await ensureEnvReady('LunarLander-v3');
  if (!JSON_OUT)
    console.log(
      `backend ${backend.name}; ${new Date().toISOString().slice(0, 10)}; loadavg ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

  for (const engine of ['tfjs', 'fused'] as EngineName[]) {
    const d = await dissectPpo(engine);
    const floor =
      d.gemmFloorMs === null
        ? ''
        : `; its ${d.gemmCallsPerMinibatch} gemm calls alone ${d.gemmFloorMs.toFixed(3)} ms (${(d.msPerMinibatch / d.gemmFloorMs).toFixed(2)}× that floor)`;
    out(
      { bench: 'ppo-minibatch', ...d },
      `PPO CartPole (zoo) minibatch of 256, ${engine}: ${d.msPerMinibatch.toFixed(3)} ms, ${d.tfjsKernelsPerMinibatch.toFixed(1)} tfjs kernels${floor}`,
    );
  }

  const scale = QUICK ? 0.25 : 1;
  const cases: [string, AlgoId, EnvId, number, number][] = [
    ['PPO CartPole (zoo)', 'ppo', 'CartPole-v1', 2048, 20_480],
    ['A2C CartPole (zoo)', 'a2c', 'CartPole-v1', 4000, 40_000],
    ['DQN CartPole (zoo, learning)', 'dqn', 'CartPole-v1', 1100, 4000],
    ['PPO LunarLander (zoo)', 'ppo', 'LunarLander-v3', 16_384, 49_152],
  ];
  for (const [name, algo, env, warmup, steps] of cases) {
    const rates: Record<string, number> = {};
    for (const engine of ['tfjs', 'fused'] as EngineName[]) {
      // DQN learns from learning_starts (1000 in the zoo preset): warm-up past it, measure learning.
      rates[engine] = await throughput(algo, env, engine, warmup, Math.round(steps * scale));
    }
    // PPO splits its minibatches over two threads when offered them (a run training alone).
    if (algo === 'ppo') rates.fused2 = await throughput(algo, env, 'fused', warmup, Math.round(steps * scale), 2);
    const two = rates.fused2 ? ` · fused on 2 threads ${Math.round(rates.fused2).toLocaleString('en-US')} (${(rates.fused2 / rates.tfjs).toFixed(1)}×)` : '';
    out(
      { bench: 'engine-throughput', name, algo, env, ...rates },
      `${name}: tfjs ${Math.round(rates.tfjs).toLocaleString('en-US')} · fused ${Math.round(rates.fused).toLocaleString('en-US')} env steps/s (${(rates.fused / rates.tfjs).toFixed(1)}×)${two}`,
    );
  }
}

await main();
