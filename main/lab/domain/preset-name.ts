/**
 * What a saved preset may be called, checked where it is typed (the Train and Sweep pages) and by the
 * lab. (Without zod, so the renderer may import it.)
 */

export const PRESET_NAME_MAX = 64;

/** Why `name` cannot name a saved preset, or null when it can. */
export function presetNameError(name: string): string | null {
  if (name.length === 0) return 'enter a name';
  if (name.length > PRESET_NAME_MAX) return `at most ${PRESET_NAME_MAX} characters`;
  if (!/^[A-Za-z0-9 ._-]+$/.test(name)) return 'letters, digits, spaces and - _ . only';
  if (name.trim() !== name) return 'no space at the start or end';
  // "none" is how a run request asks for the algorithm's defaults (no preset).
  if (name.toLowerCase() === 'none') return '"none" means no preset; choose another name';
  return null;
}
