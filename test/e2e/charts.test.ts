/**
 * End to end, the chart tools against the real `policy-lab serve` in Debian's Chromium: two short
 * PPO CartPole runs that differ in seed and learning rate; on Compare a non-return metric (entropy)
 * charted for both, labelled by what differs, exported as CSV, zoomed by dragging and reset, put on
 * a log axis; on Train an update-metric panel zoomed and reset by double-click. Needs `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import type { RunSummary } from '../../main/lab/domain/runs.ts';
import { Abort, SUITE_TIMEOUT_MS, artifact, labInvoke, labSuite, waitUntil, type Problems, type Serve } from './harness.ts';

const STEPS = 2048;

/** Drags across the middle of a chart's canvas from `from` to `to` (fractions of its width). */
async function dragAcross(page: Page, canvas: Locator, from: number, to: number): Promise<void> {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box, 'the chart canvas is on screen');
  const y = box.y + box.height * 0.45;
  await page.mouse.move(box.x + box.width * from, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((from + to) / 2), y, { steps: 4 });
  await page.mouse.move(box.x + box.width * to, y, { steps: 4 });
  await page.mouse.up();
}

describe('Chart tools (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;
  let ids: string[] = [];

  labSuite({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' }, (lab) => ({ serve, page, problems } = lab));

  test('Compare: entropy of two runs, labels by seed and learning rate, CSV, zoom and reset, log axis', async (t) => {
    const t0 = Date.now();
    const base = { env: 'CartPole-v1', algo: 'ppo', preset: 'zoo', steps: STEPS, evalEpisodes: 0 };
    const [a] = await labInvoke<RunSummary[]>(serve!, 'startRuns', { ...base, seeds: [0] });
    // Half the budget: the group's band goes on past it with one run.
    const [b] = await labInvoke<RunSummary[]>(serve!, 'startRuns', { ...base, steps: STEPS / 2, seeds: [1], hyperparameters: { learning_rate: 0.001 } });
    ids = [a.runId, b.runId];
    await page.goto(serve!.url);
    await waitUntil(
      page,
      'both runs to finish',
      async () => {
        const runs = await labInvoke<RunSummary[]>(serve!, 'listRuns', {});
        const mine = runs.filter((r) => ids.includes(r.runId));
        if (mine.some((r) => r.status === 'crashed')) throw new Abort(`a run crashed: ${mine.map((r) => r.error ?? '').join('; ')}`);
        return mine.length === 2 && mine.every((r) => r.status === 'finished' || r.status === 'solved');
      },
      { timeout: 60_000, interval: 1000 },
    );
    t.diagnostic(`two ${STEPS}-step runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await page.getByTestId('tab-compare').click();
    await waitUntil(page, 'the compare tab', async () => (await page.getByTestId('compare-view').count()) === 1);
    for (const id of ids) await page.locator(`[data-testid=compare-run][data-run-id="${id}"]`).check();

    // At a 1024×700 window the toolbar (smoothing, x axis, group) still fits on one row.
    await page.setViewportSize({ width: 1024, height: 700 });
    const bar = await page.getByTestId('compare-toolbar').evaluate((el) => {
      const boxes = Array.from(el.children, (c) => c.getBoundingClientRect());
      // One row: every control's top is above every control's bottom.
      return {
        controls: boxes.length,
        oneRow: Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom)),
        height: el.getBoundingClientRect().height,
      };
    });
    assert.deepEqual([bar.controls, bar.oneRow], [3, true], `the toolbar's controls on one row at 1024 px (${bar.height} px high)`);
    await page.setViewportSize({ width: 1360, height: 900 });

    // Entropy joins the charts as its own panel, with both runs on it.
    const entropyBox = page.locator('[data-testid=compare-metric][data-metric=entropy]');
    await waitUntil(page, 'entropy among the metrics', async () => (await entropyBox.count()) === 1);
    await entropyBox.check();
    const panel = page.locator('[data-testid=compare-panel][data-metric=entropy]');
    const chart = panel.getByTestId('compare-chart');
    await waitUntil(
      page,
      'two entropy curves',
      async () => (await chart.getAttribute('data-series')) === '2' && Number(await chart.getAttribute('data-points')) > 4,
      {
        describe: async () => `series=${await chart.getAttribute('data-series')} points=${await chart.getAttribute('data-points')}`,
      },
    );
    assert.equal(await page.locator('[data-testid=compare-panel][data-metric=return]').count(), 1, 'the return chart stays');

    // Labels tell the runs apart by seed and the learning rate that differs.
    const table = (await page.getByTestId('compare-table').textContent()) ?? '';
    assert.match(table, /seed 0 · lr \S+/, table);
    assert.match(table, /seed 1 · lr 1e-3/, table);

    // CSV of the entropy chart: both runs, every row a step and a finite value.
    const csvDownload = page.waitForEvent('download', { timeout: 15_000 });
    await panel.getByTestId('compare-export-csv').click();
    const download = await csvDownload;
    assert.equal(download.suggestedFilename(), 'compare-entropy-smoothed-step.csv');
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'run_id,name,env,algo,preset,seed,step,entropy,smoothed_entropy,smoothing');
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.deepEqual(new Set(rows.map((r) => r[0])), new Set(ids), 'both runs in the CSV');
    assert.ok(
      rows.every((r) => Number.isInteger(Number(r[6])) && Number.isFinite(Number(r[7]))),
      'whole steps, finite values',
    );

    // The hover reads both runs at the pointer's x.
    await chart.locator('canvas').scrollIntoViewIfNeeded();
    const hoverBox = (await chart.locator('canvas').boundingBox())!;
    await page.mouse.move(hoverBox.x + hoverBox.width * 0.3, hoverBox.y + hoverBox.height * 0.4);
    await waitUntil(page, 'the hover to read both curves', async () => (await chart.getAttribute('data-hovered')) === '2', {
      describe: async () => `hovered=${await chart.getAttribute('data-hovered')}`,
    });

    // Drag to zoom the x axis; the reset brings back the whole range.
    await dragAcross(page, chart.locator('canvas'), 0.4, 0.75);
    await waitUntil(page, 'the entropy chart to zoom', async () => (await chart.getAttribute('data-zoomed')) === 'true');
    const lo = Number(await chart.getAttribute('data-x-min'));
    const hi = Number(await chart.getAttribute('data-x-max'));
    assert.ok(lo > 0 && hi > lo && hi <= STEPS * 1.1, `zoomed to ${lo}–${hi} steps`);
    assert.equal(
      await page.locator('[data-testid=compare-panel][data-metric=return] [data-testid=compare-chart]').getAttribute('data-zoomed'),
      'false',
      'only that chart',
    );
    await page.screenshot({ path: artifact('charts-compare-zoomed.png'), fullPage: true });
    await panel.getByTestId('chart-reset-zoom').click();
    await waitUntil(page, 'the zoom to reset', async () => (await chart.getAttribute('data-zoomed')) === 'false');

    await panel.getByTestId('chart-log').click();
    await waitUntil(page, 'the log axis', async () => (await chart.getAttribute('data-log')) === 'true');
    assert.equal(await panel.getByTestId('chart-log').getAttribute('aria-pressed'), 'true');
    await panel.getByTestId('chart-log').click();
    await waitUntil(page, 'the linear axis back', async () => (await chart.getAttribute('data-log')) === 'false');

    // Wall time reads as a clock.
    await page.getByTestId('compare-xaxis').selectOption('wall');
    await waitUntil(
      page,
      'wall-time ticks as m:ss',
      async () => /^\d+:\d\d(\.\d)?( \d+:\d\d(\.\d)?)+$/.test((await chart.getAttribute('data-x-ticks')) ?? ''),
      {
        describe: async () => `ticks "${await chart.getAttribute('data-x-ticks')}"`,
      },
    );
    t.diagnostic(`wall ticks: ${await chart.getAttribute('data-x-ticks')}`);
    await page.getByTestId('compare-xaxis').selectOption('step');

    // Grouped: one mean over the union of both runs' steps, the stretch with one run said so.
    await page.getByTestId('compare-group').selectOption('algo');
    await waitUntil(page, 'one entropy band', async () => (await chart.getAttribute('data-bands')) === '1');
    const note = (await panel.getByTestId('compare-coverage').textContent()) ?? '';
    assert.match(note, /1 of 2 runs/, note);
    await page.screenshot({ path: artifact('charts-compare.png'), fullPage: true });
    t.diagnostic(`compare phase ${((Date.now() - t0) / 1000).toFixed(1)} s; zoom ${lo.toFixed(0)}–${hi.toFixed(0)}`);
  });

  test('Train: an update-metric panel zooms by dragging, double-click resets; PNG of it', async (t) => {
    const t0 = Date.now();
    await page.getByTestId('tab-train').click();
    await waitUntil(page, 'the Train tab', async () => (await page.getByTestId('tab-train').getAttribute('aria-selected')) === 'true');
    await page.locator(`[data-testid=run-list] .run-item[data-run-id="${ids[0]}"]`).click();
    const panel = page.locator('figure.metric[data-metric=entropy]');
    await waitUntil(page, 'the entropy panel with points', async () => (await panel.count()) === 1 && Number(await panel.getAttribute('data-points')) > 4);
    assert.equal(await page.getByTestId('train-smoothing').count(), 1, 'a smoothing slider');

    const canvas = panel.locator('canvas');
    await dragAcross(page, canvas, 0.3, 0.8);
    await waitUntil(page, 'the panel to zoom', async () => (await panel.getAttribute('data-zoomed')) === 'true');
    await canvas.dblclick();
    await waitUntil(page, 'the double-click to reset the zoom', async () => (await panel.getAttribute('data-zoomed')) === 'false');

    const pngDownload = page.waitForEvent('download', { timeout: 15_000 });
    await panel.getByTestId('chart-png').click();
    const png = await pngDownload;
    assert.equal(png.suggestedFilename(), 'train-entropy.png');
    const bytes = await readFile(await png.path());
    assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG');
    await page.screenshot({ path: artifact('charts-train.png'), fullPage: true });
    t.diagnostic(`train phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('no console errors, page errors or CSP violations', (t) => {
    if (problems.warnings.length) t.diagnostic(problems.warnings.join('\n'));
    assert.deepEqual(problems.errors, []);
  });
});
