/**
 * End to end: the real browser-mode server (`policy-lab serve`, built renderer, real workers) driven
 * in Debian's Chromium. Trains PPO on CartPole-v1 from the Train tab, checks the live progress,
 * chart and env canvas, stops the run, then replays its saved policy on the Watch tab. Fails on any
 * console error, uncaught page error or CSP violation. Needs `npm run build` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { Abort, artifact, expectCanvasAnimates, launchBrowser, measureFrames, numAttr, preparePage, startServe, waitUntil, type Problems, type Serve } from './harness.ts';

const STEPS = 60_000;

describe('Policy Lab in the browser (real serve)', { timeout: 150_000 }, () => {
  let serve: Serve | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let problems: Problems;
  let runId = '';

  before(async () => {
    serve = await startServe();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    problems = await preparePage(page);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
  });

  /** Where the followed run stands, for failure messages. */
  const trainState = async () =>
    `run-status=${await page.getByTestId('run-status').getAttribute('data-status')} ` +
    `step=${await page.getByTestId('progress').getAttribute('data-step')}/${await page.getByTestId('progress').getAttribute('data-total')} ` +
    `points=${await page.getByTestId('return-chart').getAttribute('data-points')} ` +
    `error=${(await page.getByTestId('error-message').count()) ? await page.getByTestId('error-message').textContent() : 'none'}`;

  test('Train: start PPO on CartPole-v1, watch it learn live, stop it', async (t) => {
    const t0 = Date.now();
    await page.goto(serve!.url);

    // The Train tab is the landing view.
    await waitUntil(page, 'the Train tab to be selected', async () => (await page.getByTestId('tab-train').getAttribute('aria-selected')) === 'true');
    await waitUntil(page, 'the lab catalogue (CartPole-v1 in the env select, enabled)', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      const env = page.getByTestId('env-select');
      return (await env.isEnabled()) && (await env.locator('option[value="CartPole-v1"]').count()) === 1;
    });

    // Env and algorithm first (each resets the preset), then the preset (resets steps), then the rest.
    await page.getByTestId('env-select').selectOption('CartPole-v1');
    await page.getByTestId('algo-select').selectOption('ppo');
    await page.getByTestId('preset-select').selectOption('zoo');
    await page.getByTestId('seed-input').fill('0');
    await page.getByTestId('steps-input').fill(String(STEPS));
    assert.equal(await page.getByTestId('env-select').inputValue(), 'CartPole-v1');
    assert.equal(await page.getByTestId('algo-select').inputValue(), 'ppo');
    assert.equal(await page.getByTestId('preset-select').inputValue(), 'zoo');
    assert.equal(await page.getByTestId('seed-input').inputValue(), '0');
    assert.equal(await page.getByTestId('steps-input').inputValue(), String(STEPS));

    await waitUntil(page, 'the Start button to be enabled', () => page.getByTestId('start-button').isEnabled());
    await page.getByTestId('start-button').click();
    await waitUntil(page, 'the run to be running', async () => {
      if (await page.getByTestId('error-message').count()) throw new Abort(`start failed: ${await page.getByTestId('error-message').textContent()}`);
      return (await page.getByTestId('run-status').getAttribute('data-status')) === 'running';
    }, { timeout: 30_000, describe: trainState });
    runId = (await page.locator('[data-testid=run-list] .run-item.active').getAttribute('data-run-id')) ?? '';
    assert.ok(runId, 'the started run is selected in the run list');
    assert.equal(await numAttr(page, '[data-testid=progress]', 'data-total'), STEPS, 'progress total is the step budget');

    // Progress streams in and keeps moving.
    const step1 = await waitUntil(page, 'progress data-step > 0', async () => {
      const s = await numAttr(page, '[data-testid=progress]', 'data-step');
      return s > 0 ? s : null;
    }, { timeout: 45_000, describe: trainState });
    t.diagnostic(`first progress after ${((Date.now() - t0) / 1000).toFixed(1)} s (step ${step1})`);
    await waitUntil(page, `progress data-step to pass ${step1}`, async () => (await numAttr(page, '[data-testid=progress]', 'data-step')) > step1, { timeout: 30_000, describe: trainState });

    // The return chart gains points.
    const points1 = await waitUntil(page, 'the return chart to have points', async () => {
      const n = await numAttr(page, '[data-testid=return-chart]', 'data-points');
      return n > 0 ? n : null;
    }, { timeout: 30_000, describe: trainState });
    await waitUntil(page, `the return chart to grow past ${points1} points`, async () => (await numAttr(page, '[data-testid=return-chart]', 'data-points')) > points1, { timeout: 30_000, describe: trainState });

    // The latest streamed episode plays on the Pixi canvas.
    const stage = page.getByTestId('env-canvas');
    await waitUntil(page, 'a streamed episode on the env canvas', async () => Number(await stage.getAttribute('data-frames')) > 1, { timeout: 30_000, describe: trainState });

    // Smoothness while training: report only.
    const ft = await measureFrames(page, 2000);
    t.diagnostic(`rAF while training: ${ft.fps.toFixed(1)} fps mean, frame time mean ${ft.meanMs.toFixed(1)} ms, p95 ${ft.p95Ms.toFixed(1)} ms, max ${ft.maxMs.toFixed(1)} ms (${ft.frames} frames in 2 s)`);

    const anim = await expectCanvasAnimates(page, stage, { gapMs: 300, timeout: 5000 });
    t.diagnostic(`train canvas: ${anim.first.width}×${anim.first.height}, ${anim.first.colors} colours, ${anim.changed} px changed after ${anim.attempts} try(ies)`);

    await page.screenshot({ path: artifact('train-running.png'), fullPage: true });

    // Stop: the worker saves the policy and the run ends as "stopped".
    const stepAtStop = await numAttr(page, '[data-testid=progress]', 'data-step');
    assert.ok(stepAtStop < STEPS, `the run should still be going when we stop it (step ${stepAtStop}/${STEPS}); raise STEPS if this machine got faster`);
    const tStop = Date.now();
    await page.getByTestId('stop-button').click();
    await waitUntil(page, 'run-status data-status=stopped', async () => {
      const s = await page.getByTestId('run-status').getAttribute('data-status');
      if (s === 'crashed' || s === 'finished' || s === 'solved') throw new Abort(`run ended as ${s}, not stopped`);
      return s === 'stopped';
    }, { timeout: 30_000, describe: trainState });
    t.diagnostic(`stopped at step ~${stepAtStop} in ${((Date.now() - tStop) / 1000).toFixed(1)} s; train phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal((await page.getByTestId('run-status').textContent())?.trim(), 'stopped');
    await page.screenshot({ path: artifact('train-stopped.png'), fullPage: true });
  });

  test("Watch: replay the stopped run's saved policy", async (t) => {
    assert.ok(runId, 'needs the run from the Train test');
    const t0 = Date.now();
    await page.getByTestId('tab-watch').click();
    await waitUntil(page, 'the Watch tab to be selected', async () => (await page.getByTestId('tab-watch').getAttribute('aria-selected')) === 'true');

    // The run's policy shows up under "From runs" once the lab reports it saved.
    const select = page.getByTestId('policy-select');
    const value = await waitUntil(page, `a policy from run ${runId} in policy-select`, async () => {
      const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      return values.find((v) => v.startsWith('policy:') && v.includes(runId)) ?? null;
    }, { timeout: 20_000, describe: async () => `options: ${(await select.locator('option').allTextContents()).join(' | ')}` });
    await select.selectOption(value);
    assert.equal(await select.inputValue(), value);

    await waitUntil(page, 'the Run episode button to be enabled', () => page.getByTestId('watch-rollout').isEnabled());
    await page.getByTestId('watch-rollout').click();
    const ret = page.getByTestId('watch-return');
    await waitUntil(page, 'watch-return to show', async () => {
      if (await page.getByTestId('error-message').count()) throw new Abort(`rollout failed: ${await page.getByTestId('error-message').textContent()}`);
      return (await ret.count()) > 0;
    }, { timeout: 30_000 });
    const text = (await ret.textContent())?.trim() ?? '';
    const returned = Number(await ret.getAttribute('data-value'));
    assert.match(text, /^-?\d[\d,.]*$/, `watch-return shows a number (got "${text}")`);
    assert.ok(Number.isFinite(returned), `watch-return data-value is a number (got ${returned})`);
    const length = Number((await page.getByTestId('watch-length').textContent())?.replace(/[^\d]/g, ''));
    t.diagnostic(`rollout of ${runId}: return ${text}, length ${length}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const stage = page.getByTestId('env-canvas');
    assert.ok(Number(await stage.getAttribute('data-frames')) > 1, 'the rollout has frames to play');
    const anim = await expectCanvasAnimates(page, stage, { gapMs: 300, timeout: 5000, playButton: page.getByTestId('watch-play') });
    t.diagnostic(`watch canvas: ${anim.first.width}×${anim.first.height}, ${anim.first.colors} colours, ${anim.changed} px changed after ${anim.attempts} try(ies)`);
    await page.screenshot({ path: artifact('watch.png') });
  });

  test('no console errors, page errors or CSP violations', (t) => {
    // Reported, not asserted: e.g. SwiftShader's "GPU stall due to ReadPixels" performance note, which
    // shows up as soon as the WebGL canvas is composited in software (--disable-gpu).
    for (const w of new Set(problems.warnings.map((w) => w.replace(/\[\.WebGL-0x[0-9a-f]+\]/, '[WebGL]')))) t.diagnostic(w);
    assert.deepEqual(problems.errors, [], `problems in the page:\n${problems.errors.join('\n')}`);
  });
});
