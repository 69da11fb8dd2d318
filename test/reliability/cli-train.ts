/** The lab as a crash test kills it: `policy-lab train` on CartPole PPO in a process of its own (it forks the run process). */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export function startTrain(runsDir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'main/cli.ts', 'train', '--env', 'CartPole-v1', '--algo', 'ppo', ...args, '--runs-dir', runsDir, '--json'],
    {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, ...env },
    },
  );
}
