import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../main/lab/nn/backend.ts';

test('concurrent initBackend calls share one initialisation (browser mode answers requests in parallel)', async () => {
  const names = (await Promise.all([initBackend('auto'), initBackend('auto'), initBackend('auto')])).map((b) => b.name);
  assert.equal(new Set(names).size, 1, `all callers see one backend, got ${names.join(', ')}`);
  assert.notEqual(names[0], 'cpu', 'the wasm backend (or a native one) is picked over cpu');
});

function nativeInstalled(): boolean {
  try {
    import.meta.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

test('an unavailable explicit backend is a clear error, and the lab still works afterwards', { skip: nativeInstalled() && 'tfjs-node is installed here' }, async () => {
  await assert.rejects(initBackend('tensorflow'), /backend "tensorflow" unavailable/);
  const b = await initBackend('auto');
  assert.ok(['wasm', 'tensorflow', 'tensorflow-gpu'].includes(b.name), b.name);
});
