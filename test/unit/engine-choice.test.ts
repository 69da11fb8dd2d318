/** The training-engine choice: what 'auto' resolves to per backend, and the contract listing the same requests. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_REQUESTS, resolveEngine, type EngineRequest } from '../../main/lab/nn/fused/engine-choice.ts';
import { EngineRequest as ContractEngineRequest } from '../../main/lab/domain/algorithms.ts';
import { requestSchemas } from '../../preload/contract.ts';

test('auto picks fused on wasm and cpu, tfjs on the native backends', () => {
  for (const backend of ['wasm', 'cpu']) assert.equal(resolveEngine('auto', backend).name, 'fused', backend);
  for (const backend of ['tensorflow', 'tensorflow-gpu']) assert.equal(resolveEngine('auto', backend).name, 'tfjs', backend);
  assert.match(resolveEngine('auto', 'wasm').detail, /wasm/, 'the detail says why');
});

test('an explicit engine is honoured on every backend', () => {
  for (const backend of ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']) {
    assert.equal(resolveEngine('fused', backend).name, 'fused');
    assert.equal(resolveEngine('tfjs', backend).name, 'tfjs');
  }
});

test('an unknown engine is an error that names the choices', () => {
  assert.throws(() => resolveEngine('bogus' as EngineRequest, 'wasm'), /unknown engine "bogus".*auto, fused or tfjs/);
});

test("the contract's engine enum is the lab's list of requests", () => {
  assert.deepEqual([...ContractEngineRequest.options], [...ENGINE_REQUESTS]);
  // Both ways assignable, so neither type can drift from the other unnoticed by tsc either.
  const fromLab: ContractEngineRequest = ENGINE_REQUESTS[0];
  const fromContract: EngineRequest = ContractEngineRequest.options[0];
  assert.equal(fromLab, fromContract);
  assert.equal(requestSchemas.startRun.safeParse({ env: 'CartPole-v1', algo: 'ppo', engine: 'bogus' }).success, false);
  assert.equal(requestSchemas.startRun.parse({ env: 'CartPole-v1', algo: 'ppo' }).engine, undefined, 'absent = auto, decided by the lab');
});
