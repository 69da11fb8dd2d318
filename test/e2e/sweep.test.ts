/**
 * End to end, the Sweep tab against the real `policy-lab serve` in Debian's Chromium: the form counts
 * the runs before Start and flags a value the lab would refuse; a tiny sweep (2 learning rates × 1
 * seed, short PPO CartPole budget) starts from it, its runs show live and end with objectives, the
 * best row matches the best objective, the parallel-coordinates plot has a line per run, and "Train
 * with this" opens Train with the form filled from the best configuration. A lab restarted on the
 * same folder still lists the sweep. Fails on any console error or CSP violation. Needs `npm run build`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { Abort, SUITE_TIMEOUT_MS, artifact, labSuite, waitUntil, type Problems, type Serve } from './harness.ts';

const STEPS = '3000';

describe('Sweep (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;

  labSuite({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light' }, (lab) => ({ serve, page, problems } = lab), { serveTimeoutMs: 60_000 });

  const rowStates = async () =>
    (
      await page
        .getByTestId('sweep-run-row')
        .evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-status')}:${r.querySelector('[data-testid=sweep-run-objective]')?.textContent}`))
    ).join(' ');

  test('a tiny sweep from the form: run count, validation, live runs, the best row, train with this', async () => {
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab to connect', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      return (await page.getByTestId('status-line').textContent())?.includes('tfjs backend');
    });
    await page.getByTestId('tab-sweep').click();
    await waitUntil(page, 'the Sweep form', async () => (await page.getByTestId('sweep-form').count()) === 1);

    await page.getByTestId('sweep-env').selectOption('CartPole-v1');
    await page.getByTestId('sweep-algo').selectOption('ppo');
    await page.getByTestId('sweep-steps').fill(STEPS);
    await page.getByTestId('sweep-seeds').fill('0');
    await page.getByTestId('sweep-eval-episodes').fill('5');
    await page.getByTestId('grid-key-0').selectOption('learning_rate');
    // A fresh row is not in error before it is filled in: it says what to type.
    assert.equal(await page.getByTestId('grid-error-0').count(), 0, 'no error before the row is filled in');
    // A value the lab's rule refuses is flagged at the field and Start stays off.
    await page.getByTestId('grid-values-0').fill('1e-3, -1');
    await waitUntil(page, 'the bad value flagged', async () => /-1: must be/.test((await page.getByTestId('grid-error-0').textContent()) ?? ''));
    assert.equal(await page.getByTestId('sweep-start').isDisabled(), true);
    await page.getByTestId('grid-values-0').fill('1e-3, 3e-4');
    await waitUntil(page, 'the count of 2 runs', async () => (await page.getByTestId('sweep-run-count').getAttribute('data-count')) === '2');
    // Two seeds double it, before anything starts.
    await page.getByTestId('sweep-seeds').fill('0-1');
    await waitUntil(page, 'the count of 4 runs', async () => (await page.getByTestId('sweep-run-count').getAttribute('data-count')) === '4');
    await page.getByTestId('sweep-seeds').fill('0');
    await waitUntil(page, 'Start enabled', async () => !(await page.getByTestId('sweep-start').isDisabled()));
    assert.match((await page.getByTestId('sweep-start').textContent()) ?? '', /Start 2 runs/);
    // The ETA shows from a run's first speed report to the sweep's end, which can be short: the page
    // records every text it shows from before Start.
    await page.evaluate(() => {
      const w = window as unknown as { __etas: string[] };
      w.__etas = [];
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=sweep-eta]')?.textContent?.trim();
        if (text && w.__etas.at(-1) !== text) w.__etas.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('sweep-start').click();

    await waitUntil(page, 'the sweep page with its 2 runs', async () => (await page.getByTestId('sweep-run-row').count()) === 2, { timeout: 30_000 });
    // The budget as each run really trains it (whole PPO rollouts), and an ETA while the sweep runs.
    assert.match(
      (await page.getByTestId('sweep-budget').textContent()) ?? '',
      /^each run runs [\d,]+ steps: [\d,]+ whole iterations of [\d,]+ \(3,000 rounded up\)$/,
    );
    await waitUntil(page, 'both runs to finish', async () => (await page.getByTestId('sweep-page').getAttribute('data-status')) === 'finished', {
      timeout: 180_000,
      interval: 500,
      describe: rowStates,
    });
    const etas = await page.evaluate(() => (window as unknown as { __etas: string[] }).__etas);
    assert.ok(etas.includes('ETA: estimating…'), `before any speed report: ${etas.join(' | ')}`);
    assert.ok(
      etas.some((t) => /^ETA (\d+ ?[hms] ?)+$/.test(t)),
      `an ETA from the runs' speed: ${etas.join(' | ')}`,
    );
    const rows = await page.getByTestId('sweep-run-row').evaluateAll((rs) =>
      rs.map((r) => ({
        best: r.getAttribute('data-best') === 'true',
        status: r.getAttribute('data-status'),
        lr: r.querySelectorAll('td')[2]?.textContent?.trim(),
        objective: Number(r.querySelector('[data-testid=sweep-run-objective]')?.textContent?.replace(/,/g, '')),
      })),
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['finished', 'finished'],
    );
    assert.deepEqual(rows.map((r) => r.lr).sort(), ['0.001', '3e-4']);
    // One seed per point: the best row is the run with the higher final mean100.
    const best = rows.filter((r) => r.best);
    assert.equal(best.length, 1, JSON.stringify(rows));
    assert.equal(best[0].objective, Math.max(...rows.map((r) => r.objective)));
    assert.equal(Number((await page.getByTestId('sweep-best-value').textContent())?.replace(/,/g, '')), best[0].objective);
    assert.equal(await page.locator('[data-testid=sweep-parallel] .run-line').count(), 2);
    assert.equal(await page.locator('[data-testid=sweep-parallel] .run-line[data-best=true]').count(), 1);
    await page.screenshot({ path: artifact('sweep-page.png'), fullPage: true });

    await page.getByTestId('sweep-train-best').click();
    await waitUntil(page, 'the Train tab', async () => (await page.getByTestId('tab-train').getAttribute('aria-selected')) === 'true');
    await waitUntil(page, 'the Train form filled', async () => (await page.getByTestId('hp-learning_rate').inputValue()) === best[0].lr);
    assert.equal(await page.getByTestId('env-select').inputValue(), 'CartPole-v1');
    assert.equal(await page.getByTestId('algo-select').inputValue(), 'ppo');
    assert.equal(await page.getByTestId('steps-input').inputValue(), STEPS);
    assert.equal(await page.getByTestId('seed-input').inputValue(), '0');
  });

  test('a lab restarted on the same folder lists the sweep', async () => {
    const old = new URL(serve!.url).host;
    await serve!.restart();
    await page.goto(serve!.url);
    // The page's tries to reach the stopped lab are expected; nothing else may fail.
    const kept = problems.errors.filter((e) => !(e.includes('WebSocket connection to') && e.includes(old) && e.includes('ERR_CONNECTION_REFUSED')));
    problems.errors.splice(0, problems.errors.length, ...kept);
    await page.getByTestId('tab-sweep').click();
    await waitUntil(page, 'the sweep in the list', async () => (await page.locator('[data-testid=sweep-list] button').count()) === 1);
    await waitUntil(page, 'its page', async () => (await page.getByTestId('sweep-page').getAttribute('data-status')) === 'finished');
    assert.equal(await page.getByTestId('sweep-run-row').count(), 2);
  });

  test('no console errors, page errors or CSP violations', () => {
    assert.deepEqual(problems.errors, []);
  });
});
