/**
 * `npm run bench`: env throughput (CartPole, LunarLander), the training engines (tfjs vs fused), then
 * CartPole learning (PPO and REINFORCE, seeds 0–4, median time and steps to solve). Each part is its own process so one's JIT state or
 * tfjs backend cannot colour another's numbers. Flags (--json, --quick) pass through.
 *   npm run bench -- --only envs|lunar|engine|learning
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : null;
const pass = onlyIdx >= 0 ? args.filter((_, i) => i !== onlyIdx && i !== onlyIdx + 1) : args;

const parts: [string, string, string[]][] = [
  ['envs', 'envs.ts', pass.filter((a) => a === '--json' || a === '--quick')],
  ['lunar', 'lunar.ts', pass.filter((a) => a === '--json' || a === '--quick')],
  ['engine', 'engine.ts', pass.filter((a) => a === '--json' || a === '--quick')],
  ['learning', 'learning.ts', pass.filter((a) => a !== '--quick')],
];

let failed = 0;
for (const [name, file, partArgs] of parts) {
  if (only && only !== name) continue;
  if (!args.includes('--json')) process.stdout.write(`\n== ${name} ==\n`);
  const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...partArgs], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
