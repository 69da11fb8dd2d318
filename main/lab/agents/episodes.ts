/**
 * Whole-episode collection for the episode-based algorithms (REINFORCE, actor-critic mc/shared):
 * every env copy steps with the policy's sampled actions until enough episodes have finished;
 * episodes still running carry over to the next collection, as in the one-env tutorials.
 */
import type { VecEnv } from '../envs/env.ts';

export class Episode {
  obs: number[] = [];
  actions: number[] = [];
  rewards: number[] = [];
  /** V(final observation) of an episode cut by the time limit (0 if it terminated, or when not asked for). */
  bootstrap = 0;
}

export class EpisodeCollector {
  private running: Episode[];
  /** The last actions taken, one per env copy. */
  readonly actions: Int32Array;

  constructor(private readonly vecEnv: VecEnv) {
    this.running = Array.from({ length: vecEnv.numEnvs }, () => new Episode());
    this.actions = new Int32Array(vecEnv.numEnvs);
  }

  /**
   * Steps until `count` episodes have finished. `sample` fills the actions for the current
   * observations; `truncated` (if given) returns the bootstrap value of an episode the time limit cut,
   * from its final observation. Returns the finished episodes and the env steps taken.
   */
  collect(
    count: number,
    sample: (obs: Float32Array, n: number, out: Int32Array) => void,
    onEnvStep: () => void,
    truncated?: (finalObs: Float32Array) => number,
  ): { done: Episode[]; steps: number } {
    const vecEnv = this.vecEnv;
    const N = vecEnv.numEnvs;
    const D = vecEnv.obsDim;
    const done: Episode[] = [];
    let steps = 0;
    while (done.length < count) {
      const obs = vecEnv.obs;
      sample(obs, N, this.actions);
      for (let i = 0; i < N; i++) {
        const ep = this.running[i];
        for (let j = 0; j < D; j++) ep.obs.push(obs[i * D + j]);
        ep.actions.push(this.actions[i]);
      }
      vecEnv.step(this.actions);
      steps += N;
      for (let i = 0; i < N; i++) {
        const ep = this.running[i];
        ep.rewards.push(vecEnv.rewards[i]);
        if (vecEnv.terminated[i] || vecEnv.truncated[i]) {
          // Time-limit truncation: the final state is not terminal, so its value is the return's tail.
          if (!vecEnv.terminated[i] && truncated) ep.bootstrap = truncated(vecEnv.finalObs.slice(i * D, (i + 1) * D));
          done.push(ep);
          this.running[i] = new Episode();
        }
      }
      onEnvStep();
    }
    return { done, steps };
  }

  /** The episodes still running, one per env copy (a resumed run carries them on). */
  getState(): { obs: Float32Array; actions: Int32Array; rewards: Float64Array }[] {
    return this.running.map((ep) => ({ obs: Float32Array.from(ep.obs), actions: Int32Array.from(ep.actions), rewards: Float64Array.from(ep.rewards) }));
  }

  setState(s: unknown): void {
    const D = this.vecEnv.obsDim;
    const eps = s as ReturnType<EpisodeCollector['getState']>;
    const fits =
      Array.isArray(eps) &&
      eps.length === this.running.length &&
      eps.every(
        (e) =>
          e?.obs instanceof Float32Array &&
          e.actions instanceof Int32Array &&
          e.rewards instanceof Float64Array &&
          e.obs.length === e.actions.length * D &&
          (e.rewards.length === e.actions.length || e.rewards.length === e.actions.length - 1),
      );
    if (!fits) throw new Error('the saved running episodes do not fit these envs');
    this.running = eps.map((e) => Object.assign(new Episode(), { obs: Array.from(e.obs), actions: Array.from(e.actions), rewards: Array.from(e.rewards) }));
  }
}
