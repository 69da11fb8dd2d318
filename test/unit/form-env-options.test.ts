/** The Train/Watch forms and the lab read an env option's bounds from one definition: they cannot disagree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optionRows } from '../../renderer/src/forms/env-options.ts';
import { ENV_DEFS, COMMON_ENV_OPTIONS, type EnvId, type EnvInfo } from '../../main/lab/domain/envs.ts';
import { envOptionDefs, envSpec, resolveEnvOptions } from '../../main/lab/envs/registry.ts';

function infoOf(id: EnvId): EnvInfo {
  const spec = envSpec(id);
  return {
    id,
    options: Object.entries(envOptionDefs(id)).map(([key, d]) => ({ key, ...d })),
    observationSpace: null,
    actionSpace: null,
    maxEpisodeSteps: spec.maxEpisodeSteps,
    rewardThreshold: spec.rewardThreshold,
  };
}

test('random numeric option values: flagged at the field exactly when the lab refuses them', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  let refused = 0;
  let accepted = 0;
  for (const id of Object.keys(ENV_DEFS) as EnvId[]) {
    const info = infoOf(id);
    for (const o of info.options.filter((x) => x.type !== 'boolean')) {
      // Around each bound and far from it; integers and fractions.
      const anchors = [o.min, o.max, 0, 1, -1].filter((x): x is number => x !== undefined);
      for (let i = 0; i < 400; i++) {
        const a = anchors[i % anchors.length];
        const raw = i % 5 === 0 ? a : a + rand() * (i % 3 === 0 ? 0.001 : 50);
        const v = o.type === 'integer' && i % 2 === 0 ? Math.round(raw) : raw;
        const row = optionRows(info, { [o.key]: String(v) }).find((r) => r.info.key === o.key)!;
        let labError: string | null = null;
        try {
          resolveEnvOptions(id, { [o.key]: v });
        } catch (err) {
          labError = (err as Error).message;
        }
        assert.equal(row.error === null, labError === null, `${id} ${o.key}=${v}: form says ${row.error}, lab says ${labError}`);
        if (labError) {
          refused++;
          assert.ok(labError.endsWith(`${row.error}, got ${v}`), `the same words: "${row.error}" / "${labError}"`);
        } else accepted++;
      }
    }
  }
  assert.ok(refused > 100 && accepted > 100, `both sides exercised: ${refused} refused, ${accepted} accepted`);
});

test("the hint line states each bounded option's bounds", () => {
  const rows = optionRows(infoOf('LunarLander-v3'), {});
  assert.equal(rows.find((r) => r.info.key === 'gravity')?.rule, 'in (−12, 0)');
  assert.equal(rows.find((r) => r.info.key === 'max_episode_steps')?.rule, `integer ≥ ${COMMON_ENV_OPTIONS.max_episode_steps.min}`);
  assert.equal(rows.find((r) => r.info.key === 'wind_power')?.rule, null);
});
