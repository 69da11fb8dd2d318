/**
 * The BENCHMARKS.md learning table from `bench:learning --json` output: one row per setup, medians
 * over its seeds, and whether the issue's target was met.
 *
 *   npm run bench:learning -- --suite all --json > results.jsonl
 *   node --import tsx bench/table.ts results.jsonl [more.jsonl …]
 */
import { readFileSync } from 'node:fs';
import { known, median, type LearningRun as Run } from './learning-results.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: table.ts results.jsonl [more.jsonl …]  (lines from bench:learning --json)');
  process.exit(2);
}
const runs: Run[] = [];
for (const f of files) {
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const ev = JSON.parse(line) as { event: string } & Run;
    if (ev.event === 'run') runs.push(ev);
  }
}

const num = (x: number | null, d = 0) => (x === null ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const secs = (x: number | null) => (x === null ? '—' : `${x.toFixed(x < 1 ? 2 : 1)} s`);
const seeds = (ss: number[]) => {
  const s = [...ss].sort((a, b) => a - b);
  return s.length > 1 && s[s.length - 1] - s[0] === s.length - 1 ? `${s[0]}–${s[s.length - 1]}` : s.join(',');
};

const header = [
  'env',
  'setup',
  'target',
  'seeds',
  'solved',
  'median steps to target',
  'median wall to target',
  'mean100 at end (median)',
  '100-ep eval (median)',
  'steps/s',
  'backend',
  'met',
];
const lines = [header, header.map(() => '---')];
for (const label of [...new Set(runs.map((r) => r.setup))]) {
  const rs = runs.filter((r) => r.setup === label);
  const ok = rs.filter((r) => r.solved && (r.within === null || (r.solvedAtStep ?? Infinity) <= r.within));
  const stepsToTarget = median(known(ok.map((r) => r.solvedAtStep)));
  const episodes = median(known(ok.map((r) => r.solvedAtEpisode)));
  const met = rs[0].everySeed ? ok.length === rs.length : ok.length * 2 > rs.length;
  lines.push([
    rs[0].env,
    label,
    rs[0].goal,
    seeds(rs.map((r) => r.seed)),
    `${ok.length}/${rs.length}`,
    stepsToTarget === null ? '—' : `${num(stepsToTarget)}${episodes !== null ? ` (ep. ${num(episodes)})` : ''}`,
    ok.some((r) => r.solvedAtSeconds !== null)
      ? secs(median(known(ok.map((r) => r.solvedAtSeconds))))
      : `${secs(median(rs.map((r) => r.wallSeconds)))} (whole run)`,
    num(median(known(rs.map((r) => r.mean100))), 1),
    num(median(known(rs.map((r) => r.finalEval))), 1),
    num(median(rs.map((r) => r.sps))),
    [...new Set(rs.map((r) => r.backend))].join(','),
    met ? '✔' : '✘',
  ]);
}
for (const l of lines) console.log(`| ${l.join(' | ')} |`);
