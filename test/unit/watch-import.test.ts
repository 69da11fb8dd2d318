/** Watch's import: what a picked zip, folder or set of files becomes in the importPolicy request. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSelection } from '../../renderer/src/views/watch/import-selection.ts';

/** A File as a folder pick gives it (webkitRelativePath is read-only on real Files; Node's lacks it). */
function file(path: string, bytes = 4): File {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const f = new File([new Uint8Array(bytes)], name);
  if (path.includes('/')) Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}
const nameOf = (sel: ReturnType<typeof importSelection>) => ('error' in sel ? `error: ${sel.error}` : sel.name);
const names = (sel: ReturnType<typeof importSelection>) => ('error' in sel ? sel.error : sel.files.map((f) => f.name).sort());

test('a zip travels whole, named by the lab from its file name; an unusual name travels as the name', () => {
  const own = importSelection([file('20261207-ppo-s0-policy.zip')]);
  assert.deepEqual(names(own), ['20261207-ppo-s0-policy.zip']);
  assert.equal(nameOf(own), undefined);
  const odd = importSelection([file('My lander (best).zip')]);
  assert.deepEqual(names(odd), ['policy.zip']);
  assert.equal(nameOf(odd), 'My lander (best)');
  assert.match(names(importSelection([file('a.zip'), file('policy.json')])) as string, /one \.zip on its own/);
});

test('a policy folder brings its critic/ and is named after the folder', () => {
  const sel = importSelection(
    ['lander/policy.json', 'lander/model.json', 'lander/weights.bin', 'lander/critic/model.json', 'lander/critic/weights.bin', 'lander/.DS_Store'].map((p) =>
      file(p),
    ),
  );
  assert.deepEqual(names(sel), ['critic/model.json', 'critic/weights.bin', 'model.json', 'policy.json', 'weights.bin']);
  assert.equal(nameOf(sel), 'lander');
});

test("a run folder: its policy/ (the shallowest policy.json), not its checkpoints' or best/", () => {
  const sel = importSelection(
    [
      'run1/config.json',
      'run1/policy/policy.json',
      'run1/policy/model.json',
      'run1/policy/critic/model.json',
      'run1/best/policy.json',
      'run1/checkpoints/4096/policy.json',
    ].map((p) => file(p)),
  );
  assert.deepEqual(names(sel), ['critic/model.json', 'model.json', 'policy.json']);
  assert.equal(nameOf(sel), 'run1');
  assert.match(names(importSelection([file('run1/config.json')])) as string, /No policy\.json/);
});

test('loose files keep their names; bad names, too many or too large files are refused before upload', () => {
  assert.deepEqual(names(importSelection([file('policy.json'), file('model.json')])), ['model.json', 'policy.json']);
  assert.match(names(importSelection([file('policy (1).json')])) as string, /letters, digits/);
  assert.match(names(importSelection(Array.from({ length: 17 }, (_, i) => file(`f${i}.bin`)))) as string, /between 1 and 16/);
  assert.match(names(importSelection([file('weights.bin', 48 * 1024 * 1024 + 1)])) as string, /too large/);
  assert.match(names(importSelection([])) as string, /Choose a policy zip/);
});
