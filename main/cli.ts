/**
 * policy-lab CLI — the headless face of the lab and the contract other tools and tests rely on.
 *   train | sweep | eval | env info | env rollout | gif | serve | runs | presets
 * With --json, stdout is NDJSON and the last line is {"event":"summary", …}. Usage errors exit 2 with
 * one line on stderr; a failed run exits 1.
 */
import { LabService } from './lab/service.ts';
import { ForkLauncher } from './lab/runs/fork-launcher.ts';
import { defaultRunsDir, resourcesDir } from './lab/paths.ts';
import { algorithmDefs } from './lab/agents/registry.ts';
import { UsageError, intArg, out, parse } from './cli/args.ts';
import { cmdEval, cmdGif, cmdRollout } from './cli/play.ts';
import { cmdTrain } from './cli/train.ts';
import { cmdSweep, SWEEP_LIMITS, SWEEP_USAGE } from './cli/sweep.ts';
import { cmdEnvInfo } from './cli/env-info.ts';
import { PRESETS_USAGE, cmdPresets } from './cli/presets.ts';
import { QUEUE_OPTION, cmdWorker, queueUrl } from './cli/queue.ts';
import { runsFolderSettings } from './lab/queue/queue-choice.ts';
import { leftTrainingNote } from './lab/queue/queue-record.ts';
import { requestFlagsUsage } from './cli/request-flags.ts';
import { remoteNote } from './lab/domain/run-remote.ts';
import { ENDED_STATUSES } from './lab/domain/runs.ts';

/** Breaks a usage line before a flag so it fits 100 columns, continuing under the command. */
function wrap(line: string): string {
  const rows: string[] = [];
  let row = '';
  for (const part of line.split(/ (?=\[?--)/)) {
    if (row && row.length + part.length + 1 > 100) {
      rows.push(row);
      row = ' '.repeat(19) + part;
    } else row = row ? `${row} ${part}` : part;
  }
  return [...rows, row].join('\n');
}

export { parseSetting } from './cli/args.ts';

const HELP = `policy-lab — train, evaluate and watch RL agents (CartPole-v1, LunarLander-v3)

Usage:
${wrap('  policy-lab train ' + requestFlagsUsage() + ' [--runs-dir DIR] [--queue URL] [--json]')}
  policy-lab train --resume RUN_ID_OR_DIR [--steps TOTAL] [--runs-dir DIR] [--json]
${wrap('  policy-lab sweep ' + requestFlagsUsage().replace(' [--seed N]', '') + ' ' + SWEEP_USAGE)}
                   (${SWEEP_LIMITS})
  policy-lab eval --policy DIR [--episodes N] [--seed N] [--stochastic] [--json]
  policy-lab env info --env ID [--env-opt key=value]... [--json]
  policy-lab env rollout --env ID [--env-opt key=value]... --seed N (--actions 1,0,... | --agent random|heuristic|DIR)
                   [--max-steps N] [--json]
  policy-lab gif --env ID [--env-opt key=value]... (--policy DIR | --agent heuristic|random) --seed N
                   --out FILE.gif [--fps 50] [--scale 1] [--max-steps N] [--stochastic] [--json]
                   [--beside-policy DIR | --beside-agent heuristic|random]
  policy-lab serve [--host 127.0.0.1] [--port 5170] [--runs-dir DIR] [--queue URL] [--json]
  policy-lab runs [--runs-dir DIR] [--json]
${PRESETS_USAGE}
  policy-lab worker --queue redis://[:password@]HOST:PORT [--concurrency N] [--name NAME]
                   [--lock-seconds S] [--retries N] [--json]
                   (train … --queue URL sends the run to such workers; POLICY_LAB_QUEUE sets URL)

In a checkout, run it as: npm run cli -- <command> ...
ALGO: ${algorithmDefs()
  .map((d) => d.id)
  .join(', ')}`;

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parse(args, { host: { type: 'string' }, port: { type: 'string' }, 'runs-dir': { type: 'string' }, ...QUEUE_OPTION });
  const { startServer } = await import('./serve.ts');
  const host = values.host ?? '127.0.0.1';
  const port = intArg('port', values.port, 0, 65535) ?? 5170;
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    process.stderr.write(
      `policy-lab: warning: --host ${host} exposes the lab beyond this machine: whoever can reach it and has the address printed below (its token) can start, stop and delete runs and read and import policies. Plain HTTP: use only on a network you trust.\n`,
    );
  }
  const runsDir = values['runs-dir'] ?? defaultRunsDir();
  // Runs train here, or as jobs on a queue: --queue or POLICY_LAB_QUEUE (fixed), else the page's Settings (kept in the runs folder).
  const pinnedUrl = queueUrl(values.queue);
  const pinned = pinnedUrl ? { url: pinnedUrl, by: values.queue !== undefined ? ('--queue' as const) : ('POLICY_LAB_QUEUE' as const) } : null;
  const service = new LabService({
    runsDir,
    launcher: new ForkLauncher(),
    mode: 'browser',
    resourcesDir: resourcesDir(),
    queue: { ...runsFolderSettings(runsDir), pinned, log: (line) => process.stderr.write(`policy-lab: ${line}\n`) },
  });
  // A queue named on the command line must answer before the lab serves (as train and sweep do); a saved one may come later.
  if (pinned) {
    try {
      await service.queueReady();
    } catch (err) {
      await service.close();
      throw err;
    }
  }
  const server = await startServer({ host, port, runsDir, resourcesDir: resourcesDir(), service });
  out(
    !!values.json,
    { event: 'listening', url: server.url, runsDir: server.runsDir },
    `Policy Lab (browser mode) at ${server.url}\n  (the address carries this launch's access token; set POLICY_LAB_TOKEN to choose it)\n  runs: ${server.runsDir}\n  Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const { leftTraining } = await server.close();
  if (leftTraining > 0) out(!!values.json, { event: 'closed', leftTraining }, leftTrainingNote(leftTraining));
  return 0;
}

async function cmdRuns(args: string[]): Promise<number> {
  const { values } = parse(args, { 'runs-dir': { type: 'string' } });
  const service = new LabService({ runsDir: values['runs-dir'] ?? defaultRunsDir(), launcher: new ForkLauncher(), mode: 'cli' });
  const runs = await service.listRuns();
  if (values.json) {
    for (const r of runs) out(true, { event: 'run', ...r });
    out(true, { event: 'summary', count: runs.length, runsDir: service.store.root });
  } else {
    process.stdout.write(`${runs.length} run(s) in ${service.store.root}\n`);
    for (const r of runs) {
      // Under the run's line, what tells it apart: its name (a sweep's runs are named for their values), where it trained, what the lab knows of it.
      const notes = [
        r.name,
        r.worker ? `${ENDED_STATUSES.has(r.status) ? 'trained' : 'training'} on worker ${r.worker}` : null,
        r.remote ? remoteNote(r.remote) : null,
      ].filter(Boolean);
      process.stdout.write(
        `  ${r.runId}  ${r.status.padEnd(8)} ${r.steps.toLocaleString('en-US').padStart(9)} steps  mean100 ${r.mean100?.toFixed(1) ?? '–'}  eval ${r.evalMean?.toFixed(1) ?? '–'}\n` +
          notes.map((n) => `    ${n}\n`).join(''),
      );
    }
  }
  return 0;
}

/** Output piped into a reader that stopped (`policy-lab runs | head`): done, quietly, as Unix tools are. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  quietOnClosedPipe();
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(HELP + '\n');
      return cmd ? 0 : 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    switch (cmd) {
      case 'train':
        return await cmdTrain(rest);
      case 'sweep':
        return await cmdSweep(rest);
      case 'eval':
        return await cmdEval(rest);
      case 'env':
        if (rest[0] === 'info') return await cmdEnvInfo(rest.slice(1));
        if (rest[0] !== 'rollout') throw new UsageError(`unknown env subcommand "${rest[0] ?? ''}" (try: env info, env rollout)`);
        return await cmdRollout(rest.slice(1));
      case 'gif':
        return await cmdGif(rest);
      case 'serve':
        return await cmdServe(rest);
      case 'runs':
        return await cmdRuns(rest);
      case 'presets':
        return await cmdPresets(rest);
      case 'worker':
        return await cmdWorker(rest);
      default:
        throw new UsageError(`unknown command "${cmd}" (try: train, sweep, eval, env info, env rollout, gif, serve, runs, presets, worker; --help for usage)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`policy-lab: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`policy-lab: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.POLICY_LAB_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.env.POLICY_LAB_CLI_ENTRY === '1') {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Do not wait on stray handles (tfjs thread pools etc.) once the command is done.
    setTimeout(() => process.exit(code), 50).unref();
  });
}
