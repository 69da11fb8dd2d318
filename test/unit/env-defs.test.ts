/**
 * Every EnvDef (main/lab/domain/env-defs/) against the env the registry builds, under every
 * combination of its boolean options: a definition that drifts from its env fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionSpaceOf, actionSpacesOf, type EnvDef } from '../../main/lab/domain/env-def.ts';
import { COMMON_ENV_OPTIONS, ENV_DEFS, EnvId } from '../../main/lab/domain/envs.ts';
import { binSpecFor, validateBinSpec } from '../../main/lab/agents/obs-binning.ts';
import { heuristicActor } from '../../main/lab/agents/baselines.ts';
import { ENV_IDS, ensureEnvReady, envOptionDefs, envSpec, makeEnv, makeVecEnv } from '../../main/lab/envs/registry.ts';
import { flatDim, type Space } from '../../main/lab/envs/spaces.ts';

/** Every assignment of true/false to the env's boolean options (numbers stay at their defaults). */
function optionCombinations(def: EnvDef): Record<string, boolean>[] {
  const keys = Object.keys(def.options).filter((k) => def.options[k].type === 'boolean');
  return Array.from({ length: 2 ** keys.length }, (_, bits) => Object.fromEntries(keys.map((k, i) => [k, ((bits >> i) & 1) === 1])));
}

/** Bounds as the env stores them (float32). */
const f32 = (xs: readonly number[]) => xs.map(Math.fround);

function assertInside(what: string, [lo, hi]: readonly [number, number], low: number, high: number): void {
  assert.ok(lo < hi, `${what}: empty range [${lo}, ${hi}]`);
  assert.ok(lo >= low && hi <= high, `${what}: [${lo}, ${hi}] leaves the observation's [${low}, ${high}]`);
}

test('every env id has a definition the registry can build', () => {
  assert.deepEqual([...ENV_IDS].sort(), [...EnvId.options].sort());
  for (const id of EnvId.options) assert.equal(ENV_DEFS[id].id, id);
});

for (const id of EnvId.options) {
  const def: EnvDef = ENV_DEFS[id];

  test(`${id}: observation, actions and spec match the env under every option combination`, async () => {
    await ensureEnvReady(id);
    const { labels, low, high } = def.observation;
    assert.equal(low.length, labels.length);
    assert.equal(high.length, labels.length);
    const spec = { id, ...def.spec };
    assert.deepEqual({ ...envSpec(id) }, spec);
    for (const options of optionCombinations(def)) {
      const at = `${id} ${JSON.stringify(options)}`;
      const env = makeEnv(id, options);
      try {
        const obsSpace: Space = env.observationSpace;
        assert.equal(obsSpace.kind, 'box', at);
        if (obsSpace.kind !== 'box') continue;
        assert.equal(flatDim(obsSpace), labels.length, `${at}: observation size`);
        assert.deepEqual(obsSpace.low, f32(low), `${at}: observation low`);
        assert.deepEqual(obsSpace.high, f32(high), `${at}: observation high`);
        assert.deepEqual({ ...env.spec }, spec, `${at}: spec`);

        const actions = actionSpaceOf(def, options);
        const space = env.actionSpace;
        assert.equal(space.kind, actions.kind, `${at}: action space kind`);
        if (space.kind === 'discrete') assert.equal(space.n, actions.labels.length, `${at}: one label per action`);
        else if (actions.kind === 'box') {
          assert.deepEqual(space.shape, [actions.labels.length], `${at}: one label per action dimension`);
          assert.deepEqual(space.low, f32(actions.low), `${at}: action low`);
          assert.deepEqual(space.high, f32(actions.high), `${at}: action high`);
        }

        // The env's observations are the size the labels say, and its heuristic acts in its action space.
        const heuristic = heuristicActor(id, options);
        let obs = env.reset({ seed: 1 }).obs;
        for (let t = 0; t < 20; t++) {
          assert.equal(obs.length, labels.length, `${at}: observation length at step ${t}`);
          const a = heuristic.act(obs);
          if (space.kind === 'discrete')
            assert.ok(Number.isInteger(a) && (a as number) >= 0 && (a as number) < space.n, `${at}: heuristic action ${String(a)}`);
          else assert.equal((a as Float32Array).length, space.shape[0], `${at}: heuristic action size`);
          const r = env.step(a);
          if (r.terminated || r.truncated) break;
          obs = r.obs;
        }
      } finally {
        env.close();
      }
      const vec = makeVecEnv(id, 2, options);
      try {
        assert.equal(vec.obsDim, labels.length, `${at}: vector env observation size`);
        assert.deepEqual({ ...vec.spec }, spec, `${at}: vector env spec`);
        assert.equal(vec.actionSpace.kind, actionSpaceOf(def, options).kind, `${at}: vector env action space`);
      } finally {
        vec.close();
      }
    }
  });

  test(`${id}: option bounds are the lab's checks`, async () => {
    await ensureEnvReady(id);
    const all = { ...def.options, ...COMMON_ENV_OPTIONS };
    assert.deepEqual(Object.keys(envOptionDefs(id)).sort(), Object.keys(all).sort());
    for (const [key, o] of Object.entries(all)) {
      // Every bound refuses what lies beyond it (and the bound itself when exclusive) and takes what lies inside.
      if (o.min !== undefined) {
        const inside = o.max !== undefined ? (o.min + o.max) / 2 : o.min + 1;
        makeEnv(id, { [key]: o.type === 'integer' ? Math.ceil(inside) : inside }).close();
        assert.throws(() => makeEnv(id, { [key]: o.min! - 1 }), new RegExp(`"${key}" must be`));
        if (o.exclusiveMin) assert.throws(() => makeEnv(id, { [key]: o.min }), new RegExp(`"${key}" must be`));
        else makeEnv(id, { [key]: o.min }).close();
      }
      if (o.max !== undefined) {
        assert.throws(() => makeEnv(id, { [key]: o.max! + 1 }), new RegExp(`"${key}" must be`));
        if (o.exclusiveMax) assert.throws(() => makeEnv(id, { [key]: o.max }), new RegExp(`"${key}" must be`));
        else makeEnv(id, { [key]: o.max }).close();
      }
      // A default is a valid value (max_episode_steps' 0 stands for the spec's limit).
      if (key !== 'max_episode_steps') makeEnv(id, { [key]: o.default }).close();
    }
  });

  test(`${id}: Insights, episode plot, action labels and Q-learning binning fit the observation`, () => {
    const obsDim = def.observation.labels.length;
    const { low, high } = def.observation;
    const ins = def.insights;
    const dims = [ins.xDim, ins.yDim, ...ins.sliders.map((s) => s.dim)];
    assert.equal(new Set(dims).size, dims.length, 'axes and sliders fix different dimensions');
    for (const d of dims) assert.ok(Number.isInteger(d) && d >= 0 && d < obsDim, `dimension ${d} is outside the observation`);
    assertInside('x axis', ins.xRange, low[ins.xDim], high[ins.xDim]);
    assertInside('y axis', ins.yRange, low[ins.yDim], high[ins.yDim]);
    for (const s of ins.sliders) {
      assertInside(`slider ${s.name}`, [s.min, s.max], low[s.dim], high[s.dim]);
      assert.ok(s.min <= 0 && s.max >= 0 && s.step > 0, `slider ${s.name}: "Reset to 0" must land on the slider`);
    }

    const spaces = actionSpacesOf(def);
    const discrete = spaces.find((s) => s.kind === 'discrete');
    const box = spaces.find((s) => s.kind === 'box');
    for (const s of spaces) if (s.kind === 'box') assert.deepEqual([s.low.length, s.high.length], [s.labels.length, s.labels.length]);
    if (discrete && typeof ins.defaultMap.discrete === 'number') assert.ok(ins.defaultMap.discrete < discrete.labels.length);
    if (box) assert.ok(ins.defaultMap.box < box.labels.length);
    if (ins.mapHint) assert.ok(discrete && ins.mapHint.actionIndex < discrete.labels.length, 'the map hint names a discrete action');

    for (const panel of def.episodePlot) {
      for (const line of panel.lines) {
        if (line.value !== 'reward') assert.ok(Number.isInteger(line.value) && line.value >= 0 && line.value < obsDim, `${panel.key}: ${line.label}`);
      }
    }
    assert.equal(new Set(def.episodePlot.map((p) => p.key)).size, def.episodePlot.length, 'plot panel keys are distinct');

    const b = def.tabularBinning;
    validateBinSpec({ bins: [...b.bins], low: [...b.low], high: [...b.high] }, obsDim);
    for (let d = 0; d < obsDim; d++) assertInside(`binning of ${def.observation.labels[d]}`, [b.low[d], b.high[d]], low[d], high[d]);
    assert.deepEqual(binSpecFor(id, { kind: 'box', shape: [obsDim], low: f32(low), high: f32(high) }), {
      bins: [...b.bins],
      low: [...b.low],
      high: [...b.high],
    });
  });
}
