/**
 * Gymnasium's hand-written LunarLander controller (`gymnasium.envs.box2d.lunar_lander.heuristic`):
 * steer the angle toward the helipad, hover at a height proportional to the horizontal offset, and
 * after touchdown only brake the fall. Arithmetic is float64 on the float32 observation, as under
 * numpy 1.24 (float32 scalar × Python float → float64), so decisions match the reference data.
 */

/** Angle and hover corrections the controller derives from an observation. */
function todo(s: ArrayLike<number>): { angleTodo: number; hoverTodo: number; touching: boolean } {
  let angleTarg = s[0] * 0.5 + s[2] * 1.0; // point towards the centre
  if (angleTarg > 0.4) angleTarg = 0.4; // more than 0.4 rad (22°) is bad
  if (angleTarg < -0.4) angleTarg = -0.4;
  const hoverTarg = 0.55 * Math.abs(s[0]); // target height grows with the horizontal offset

  let angleTodo = (angleTarg - s[4]) * 0.5 - s[5] * 1.0;
  let hoverTodo = (hoverTarg - s[1]) * 0.5 - s[3] * 0.5;

  const touching = Boolean(s[6] || s[7]);
  if (touching) {
    // Legs touch: just reduce the fall speed.
    angleTodo = 0;
    hoverTodo = -s[3] * 0.5;
  }
  return { angleTodo, hoverTodo, touching };
}

/** Discrete action: 2 (main) when climbing is needed most, else 3/1 to rotate, else 0. */
export function lunarHeuristicDiscrete(s: ArrayLike<number>): number {
  const { angleTodo, hoverTodo } = todo(s);
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return 2;
  if (angleTodo < -0.05) return 3;
  if (angleTodo > +0.05) return 1;
  return 0;
}

/** Continuous action [main, lateral] clipped to [−1, 1], in float64 exactly as Gymnasium computes it. */
export function lunarHeuristicContinuous(s: ArrayLike<number>): [number, number] {
  const { angleTodo, hoverTodo, touching } = todo(s);
  const clip = (v: number): number => (v < -1 ? -1 : v > 1 ? 1 : v);
  // After contact Python's angle_todo is the int 0, so −angle_todo·20 is +0, not JS's −0.
  return [clip(hoverTodo * 20 - 1), touching ? 0 : clip(-angleTodo * 20)];
}

/**
 * Actor-style entry point: a Discrete(4) index, or a Float32Array [main, lateral] for the continuous
 * env (rounding the float64 action to float32 changes the throttle by < 1e-7 relative).
 */
export function lunarHeuristic(obs: ArrayLike<number>, continuous: boolean): number | Float32Array {
  return continuous ? Float32Array.from(lunarHeuristicContinuous(obs)) : lunarHeuristicDiscrete(obs);
}
