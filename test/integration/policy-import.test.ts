/** Importing policies: the app's own policy zip, a folder's files with its critic, names, and hostile zips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../../main/lab/service.ts';
import { ForkLauncher } from '../../main/lab/runs/fork-launcher.ts';
import { zipFiles } from '../../main/lab/runs/zip.ts';
import { readZip } from '../../main/lab/runs/unzip.ts';

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

test('a run’s policy zip imports whole (critic included), named after the run; a folder’s files too; hostile zips leave nothing', async () => {
  const runsDir = await mkdtemp(join(tmpdir(), 'pl-import-'));
  const service = new LabService({ runsDir, launcher: new ForkLauncher(), mode: 'cli' });
  try {
    const run = await service.startRun(service.buildConfigRequest({ env: 'CartPole-v1', algo: 'ppo', seed: 0, steps: 512, evalEpisodes: 1 }));
    const s = await service.waitForRun(run.runId);
    assert.equal(s.status, 'finished');
    const exported = await service.exportRun(run.runId, 'policy-zip');
    const zipBytes = Buffer.from(exported.dataBase64!, 'base64');
    const inZip = readZip(zipBytes, { maxEntries: 64, maxTotalBytes: 2 ** 26 }).map((e) => e.name);
    assert.ok(inZip.includes('critic/model.json'), `the export holds the critic: ${inZip.join(', ')}`);

    const info = await service.importPolicy([{ name: exported.fileName, dataBase64: exported.dataBase64! }]);
    assert.equal(info.label, `imported · ${run.runId}`);
    assert.equal(info.path, join(runsDir, 'imported-policies', run.runId), 'kept inside the runs folder');
    assert.ok(existsSync(join(info.path, 'critic', 'weights.bin')), 'the critic came along');
    const out = await service.rollout({ env: 'CartPole-v1', envOptions: {}, policy: info.path, seed: 0, deterministic: true, maxSteps: 20 });
    assert.ok(out.values?.length, 'the imported policy acts with its critic (V(s) per step)');
    // The same zip again gets a name of its own.
    const again = await service.importPolicy([{ name: exported.fileName, dataBase64: exported.dataBase64! }]);
    assert.equal(again.label, `imported · ${run.runId}-2`);
    // A zip that wraps the folder in one of its own, and a folder's files picked one by one.
    const entries = readZip(zipBytes, { maxEntries: 64, maxTotalBytes: 2 ** 26 });
    const wrapped = zipFiles(entries.map((e) => ({ name: `my run/${e.name}`, data: e.data })));
    assert.equal((await service.importPolicy([{ name: 'x.zip', dataBase64: b64(wrapped) }], 'lander try 3')).label, 'imported · lander-try-3');
    const flat = await service.importPolicy(
      entries.map((e) => ({ name: e.name, dataBase64: b64(e.data) })),
      'policy',
    );
    assert.ok(existsSync(join(flat.path, 'critic', 'model.json')));
    assert.equal((await service.listPolicies()).filter((p) => p.source === 'file').length, 4);

    // Hostile or broken zips: refused with a reason, nothing written.
    const before = (await readdir(join(runsDir, 'imported-policies'))).sort();
    const bomb = zipFiles([{ name: 'policy.json', data: new Uint8Array(8 * 2 ** 20) }]);
    const cd = bomb.length - 22 - (46 + 'policy.json'.length);
    Buffer.from(bomb.buffer).writeUInt32LE(100, cd + 24); // claims 100 bytes, inflates to 8 MiB
    const traversal = zipFiles([{ name: '../policy.json', data: new Uint8Array([123, 125]) }]);
    for (const [bytes, why] of [
      [bomb, /does not inflate to its declared size|checksum/],
      [traversal, /unsafe name/],
      [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]), /not a zip file/],
      [zipFiles([{ name: 'notes.txt', data: new Uint8Array(3) }]), /no policy\.json/],
    ] as const) {
      await assert.rejects(service.importPolicy([{ name: 'p.zip', dataBase64: b64(bytes) }]), (err: Error) => {
        assert.match(err.message, why);
        assert.doesNotMatch(err.message, /\/tmp|pl-import/, 'no machine path in the message');
        return true;
      });
    }
    assert.deepEqual((await readdir(join(runsDir, 'imported-policies'))).sort(), before, 'nothing left behind, not even a partial folder');
  } finally {
    await service.close();
    await rm(runsDir, { recursive: true, force: true });
  }
});
