/**
 * An optimizer's whole state as plain data (a checkpoint's training state, training/training-state.ts):
 * Adam's moments, bias-correction powers and step count; RMSprop's running squares. Both engines:
 * the fused optimizers keep flat buffers (fused/optimizers.ts getState/setState); the tfjs ones keep a
 * variable per parameter, read and rebuilt here in the order of the variables the optimizer trains, so
 * a resumed run takes the very next step the uninterrupted run would have (bit for bit).
 */
import * as tf from '@tensorflow/tfjs';
import { FusedAdam, FusedRmsprop, type FusedOptimizer } from './fused/optimizers.ts';
import { TorchRmsprop } from './torch-rmsprop.ts';

export type OptimizerState =
  /** tf.train.adam: per variable (the order given) m and v, or null before its first step. */
  | { kind: 'tf-adam'; iterations: number; accBeta1: number; accBeta2: number; m: (Float32Array | null)[]; v: (Float32Array | null)[] }
  | { kind: 'tf-rmsprop'; iterations: number; squareAvg: (Float32Array | null)[] }
  | { kind: 'fused-adam'; t: number; m: Float32Array; v: Float32Array }
  | { kind: 'fused-rmsprop'; v: Float32Array };

/** What tf.train.adam keeps (private in tfjs' typings; the fields of AdamOptimizer). */
interface TfAdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  iterations_: number | undefined;
}

// By class, not instanceof: tf.Optimizer's Symbol.hasInstance says yes for any optimizer.
function isTfAdam(opt: tf.Optimizer): boolean {
  return (opt.constructor as { className?: string }).className === 'Adam';
}

function isTorchRmsprop(opt: tf.Optimizer): opt is TorchRmsprop {
  return opt.constructor === TorchRmsprop;
}

/**
 * The order in which tfjs' Adam keeps its per-variable slots: the keys of the gradient map
 * (tf.variableGrads builds it in `vars` order; a JS object lists integer-like keys first).
 */
function slotOrder(vars: readonly tf.Variable[]): number[] {
  const index = new Map(vars.map((v, i) => [v.name, i]));
  return Object.keys(Object.fromEntries(vars.map((v) => [v.name, true]))).map((name) => index.get(name)!);
}

/** A tfjs optimizer's state (Adam or TorchRmsprop) over `vars`, the variables it trains, in a fixed order. */
export function tfOptimizerState(opt: tf.Optimizer, vars: readonly tf.Variable[]): OptimizerState {
  if (isTorchRmsprop(opt)) return { kind: 'tf-rmsprop', iterations: opt.iterations, squareAvg: opt.getSquareAvg(vars) };
  if (!isTfAdam(opt)) throw new Error(`cannot save the state of a ${opt.getClassName()} optimizer`);
  const a = opt as unknown as TfAdamInternals;
  const read = (slots: TfAdamInternals['accumulatedFirstMoment'], suffix: string) =>
    vars.map((v) => {
      const slot = slots.find((s) => s?.originalName === `${v.name}/${suffix}`);
      return slot ? (slot.variable.dataSync() as Float32Array).slice() : null;
    });
  return {
    kind: 'tf-adam',
    iterations: a.iterations_ ?? 0,
    accBeta1: a.accBeta1.dataSync()[0],
    accBeta2: a.accBeta2.dataSync()[0],
    m: read(a.accumulatedFirstMoment, 'm'),
    v: read(a.accumulatedSecondMoment, 'v'),
  };
}

/** Puts back a state tfOptimizerState took of the same kind of optimizer over variables of the same shapes. */
export function setTfOptimizerState(opt: tf.Optimizer, vars: readonly tf.Variable[], s: OptimizerState): void {
  checkKind(s);
  if (s.kind === 'tf-rmsprop' && isTorchRmsprop(opt)) {
    opt.setSquareAvg(vars, s.squareAvg);
    (opt as unknown as { iterations_: number }).iterations_ = s.iterations;
    return;
  }
  if (s.kind !== 'tf-adam' || !isTfAdam(opt)) throw new Error(`the saved optimizer state (${s.kind}) is not for this run's optimizer`);
  checkSizes(vars, s.m, 'Adam');
  checkSizes(vars, s.v, 'Adam');
  const a = opt as unknown as TfAdamInternals;
  const slots = (arrays: (Float32Array | null)[], suffix: string) => {
    const out: TfAdamInternals['accumulatedFirstMoment'] = [];
    // Slots exist for every variable once Adam has taken a step, for none before.
    if (arrays.every((x) => x === null)) return out;
    for (const i of slotOrder(vars)) {
      const arr = arrays[i] ?? new Float32Array(vars[i].size);
      out.push({ originalName: `${vars[i].name}/${suffix}`, variable: tf.variable(tf.tensor(arr, vars[i].shape, 'float32'), false) });
    }
    return out;
  };
  for (const slot of [...a.accumulatedFirstMoment, ...a.accumulatedSecondMoment]) slot?.variable.dispose();
  a.accumulatedFirstMoment = slots(s.m, 'm');
  a.accumulatedSecondMoment = slots(s.v, 'v');
  a.accBeta1.assign(tf.scalar(s.accBeta1));
  a.accBeta2.assign(tf.scalar(s.accBeta2));
  a.iterations_ = s.iterations;
}

function checkSizes(vars: readonly tf.Variable[], arrays: readonly (Float32Array | null)[], what: string): void {
  if (arrays.length !== vars.length || arrays.some((x, i) => x !== null && x.length !== vars[i].size)) {
    throw new Error(`the saved ${what} state does not fit this run's networks`);
  }
}

export function fusedOptimizerState(opt: FusedOptimizer): OptimizerState {
  if (opt instanceof FusedAdam) return { kind: 'fused-adam', ...opt.getState() };
  if (opt instanceof FusedRmsprop) return { kind: 'fused-rmsprop', v: opt.getState() };
  throw new Error('cannot save the state of this optimizer');
}

export function setFusedOptimizerState(opt: FusedOptimizer, s: OptimizerState): void {
  checkKind(s);
  if (s.kind === 'fused-adam' && opt instanceof FusedAdam) opt.setState(s);
  else if (s.kind === 'fused-rmsprop' && opt instanceof FusedRmsprop) opt.setState(s.v);
  else throw new Error(`the saved optimizer state (${s.kind}) is not for this run's optimizer`);
}

function checkKind(s: unknown): asserts s is OptimizerState {
  if (typeof s !== 'object' || s === null || typeof (s as { kind?: unknown }).kind !== 'string') throw new Error('the saved state has no optimizer state');
}
