/**
 * Returns and advantages on typed arrays.
 *
 * Termination vs truncation (Pardo et al. 2018, "Time Limits in RL"): a terminal state has value 0,
 * so nothing is bootstrapped; a time-limit truncation is not terminal, so the return is bootstrapped
 * with V(final observation). Either way the next row belongs to a new episode, so the recursion is cut.
 */

/**
 * Discounted reward-to-go of one episode: G_t = r_t + γ·G_{t+1}, G_T = bootstrap
 * (0 when the episode terminated; V(s_T) when it was truncated and a critic exists).
 */
export function rewardToGo(rewards: ArrayLike<number>, gamma: number, bootstrap = 0, out?: Float64Array): Float64Array {
  const n = rewards.length;
  const g = out ?? new Float64Array(n);
  let acc = bootstrap;
  for (let t = n - 1; t >= 0; t--) {
    acc = rewards[t] + gamma * acc;
    g[t] = acc;
  }
  return g;
}

export interface GaeInput {
  nSteps: number;
  nEnvs: number;
  /** All [nSteps × nEnvs], row t = step t: reward after acting at t, V(s_t), and the end flags of step t. */
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  /** V(finalObs) where truncated[t,i] (ignored elsewhere). */
  finalValues: ArrayLike<number>;
  /** [nEnvs] V(s_T) of the observations after the last step, for rows still running. */
  lastValues: ArrayLike<number>;
  gamma: number;
  lambda: number;
}

/**
 * GAE(λ) (Schulman et al. 2016): δ_t = r_t + γ·V_next − V(s_t), A_t = δ_t + γλ·A_{t+1}, and the
 * λ-returns R_t = A_t + V(s_t) as value targets (as SB3 does).
 *   terminated: V_next = 0, A_{t+1} = 0;  truncated: V_next = V(finalObs), A_{t+1} = 0;
 *   otherwise V_next = V(s_{t+1}) (lastValues at t = T−1).
 */
export function computeGae(inp: GaeInput, advOut?: Float32Array, retOut?: Float32Array): { advantages: Float32Array; returns: Float32Array } {
  const { nSteps: T, nEnvs: N, rewards, values, terminated, truncated, finalValues, lastValues, gamma, lambda } = inp;
  const size = T * N;
  for (const [name, a] of [
    ['rewards', rewards],
    ['values', values],
    ['terminated', terminated],
    ['truncated', truncated],
    ['finalValues', finalValues],
  ] as const) {
    if (a.length < size) throw new Error(`computeGae: ${name} has ${a.length} entries, need ${size}`);
  }
  if (lastValues.length < N) throw new Error(`computeGae: lastValues has ${lastValues.length} entries, need ${N}`);
  const adv = advOut ?? new Float32Array(size);
  const ret = retOut ?? new Float32Array(size);
  for (let i = 0; i < N; i++) {
    let nextAdv = 0;
    let nextValue = lastValues[i];
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i;
      let vNext: number;
      let carry: number;
      if (terminated[k]) {
        vNext = 0;
        carry = 0;
      } else if (truncated[k]) {
        vNext = finalValues[k];
        carry = 0;
      } else {
        vNext = nextValue;
        carry = nextAdv;
      }
      const delta = rewards[k] + gamma * vNext - values[k];
      const a = delta + gamma * lambda * carry;
      adv[k] = a;
      ret[k] = a + values[k];
      nextAdv = a;
      nextValue = values[k];
    }
  }
  return { advantages: adv, returns: ret };
}

/** 1 − Var[y − ŷ] / Var[y]: 1 is perfect, 0 no better than a constant, NaN when Var[y] = 0 (as SB3). */
export function explainedVariance(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  const n = target.length;
  if (n === 0) return NaN;
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += target[i];
    md += target[i] - pred[i];
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (target[i] - my) ** 2;
    vd += (target[i] - pred[i] - md) ** 2;
  }
  return vy === 0 ? NaN : 1 - vd / vy;
}

export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  const n = x.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  return { mean: m, std: Math.sqrt(v / n) };
}
