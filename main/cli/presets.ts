/**
 * `presets`: the saved presets of the runs folder (the app's and browser mode's too): list, save, delete.
 * A saved preset's name goes to `train --preset NAME` and `sweep --preset NAME`.
 */
import { LabService } from '../lab/service.ts';
import { ForkLauncher } from '../lab/runs/fork-launcher.ts';
import { defaultRunsDir } from '../lab/paths.ts';
import { LabError } from '../lab/domain/errors.ts';
import { SavePresetRequest, type PresetList, type UserPreset } from '../lab/domain/presets.ts';
import { algorithmDef } from '../lab/agents/registry.ts';
import { UsageError, out, parse } from './args.ts';
import { REQUEST_FLAGS, requestFlagOptions, requestFromFlags } from './request-flags.ts';

export const PRESETS_USAGE = [
  '  policy-lab presets [--runs-dir DIR] [--json]',
  '  policy-lab presets save NAME --env ID --algo ALGO [--preset BUILT_IN] [--set key=value]...',
  '                   [--env-opt key=value]... [--note TEXT] [--overwrite] [--runs-dir DIR] [--json]',
  '  policy-lab presets delete NAME [--runs-dir DIR] [--json]',
].join('\n');

/** The run request's flags a preset keeps. */
const PRESET_FIELDS = new Set(['env', 'algo', 'preset', 'hyperparameters', 'envOptions']);

function service(runsDir: string | undefined): LabService {
  return new LabService({ runsDir: runsDir ?? defaultRunsDir(), launcher: new ForkLauncher(), mode: 'cli' });
}

const valuesText = (p: UserPreset) =>
  [
    ...Object.entries(p.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`),
    ...Object.entries(p.envOptions).map(([k, v]) => `${k}=${String(v)}`),
  ].join(' ') || '(no overrides)';

function printList(json: boolean, list: PresetList, runsDir: string): void {
  if (list.notice) process.stderr.write(`policy-lab: ${list.notice}\n`);
  if (json) {
    for (const p of list.presets) out(true, { event: 'preset', ...p });
    out(true, { event: 'summary', count: list.presets.length, runsDir, notice: list.notice });
    return;
  }
  process.stdout.write(`${list.presets.length} saved preset(s) in ${runsDir}\n`);
  for (const p of list.presets) {
    // Saving refuses built-in names, but a later version may add a built-in of that name: it wins.
    const hidden = algorithmDef(p.algo).presets.some((b) => b.name === p.name) ? `\n    hidden by the built-in ${p.algo} preset of this name` : '';
    process.stdout.write(
      `  ${p.name}  ${p.algo} on ${p.env} · from ${p.basePreset ?? 'algorithm defaults'} · ${valuesText(p)}${p.note ? `\n    ${p.note}` : ''}${hidden}\n`,
    );
  }
}

/** A command-line mistake the lab found (a bad value, a taken name) exits 2 as any usage error does. */
async function asUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof LabError && (err.code === 'invalid' || err.code === 'not-found')) throw new UsageError(err.message);
    throw err;
  }
}

function nameArg(sub: string, name: string | undefined): string {
  if (name === undefined || name.startsWith('--')) throw new UsageError(`presets ${sub} needs the preset's name: policy-lab presets ${sub} NAME …`);
  return name;
}

export async function cmdPresets(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub.startsWith('--')) {
    const { values } = parse(args, { 'runs-dir': { type: 'string' } });
    const lab = service(values['runs-dir']);
    printList(!!values.json, await lab.listPresets(), lab.store.root);
    return 0;
  }
  if (sub === 'delete') {
    const name = nameArg(sub, rest[0]);
    const { values } = parse(rest.slice(1), { 'runs-dir': { type: 'string' } });
    const lab = service(values['runs-dir']);
    const list = await asUsage(lab.deletePreset(name));
    if (list.notice) process.stderr.write(`policy-lab: ${list.notice}\n`);
    out(!!values.json, { event: 'deleted', name }, `deleted preset "${name}"`);
    return 0;
  }
  if (sub === 'save') {
    const name = nameArg(sub, rest[0]);
    const runFlags = Object.fromEntries(
      Object.entries(requestFlagOptions()).filter(([flag]) => PRESET_FIELDS.has(REQUEST_FLAGS.find((f) => f.flag === flag)?.field ?? '')),
    );
    const { values } = parse(rest.slice(1), { ...runFlags, note: { type: 'string' }, overwrite: { type: 'boolean' }, 'runs-dir': { type: 'string' } });
    const req = requestFromFlags(values as Parameters<typeof requestFromFlags>[0]);
    const { preset: base, ...fields } = req;
    const parsed = SavePresetRequest.safeParse({ ...fields, name, basePreset: base ?? null, note: values.note, overwrite: !!values.overwrite });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue.path[0] ?? '');
      const flag = field === 'basePreset' ? 'preset' : REQUEST_FLAGS.find((f) => f.field === field)?.flag;
      throw new UsageError(`${field === 'name' ? '' : `${flag ? `--${flag}` : field}: `}${issue.message}`);
    }
    const lab = service(values['runs-dir'] as string | undefined);
    const list = await asUsage(lab.savePreset(parsed.data));
    if (list.notice) process.stderr.write(`policy-lab: ${list.notice}\n`);
    const saved = list.presets.find((p) => p.name === name)!;
    out(!!values.json, { event: 'saved', ...saved }, `saved preset "${name}": ${saved.algo} on ${saved.env} · ${valuesText(saved)}`);
    return 0;
  }
  throw new UsageError(`unknown presets subcommand "${sub}" (try: presets, presets save NAME, presets delete NAME)`);
}
