/**
 * End to end in Chromium against the real `policy-lab serve`: the Train form states before the start
 * what a budget really runs (LunarLander PPO zoo: 50,000 steps are 65,536, whole rollouts of 16,384),
 * and Runs → Resume continues a finished run as the same run, on one step axis, up to the new total
 * the dialog asks for. Needs `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { MetricRecord, RunDetail, RunSummary } from '../../main/lab/domain/runs.ts';
import { Abort, SUITE_TIMEOUT_MS, artifact, labInvoke, labSuite, waitUntil, type Problems, type Serve } from './harness.ts';

describe('Honest budgets and resume (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;

  labSuite({ viewport: { width: 1024, height: 700 } }, (lab) => ({ serve, page, problems } = lab));

  test('the Train form says what a step budget really runs before the start', async () => {
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab catalogue', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      const env = page.getByTestId('env-select');
      return (await env.isEnabled()) && (await env.locator('option[value="LunarLander-v3"]').count()) === 1;
    });
    await page.getByTestId('env-select').selectOption('LunarLander-v3');
    await page.getByTestId('algo-select').selectOption('ppo');
    await page.getByTestId('preset-select').selectOption('zoo');
    await page.getByTestId('steps-input').fill('50000');
    const plan = page.getByTestId('steps-plan');
    await waitUntil(page, 'the budget line under Steps', async () => (await plan.count()) === 1);
    assert.equal((await plan.textContent())?.trim(), 'runs 65,536 steps: 4 whole iterations of 16,384 (50,000 rounded up)');
    await page.screenshot({ path: artifact('train-budget-line.png') });
    await page.getByTestId('steps-input').fill('65536');
    await waitUntil(page, 'no line for a budget of whole rollouts', async () => (await plan.count()) === 0);
    assert.deepEqual(problems.errors, []);
  });

  test('Runs → Resume: the same run goes on from its last step to the new total, its metrics on one step axis', async () => {
    const [run] = await labInvoke<RunSummary[]>(serve!, 'startRuns', {
      env: 'CartPole-v1',
      algo: 'ppo',
      preset: 'zoo',
      seeds: [0],
      steps: 512,
      evalEpisodes: 0,
    });
    await page.getByTestId('tab-runs').click();
    const row = page.locator(`[data-testid=run-row][data-run-id="${run.runId}"]`);
    await waitUntil(page, 'the run to finish', async () => (await row.getAttribute('data-status')) === 'finished', { timeout: 60_000 });
    await row.getByTestId('run-continue').click();
    const dialog = page.getByTestId('continue-dialog');
    await waitUntil(page, 'the resume dialog', async () => dialog.isVisible());
    assert.match((await dialog.getByTestId('continue-explain').textContent()) ?? '', /goes on from its last checkpoint\s*—\s*step 512/);
    assert.equal(await dialog.getByTestId('continue-steps').inputValue(), '1024', 'a run that used its budget goes on for as long again');
    await dialog.getByTestId('continue-steps').fill('500');
    assert.equal(await dialog.getByTestId('confirm-continue').isDisabled(), true, 'a total below the steps run is refused');
    await dialog.getByTestId('continue-steps').fill('1024');
    await dialog.getByTestId('confirm-continue').click();
    await waitUntil(page, 'the resumed run to finish', async () => (await row.getAttribute('data-status')) === 'finished' && !(await dialog.isVisible()), {
      timeout: 60_000,
    });
    const detail = await labInvoke<RunDetail>(serve!, 'getRun', { runId: run.runId });
    assert.equal(detail.summary.steps, 1024);
    assert.equal((await labInvoke<RunSummary[]>(serve!, 'listRuns', {})).length, 1, 'no new run');
    const updates = detail.metrics.filter((m: MetricRecord) => m.kind === 'update').map((m) => m.step);
    assert.deepEqual(updates, [256, 512, 768, 1024], 'one step axis');
    const episodes = detail.metrics.filter((m) => m.kind === 'episode').map((m) => (m as { episode: number }).episode);
    assert.deepEqual(
      episodes,
      episodes.map((_, i) => i + 1),
      'episodes count on',
    );
    assert.deepEqual(problems.errors, []);
  });
});
