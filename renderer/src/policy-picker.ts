/**
 * Building blocks of the policy selects (Watch's agent picker, Insights' policy picker): how a
 * saved policy reads as an option, what its source is called, and options grouped for <optgroup>.
 */
import type { PolicyInfo } from '../../main/lab/domain/policies.ts';

/** One <option>: its value, text and tooltip, and the <optgroup> it goes in. */
export interface PickerOption {
  value: string;
  label: string;
  title: string;
  group: string;
}

/** Group names by where a policy comes from, in the order Insights lists them. */
export const SOURCE_GROUPS: Record<PolicyInfo['source'], string> = { run: 'From runs', checkpoint: 'Checkpoints', demo: 'Bundled demos', file: 'Imported' };
export const SOURCE_ORDER = Object.keys(SOURCE_GROUPS) as PolicyInfo['source'][];

// Run ids are "<yyyymmdd>-<hhmmss>-<env>-<algo>-s<seed>-<rand>" (main/lab/runs/run-store.ts).
const RUN_ID_RE = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(.+)-([a-z0-9]+)$/i;

/**
 * What a select shows for a policy. A run's label ("CartPole-v1 · ppo · seed 0 · <run id>")
 * names the env twice, once in the run id, which also repeats algorithm and seed; the env is
 * shown elsewhere (Watch's env select, Insights' group), so the option keeps algorithm, seed and
 * the run's start time. The full label stays in the tooltips.
 */
export function policyLabel(p: PolicyInfo): string {
  const parts = p.label
    .split(' · ')
    .filter((part) => part !== p.env)
    .map((part) => {
      const m = RUN_ID_RE.exec(part);
      return m && m[7].includes(p.env) ? `${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : part;
    });
  return parts.join(' · ') || p.label;
}

/** A saved policy as an option under `group`; the tooltip has its full label and path. */
export function policyOption(p: PolicyInfo, value: string, group: string, label = policyLabel(p)): PickerOption {
  return { value, label, title: `${p.label} (${p.path})`, group };
}

/** Options by group, groups in the order they first appear, as [group, options] for v-for. */
export function groupOptions<O extends { group: string }>(options: readonly O[]): [string, O[]][] {
  const map = new Map<string, O[]>();
  for (const o of options) {
    const list = map.get(o.group);
    if (list) list.push(o);
    else map.set(o.group, [o]);
  }
  return [...map.entries()];
}
