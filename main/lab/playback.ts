/**
 * Playing a policy (or a baseline agent): one episode with its frames and the policy's X-ray, the
 * Insights grid over two observation dimensions, and the episode as a GIF drawn from the shared scene.
 */
import { LabError } from './domain/errors.ts';
import type { ExportGifParams, GifExport, InsightGrid, InsightsParams, RolloutParams, RolloutResult } from './domain/policies.ts';
import type { Actor } from './agents/baselines.ts';
import { ensureEnvReady, envSpec, makeEnv } from './envs/registry.ts';
import { flatDim } from './envs/spaces.ts';
import { actorLabel, makeActor, runEpisode, type ActorSource } from './rollout.ts';
import type { PolicyLibrary } from './runs/policy-library.ts';
import { actionLabels, OBS_NAMES } from './domain/env-labels.ts';
import { insightGrid, xray, type XrayPolicy } from './xray.ts';

export class Playback {
  constructor(private readonly policies: PolicyLibrary) {}

  async rollout(p: RolloutParams): Promise<RolloutResult> {
    await ensureEnvReady(p.env);
    let env;
    try {
      env = makeEnv(p.env, p.envOptions);
    } catch (err) {
      throw new LabError((err as Error).message, 'invalid');
    }
    try {
      let actor: Actor;
      const loaded = p.policy ? await this.policies.load(p.policy) : null;
      const source: ActorSource = loaded ? { policy: loaded, deterministic: p.deterministic } : { agent: p.agent ?? 'random' };
      try {
        actor = makeActor(source, env, p.env, p.envOptions, p.seed);
      } catch (err) {
        throw new LabError((err as Error).message, 'invalid');
      }
      const ep = runEpisode(env, actor, { seed: p.seed, maxSteps: p.maxSteps ?? envSpec(p.env).maxEpisodeSteps });
      const obs = [ep.resetObs, ...ep.steps.map((s) => s.obs)];
      return {
        env: p.env,
        seed: p.seed,
        frames: ep.frames,
        obs,
        actions: ep.steps.map((s) => (typeof s.action === 'number' ? [s.action] : s.action)),
        rewards: ep.steps.map((s) => s.reward),
        // X-ray at the observation each action was chosen from (the final obs has no action).
        ...(loaded ? xray(loaded as unknown as XrayPolicy, obs.slice(0, ep.length)) : {}),
        return: ep.return,
        length: ep.length,
        terminated: ep.terminated,
        truncated: ep.truncated,
      };
    } finally {
      env.close();
    }
  }

  async insights(p: InsightsParams): Promise<InsightGrid> {
    const policy = await this.policies.load(p.policy);
    const env = policy.meta.env;
    const obsDim = flatDim(policy.observationSpace);
    const labels = OBS_NAMES[env];
    try {
      return insightGrid(policy as unknown as XrayPolicy, env, obsDim, p, {
        x: labels[p.xDim] ?? `obs[${p.xDim}]`,
        y: labels[p.yDim] ?? `obs[${p.yDim}]`,
        action:
          policy.actionSpace.kind === 'discrete' ? `P(${actionLabels(env, 'discrete', p.actionIndex + 1)[p.actionIndex]})` : `mean action[${p.actionIndex}]`,
      });
    } catch (err) {
      throw new LabError((err as Error).message, 'invalid');
    }
  }

  /**
   * The same episode as rollout() (same seed, same actor), encoded as a GIF from the shared scene.
   * With `beside`, the second agent plays the same seed too and the GIF shows both, side by side.
   */
  async exportGif(p: ExportGifParams): Promise<GifExport> {
    const ep = await this.rollout(p);
    const { encodeGif, encodeSideBySideGif } = await import('./media/gif.ts');
    const b = p.beside;
    if (!b) {
      const gif = await encodeGif(ep.frames, { fps: p.fps, scale: p.scale });
      return { fileName: `${p.env}-${who(p)}-seed${p.seed}.gif`, ...gifFields(gif, ep) };
    }
    const side: RolloutParams = {
      env: b.env,
      envOptions: b.envOptions,
      policy: b.policy,
      agent: b.agent,
      seed: p.seed,
      deterministic: p.deterministic,
      maxSteps: p.maxSteps,
    };
    const epB = await this.rollout(side);
    const gif = await encodeSideBySideGif(
      { frames: ep.frames, label: p.label ?? actorLabel(p) },
      { frames: epB.frames, label: b.label ?? actorLabel(side) },
      { fps: p.fps, scale: p.scale },
    );
    return {
      fileName: `${p.env}-${who(p)}-vs-${who(side)}-seed${p.seed}.gif`,
      ...gifFields(gif, ep),
      frames: Math.max(ep.frames.length, epB.frames.length),
      beside: { return: epB.return, length: epB.length },
    };
  }
}

const who = (p: Pick<RolloutParams, 'policy' | 'agent'>): string => (p.policy ? 'policy' : (p.agent ?? 'random'));

function gifFields(gif: Uint8Array, ep: RolloutResult): Omit<GifExport, 'fileName'> {
  return { dataBase64: Buffer.from(gif).toString('base64'), frames: ep.frames.length, bytes: gif.length, return: ep.return, length: ep.length };
}
