import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactFrames, expandFrames } from '../../main/lab/media/frames.ts';
import { ensureEnvReady, makeEnv } from '../../main/lab/envs/registry.ts';
import type { RenderState } from '../../main/lab/domain/envs.ts';

test('episode frames compact losslessly and LunarLander shrinks to well under half', async () => {
  await ensureEnvReady('LunarLander-v3');
  const env = makeEnv('LunarLander-v3', { enable_wind: true });
  env.reset({ seed: 4 });
  const frames: RenderState[] = [env.renderState()];
  for (let t = 0; t < 120; t++) {
    const r = env.step(t % 4);
    frames.push(env.renderState());
    if (r.terminated || r.truncated) break;
  }
  const c = compactFrames(frames);
  assert.deepEqual(expandFrames(JSON.parse(JSON.stringify(c))), JSON.parse(JSON.stringify(frames)), 'lossless through JSON');
  assert.ok(c.shared && 'skyPolys' in c.shared, 'the terrain travels once');
  assert.ok(JSON.stringify(c).length < 0.5 * JSON.stringify(frames).length);
  // CartPole frames have nothing in common but the env id: left as they are.
  const cp: RenderState[] = [
    { env: 'CartPole-v1', x: 0, theta: 0 },
    { env: 'CartPole-v1', x: 0.1, theta: 0.01 },
  ];
  assert.deepEqual(compactFrames(cp), { frames: cp });
  assert.deepEqual(expandFrames(compactFrames(cp)), cp);
});
