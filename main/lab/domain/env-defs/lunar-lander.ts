/** LunarLander-v3's facts (Gymnasium 1.3.0's LunarLander): the physics is main/lab/envs/lunar-lander.ts. */
import type { EnvDef } from '../env-def.ts';

export const LUNAR_LANDER: EnvDef<'LunarLander-v3'> = {
  id: 'LunarLander-v3',
  spec: { maxEpisodeSteps: 1000, rewardThreshold: 200 },
  options: {
    continuous: { type: 'boolean', default: false, description: 'Box(2) throttle actions instead of Discrete(4)' },
    gravity: { type: 'number', default: -10.0, description: 'gravity', min: -12, exclusiveMin: true, max: 0, exclusiveMax: true },
    enable_wind: { type: 'boolean', default: false, description: 'apply wind and turbulence while airborne' },
    wind_power: { type: 'number', default: 15.0, description: 'wind strength (Gymnasium recommends 0..20)' },
    turbulence_power: { type: 'number', default: 1.5, description: 'rotational turbulence (Gymnasium recommends 0..2)' },
  },
  observation: {
    labels: ['x', 'y', 'x velocity', 'y velocity', 'angle', 'angular velocity', 'left leg contact', 'right leg contact'],
    low: [-2.5, -2.5, -10, -10, -2 * Math.PI, -10, -0, -0],
    high: [2.5, 2.5, 10, 10, 2 * Math.PI, 10, 1, 1],
  },
  actions: {
    option: 'continuous',
    // Gymnasium: do nothing, fire left orientation engine, fire main engine, fire right orientation engine.
    off: { kind: 'discrete', labels: ['do nothing', 'left engine', 'main engine', 'right engine'] },
    // [main engine throttle, lateral engine (−left … +right)].
    on: { kind: 'box', low: [-1, -1], high: [1, 1], labels: ['main engine', 'lateral engine'] },
  },
  // Normalised coordinates: x ±1 is the screen edge, y = 0 the landing pad's height, ~1.4 the start.
  insights: {
    xDim: 0,
    yDim: 1,
    xRange: [-1, 1],
    yRange: [-0.1, 1.5],
    xLabel: 'x (pad at 0)',
    yLabel: 'y (pad at 0)',
    sliders: [
      { name: 'vx', label: 'x velocity', dim: 2, min: -1.5, max: 1.5, step: 0.05 },
      { name: 'vy', label: 'y velocity', dim: 3, min: -1.5, max: 0.5, step: 0.05 },
      { name: 'angle', label: 'angle', dim: 4, min: -0.8, max: 0.8, step: 0.02, unit: 'rad' },
    ],
    fixedNote: 'angular velocity 0, both legs off the ground',
    defaultMap: { discrete: 'greedy', box: 0 },
  },
  episodePlot: [
    {
      key: 'lunar-pose',
      title: 'Position and angle',
      y: 'x, y',
      y1: { title: 'angle (rad)' },
      lines: [
        { label: 'x', value: 0, axis: 'y', color: 'c1' },
        { label: 'y', value: 1, axis: 'y', color: 'c3' },
        { label: 'angle', value: 4, axis: 'y1', color: 'c2' },
      ],
    },
    {
      key: 'lunar-reward',
      title: 'Reward per step and leg contact',
      y: 'reward',
      y1: { title: 'contact', min: 0, max: 1.05 },
      lines: [
        { label: 'reward', value: 'reward', axis: 'y', color: 'c1', dots: true },
        { label: 'left leg', value: 6, axis: 'y1', color: 'ok', stepped: true },
        { label: 'right leg', value: 7, axis: 'y1', color: 'c2', stepped: true },
      ],
    },
  ],
  // Coarse bins over the ranges a lander sees; a starting point only (tabular Q-learning does not land it).
  tabularBinning: {
    bins: [5, 5, 5, 5, 5, 5, 2, 2],
    low: [-1, -0.2, -1.5, -1.5, -1, -1.5, 0, 0],
    high: [1, 1.5, 1.5, 0.5, 1, 1.5, 1, 1],
  },
};
