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
 *   cartpole-value      value-based methods on CartPole-v1, seeds 0–4:
 *                       DQN (zoo preset, 50k-step budget): solved = the trainer's periodic
 *                         deterministic evaluation (10 episodes on the eval seeds, every --eval-every
 *                         steps, default 5000) or that of the final policy reaches ≥ 475
 *                       Q-learning (tabular, "classic"): solved = mean return of the last 100 training
 *                         episodes ≥ 195 (CartPole-v0's threshold) within 20,000 episodes
 *   cartpole-ac         actor-critic (td, td per episode, mc, shared "classic" presets; solved within 1,000 episodes)
 *                       and A2C ("zoo" and Spinning Up-style "classic", 500k-step budget) on
 *                       CartPole-v1 (≥ 475), seeds 0–4
 *   --algo dqn|q-learning|actor-critic|a2c without --suite picks the CartPole suite that has it;
 *   --algo reinforce-classic|actor-critic-td|actor-critic-td-episode|actor-critic-mc|actor-critic-shared|a2c-zoo|a2c-classic picks one setup.
 *
 *   node --import tsx bench/learning.ts                      # CartPole, both algos, seeds 0–4, table
 *   node --import tsx bench/learning.ts --algo ppo --seeds 0 # one PPO seed
 *   node --import tsx bench/learning.ts --suite lunar-continuous --log-every 50000
 *   node --import tsx bench/learning.ts --json               # one JSON line per run + a summary line
 *   node --import tsx bench/learning.ts --algo dqn --seeds 0 --steps 100000
 *   options: --suite cartpole|cartpole-value|cartpole-ac|lunar|lunar-discrete|lunar-continuous  --algo ppo|reinforce|dqn|q-learning|<setup key>|all
 *            --seeds 0-4|0,2,3  --steps N (override the budget)  --log-every N (progress lines on stderr)
 *            --backend auto|tensorflow|wasm|cpu  --eval-every N (eval-criterion setups)
 *            --set key=value (a hyperparameter over the preset; repeatable)
 */
import { parseArgs } from 'node:util';
import type { AlgoId } from '../main/lab/domain/algorithms.ts';
import type { EnvId } from '../main/lab/domain/envs.ts';
import { resolveHyperparameters } from '../main/lab/agents/registry.ts';
import { train, type TrainResult } from '../main/lab/training/trainer.ts';
import type { TrainerConfig } from '../main/lab/training/trainer-config.ts';
import { known, median, type LearningRun as Row } from './learning-results.ts';

interface Setup {
  algo: AlgoId;
  env: EnvId;
  preset: string;
  label: string;
  /**
   * 'train' (default): mean return of the last 100 training episodes ≥ target (default: the env's
   * reward threshold); the run stops when it is reached. 'eval': a deterministic evaluation of a
   * periodic checkpoint or of the final policy reaches the target.
   */
  criterion?: 'train' | 'eval';
  target?: number;
  /** Episode budget (training ends at the iteration that reaches it). */
  maxEpisodes?: number;
  /** Name for --algo when one algorithm has several setups (e.g. actor-critic-td). */
  key?: string;
  /** Seeds for this setup when the suite's differ (the issue's LunarLander a2c/dqn rows: seed 0). */
  seeds?: string;
  /**
   * The issue's step budget for the target. Runs use the preset's own length (its schedules, e.g. a
   * linear learning-rate decay, are tuned to it), which must not exceed this; --steps overrides.
   */
  within?: number;
  /** Run this many steps instead of the preset's (schedules given as fractions of the run stretch). */
  steps?: number;
  /** The target as the issue states it (for the results table). */
  goal?: string;
  /** The target holds only if every seed meets it (else: the median seed, i.e. a majority). */
  everySeed?: boolean;
}

/** Every run ends with this many deterministic episodes of the final policy on unseen seeds. */
const FINAL_EVAL_EPISODES = 100;

const SUITES: Record<string, { setups: Setup[]; seeds: string; logEvery: number }> = {
  cartpole: {
    setups: [
      { algo: 'ppo', env: 'CartPole-v1', preset: 'zoo', label: 'PPO (zoo)', goal: 'solved within 100k steps on every seed', within: 100_000, everySeed: true },
      { algo: 'reinforce', env: 'CartPole-v1', preset: 'classic-baseline', label: 'REINFORCE (baseline)', goal: 'solved within 1,000 episodes' },
      {
        algo: 'reinforce',
        key: 'reinforce-classic',
        env: 'CartPole-v1',
        preset: 'classic',
        label: 'REINFORCE (classic, no baseline)',
        maxEpisodes: 1000,
        goal: 'solved within 1,000 episodes (tutorial preset)',
      },
    ],
    seeds: '0-4',
    logEvery: 0,
  },
  lunar: {
    setups: [
      {
        algo: 'ppo',
        env: 'LunarLander-v3',
        preset: 'zoo',
        label: 'PPO LunarLander (zoo)',
        seeds: '0-2',
        goal: 'mean100 ≥ 200 within 1M steps (seeds 0–2)',
        within: 1_000_000,
        everySeed: true,
      },
      {
        algo: 'ppo',
        key: 'ppo-tuned',
        env: 'LunarLander-v3',
        preset: 'tuned',
        label: 'PPO LunarLander (tuned: ent_coef 0)',
        seeds: '0-2',
        goal: 'mean100 ≥ 200 within 1M steps (seeds 0–2)',
        within: 1_000_000,
        everySeed: true,
      },
      {
        algo: 'ppo',
        env: 'LunarLander-v3',
        preset: 'zoo-continuous',
        label: 'PPO LunarLander continuous (zoo)',
        key: 'ppo-continuous',
        goal: 'mean100 ≥ 200 within 1M steps (seed 0)',
        within: 1_000_000,
      },
      {
        algo: 'ppo',
        key: 'ppo-tuned-continuous',
        env: 'LunarLander-v3',
        preset: 'tuned-continuous',
        label: 'PPO LunarLander continuous (tuned)',
        goal: 'mean100 ≥ 200 within 1M steps (seed 0)',
        within: 1_000_000,
      },
      {
        algo: 'a2c',
        key: 'a2c-lunar-zoo',
        env: 'LunarLander-v3',
        preset: 'zoo',
        label: 'A2C LunarLander (zoo)',
        target: 100,
        within: 1_000_000,
        goal: 'mean100 ≥ 100 within 1M steps (seed 0)',
      },
      {
        algo: 'a2c',
        key: 'a2c-lunar-tuned',
        env: 'LunarLander-v3',
        preset: 'tuned',
        label: 'A2C LunarLander (tuned)',
        target: 100,
        within: 1_000_000,
        goal: 'mean100 ≥ 100 within 1M steps (seed 0)',
      },
      {
        algo: 'dqn',
        env: 'LunarLander-v3',
        preset: 'zoo',
        label: 'DQN LunarLander (zoo, run to 300k)',
        target: 100,
        within: 300_000,
        steps: 300_000,
        goal: 'mean100 ≥ 100 within 300k steps (seed 0)',
      },
    ],
    seeds: '0',
    logEvery: 100_000,
  },
};
SUITES['cartpole-value'] = {
  setups: [
    {
      algo: 'dqn',
      env: 'CartPole-v1',
      preset: 'zoo',
      label: 'DQN (zoo)',
      criterion: 'eval',
      target: 475,
      within: 100_000,
      goal: 'evaluation mean ≥ 475 within 100k steps',
    },
    {
      algo: 'q-learning',
      env: 'CartPole-v1',
      preset: 'classic',
      label: 'Q-learning (classic)',
      target: 195,
      maxEpisodes: 20_000,
      goal: 'mean100 ≥ 195 within 20,000 episodes',
    },
  ],
  seeds: '0-4',
  logEvery: 0,
};
SUITES['cartpole-ac'] = {
  setups: [
    {
      algo: 'actor-critic',
      key: 'actor-critic-td',
      env: 'CartPole-v1',
      preset: 'classic-td',
      label: 'Actor-critic TD (classic-td)',
      maxEpisodes: 1000,
      goal: 'solved within 1,000 episodes',
    },
    {
      algo: 'actor-critic',
      key: 'actor-critic-td-episode',
      env: 'CartPole-v1',
      preset: 'classic-td-episode',
      label: 'Actor-critic TD per episode (classic-td-episode)',
      maxEpisodes: 1000,
      goal: 'solved within 1,000 episodes',
    },
    {
      algo: 'actor-critic',
      key: 'actor-critic-mc',
      env: 'CartPole-v1',
      preset: 'classic-mc',
      label: 'Actor-critic MC (classic-mc)',
      maxEpisodes: 1000,
      goal: 'solved within 1,000 episodes',
    },
    {
      algo: 'actor-critic',
      key: 'actor-critic-shared',
      env: 'CartPole-v1',
      preset: 'classic-shared',
      label: 'Actor-critic shared (classic-shared)',
      maxEpisodes: 1000,
      goal: 'solved within 1,000 episodes',
    },
    { algo: 'a2c', key: 'a2c-zoo', env: 'CartPole-v1', preset: 'zoo', label: 'A2C (zoo)', goal: 'solved within 500k steps', within: 500_000 },
    {
      algo: 'a2c',
      key: 'a2c-classic',
      env: 'CartPole-v1',
      preset: 'classic',
      label: 'A2C (classic)',
      goal: 'solved within 500k steps (tutorial preset)',
      within: 500_000,
    },
  ],
  seeds: '0-4',
  logEvery: 0,
};
SUITES['lunar-discrete'] = { ...SUITES.lunar, setups: [SUITES.lunar.setups[0]] };
SUITES['lunar-continuous'] = { ...SUITES.lunar, setups: SUITES.lunar.setups.filter((s) => s.preset.endsWith('continuous')) };
SUITES['lunar-value'] = { ...SUITES.lunar, setups: SUITES.lunar.setups.filter((s) => s.algo !== 'ppo') };
// Every row of the issue's benchmark table (about an hour on 2 cores: run the two halves side by side).
SUITES['cartpole-all'] = {
  setups: [...SUITES.cartpole.setups, ...SUITES['cartpole-ac'].setups, ...SUITES['cartpole-value'].setups],
  seeds: '0-4',
  logEvery: 0,
};
SUITES.all = {
  setups: [...SUITES['cartpole-all'].setups, ...SUITES.lunar.setups.map((s) => ({ ...s, seeds: s.seeds ?? SUITES.lunar.seeds }))],
  seeds: '0-4',
  logEvery: 0,
};

const { values } = parseArgs({
  options: {
    suite: { type: 'string' },
    algo: { type: 'string', default: 'all' },
    seeds: { type: 'string' },
    steps: { type: 'string' },
    'log-every': { type: 'string' },
    'eval-every': { type: 'string', default: '5000' },
    set: { type: 'string', multiple: true, default: [] },
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

const picks = (s: Setup, algo: string) => s.algo === algo || s.key === algo;
const benchAlgos = [...new Set(Object.values(SUITES).flatMap((x) => x.setups.flatMap((s) => (s.key ? [s.algo, s.key] : [s.algo]))))];
if (values.algo !== 'all' && !benchAlgos.includes(values.algo as AlgoId))
  throw new Error(`--algo must be ${benchAlgos.join(', ')} or all, got "${values.algo}"`);
// --algo alone: CartPole first (dqn means the CartPole DQN), LunarLander for the algorithms or setup keys only it has.
const ALGO_SUITES = ['cartpole', 'cartpole-value', 'cartpole-ac', 'lunar'];
const suiteName = values.suite ?? (values.algo === 'all' ? 'cartpole' : ALGO_SUITES.find((k) => SUITES[k].setups.some((s) => picks(s, values.algo!)))!);
const suite = SUITES[suiteName];
if (!suite) throw new Error(`--suite must be one of ${Object.keys(SUITES).join(', ')}, got "${suiteName}"`);
const setups = suite.setups.filter((s) => values.algo === 'all' || picks(s, values.algo!));
if (setups.length === 0) throw new Error(`suite ${suiteName} has no ${values.algo} setup`);
const overrides: Record<string, string> = {};
for (const kv of values.set ?? []) {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--set needs key=value, got "${kv}"`);
  overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const evalEvery = Number(values['eval-every']);
if (!(Number.isSafeInteger(evalEvery) && evalEvery > 0)) throw new Error(`--eval-every must be a positive integer, got "${values['eval-every']}"`);
const seedsOverride = values.seeds === undefined ? null : parseSeeds(values.seeds);
const backend = values.backend as TrainerConfig['backend'];
const stepsOverride = values.steps === undefined ? null : Number(values.steps);
if (stepsOverride !== null && !(Number.isSafeInteger(stepsOverride) && stepsOverride > 0))
  throw new Error(`--steps must be a positive integer, got "${values.steps}"`);
const logEvery = values['log-every'] === undefined ? suite.logEvery : Number(values['log-every']);

const rows: Row[] = [];
for (const setup of setups) {
  const { algo, env, preset } = setup;
  const r = resolveHyperparameters(algo, env, preset, overrides);
  const budget = stepsOverride ?? setup.steps ?? r.steps;
  if (setup.within !== undefined && budget > setup.within) console.error(`note: ${setup.label} runs ${budget} steps, beyond the target's ${setup.within}`);
  const byEval = setup.criterion === 'eval';
  for (const seed of seedsOverride ?? parseSeeds(setup.seeds ?? suite.seeds)) {
    const config: TrainerConfig = {
      env,
      envOptions: r.envOptions,
      algo,
      seed,
      totalSteps: budget,
      ...(setup.maxEpisodes ? { maxEpisodes: setup.maxEpisodes } : {}),
      preset,
      hyperparameters: r.hyperparameters,
      backend,
      evalEpisodes: FINAL_EVAL_EPISODES,
      checkpointEvery: 0,
      // Eval-criterion setups: the trainer's periodic evaluation (PERIODIC_EVAL_EPISODES, unseen seeds).
      ...(byEval ? { evalEvery } : {}),
      // A custom training target is watched here (below); the env's threshold by the trainer.
      stopWhenSolved: !byEval && setup.target === undefined,
    };
    const evals: [number, number, number][] = []; // [step, mean, wall seconds]
    // Training-return target other than the env's threshold: track mean100 here and stop on it.
    const last100: number[] = [];
    let hit: { step: number; episode: number; seconds: number } | null = null;
    let nextLog = logEvery > 0 ? logEvery : Infinity;
    const res: TrainResult = await train(
      config,
      {
        onUpdate: (u) => {
          if (typeof u.eval_mean === 'number') evals.push([u.step, u.eval_mean, u.wall]);
        },
        onEpisode: (e) => {
          if (byEval || setup.target === undefined || hit) return;
          last100.push(e.return);
          if (last100.length > 100) last100.shift();
          if (last100.length === 100 && last100.reduce((a, b) => a + b, 0) / 100 >= setup.target) hit = { step: e.step, episode: e.episode, seconds: e.wall };
        },
        onProgress: (p) => {
          if (p.step < nextLog) return;
          while (nextLog <= p.step) nextLog += logEvery;
          console.error(
            `  ${setup.label} seed ${seed}: step ${p.step}, episodes ${p.episodes}, mean100 ${p.mean100?.toFixed(1) ?? '—'}, ${p.sps.toFixed(0)} steps/s`,
          );
        },
      },
      { stopRequested: () => hit !== null },
    );
    let solved = res.solved;
    let solvedAt: { step: number | null; episode: number | null; seconds: number | null } = {
      step: res.solvedAtStep,
      episode: res.solvedAtEpisode,
      seconds: res.solvedAtSeconds,
    };
    if (byEval) {
      // The final policy too, unless the last periodic evaluation was of it (same step).
      if (res.evalMean !== null && evals[evals.length - 1]?.[0] !== res.steps) evals.push([res.steps, res.evalMean, res.wallSeconds]);
      const first = evals.find(([, m]) => m >= setup.target!);
      solved = !!first;
      solvedAt = { step: first?.[0] ?? null, episode: null, seconds: first?.[2] ?? null };
    } else if (setup.target !== undefined) {
      const h = hit as { step: number; episode: number; seconds: number } | null;
      solved = !!h;
      solvedAt = { step: h?.step ?? null, episode: h?.episode ?? null, seconds: h?.seconds ?? null };
    }
    const row: Row = {
      setup: setup.label,
      goal: setup.goal ?? '',
      everySeed: !!setup.everySeed,
      within: setup.within ?? null,
      algo,
      env,
      envOptions: r.envOptions,
      seed,
      solved,
      solvedAtStep: solvedAt.step,
      solvedAtEpisode: solvedAt.episode,
      solvedAtSeconds: solvedAt.seconds,
      steps: res.steps,
      budget,
      wallSeconds: res.wallSeconds,
      sps: res.wallSeconds > 0 ? res.steps / res.wallSeconds : 0,
      mean100: res.mean100,
      ...(byEval ? { evals: evals.map(([st, m]) => [st, m] as [number, number]) } : {}),
      finalEval: res.evalMean,
      finalEvalStd: res.evalStd,
      backend: res.backend,
    };
    rows.push(row);
    const evalText = row.evals ? `; evaluations ${row.evals.map(([st, m]) => `${st}:${m.toFixed(0)}`).join(' ')}` : '';
    const at =
      row.solvedAtEpisode !== null ? ` (episode ${row.solvedAtEpisode}${row.solvedAtSeconds !== null ? `, ${row.solvedAtSeconds.toFixed(1)} s` : ''})` : '';
    if (values.json) console.log(JSON.stringify({ event: 'run', ...row }));
    else
      console.error(
        `${setup.label} seed ${seed}: ${row.solved ? `solved at step ${row.solvedAtStep}${at}` : `not solved in ${row.steps} steps`} (mean100 ${row.mean100?.toFixed(1)})${evalText}, ${row.sps.toFixed(0)} steps/s`,
      );
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
    medianSteps: median(known(ok.map((r) => r.solvedAtStep))),
    medianEpisodes: median(known(ok.map((r) => r.solvedAtEpisode))),
    medianSeconds: median(known(ok.map((r) => r.solvedAtSeconds))),
    medianFinalEval: median(known(rs.map((r) => r.finalEval))),
    medianSps: median(rs.map((r) => r.sps)),
    backend: rs[0]?.backend ?? '',
  };
});

if (values.json) {
  console.log(JSON.stringify({ event: 'summary', summary }));
} else {
  const fmt = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));
  const lines = [
    ['setup', 'seed', 'solved', 'step', 'episode', 'seconds', 'mean100', 'final eval', 'steps/s', 'backend'],
    ...rows.map((r) => [
      r.setup,
      String(r.seed),
      r.solved ? 'yes' : 'no',
      fmt(r.solvedAtStep),
      fmt(r.solvedAtEpisode),
      fmt(r.solvedAtSeconds, 1),
      fmt(r.mean100, 1),
      fmt(r.finalEval, 1),
      fmt(r.sps),
      r.backend,
    ]),
    ...summary.map((s) => [
      s.setup,
      'median',
      `${s.solved}/${s.runs}`,
      fmt(s.medianSteps),
      fmt(s.medianEpisodes),
      fmt(s.medianSeconds, 1),
      '',
      fmt(s.medianFinalEval, 1),
      fmt(s.medianSps),
      s.backend,
    ]),
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  for (const l of lines) console.log(l.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}
