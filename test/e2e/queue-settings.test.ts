/**
 * End to end, the job queue in the app (real `policy-lab serve`, a real redis-server with a password, a
 * real `policy-lab worker`, Debian's Chromium): the capacity line says this machine's runs at once; in
 * Settings a bad address is flagged as typed, Test says a wrong password is refused and a right one
 * reaches a queue with 0 workers; Save sends new runs there (the capacity line shows the queue, a
 * queued run waits for a worker); once a worker runs, Test counts it, the line shows it online within
 * the polling interval, and the run finishes on it. The password never reaches the page. Screenshots
 * at 1024×700 go to /tmp/shots-queue/. Needs `npm run build`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Abort, ROOT, SUITE_TIMEOUT_MS, labInvoke, launchBrowser, preparePage, startServe, waitUntil, type Problems, type Serve } from './harness.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const SHOTS = '/tmp/shots-queue';
const PASSWORD = 'e2e-Pw-71x';

describe('Settings: the job queue (real serve, redis-server and worker)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let redis: TestRedis | null = null;
  let worker: ChildProcess | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let problems: Problems;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    redis = await startRedis({ password: PASSWORD });
    serve = await startServe(60_000);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 }, colorScheme: 'light' });
    page = await context.newPage();
    problems = await preparePage(page);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (worker?.pid && worker.exitCode === null) worker.kill('SIGKILL');
    await serve?.stop();
    await redis?.stop();
  });

  const capacity = () => page.getByTestId('queue').getByTestId('capacity');
  const result = () => page.getByTestId('queue-test-result');
  const describeDialog = async () =>
    `field "${await page.getByTestId('queue-url').inputValue()}", result "${(
      await result()
        .textContent()
        .catch(() => '')
    )?.trim()}", error "${(
      await page
        .getByTestId('queue-error')
        .textContent()
        .catch(() => '')
    )?.trim()}"`;

  async function testAddress(url: string): Promise<void> {
    await page.getByTestId('queue-url').fill(url);
    await page.getByTestId('queue-test').click();
    await waitUntil(page, 'a Test result', async () => (await result().count()) + (await page.getByTestId('queue-error').count()) > 0, {
      timeout: 15_000,
      describe: describeDialog,
    });
  }

  test('the field, Test, Save, the capacity line, a run waiting for a worker and then trained by it', async () => {
    const r = redis!;
    const host = `127.0.0.1:${r.port}`;
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab to connect', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      return (await page.getByTestId('status-line').textContent())?.includes('tfjs backend');
    });
    await waitUntil(page, 'the capacity line for this machine', async () =>
      /runs? trains? at once on this machine/.test((await capacity().textContent()) ?? ''),
    );
    assert.equal(await capacity().getAttribute('data-mode'), 'local');

    // The Settings dialog, from the header.
    await page.getByTestId('open-settings').click();
    await waitUntil(page, 'the Settings dialog', async () => page.getByTestId('settings-dialog').isVisible());
    assert.equal(await page.getByTestId('queue-url').inputValue(), '', 'empty: this machine');

    // Not a queue address: flagged while typing, nothing to test or save.
    await page.getByTestId('queue-url').fill(`http://${host}`);
    await waitUntil(page, 'the address flagged', async () => /redis:\/\//.test((await page.getByTestId('queue-url-error').textContent()) ?? ''));
    assert.equal(await page.getByTestId('queue-test').isDisabled(), true);
    assert.equal(await page.getByTestId('queue-save').isDisabled(), true);

    await testAddress(`redis://:wrong-one@${host}`);
    assert.equal(await result().getAttribute('data-problem'), 'auth');
    assert.match((await result().textContent()) ?? '', /refused the password/);

    await testAddress(r.url);
    assert.equal(await result().getAttribute('data-reachable'), 'true', await describeDialog());
    assert.equal(await result().getAttribute('data-workers'), '0');
    assert.match((await result().textContent()) ?? '', new RegExp(`${host} answers · 0 workers online`));

    await page.getByTestId('queue-save').click();
    await waitUntil(page, 'the setting saved', async () => /new runs go to the queue/.test((await page.getByTestId('queue-saved').textContent()) ?? ''), {
      describe: describeDialog,
    });
    assert.equal(await page.getByTestId('queue-url').inputValue(), `redis://:***@${host}`, 'the saved password shows as ***');
    await page.getByRole('button', { name: 'Close' }).click();

    // The capacity line is the queue's now, and a run sent meanwhile waits for a worker.
    await waitUntil(page, 'the capacity line for the queue', async () => (await capacity().textContent())?.trim() === `queue ${host} · 0 workers online`, {
      timeout: 15_000,
      describe: async () => `"${(await capacity().textContent())?.trim()}"`,
    });
    const run = await labInvoke<{ runId: string }>(serve!, 'startRun', { env: 'CartPole-v1', algo: 'reinforce', steps: 300, evalEpisodes: 1, seed: 0 });
    const chip = page.locator(`[data-testid=queue] [data-run-id="${run.runId}"] .chip`);
    await waitUntil(page, 'the run waiting for a worker', async () => (await chip.textContent())?.trim() === 'waiting for a worker');
    await page.screenshot({ path: join(SHOTS, 'train-waiting-for-a-worker-1024x700.png') });

    worker = spawn(process.execPath, ['--import', 'tsx', 'main/cli.ts', 'worker', '--queue', r.url, '--concurrency', '1', '--name', 'e2e-worker', '--json'], {
      cwd: ROOT,
      stdio: 'ignore',
    });

    // Test counts the worker once it is connected.
    await page.getByTestId('open-settings').click();
    await waitUntil(
      page,
      'Test to count 1 worker',
      async () => {
        await page.getByTestId('queue-test').click();
        await waitUntil(page, 'a Test result', async () => (await result().count()) > 0, { timeout: 10_000, describe: describeDialog });
        return (await result().getAttribute('data-workers')) === '1';
      },
      { timeout: 60_000, interval: 1000, describe: describeDialog },
    );
    assert.match((await result().textContent()) ?? '', /1 worker online \(e2e-worker\)/);
    await page.getByTestId('settings-dialog').screenshot({ path: join(SHOTS, 'settings-dialog.png') });
    await page.screenshot({ path: join(SHOTS, 'settings-panel-1024x700.png') });
    await page.getByRole('button', { name: 'Close' }).click();

    // The capacity line follows by itself (asked every 5 s while shown), and the run trains on the worker.
    await waitUntil(page, 'the capacity line to show the worker', async () => (await capacity().textContent())?.trim() === `queue ${host} · 1 worker online`, {
      timeout: 15_000,
    });
    assert.equal(await capacity().getAttribute('data-workers'), '1');
    await waitUntil(
      page,
      'the run to finish on the worker',
      async () => {
        const d = await labInvoke<{ summary: { status: string; worker?: string } }>(serve!, 'getRun', { runId: run.runId });
        if (['crashed', 'stopped'].includes(d.summary.status)) throw new Abort(`the run ${d.summary.status}`);
        return d.summary.status === 'finished' && d.summary.worker === 'e2e-worker';
      },
      { timeout: 120_000, interval: 1000 },
    );
    await page.screenshot({ path: join(SHOTS, 'train-capacity-1024x700.png') });

    // The Sweep form counts its runs against the queue too.
    await page.getByTestId('tab-sweep').click();
    await waitUntil(page, 'the Sweep form', async () => (await page.getByTestId('sweep-form').count()) === 1);
    assert.match((await page.getByTestId('sweep-run-count').textContent()) ?? '', new RegExp(`will start · queue ${host} · 1 worker online`));

    assert.ok(!(await page.content()).includes(PASSWORD), 'the password is nowhere in the page');
    assert.deepEqual(problems.errors, []);
  });
});
