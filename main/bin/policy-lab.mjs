#!/usr/bin/env node
// The `policy-lab` command: runs main/cli.ts straight from source through tsx's ESM loader, with the
// same arguments and exit code as `npm run cli -- …`. Plain JS so it starts without a build step.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// tsx looks for a tsconfig in the current directory by default; the bin runs from anywhere, so point it
// at ours (verbatimModuleSyntax etc. decide how the sources compile).
const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
register(existsSync(tsconfig) ? { tsconfig } : {});

let code;
try {
  // cli.ts runs itself only when it is the entry script; imported, it exports main(argv).
  const cli = await import('../cli.ts');
  code = await cli.main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  code = 1;
}
process.exitCode = typeof code === 'number' ? code : 0;
// As cli.ts does when it is the entry: a handle left open (a timer, a pool) must not keep us alive.
setTimeout(() => process.exit(process.exitCode), 50).unref();
