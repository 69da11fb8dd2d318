/**
 * Side by side with Stable-Baselines3 on this machine (`../shared/peers/`, see its README): for each
 * seed, one SB3 run (sb3_bench.py, zoo hyperparameters) then one Policy Lab run (the CLI, zoo preset),
 * alternately so drift hits both, with the same env-step budget. Prints one JSON line per seed and a
 * summary: whole-run training wall time, env steps/s, time and steps to solve (training mean100 ≥ the
 * env's threshold), greedy evaluation, and the median ratios ours / SB3 (< 1: Policy Lab is faster).
 * A benchmark, not a test: needs the peers folder and its PYTHONPATH.
 *
 *   PP=$(../shared/peers/setup.sh)
 *   PEERS_PYTHONPATH=$PP npm run bench:peers -- --algo ppo --env LunarLander-v3 --seeds 0,1,2 --steps 1000000
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    algo: { type: 'string', default: 'ppo' },
    env: { type: 'string', default: 'CartPole-v1' },
    seeds: { type: 'string', default: '0,1,2,3,4' },
    steps: { type: 'string' },
    engine: { type: 'string', default: 'auto' },
    preset: { type: 'string', default: 'zoo' }, // SB3's side runs the zoo's hyperparameters
    peers: { type: 'string', default: resolve('..', 'shared', 'peers') },
  },
});
const pythonPath = process.env.PEERS_PYTHONPATH;
if (!pythonPath) {
  console.error('set PEERS_PYTHONPATH=$(../shared/peers/setup.sh) first (see ../shared/peers/README.md)');
  process.exit(2);
}

type Json = Record<string, unknown>;
const lastSummary = (out: string): Json => {
  const lines = out.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      const j = JSON.parse(l) as Json;
      if (j.event === 'summary') return j;
    } catch {
      // not JSON: progress output
    }
  }
  return {};
};

function sb3(seed: number): Json {
  const args = [join(values.peers!, 'sb3_bench.py'), '--algo', values.algo!, '--env', values.env!, '--seed', String(seed), '--render-mode', 'none'];
  if (values.steps) args.push('--timesteps', values.steps);
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env: { ...process.env, PYTHONPATH: pythonPath }, maxBuffer: 1 << 28 });
  return lastSummary(r.stdout);
}

function ours(seed: number): Json {
  const dir = mkdtempSync(join(tmpdir(), 'policy-lab-peers-'));
  try {
    const args = [
      '--import',
      'tsx',
      'main/cli.ts',
      'train',
      '--env',
      values.env!,
      '--algo',
      values.algo!,
      '--seed',
      String(seed),
      '--preset',
      values.preset!,
      '--engine',
      values.engine!,
      '--runs-dir',
      dir,
      '--json',
    ];
    if (values.steps) args.push('--steps', values.steps);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    return lastSummary(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

const wallRatios: number[] = [];
const solveRatios: number[] = [];
const rows: Json[] = [];
for (const seed of values.seeds!.split(',').map(Number)) {
  const load0 = loadavg()[0];
  const s = sb3(seed);
  const o = ours(seed);
  const row = {
    seed,
    sb3: {
      wall: num(s.train_s),
      steps: num(s.timesteps),
      sps: num(s.train_steps_per_s),
      solveS: num(s.solve_wall_s),
      solveSteps: num(s.solve_timesteps),
      eval: num(s.eval_mean),
      bestMean100: num(s.best_mean100),
    },
    ours: {
      wall: num(o.wallSeconds),
      steps: num(o.steps),
      sps: num(o.steps) !== null && num(o.wallSeconds) ? (o.steps as number) / (o.wallSeconds as number) : null,
      solveS: num(o.solvedAtSeconds),
      solveSteps: num(o.solvedAtStep),
      eval: num(o.evalMean),
      engine: o.engine,
    },
    loadavg: [load0, loadavg()[0]],
  };
  const wr = row.ours.wall !== null && row.sb3.wall ? row.ours.wall / row.sb3.wall : null;
  const sr = row.ours.solveS !== null && row.sb3.solveS ? row.ours.solveS / row.sb3.solveS : null;
  if (wr !== null) wallRatios.push(wr);
  if (sr !== null) solveRatios.push(sr);
  rows.push(row);
  console.log(JSON.stringify({ ...row, wallRatio: wr, solveRatio: sr }));
}
console.log(
  JSON.stringify({
    event: 'summary',
    algo: values.algo,
    env: values.env,
    date: new Date().toISOString(),
    medianWallRatio: median(wallRatios),
    medianSolveRatio: median(solveRatios),
    solvedBoth: solveRatios.length,
    medianSolveSteps: {
      sb3: median(rows.map((r) => (r.sb3 as Json).solveSteps as number).filter((x) => x !== null)),
      ours: median(rows.map((r) => (r.ours as Json).solveSteps as number).filter((x) => x !== null)),
    },
    loadavg: loadavg(),
  }),
);
