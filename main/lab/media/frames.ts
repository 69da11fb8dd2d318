/**
 * Episode frames travel compacted: keys whose value is the same in every frame (LunarLander's
 * terrain, helipad, viewport …) are sent once in `shared` instead of once per frame. A 1000-step
 * LunarLander episode shrinks from ~0.9 MB of JSON to about a third. Dependency-free: the renderer
 * expands with the same module.
 */
import type { RenderState } from '../domain/envs.ts';

export interface CompactFrames {
  shared?: Record<string, unknown>;
  frames: RenderState[];
}

export function compactFrames(frames: readonly RenderState[]): CompactFrames {
  if (frames.length < 2) return { frames: [...frames] };
  const first = frames[0] as Record<string, unknown>;
  const sharedKeys = Object.keys(first).filter((k) => {
    if (k === 'env') return false;
    const v = JSON.stringify(first[k]);
    return frames.every((f) => JSON.stringify((f as Record<string, unknown>)[k]) === v);
  });
  if (sharedKeys.length === 0) return { frames: [...frames] };
  const shared: Record<string, unknown> = {};
  for (const k of sharedKeys) shared[k] = first[k];
  const slim = frames.map((f) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) if (!(k in shared)) o[k] = v;
    return o as RenderState;
  });
  return { shared, frames: slim };
}

export function expandFrames(c: CompactFrames): RenderState[] {
  if (!c.shared) return c.frames;
  const shared = c.shared;
  return c.frames.map((f) => ({ ...shared, ...f }) as RenderState);
}
