/**
 * End to end, the runs library and Compare against the real `policy-lab serve` in Debian's Chromium:
 * three PPO CartPole runs (queued over the lab's WebSocket, as the page would; two short, one long
 * that is refused deletion while active, then stopped), then on the Runs tab search, rename, tag,
 * CSV export and a confirmed delete; on Compare the smoothing slider,
 * x axis, grouping with a mean ± std band, the summary table, PNG and CSV export and the one-click
 * head-to-head; a restart of the lab on the same runs folder keeps the library, and a run left training
 * on a queue this lab is not on is listed running, not followed. Screenshots in
 * light and dark. Fails on any console error, page error or CSP violation. Needs `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import { QUEUE_RECORD_FILE } from '../../main/lab/queue/queue-record.ts';
import { Abort, SUITE_TIMEOUT_MS, artifact, labInvoke, labSuite, pixelStats, waitUntil, type Problems, type Serve } from './harness.ts';

const STEPS = 4096;
/** The third seed's budget: long enough that it is still active whenever the test tries to delete it. */
const LONG_STEPS = 5_000_000;

describe('Runs library and Compare (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;
  /** The three PPO runs by seed (seeds 0 and 1 short, seed 2 long and stopped). */
  let ids: string[] = [];

  labSuite({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' }, (lab) => ({ serve, page, problems } = lab));

  const row = (runId: string) => page.locator(`[data-testid=run-row][data-run-id="${runId}"]`);
  const rowStates = async () =>
    (await page.getByTestId('run-row').evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-run-id')}=${r.getAttribute('data-status')}`))).join(' ');

  async function openTab(name: 'runs' | 'compare'): Promise<void> {
    await page.getByTestId(`tab-${name}`).click();
    await waitUntil(page, `the ${name} tab`, async () => (await page.getByTestId(`${name}-view`).count()) === 1);
  }

  test('Runs: the library lists runs as they train and finish; search, rename, tags, CSV export, delete', async (t) => {
    const t0 = Date.now();
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab to connect', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      return /tfjs backend/.test((await page.getByTestId('status-line').textContent()) ?? '');
    });
    await openTab('runs');
    await waitUntil(page, 'the empty state on a fresh runs folder', async () => (await page.getByTestId('runs-empty').count()) === 1);

    const request = { env: 'CartPole-v1', algo: 'ppo', preset: 'zoo', evalEpisodes: 0, tags: ['e2e'] };
    const short = await labInvoke<RunSummary[]>(serve!, 'startRuns', { ...request, seeds: [0, 1], steps: STEPS });
    const long = await labInvoke<RunSummary[]>(serve!, 'startRuns', { ...request, seeds: [2], steps: LONG_STEPS });
    ids = [...short, ...long].map((s) => s.runId);
    assert.equal(ids.length, 3);

    // They appear at once (run:status events); the short ones finish.
    await waitUntil(page, 'three run rows', async () => (await page.getByTestId('run-row').count()) === 3, { timeout: 10_000, describe: rowStates });

    // While they train: Stop instead of Continue, and the lab refuses to delete an active run (the
    // long third seed waits in the queue behind the first two on a 2-core machine, or is running).
    const running = await waitUntil(
      page,
      'a running run',
      async () => {
        const states = await page.getByTestId('run-row').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-run-id'), r.getAttribute('data-status')]));
        return states.find(([, s]) => s === 'running')?.[0] ?? null;
      },
      { timeout: 30_000, describe: rowStates },
    );
    assert.equal(await row(running).getByTestId('run-stop').count(), 1, 'an active run offers Stop');
    assert.equal(await row(running).getByTestId('run-continue').count(), 0, 'an active run offers no Continue');
    const activeId = ids[2];
    const activeStatus = await row(activeId).getAttribute('data-status');
    assert.ok(activeStatus === 'queued' || activeStatus === 'running', `seed 2 is still active (${activeStatus})`);
    await row(activeId).getByTestId('run-delete').click();
    await page.getByTestId('confirm-delete').click();
    const refusal = await waitUntil(page, 'the lab to refuse deleting an active run', async () => {
      if ((await row(activeId).count()) === 0) throw new Abort('the active run was deleted');
      const err = page.getByTestId('delete-error');
      return (await err.count()) ? ((await err.textContent()) ?? '').trim() : null;
    });
    assert.match(refusal, /active|stop it/i);
    t.diagnostic(`delete refused while ${activeStatus}: "${refusal}"`);
    await page.getByTestId('delete-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.screenshot({ path: artifact('runs-running.png'), fullPage: true });
    // Then Stop it from its row: it ends "stopped", long before its budget.
    await row(activeId).getByTestId('run-stop').click();

    await waitUntil(
      page,
      'seeds 0 and 1 to finish and seed 2 to stop',
      async () => {
        const states = await Promise.all(ids.map((id) => row(id).getAttribute('data-status')));
        if (states.includes('crashed')) throw new Abort(`a run crashed: ${await rowStates()}\n${serve!.log().slice(-2000)}`);
        if (states[2] === 'finished' || states[2] === 'solved') throw new Abort(`seed 2 ended ${states[2]} before it was stopped`);
        return states.slice(0, 2).every((s) => s === 'finished' || s === 'solved') && states[2] === 'stopped';
      },
      { timeout: 180_000, interval: 500, describe: rowStates },
    );
    t.diagnostic(`2 × ${STEPS} PPO steps finished and seed 2 stopped after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const [a, b, c] = ids;
    assert.match((await row(a).locator('td').nth(2).textContent()) ?? '', /CartPole-v1/);
    assert.match((await row(a).locator('td').nth(4).textContent()) ?? '', /4\.1k|4,096/);

    // Search by id, by tag, and nothing.
    const search = page.getByTestId('runs-search');
    await search.fill(b);
    await waitUntil(page, 'search by id to leave one row', async () => (await page.getByTestId('run-row').count()) === 1 && (await row(b).count()) === 1);
    await search.fill('e2e');
    await waitUntil(page, 'search by tag to show all three', async () => (await page.getByTestId('run-row').count()) === 3);
    await search.fill('no-such-run');
    await waitUntil(page, 'the no-match state', async () => (await page.getByTestId('runs-none-match').count()) === 1);
    await search.fill('');

    // Rename inline (Enter saves).
    await row(a).getByTestId('run-rename').click();
    const nameInput = row(a).getByTestId('run-name-input');
    await nameInput.fill('PPO seed zero');
    await nameInput.press('Enter');
    await waitUntil(page, 'the new name in the row', async () => ((await row(a).locator('.name').textContent()) ?? '').trim() === 'PPO seed zero');

    // Tags (comma-separated).
    await row(a).getByTestId('run-tags').click();
    const tagsInput = row(a).getByTestId('run-tags-input');
    await tagsInput.fill('e2e, keeper');
    await tagsInput.press('Enter');
    await waitUntil(page, 'the keeper tag in the row', async () =>
      (await row(a).locator('[data-testid=run-tag-list] .tag').allTextContents()).includes('keeper'),
    );
    const saved = (await labInvoke<RunSummary[]>(serve!, 'listRuns', {})).find((r) => r.runId === a);
    assert.equal(saved?.name, 'PPO seed zero', 'the name is saved by the lab');
    assert.deepEqual(saved?.tags, ['e2e', 'keeper'], 'the tags are saved by the lab');

    // The tag filter, and search by name.
    await page.getByTestId('runs-filter-tag').selectOption('keeper');
    await waitUntil(page, 'the tag filter to leave one row', async () => (await page.getByTestId('run-row').count()) === 1);
    await page.getByTestId('runs-filter-tag').selectOption('');
    await search.fill('seed zero');
    await waitUntil(page, 'search by name', async () => (await page.getByTestId('run-row').count()) === 1 && (await row(a).count()) === 1);
    await search.fill('');

    // CSV export: a download with the metrics header.
    const csvDownload = page.waitForEvent('download', { timeout: 15_000 });
    await row(a).getByTestId('run-export-csv').click();
    const csv = await csvDownload;
    assert.equal(csv.suggestedFilename(), `${a}-metrics.csv`);
    const csvText = await readFile(await csv.path(), 'utf8');
    const header = csvText.split('\n')[0].split(',');
    assert.deepEqual(header.slice(0, 2), ['kind', 'step'], `CSV header: ${header.join(',')}`);
    for (const col of ['episode', 'return', 'length']) assert.ok(header.includes(col), `CSV header has ${col}: ${header.join(',')}`);
    assert.ok(csvText.split('\n').length > 20, 'the CSV has rows');

    // JSON export: config + metrics.
    const jsonDownload = page.waitForEvent('download', { timeout: 15_000 });
    await row(a).getByTestId('run-export-json').click();
    const json = JSON.parse(await readFile(await (await jsonDownload).path(), 'utf8')) as { config: { algo: string }; metrics: unknown[] };
    assert.equal(json.config.algo, 'ppo');
    assert.ok(json.metrics.length > 0);

    // No reveal button in browser mode; finished runs offer Continue, not Stop.
    assert.equal(await page.getByTestId('run-reveal').count(), 0, 'no Reveal folder in browser mode');
    assert.equal(await row(a).getByTestId('run-continue').isEnabled(), true, 'a finished run with a policy can be continued');
    assert.equal(await row(a).getByTestId('run-stop').count(), 0);

    // Delete with confirmation: Cancel keeps it, Delete removes it (from the page and the lab).
    await row(c).getByTestId('run-delete').click();
    const dialog = page.getByTestId('delete-dialog');
    await waitUntil(page, 'the delete dialog', () => dialog.isVisible());
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await waitUntil(page, 'the dialog to close', async () => !(await dialog.isVisible()));
    assert.equal(await row(c).count(), 1, 'cancel keeps the run');
    await row(c).getByTestId('run-delete').click();
    await waitUntil(page, 'the delete dialog again', () => dialog.isVisible());
    await page.getByTestId('confirm-delete').click();
    await waitUntil(page, 'the deleted row to go', async () => (await row(c).count()) === 0 && (await page.getByTestId('run-row').count()) === 2, {
      describe: rowStates,
    });
    const left = (await labInvoke<RunSummary[]>(serve!, 'listRuns', {})).map((r) => r.runId).sort();
    assert.deepEqual(left, [a, b].sort(), 'the lab no longer lists the deleted run');

    await page.screenshot({ path: artifact('runs.png'), fullPage: true });
    t.diagnostic(`runs phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('Compare: overlay, smoothing, x axis, mean ± std by algorithm, table, PNG and CSV export', async (t) => {
    const t0 = Date.now();
    const [a, b] = ids;
    assert.ok(a && b, 'needs the runs from the first test');
    await openTab('compare');
    const chart = page.getByTestId('compare-chart');
    const chartState = async () =>
      `series=${await chart.getAttribute('data-series')} bands=${await chart.getAttribute('data-bands')} points=${await chart.getAttribute('data-points')} signature=${await chart.getAttribute('data-signature')}`;

    for (const id of [a, b]) await page.locator(`[data-testid=compare-run][data-run-id="${id}"]`).check();
    await waitUntil(
      page,
      'two curves on the chart',
      async () => (await chart.getAttribute('data-series')) === '2' && Number(await chart.getAttribute('data-points')) > 20,
      {
        timeout: 15_000,
        describe: chartState,
      },
    );
    assert.equal(await page.getByTestId('compare-row').count(), 2, 'one table row per run');
    assert.match((await page.getByTestId('compare-table').textContent()) ?? '', /PPO seed zero/);
    assert.match((await page.getByTestId('compare-row').first().locator('td').nth(1).textContent()) ?? '', /\d ± \d/, 'final 100-episode mean ± std');

    // Smoothing changes the plotted curves.
    const slider = page.getByTestId('compare-smoothing');
    await slider.fill('0');
    await waitUntil(page, 'the chart to settle at smoothing 0', async () => (await chart.getAttribute('data-smoothing')) === '0');
    const raw = await chart.getAttribute('data-signature');
    await slider.fill('0.95');
    await waitUntil(
      page,
      'the plotted curves to change with smoothing 0.95',
      async () => {
        return (await chart.getAttribute('data-smoothing')) === '0.95' && (await chart.getAttribute('data-signature')) !== raw;
      },
      { describe: chartState },
    );
    t.diagnostic(`signature raw ${raw} → smoothed ${await chart.getAttribute('data-signature')}`);

    // X axis: episodes.
    await page.getByTestId('compare-xaxis').selectOption('episode');
    await waitUntil(page, 'the chart to plot by episodes', async () => (await chart.getAttribute('data-xaxis')) === 'episode');

    // Group by algorithm: one mean curve with a ± std band; one table row for the group.
    await page.getByTestId('compare-group').selectOption('algo');
    await waitUntil(
      page,
      'one group with a band',
      async () => (await chart.getAttribute('data-bands')) === '1' && (await chart.getAttribute('data-series')) === '1',
      { describe: chartState },
    );
    assert.equal(await page.getByTestId('compare-row').count(), 1);
    assert.match((await page.getByTestId('compare-row').textContent()) ?? '', /PPO.*2 runs/s);

    await page.getByTestId('compare-xaxis').selectOption('step');
    await waitUntil(page, 'the chart back on env steps', async () => (await chart.getAttribute('data-xaxis')) === 'step');
    await slider.fill('0.6');
    await page.waitForTimeout(150);

    // PNG export: a real PNG with the plot in it.
    const pngDownload = page.waitForEvent('download', { timeout: 15_000 });
    await page.getByTestId('compare-export-png').click();
    const png = await pngDownload;
    assert.match(png.suggestedFilename(), /^compare-by-algo-step\.png$/);
    const pngBytes = await readFile(await png.path());
    assert.equal(pngBytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'the download is a PNG');
    const stats = await pixelStats(page, pngBytes);
    assert.ok(stats.colors >= 4 && stats.width > 300, `the PNG shows the chart (${stats.width}×${stats.height}, ${stats.colors} colours)`);

    // CSV export of the group curve.
    const csvDownload = page.waitForEvent('download', { timeout: 15_000 });
    await page.getByTestId('compare-export-csv').click();
    const csvText = await readFile(await (await csvDownload).path(), 'utf8');
    assert.equal(csvText.split('\n')[0], 'group,step,runs,mean_smoothed_return,std,smoothing');

    await page.screenshot({ path: artifact('compare.png'), fullPage: true });
    t.diagnostic(`compare phase ${((Date.now() - t0) / 1000).toFixed(1)} s; PNG ${stats.width}×${stats.height}`);
  });

  test('Compare: the classic head-to-head queues its runs, tags and selects them', async (t) => {
    const t0 = Date.now();
    await page.getByTestId('head-to-head-seeds').fill('0');
    await page.getByTestId('head-to-head-steps').fill('2000');
    await page.getByTestId('head-to-head-eval').fill('0');
    const expected = (await page.locator('.plan li:not(.unavailable)').count()) as number;
    assert.ok(expected >= 2, 'at least the two REINFORCE presets are available');
    await page.getByTestId('head-to-head').click();
    await waitUntil(
      page,
      'the head-to-head message',
      async () => {
        if (await page.locator('.h2h .alert').count()) throw new Abort(`head-to-head failed: ${await page.locator('.h2h .alert').textContent()}`);
        return (await page.getByTestId('head-to-head-message').count()) === 1;
      },
      { timeout: 20_000 },
    );
    const checked = await page.locator('[data-testid=compare-run]:checked').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id') ?? ''));
    assert.equal(checked.length, expected, `the ${expected} new runs are selected`);
    assert.equal(await page.getByTestId('compare-group').inputValue(), 'preset');
    const runs = await labInvoke<RunSummary[]>(serve!, 'listRuns', {});
    for (const id of checked) {
      const r = runs.find((x) => x.runId === id);
      assert.ok(r?.tags?.includes('head-to-head'), `${id} is tagged head-to-head`);
      assert.equal(r?.env, 'CartPole-v1');
    }
    const algos = new Set(checked.map((id) => runs.find((x) => x.runId === id)?.preset));
    assert.ok(algos.has('classic') && algos.has('classic-baseline'), `REINFORCE with and without baseline (${[...algos].join(', ')})`);

    // Short budgets: wait for them so the picture shows the three groups.
    await waitUntil(
      page,
      'the head-to-head runs to finish',
      async () => {
        const now = await labInvoke<RunSummary[]>(serve!, 'listRuns', {});
        const mine = now.filter((r) => checked.includes(r.runId));
        if (mine.some((r) => r.status === 'crashed'))
          throw new Abort(`a head-to-head run crashed: ${mine.map((r) => `${r.runId} ${r.error ?? ''}`).join('; ')}`);
        return mine.every((r) => r.status === 'finished' || r.status === 'solved');
      },
      { timeout: 60_000, interval: 1000 },
    );
    await waitUntil(
      page,
      `${expected} groups on the chart`,
      async () => (await page.getByTestId('compare-chart').getAttribute('data-bands')) === String(expected),
    );
    // The notebook's plot beside the button: the return's moving average by episode, one line per algorithm.
    const ma = page.getByTestId('head-to-head-ma-chart');
    await waitUntil(page, 'the moving-average chart', async () => (await ma.getAttribute('data-series')) === String(expected));
    assert.equal(await ma.getAttribute('data-xaxis'), 'episode');
    const drawn = await ma.getAttribute('data-signature');
    await page.getByTestId('head-to-head-window').fill('5');
    await waitUntil(
      page,
      'the moving average redrawn over 5 episodes',
      async () => (await page.getByTestId('head-to-head-chart').getAttribute('data-window')) === '5' && (await ma.getAttribute('data-signature')) !== drawn,
    );
    await page.screenshot({ path: artifact('compare-head-to-head.png'), fullPage: true });
    t.diagnostic(`head-to-head (${expected} runs × 2000 steps) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('the library survives a restart of the lab; dark theme', async (t) => {
    const t0 = Date.now();
    const [a, b] = ids;
    // Leave the page first, so the closing socket is not reported as a console error.
    await page.goto('about:blank');
    await serve!.restart();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(serve!.url);
    await openTab('runs');
    await waitUntil(page, 'the runs listed after the restart', async () => (await row(a).count()) === 1 && (await row(b).count()) === 1, {
      timeout: 15_000,
      describe: rowStates,
    });
    assert.equal(((await row(a).locator('.name').textContent()) ?? '').trim(), 'PPO seed zero', 'the name survives');
    assert.deepEqual(await row(a).locator('[data-testid=run-tag-list] .tag').allTextContents(), ['e2e', 'keeper'], 'the tags survive');
    await page.screenshot({ path: artifact('runs-dark.png'), fullPage: true });

    await openTab('compare');
    for (const id of [a, b]) await page.locator(`[data-testid=compare-run][data-run-id="${id}"]`).check();
    await waitUntil(page, 'two curves after the restart', async () => (await page.getByTestId('compare-chart').getAttribute('data-series')) === '2');
    await page.screenshot({ path: artifact('compare-dark.png'), fullPage: true });
    t.diagnostic(`restart phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('a run an earlier lab left training on a job queue this lab is not on: running, its queue named, not followed; Stop off, Delete warns', async (t) => {
    const t0 = Date.now();
    // A copy of a finished run, as a lab on a queue leaves one when it quits: running, with its record of the job.
    const left = `${ids[1]}-left`;
    const dir = join(serve!.runsDir, left);
    await cp(join(serve!.runsDir, ids[1]), dir, { recursive: true });
    await rm(join(dir, 'progress.json'), { force: true });
    const status = JSON.parse(await readFile(join(dir, 'status.json'), 'utf8')) as RunSummary;
    await writeFile(join(dir, 'status.json'), JSON.stringify({ ...status, runId: left, runDir: dir, status: 'running', name: null }));
    const record = {
      queue: { host: '10.9.8.7', port: 6390, db: 0, tls: false },
      jobId: left,
      lastId: '0',
      metricsBytes: 0,
      taken: 1,
      takeover: null,
      labPid: 2 ** 22 + 7,
    };
    await writeFile(join(dir, QUEUE_RECORD_FILE), JSON.stringify(record));
    await page.goto('about:blank');
    await serve!.restart();
    await page.goto(serve!.url);
    await openTab('runs');
    const note = 'on queue redis://10.9.8.7:6390 · not followed here — choose that queue (Settings → Job queue, or start the lab with it) to follow it';
    await waitUntil(page, 'the left run listed as running', async () => (await row(left).getAttribute('data-status')) === 'running', {
      timeout: 15_000,
      describe: rowStates,
    });
    assert.equal(((await row(left).getByTestId('run-remote').textContent()) ?? '').trim(), note);
    assert.ok(await row(left).getByTestId('run-stop').isDisabled(), 'Stop is offered for a run this lab does not follow');
    assert.equal(await row(ids[0]).getByTestId('run-remote').count(), 0);
    await row(left).getByTestId('run-delete').click();
    assert.match((await page.getByTestId('delete-remote').textContent()) ?? '', /worker may still be training it/);
    await page.screenshot({ path: artifact('runs-not-followed.png'), fullPage: true });
    await page.getByTestId('confirm-delete').click();
    await waitUntil(page, 'the left run deleted', async () => (await row(left).count()) === 0);
    t.diagnostic(`not-followed phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('no console errors, page errors or CSP violations', (t) => {
    for (const w of new Set(problems.warnings)) t.diagnostic(w);
    assert.deepEqual(problems.errors, [], `problems in the page:\n${problems.errors.join('\n')}`);
  });
});
