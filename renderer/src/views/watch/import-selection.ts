/**
 * What the person picked in Watch's import, as the importPolicy request takes it (preload/contract.ts):
 * one .zip (the app's own policy zip, or one zipped by hand), a folder (its files by
 * webkitRelativePath: the shallowest folder holding a policy.json, with its critic/ beside it, so a
 * whole run folder works too), or the loose files of a policy. The import is named after the zip or
 * the folder. Checked here against the request's limits, so a bad pick is explained before any upload.
 */

/** A file name as the importPolicy request accepts it, critic/ aside. */
const FILE_NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;
// The contract caps each file's base64 at 64 MiB, i.e. 48 MiB of bytes.
const MAX_FILE_BYTES = 48 * 1024 * 1024;
const MAX_FILES = 16;

/** A file to send, under the name the lab will store it as ("policy.json", "critic/model.json", …). */
export interface ImportFile {
  name: string;
  file: File;
}

export type ImportSelection = { files: ImportFile[]; name?: string } | { error: string };

const relativePath = (f: File): string => (f as File & { webkitRelativePath?: string }).webkitRelativePath || '';

function pick(files: readonly File[]): ImportSelection {
  if (files.length === 0) return { error: 'Choose a policy zip, a policy folder or its files.' };
  const zips = files.filter((f) => /\.zip$/i.test(f.name));
  if (zips.length) {
    if (files.length > 1) return { error: 'Choose one .zip on its own (a zip holds the whole policy folder).' };
    const zip = zips[0];
    // The lab names an import after the zip; an unusual file name travels as the name instead.
    return FILE_NAME_RE.test(zip.name)
      ? { files: [{ name: zip.name, file: zip }] }
      : { files: [{ name: 'policy.zip', file: zip }], name: zip.name.replace(/\.zip$/i, '') };
  }
  if (!files.some((f) => relativePath(f).includes('/'))) return { files: files.map((f) => ({ name: f.name, file: f })) };

  const paths = files.map((f) => ({ parts: relativePath(f).split('/'), file: f }));
  const metas = paths.filter((p) => p.parts[p.parts.length - 1] === 'policy.json').sort((a, b) => a.parts.length - b.parts.length);
  if (metas.length === 0) return { error: 'No policy.json in that folder: choose the folder that holds policy.json (or its run folder).' };
  const prefix = metas[0].parts.slice(0, -1);
  const picked: ImportFile[] = [];
  for (const p of paths) {
    if (p.parts.length <= prefix.length || !prefix.every((seg, i) => p.parts[i] === seg)) continue;
    const inner = p.parts.slice(prefix.length);
    if (inner.some((seg) => seg.startsWith('.'))) continue;
    // The policy's own files and its critic's; checkpoints, media and the rest of a run stay behind.
    if (inner.length === 1 || (inner.length === 2 && inner[0] === 'critic')) picked.push({ name: inner.join('/'), file: p.file });
  }
  // Named after the folder the person picked (a run folder's name rather than its "policy").
  return { files: picked, name: prefix[0] };
}

export function importSelection(files: readonly File[]): ImportSelection {
  const sel = pick(files);
  if ('error' in sel) return sel;
  const bad = sel.files.filter((f) => !FILE_NAME_RE.test(f.name.replace(/^critic\//, '')));
  if (bad.length) return { error: `File names may use only letters, digits, ".", "_" and "-": ${bad.map((f) => `"${f.name}"`).join(', ')}.` };
  const big = sel.files.find((f) => f.file.size > MAX_FILE_BYTES);
  if (big) return { error: `${big.name} is too large to import (limit 48 MiB).` };
  if (sel.files.length === 0 || sel.files.length > MAX_FILES)
    return { error: `Choose between 1 and ${MAX_FILES} files (policy.json, model.json, weights.bin and the critic's), a policy folder or its zip.` };
  return sel;
}
