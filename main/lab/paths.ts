/**
 * Where the lab keeps its runs. The CLI, browser mode and the desktop app share one library by
 * default: the same folder Electron would use for app.getPath('userData'), plus /runs.
 * POLICY_LAB_RUNS_DIR or --runs-dir overrides it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_NAME = 'policy-lab';

export function userDataDir(): string {
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}

export function defaultRunsDir(): string {
  return process.env.POLICY_LAB_RUNS_DIR ? resolve(process.env.POLICY_LAB_RUNS_DIR) : join(userDataDir(), 'runs');
}

/** The repository / app root (two levels above this file in a checkout). */
export function projectRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

export function resourcesDir(): string {
  return join(projectRoot(), 'resources');
}
