/**
 * End to end, a run's page in the Runs library against the real `policy-lab serve` in Debian's
 * Chromium at 1024×700: two short PPO CartPole runs that differ in seed and learning rate; the table
 * fits the window; the configuration panel holds every hyperparameter the lab stored; notes are saved
 * and still there after a reload; the two configurations side by side mark what differs; "train again"
 * fills the Train form; a recorded training episode plays and downloads as a GIF; the filmstrip plays
 * the run's policy. Fails on any console error, page error or CSP violation. Needs `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { PolicyInfo } from '../../main/lab/domain/policies.ts';
import type { RunDetail, RunSummary } from '../../main/lab/domain/runs.ts';
import { filmstripPolicies } from '../../renderer/src/views/runs/filmstrip.ts';
import { Abort, SUITE_TIMEOUT_MS, artifact, expectCanvasAnimates, labInvoke, labSuite, waitUntil, type Problems, type Serve } from './harness.ts';

const STEPS = 1024;

describe('a run’s page: configuration, diff, train again, notes, training media (real serve, 1024×700)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;
  let a: RunSummary;
  let b: RunSummary;

  labSuite({ viewport: { width: 1024, height: 700 }, acceptDownloads: true }, (lab) => ({ serve, page, problems } = lab));

  const row = (runId: string) => page.locator(`[data-testid=run-row][data-run-id="${runId}"]`);
  const panel = () => page.getByTestId('run-detail');
  const rowStates = async () =>
    (await page.getByTestId('run-row').evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-run-id')}=${r.getAttribute('data-status')}`))).join(' ');

  async function openRuns(): Promise<void> {
    await page.getByTestId('tab-runs').click();
    await waitUntil(page, 'the runs tab', async () => (await page.getByTestId('runs-view').count()) === 1);
  }
  async function openDetails(runId: string): Promise<void> {
    // getAttribute would wait (30 s) for a panel that is not there: count first.
    const shown = (await panel().count()) ? await panel().getAttribute('data-run-id') : null;
    if (shown !== runId) await row(runId).getByTestId('run-details').click();
    await waitUntil(page, `the details of ${runId}`, async () => (await panel().getAttribute('data-run-id')) === runId);
  }

  test('two finished runs; the table fits 1024 px; the config panel shows every stored hyperparameter', async (t) => {
    const t0 = Date.now();
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab to connect', async () => /tfjs backend/.test((await page.getByTestId('status-line').textContent()) ?? ''));
    const common = { env: 'CartPole-v1', algo: 'ppo', preset: 'zoo', steps: STEPS, evalEpisodes: 0, recordEvery: 2, tags: ['e2e'] };
    a = await labInvoke<RunSummary>(serve!, 'startRun', { ...common, seed: 0 });
    b = await labInvoke<RunSummary>(serve!, 'startRun', { ...common, seed: 1, hyperparameters: { learning_rate: 0.001 } });
    await openRuns();
    await waitUntil(
      page,
      'both runs to finish',
      async () => {
        const states = await page.getByTestId('run-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-status')));
        if (states.includes('crashed')) throw new Abort(`a run crashed: ${await rowStates()}`);
        return states.length === 2 && states.every((s) => s === 'finished' || s === 'solved');
      },
      { timeout: 60_000, interval: 500, describe: rowStates },
    );
    t.diagnostic(`two ${STEPS}-step PPO runs finished ${((Date.now() - t0) / 1000).toFixed(1)} s after the page opened`);

    // Every action in reach: no horizontal scroll, the last button inside the window.
    const card = page.locator('.table-card');
    const { scroll, client } = await card.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(scroll <= client + 1, `the runs table scrolls sideways at 1024 px (${scroll} > ${client})`);
    const del = await row(a.runId).getByTestId('run-delete').boundingBox();
    assert.ok(del && del.x + del.width <= 1024, `Delete is outside the window: ${JSON.stringify(del)}`);
    await page.screenshot({ path: artifact('runs-1024.png') });

    await openDetails(a.runId);
    const detail = await labInvoke<RunDetail>(serve!, 'getRun', { runId: a.runId });
    const hp = detail.config.hyperparameters as Record<string, unknown>;
    const value = (key: string) => panel().locator(`[data-testid=run-config-value][data-key="${key}"]`);
    for (const key of Object.keys(hp)) assert.equal(await value(`hp.${key}`).count(), 1, `the panel shows ${key}`);
    assert.equal(((await value('hp.n_steps').textContent()) ?? '').trim(), String(hp.n_steps));
    assert.equal(((await value('seed').textContent()) ?? '').trim(), '0');
    assert.equal(((await value('labVersion').textContent()) ?? '').trim(), detail.config.labVersion);
    await page.screenshot({ path: artifact('run-config.png') });
  });

  test('notes are saved by the lab and shown again after a reload', async () => {
    await row(a.runId).getByTestId('run-notes-edit').click();
    const input = row(a.runId).getByTestId('run-notes-input');
    await input.fill('Baseline learning rate.\nCompare with seed 1 at 1e-3.');
    await input.press('Control+Enter');
    await waitUntil(
      page,
      'the notes in the row',
      async () => ((await row(a.runId).getByTestId('run-notes').textContent()) ?? '').trim() === 'Baseline learning rate.',
    );
    const saved = (await labInvoke<RunSummary[]>(serve!, 'listRuns', {})).find((r) => r.runId === a.runId);
    assert.equal(saved?.notes, 'Baseline learning rate.\nCompare with seed 1 at 1e-3.');

    await page.reload();
    await openRuns();
    await waitUntil(
      page,
      'the notes after a reload',
      async () => ((await row(a.runId).getByTestId('run-notes').textContent()) ?? '').trim() === 'Baseline learning rate.',
    );
    await openDetails(a.runId);
    assert.equal(await panel().getByTestId('run-detail-notes').textContent(), 'Baseline learning rate.\nCompare with seed 1 at 1e-3.');
  });

  test('the two configurations side by side mark the learning rate and the seed, nothing else', async () => {
    await row(a.runId).getByTestId('run-pick').check();
    await row(b.runId).getByTestId('run-pick').check();
    await page.getByTestId('runs-diff').click();
    const diff = page.getByTestId('run-config-diff');
    await waitUntil(page, 'the diff rows', async () => (await diff.getByTestId('run-config-diff-row').count()) > 10);
    const differing = await diff.locator('[data-testid=run-config-diff-row][data-differs=true]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')));
    assert.deepEqual(differing.sort(), ['hp.learning_rate', 'seed']);
    const lr = await diff.locator('[data-testid=run-config-diff-row][data-key="hp.learning_rate"] td').allTextContents();
    assert.equal(lr[2].trim(), '0.001');
    await diff.getByTestId('run-config-diff-only').check();
    assert.equal(await diff.getByTestId('run-config-diff-row').count(), 2, '"only what differs" leaves the two rows');
    await page.screenshot({ path: artifact('run-config-diff.png'), fullPage: true });
    await diff.getByTestId('run-config-diff-close').click();
  });

  test('a recorded training episode plays, and its GIF downloads', async () => {
    await openDetails(a.runId);
    await panel().getByTestId('run-pane-media').click();
    const detail = await labInvoke<RunDetail>(serve!, 'getRun', { runId: a.runId });
    assert.ok(detail.recorded.length >= 2, `recorded ${detail.recorded.length}`);
    const rows = panel().getByTestId('run-media-row');
    await waitUntil(page, 'the recorded episodes listed', async () => (await rows.count()) === detail.recorded.length);
    const ep = detail.recorded[1];
    await rows.nth(1).click();
    const player = panel().getByTestId('run-media-player');
    const stage = player.getByTestId('env-canvas');
    await waitUntil(page, 'the episode loaded in the player', async () => Number(await stage.getAttribute('data-frames')) === ep.length + 1);
    await expectCanvasAnimates(page, stage, { shot: artifact('run-media.png'), playButton: player.getByTestId('run-media-play') });

    const download = page.waitForEvent('download', { timeout: 20_000 });
    await panel().getByTestId('run-media-gif').click();
    const gif = await download;
    assert.equal(gif.suggestedFilename(), `${a.runId}-episode-${ep.episode}.gif`);
    const bytes = await readFile(await gif.path());
    assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
  });

  test('the filmstrip plays the run’s policy on the chosen seed', async () => {
    await panel().getByTestId('run-pane-filmstrip').click();
    await panel().getByTestId('filmstrip-seed').fill('3');
    await panel().getByTestId('filmstrip-load').click();
    const cells = panel().getByTestId('filmstrip-cell');
    await waitUntil(
      page,
      'a filmstrip cell with an episode',
      async () => (await cells.count()) >= 1 && Number(await cells.first().getAttribute('data-frames')) > 1,
      {
        timeout: 30_000,
      },
    );
    const policies = filmstripPolicies(await labInvoke<PolicyInfo[]>(serve!, 'listPolicies', {}), a.runId);
    assert.equal(await cells.count(), policies.length);
    await waitUntil(page, 'the filmstrip clock to move', async () => Number(await cells.first().getAttribute('data-frame')) > 0);
  });

  test('train again fills the Train form with the run’s configuration', async () => {
    await openDetails(b.runId);
    await panel().getByTestId('run-pane-config').click();
    await panel().getByTestId('run-train-again').click();
    await waitUntil(page, 'the Train tab', async () => (await page.getByTestId('seed-input').count()) === 1);
    assert.equal(await page.getByTestId('seed-input').inputValue(), '1');
    assert.equal(await page.getByTestId('steps-input').inputValue(), String(STEPS));
    assert.equal(await page.getByTestId('preset-select').inputValue(), 'zoo');
    assert.equal(await page.getByTestId('hp-learning_rate').inputValue(), '0.001');
    assert.equal(await page.getByTestId('record-every-input').inputValue(), '2');
    assert.equal(await page.getByTestId('tags-input').inputValue(), 'e2e');
    await page.screenshot({ path: artifact('train-again.png'), fullPage: true });
    assert.deepEqual(problems.errors, []);
  });
});
