/**
 * A real full disk: full-disk-scenarios.ts runs in a private mount namespace (unshare -m) on a 4 MB
 * tmpfs, so the disk really fills and nothing outside the test sees the mount. Needs the right to make
 * mount namespaces (root, as in CI here); elsewhere the test says it was skipped and why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

test('a full disk: no run starts and nothing is left behind; a run that fills it stops with the reason, torn-free, and the lab keeps answering', async (t) => {
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip(`cannot make a mount namespace here (${(probe.stderr || probe.error?.message || '').trim().split('\n')[0]})`);
    return;
  }
  const mount = await mkdtemp(join(tmpdir(), 'pl-fulldisk-'));
  try {
    const r = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        'mount -t tmpfs -o size=4m tmpfs "$1" && exec "$2" --import tsx test/reliability/full-disk-scenarios.ts "$1"',
        'sh',
        mount,
        process.execPath,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 5 * 60_000,
      },
    );
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    for (const name of ['full', 'onePage']) {
      assert.equal(seen[name].error, 'cannot start the run: the disk is full', name);
      assert.deepEqual(seen[name].entries, [], `${name}: no folder, not even a hidden half-made one`);
      assert.equal(seen[name].runs, 0);
    }
    const m = seen.midRun;
    assert.equal(m.status, 'crashed');
    assert.equal(m.error, 'the disk is full: training stopped; the metrics and checkpoints written before are kept');
    assert.ok(m.steps > 0 && m.lines > 0, `it trained first (${m.steps} steps, ${m.lines} metric lines)`);
    assert.equal(m.torn, 0, 'every complete metrics line parses');
    assert.ok(m.answering, 'the lab answered while and after the disk was full');
    assert.equal(m.reopened.status, 'crashed', 'a lab opened later does not show it running');
    assert.ok(m.reopened.steps > 0 && m.reopened.steps <= m.steps, `rebuilt with ${m.reopened.steps} steps`);
    assert.ok(!JSON.stringify(seen).includes(mount), 'no machine path in any message');
  } finally {
    await rm(mount, { recursive: true, force: true });
  }
});
