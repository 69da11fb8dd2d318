/**
 * Learning benchmark: does each algorithm solve its env (mean return of the last 100 training
 * episodes ≥ the env's reward threshold), and how fast? Stops each run when solved.
 * Not part of the default tests (minutes of CPU for CartPole, an hour or more for LunarLander).
 *
 * Suites:
 *   cartpole (default)  PPO with the rl-baselines3-zoo preset (100k-step budget) and REINFORCE with a
 *                       mean-return baseline on CartPole-v1 (≥ 475), seeds 0–4
 *   lunar               PPO zoo presets on LunarLander-v3 (≥ 200, 1M-step budget): discrete actions
 *                       ("zoo") and continuous actions ("zoo-continuous": continuous: true, diagonal
 *                       Gaussian policy), seed 0
 *   lunar-discrete | lunar-continuous   one of the two
 *
 *   node --import tsx test/bench/learning.ts                      # CartPole, both algos, seeds 0–4, table
 *   node --import tsx test/bench/learning.ts --algo ppo --seeds 0 # one PPO seed
 *   node --import tsx test/bench/learning.ts --suite lunar-continuous --log-every 50000
 *   node --import tsx test/bench/learning.ts --json               # one JSON line per run + a summary line
 *   options: --suite cartpole|lunar|lunar-discrete|lunar-continuous  --algo ppo|reinforce|all
 *            --seeds 0-4|0,2,3  --steps N (override the budget)  --log-every N (progress lines on stderr)
 *            --backend auto|tensorflow|wasm|cpu
 */
import { parseArgs } from 'node:util';
import type { AlgoId, EnvId } from '../../preload/contract.ts';
import { resolveHyperparameters } from '../../main/lab/agents/registry.ts';
import { train, type TrainResult } from '../../main/lab/training/trainer.ts';
import type { TrainerConfig } from '../../main/lab/training/trainer-config.ts';

interface Setup {
  algo: AlgoId;
  env: EnvId;
  preset: string;
  label: string;
}

const SUITES: Record<string, { setups: Setup[]; seeds: string; logEvery: number }> = {
  cartpole: {
    setups: [
      { algo: 'ppo', env: 'CartPole-v1', preset: 'zoo', label: 'PPO (zoo)' },
      { algo: 'reinforce', env: 'CartPole-v1', preset: 'classic-baseline', label: 'REINFORCE (baseline)' },
    ],
    seeds: '0-4',
    logEvery: 0,
  },
  lunar: {
    setups: [
      { algo: 'ppo', env: 'LunarLander-v3', preset: 'zoo', label: 'PPO LunarLander (zoo)' },
      { algo: 'ppo', env: 'LunarLander-v3', preset: 'zoo-continuous', label: 'PPO LunarLander continuous (zoo)' },
    ],
    seeds: '0',
    logEvery: 100_000,
  },
};
SUITES['lunar-discrete'] = { ...SUITES.lunar, setups: [SUITES.lunar.setups[0]] };
SUITES['lunar-continuous'] = { ...SUITES.lunar, setups: [SUITES.lunar.setups[1]] };

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'cartpole' },
    algo: { type: 'string', default: 'all' },
    seeds: { type: 'string' },
    steps: { type: 'string' },
    'log-every': { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    json: { type: 'boolean', default: false },
  },
});

function parseSeeds(s: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (m) {
    const out: number[] = [];
    for (let i = Number(m[1]); i <= Number(m[2]); i++) out.push(i);
    return out;
  }
  return s.split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0) throw new Error(`bad seed "${x}"`);
    return n;
  });
}

const suite = SUITES[values.suite!];
if (!suite) throw new Error(`--suite must be one of ${Object.keys(SUITES).join(', ')}, got "${values.suite}"`);
if (values.algo !== 'all' && values.algo !== 'ppo' && values.algo !== 'reinforce') throw new Error(`--algo must be ppo, reinforce or all, got "${values.algo}"`);
const setups = suite.setups.filter((s) => values.algo === 'all' || s.algo === values.algo);
if (setups.length === 0) throw new Error(`suite ${values.suite} has no ${values.algo} setup`);
const seeds = parseSeeds(values.seeds ?? suite.seeds);
const backend = values.backend as TrainerConfig['backend'];
const stepsOverride = values.steps === undefined ? null : Number(values.steps);
if (stepsOverride !== null && !(Number.isSafeInteger(stepsOverride) && stepsOverride > 0)) throw new Error(`--steps must be a positive integer, got "${values.steps}"`);
const logEvery = values['log-every'] === undefined ? suite.logEvery : Number(values['log-every']);

interface Row {
  setup: string;
  algo: AlgoId;
  env: EnvId;
  envOptions: TrainerConfig['envOptions'];
  seed: number;
  solved: boolean;
  solvedAtStep: number | null;
  solvedAtEpisode: number | null;
  solvedAtSeconds: number | null;
  steps: number;
  budget: number;
  wallSeconds: number;
  sps: number;
  mean100: number | null;
  backend: string;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows: Row[] = [];
for (const setup of setups) {
  const { algo, env, preset } = setup;
  const r = resolveHyperparameters(algo, env, preset, {});
  const budget = stepsOverride ?? r.steps;
  for (const seed of seeds) {
    const config: TrainerConfig = {
      env,
      envOptions: r.envOptions,
      algo,
      seed,
      totalSteps: budget,
      preset,
      hyperparameters: r.hyperparameters,
      backend,
      evalEpisodes: 0,
      checkpointEvery: 0,
      stopWhenSolved: true,
    };
    let nextLog = logEvery > 0 ? logEvery : Infinity;
    const res: TrainResult = await train(
      config,
      {
        onProgress: (p) => {
          if (p.step < nextLog) return;
          while (nextLog <= p.step) nextLog += logEvery;
          console.error(`  ${setup.label} seed ${seed}: step ${p.step}, episodes ${p.episodes}, mean100 ${p.mean100?.toFixed(1) ?? '—'}, ${p.sps.toFixed(0)} steps/s`);
        },
      },
      { stopRequested: () => false },
    );
    const row: Row = {
      setup: setup.label,
      algo,
      env,
      envOptions: r.envOptions,
      seed,
      solved: res.solved,
      solvedAtStep: res.solvedAtStep,
      solvedAtEpisode: res.solvedAtEpisode,
      solvedAtSeconds: res.solvedAtSeconds,
      steps: res.steps,
      budget,
      wallSeconds: res.wallSeconds,
      sps: res.wallSeconds > 0 ? res.steps / res.wallSeconds : 0,
      mean100: res.mean100,
      backend: res.backend,
    };
    rows.push(row);
    if (values.json) console.log(JSON.stringify({ event: 'run', ...row }));
    else console.error(`${setup.label} seed ${seed}: ${row.solved ? `solved at step ${row.solvedAtStep} (episode ${row.solvedAtEpisode}, ${row.solvedAtSeconds!.toFixed(1)} s)` : `not solved in ${row.steps} steps (mean100 ${row.mean100?.toFixed(1)})`}, ${row.sps.toFixed(0)} steps/s`);
  }
}

const summary = setups.map((setup) => {
  const rs = rows.filter((r) => r.setup === setup.label);
  const ok = rs.filter((r) => r.solved);
  return {
    algo: setup.algo,
    env: setup.env,
    setup: setup.label,
    solved: ok.length,
    runs: rs.length,
    medianSteps: median(ok.map((r) => r.solvedAtStep!)),
    medianEpisodes: median(ok.map((r) => r.solvedAtEpisode!)),
    medianSeconds: median(ok.map((r) => r.solvedAtSeconds!)),
    medianSps: median(rs.map((r) => r.sps)),
    backend: rs[0]?.backend ?? '',
  };
});

if (values.json) {
  console.log(JSON.stringify({ event: 'summary', summary }));
} else {
  const fmt = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));
  const lines = [
    ['setup', 'seed', 'solved', 'step', 'episode', 'seconds', 'mean100', 'steps/s', 'backend'],
    ...rows.map((r) => [r.setup, String(r.seed), r.solved ? 'yes' : 'no', fmt(r.solvedAtStep), fmt(r.solvedAtEpisode), fmt(r.solvedAtSeconds, 1), fmt(r.mean100, 1), fmt(r.sps), r.backend]),
    ...summary.map((s) => [s.setup, 'median', `${s.solved}/${s.runs}`, fmt(s.medianSteps), fmt(s.medianEpisodes), fmt(s.medianSeconds, 1), '', fmt(s.medianSps), s.backend]),
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  for (const l of lines) console.log(l.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}
