/** CartPole-v1's facts (Gymnasium 1.3.0's CartPoleEnv): the physics is main/lab/envs/cartpole.ts. */
import type { EnvDef } from '../env-def.ts';

/** The episode ends beyond ±2.4 m or ±12° (written as Gymnasium computes it). */
const X_LIMIT = 2.4;
const THETA_LIMIT = (12 * 2 * Math.PI) / 360;

export const CARTPOLE: EnvDef<'CartPole-v1'> = {
  id: 'CartPole-v1',
  spec: { maxEpisodeSteps: 500, rewardThreshold: 475 },
  options: {
    sutton_barto_reward: { type: 'boolean', default: false, description: 'reward 0 per step and −1 on termination instead of +1 per step' },
  },
  observation: {
    labels: ['cart position x', 'cart velocity', 'pole angle θ (rad)', 'pole angular velocity'],
    // Twice the termination bounds, so a failing observation is still inside; velocities unbounded.
    low: [-2 * X_LIMIT, -Infinity, -2 * THETA_LIMIT, -Infinity],
    high: [2 * X_LIMIT, Infinity, 2 * THETA_LIMIT, Infinity],
  },
  actions: { kind: 'discrete', labels: ['push left', 'push right'] },
  // The axes span the termination bounds: |x| > 2.4 or |θ| > 12° ends the episode.
  insights: {
    xDim: 0,
    yDim: 2,
    xRange: [-X_LIMIT, X_LIMIT],
    yRange: [-THETA_LIMIT, THETA_LIMIT],
    xLabel: 'cart position x (m)',
    yLabel: 'pole angle θ (rad)',
    sliders: [
      { name: 'cart-velocity', label: 'cart velocity', dim: 1, min: -2, max: 2, step: 0.05, unit: 'm/s' },
      { name: 'angular-velocity', label: 'pole angular velocity', dim: 3, min: -3, max: 3, step: 0.05, unit: 'rad/s' },
    ],
    fixedNote: '',
    defaultMap: { discrete: 1, box: 0 },
    mapHint: {
      actionIndex: 1,
      text: 'Red: the policy pushes the cart right; blue: left; white: undecided. A good policy pushes toward the side the pole leans.',
    },
  },
  episodePlot: [
    {
      key: 'cartpole',
      title: 'Cart position and pole angle',
      y: 'x (m)',
      y1: { title: 'θ (rad)' },
      lines: [
        { label: 'cart position x', value: 0, axis: 'y', color: 'c1' },
        { label: 'pole angle θ', value: 2, axis: 'y1', color: 'c2' },
      ],
    },
  ],
  // The classic tabular setup ignores the cart (1 × 1 bins) and bins the pole: θ over the ±12°
  // (0.2095 rad) termination angle, θ̇ over ±2 rad/s, as in M. Chan's "Cart-Pole Balancing with
  // Q-Learning" (2017), with 6 × 12 pole bins instead of 6 × 3.
  tabularBinning: { bins: [1, 1, 6, 12], low: [-2.4, -3, -0.2095, -2], high: [2.4, 3, 0.2095, 2] },
};
