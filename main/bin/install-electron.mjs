// Runs Electron's own binary download, which package.json's allowScripts keeps npm from running.
// A failed download (offline machine, blocked host) must never fail `npm install`: the lab still
// works in browser mode, so we warn and exit 0.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let installJs;
try {
  installJs = join(dirname(require.resolve('electron/package.json')), 'install.js');
} catch {
  process.exit(0); // production install without devDependencies: nothing to do
}
if (!existsSync(installJs) || process.env.POLICY_LAB_SKIP_ELECTRON_DOWNLOAD) process.exit(0);

const res = spawnSync(process.execPath, [installJs], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, encoding: 'utf8' });
if (res.status === 0) {
  console.log('policy-lab: Electron binary is ready.');
} else {
  const out = `${res.stderr ?? ''}\n${res.stdout ?? ''}`;
  // The first error line says why (e.g. getaddrinfo ENOTFOUND); the stack under it does not.
  const reason =
    out
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /error|ENOTFOUND|ECONN|EAI_AGAIN|timed? ?out/i.test(l) && !l.startsWith('at ')) ??
    res.error?.message ??
    `install.js exited with ${res.status}`;
  console.warn(
    '\npolicy-lab: WARNING — the Electron binary could not be downloaded, so the desktop app will not open.\n' +
      `  reason: ${reason}\n` +
      '  `npm start` will run Policy Lab in browser mode instead (same UI on http://127.0.0.1).\n' +
      '  To retry later: node node_modules/electron/install.js\n',
  );
}
process.exit(0);
