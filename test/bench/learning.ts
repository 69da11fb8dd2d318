/**
 * Learning benchmark: does each algorithm solve CartPole-v1 (mean return of the last 100 training
 * episodes ≥ 475), and how fast? PPO with the rl-baselines3-zoo preset (100k-step budget) and
 * REINFORCE with a mean-return baseline, for several seeds; stops each run when solved.
 * Not part of the default tests (minutes of CPU).
 *
 *   node --import tsx test/bench/learning.ts                      # both algos, seeds 0–4, table
 *   node --import tsx test/bench/learning.ts --algo ppo --seeds 0 # one PPO seed
 *   node --import tsx test/bench/learning.ts --json               # one JSON line per run + a summary line
 *   options: --algo ppo|reinforce|all  --seeds 0-4|0,2,3  --backend auto|tensorflow|wasm|cpu
 */
import { parseArgs } from 'node:util';
import type { AlgoId } from '../../preload/contract.ts';
import { resolveHyperparameters } from '../../main/lab/training/hyperparameters.ts';
import { train, type TrainResult } from '../../main/lab/training/trainer.ts';
import type { TrainerConfig } from '../../main/lab/training/trainer-config.ts';

const SETUPS: Record<AlgoId, { preset: string; label: string }> = {
  ppo: { preset: 'zoo', label: 'PPO (zoo)' },
  reinforce: { preset: 'classic-baseline', label: 'REINFORCE (baseline)' },
};

const { values } = parseArgs({
  options: {
    algo: { type: 'string', default: 'all' },
    seeds: { type: 'string', default: '0-4' },
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

const algos: AlgoId[] = values.algo === 'all' ? ['ppo', 'reinforce'] : [values.algo as AlgoId];
for (const a of algos) if (!(a in SETUPS)) throw new Error(`--algo must be ppo, reinforce or all, got "${a}"`);
const seeds = parseSeeds(values.seeds!);
const backend = values.backend as TrainerConfig['backend'];

interface Row {
  algo: AlgoId;
  seed: number;
  solved: boolean;
  solvedAtStep: number | null;
  solvedAtEpisode: number | null;
  solvedAtSeconds: number | null;
  steps: number;
  budget: number;
  wallSeconds: number;
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
for (const algo of algos) {
  const { preset } = SETUPS[algo];
  const r = resolveHyperparameters(algo, 'CartPole-v1', preset, {});
  for (const seed of seeds) {
    const config: TrainerConfig = {
      env: 'CartPole-v1',
      envOptions: {},
      algo,
      seed,
      totalSteps: r.steps,
      preset,
      hyperparameters: r.hyperparameters,
      backend,
      evalEpisodes: 0,
      checkpointEvery: 0,
      stopWhenSolved: true,
    };
    const res: TrainResult = await train(config, {}, { stopRequested: () => false });
    const row: Row = {
      algo,
      seed,
      solved: res.solved,
      solvedAtStep: res.solvedAtStep,
      solvedAtEpisode: res.solvedAtEpisode,
      solvedAtSeconds: res.solvedAtSeconds,
      steps: res.steps,
      budget: r.steps,
      wallSeconds: res.wallSeconds,
      mean100: res.mean100,
      backend: res.backend,
    };
    rows.push(row);
    if (values.json) console.log(JSON.stringify({ event: 'run', ...row }));
    else console.error(`${SETUPS[algo].label} seed ${seed}: ${row.solved ? `solved at step ${row.solvedAtStep} (episode ${row.solvedAtEpisode}, ${row.solvedAtSeconds!.toFixed(1)} s)` : `not solved in ${row.steps} steps (mean100 ${row.mean100?.toFixed(1)})`}`);
  }
}

const summary = algos.map((algo) => {
  const rs = rows.filter((r) => r.algo === algo);
  const ok = rs.filter((r) => r.solved);
  return {
    algo,
    setup: SETUPS[algo].label,
    solved: ok.length,
    runs: rs.length,
    medianSteps: median(ok.map((r) => r.solvedAtStep!)),
    medianEpisodes: median(ok.map((r) => r.solvedAtEpisode!)),
    medianSeconds: median(ok.map((r) => r.solvedAtSeconds!)),
    backend: rs[0]?.backend ?? '',
  };
});

if (values.json) {
  console.log(JSON.stringify({ event: 'summary', summary }));
} else {
  const fmt = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));
  const lines = [
    ['algo', 'seed', 'solved', 'step', 'episode', 'seconds', 'mean100', 'backend'],
    ...rows.map((r) => [SETUPS[r.algo].label, String(r.seed), r.solved ? 'yes' : 'no', fmt(r.solvedAtStep), fmt(r.solvedAtEpisode), fmt(r.solvedAtSeconds, 1), fmt(r.mean100, 1), r.backend]),
    ...summary.map((s) => [s.setup, 'median', `${s.solved}/${s.runs}`, fmt(s.medianSteps), fmt(s.medianEpisodes), fmt(s.medianSeconds, 1), '', s.backend]),
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  for (const l of lines) console.log(l.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}
