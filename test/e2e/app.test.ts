/**
 * End to end: the real browser-mode server (`policy-lab serve`, built renderer, real workers) driven
 * in Debian's Chromium. Trains PPO on CartPole-v1 with two seeds from the Train tab (two runs, the
 * queue, pause/resume, live progress, return/length/SPS charts, env canvas, animation smoothness
 * while both train), stops them, then replays the followed run's saved policy on the Watch tab. Then
 * LunarLander-v3: the heuristic agent on Watch with env options, GIF and PNG export as downloads,
 * and a short PPO run whose streamed episodes draw the lander live. Fails on any console error,
 * uncaught page error or CSP violation. Needs `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import {
  Abort,
  SUITE_TIMEOUT_MS,
  artifact,
  expectCanvasAnimates,
  labSuite,
  measureFrames,
  numAttr,
  pixelStats,
  shootCanvas,
  waitUntil,
  type Problems,
  type Serve,
} from './harness.ts';

// Long enough that both runs still train when the test stops them (the fused engine does ~13k env steps/s here).
const STEPS = 600_000;
/** Periodic evaluation interval typed into the Train form; the run is stopped after the first one. */
const EVAL_EVERY = 2048;
/** A list of seeds in the Seeds field starts one run per seed. */
const SEEDS = '0,1';

describe('Policy Lab in the browser (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let problems: Problems;
  let runId = '';

  labSuite({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' }, (lab) => ({ serve, browser, page, problems } = lab));

  /** Where the followed run stands, for failure messages. */
  const trainState = async () =>
    `run-status=${await page.getByTestId('run-status').getAttribute('data-status')} ` +
    `step=${await page.getByTestId('progress').getAttribute('data-step')}/${await page.getByTestId('progress').getAttribute('data-total')} ` +
    `points=${await page.getByTestId('return-chart').getAttribute('data-points')} ` +
    `error=${(await page.getByTestId('error-message').count()) ? await page.getByTestId('error-message').textContent() : 'none'}`;

  test('the page opened without the access token explains how to get in; with it, the token leaves the address bar', async () => {
    const bare = await browser!.newPage();
    try {
      await bare.goto(new URL(serve!.url).origin + '/');
      const banner = bare.getByTestId('connection-error');
      await waitUntil(bare, 'the no-token banner', async () => (await banner.count()) > 0);
      assert.match((await banner.textContent()) ?? '', /access token of the `policy-lab serve`.*\?token=/s);
    } finally {
      await bare.close();
    }
    await page.goto(serve!.url);
    await waitUntil(page, 'the token to leave the address bar', async () => !page.url().includes('token='));
  });

  test('Train: PPO on CartPole-v1 with seeds 0,1 — two runs, queue, pause/resume, live charts, stop', async (t) => {
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
    await page.getByTestId('seed-input').fill(SEEDS);
    await page.getByTestId('steps-input').fill(String(STEPS));
    await page.getByTestId('eval-input').fill('20');
    await page.getByTestId('eval-every-input').fill(String(EVAL_EVERY));
    assert.equal(await page.getByTestId('eval-every-input').inputValue(), String(EVAL_EVERY));
    assert.equal(await page.getByTestId('env-select').inputValue(), 'CartPole-v1');
    assert.equal(await page.getByTestId('algo-select').inputValue(), 'ppo');
    assert.equal(await page.getByTestId('preset-select').inputValue(), 'zoo');
    assert.equal(await page.getByTestId('seed-input').inputValue(), SEEDS);
    assert.equal(await page.getByTestId('steps-input').inputValue(), String(STEPS));
    assert.equal((await page.getByTestId('seed-count').textContent())?.trim(), '2 runs', 'the seed list is read as two runs');
    assert.match((await page.getByTestId('start-button').textContent()) ?? '', /Start 2 runs/);

    await waitUntil(page, 'the Start button to be enabled', () => page.getByTestId('start-button').isEnabled());
    await page.getByTestId('start-button').click();
    await waitUntil(
      page,
      'the run to be running',
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`start failed: ${await page.getByTestId('error-message').textContent()}`);
        return (await page.getByTestId('run-status').getAttribute('data-status')) === 'running';
      },
      { timeout: 30_000, describe: trainState },
    );
    runId = (await page.locator('[data-testid=run-list] .run-item.active').getAttribute('data-run-id')) ?? '';
    assert.ok(runId, 'the started run is selected in the run list');
    assert.match(runId, /-s0-/, 'the first seed is followed');
    // The zoo's CartPole PPO collects 8 envs × 32 steps per rollout: the bar fills to the budget in whole rollouts.
    const rollout = 8 * 32;
    assert.equal(
      await numAttr(page, '[data-testid=progress]', 'data-total'),
      Math.ceil(STEPS / rollout) * rollout,
      'progress total is the budget in whole rollouts',
    );

    // Two runs, one per seed; the queue shows both (running, or waiting for a slot on a 1-core machine).
    const items = page.locator('[data-testid=run-list] .run-item');
    await waitUntil(page, 'two runs in the run list', async () => (await items.count()) === 2, { describe: trainState });
    const otherRunId = (await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id') ?? ''))).find((id) => id !== runId) ?? '';
    assert.match(otherRunId, /-s1-/, 'the second run has seed 1');
    const queue = page.getByTestId('queue');
    const queueText = await waitUntil(
      page,
      'both runs in the queue',
      async () => {
        const running = Number(await queue.getAttribute('data-running'));
        const queued = Number(await queue.getAttribute('data-queued'));
        return running + queued === 2 && running >= 1 ? `${running} running, ${queued} queued` : null;
      },
      { describe: async () => `queue: ${await queue.textContent()}` },
    );
    t.diagnostic(`queue: ${queueText} — ${(await queue.locator('.queue-sum').textContent())?.replace(/\s+/g, ' ').trim()}`);

    // Progress streams in and keeps moving.
    const step1 = await waitUntil(
      page,
      'progress data-step > 0',
      async () => {
        const s = await numAttr(page, '[data-testid=progress]', 'data-step');
        return s > 0 ? s : null;
      },
      { timeout: 45_000, describe: trainState },
    );
    t.diagnostic(`first progress after ${((Date.now() - t0) / 1000).toFixed(1)} s (step ${step1})`);
    await waitUntil(page, `progress data-step to pass ${step1}`, async () => (await numAttr(page, '[data-testid=progress]', 'data-step')) > step1, {
      timeout: 30_000,
      describe: trainState,
    });

    // The return chart gains points.
    const points1 = await waitUntil(
      page,
      'the return chart to have points',
      async () => {
        const n = await numAttr(page, '[data-testid=return-chart]', 'data-points');
        return n > 0 ? n : null;
      },
      { timeout: 30_000, describe: trainState },
    );
    await waitUntil(
      page,
      `the return chart to grow past ${points1} points`,
      async () => (await numAttr(page, '[data-testid=return-chart]', 'data-points')) > points1,
      { timeout: 30_000, describe: trainState },
    );

    // Episode length and training speed plot too, and keep growing.
    for (const chart of ['length-chart', 'sps-chart']) {
      const n = await waitUntil(
        page,
        `the ${chart} to have points`,
        async () => {
          const v = await numAttr(page, `[data-testid=${chart}]`, 'data-points');
          return v > 0 ? v : null;
        },
        { timeout: 30_000, describe: trainState },
      );
      await waitUntil(page, `the ${chart} to grow past ${n} points`, async () => (await numAttr(page, `[data-testid=${chart}]`, 'data-points')) > n, {
        timeout: 30_000,
        describe: trainState,
      });
    }
    const metricCharts = Number(await page.getByTestId('loss-chart').getAttribute('data-metrics'));
    assert.ok(metricCharts >= 3, `PPO's update metrics get a chart each (got ${metricCharts})`);

    // The latest streamed episode plays on the Pixi canvas.
    const stage = page.getByTestId('env-canvas');
    await waitUntil(page, 'a streamed episode on the env canvas', async () => Number(await stage.getAttribute('data-frames')) > 1, {
      timeout: 30_000,
      describe: trainState,
    });

    // Smoothness while both runs train (and the live episode plays): report only.
    const both = Number(await queue.getAttribute('data-running'));
    const ft = await measureFrames(page, 3000);
    t.diagnostic(
      `rAF while ${both} run(s) train: ${ft.fps.toFixed(1)} fps mean, frame time mean ${ft.meanMs.toFixed(1)} ms, p95 ${ft.p95Ms.toFixed(1)} ms, max ${ft.maxMs.toFixed(1)} ms (${ft.frames} frames in 3 s)`,
    );

    const anim = await expectCanvasAnimates(page, stage, { gapMs: 300 });
    t.diagnostic(
      `train canvas: ${anim.first.width}×${anim.first.height}, ${anim.first.colors} colours, ${anim.changed} px changed after ${anim.attempts} try(ies)`,
    );

    await page.screenshot({ path: artifact('train-running.png'), fullPage: true });
    await page.screenshot({ path: artifact('train-two-runs.png'), fullPage: true });

    // Pause the followed run: its status (and its queue entry) says so; Resume brings it back.
    await page.getByTestId('pause-button').click();
    await waitUntil(page, 'run-status data-status=paused', async () => (await page.getByTestId('run-status').getAttribute('data-status')) === 'paused', {
      timeout: 15_000,
      describe: trainState,
    });
    assert.equal(await queue.locator(`[data-run-id="${runId}"]`).getAttribute('data-status'), 'paused', 'the queue shows the run as paused');
    assert.equal(await page.getByTestId('resume-button').count(), 1, 'a paused run offers Resume');
    // A paused worker finishes at most the update in hand (slowly on a loaded machine), then holds
    // still: 2 s without a step, within 30 s of pausing.
    const tPause = Date.now();
    let stillAt = -1;
    while (stillAt < 0) {
      const heldAt = await numAttr(page, '[data-testid=progress]', 'data-step');
      await new Promise((r) => setTimeout(r, 2000));
      const now = await numAttr(page, '[data-testid=progress]', 'data-step');
      if (now === heldAt) stillAt = now;
      else assert.ok(Date.now() - tPause < 30_000, `the run kept training while paused (step ${heldAt} → ${now}, ${await trainState()})`);
    }
    const stillAfter = ((Date.now() - tPause) / 1000).toFixed(1);
    await page.getByTestId('resume-button').click();
    await waitUntil(
      page,
      'run-status data-status=running again',
      async () => (await page.getByTestId('run-status').getAttribute('data-status')) === 'running',
      { timeout: 15_000, describe: trainState },
    );
    await waitUntil(
      page,
      `progress to move past step ${stillAt} after Resume`,
      async () => (await numAttr(page, '[data-testid=progress]', 'data-step')) > stillAt,
      { timeout: 30_000, describe: trainState },
    );
    t.diagnostic(`paused at step ${stillAt} (standing still after ${stillAfter} s), resumed`);

    // Past the first periodic evaluation (so the run keeps a best/ policy), then Stop: the worker
    // saves the policy and the run ends as "stopped".
    await waitUntil(
      page,
      `progress past the evaluation at ${EVAL_EVERY}`,
      async () => (await numAttr(page, '[data-testid=progress]', 'data-step')) > EVAL_EVERY,
      { timeout: 30_000, describe: trainState },
    );
    const stepAtStop = await numAttr(page, '[data-testid=progress]', 'data-step');
    assert.ok(stepAtStop < STEPS, `the run should still be going when we stop it (step ${stepAtStop}/${STEPS}); raise STEPS if this machine got faster`);
    const tStop = Date.now();
    await page.getByTestId('stop-button').click();
    await waitUntil(
      page,
      'run-status data-status=stopped',
      async () => {
        const s = await page.getByTestId('run-status').getAttribute('data-status');
        if (s === 'crashed' || s === 'finished' || s === 'solved') throw new Abort(`run ended as ${s}, not stopped`);
        return s === 'stopped';
      },
      { timeout: 30_000, describe: trainState },
    );
    t.diagnostic(`stopped at step ~${stepAtStop} in ${((Date.now() - tStop) / 1000).toFixed(1)} s`);
    assert.equal((await page.getByTestId('run-status').textContent())?.trim(), 'stopped');
    assert.equal(await page.getByTestId('continue-button').isEnabled(), true, 'a stopped run with steps left can be continued');
    await page.screenshot({ path: artifact('train-stopped.png'), fullPage: true });

    // Follow the seed-1 run from the queue and stop it too (it would slow the tests that follow).
    await queue.locator(`[data-run-id="${otherRunId}"]`).click();
    await waitUntil(page, 'the seed-1 run to be followed', async () => (await page.locator('.run-head .run-id').textContent())?.trim() === otherRunId, {
      describe: trainState,
    });
    await page.getByTestId('stop-button').click();
    await waitUntil(
      page,
      'the seed-1 run to stop',
      async () => {
        const s = await page.getByTestId('run-status').getAttribute('data-status');
        return s !== 'running' && s !== 'queued' && s !== 'paused';
      },
      { timeout: 30_000, describe: trainState },
    );

    // Continue: the stopped run resumes (the same run, from its last checkpoint) and is followed at once.
    const tContinue = Date.now();
    await waitUntil(page, 'Continue to be enabled for the stopped seed-1 run', () => page.getByTestId('continue-button').isEnabled(), { describe: trainState });
    await page.getByTestId('continue-button').click();
    const continued = await waitUntil(
      page,
      'the resumed run to be followed',
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`continue failed: ${await page.getByTestId('error-message').textContent()}`);
        const id = (await page.locator('.run-head .run-id').textContent())?.trim() ?? '';
        const s = await page.getByTestId('run-status').getAttribute('data-status');
        return id === otherRunId && (s === 'queued' || s === 'running') ? id : null;
      },
      { timeout: 15_000, describe: trainState },
    );
    await waitUntil(
      page,
      'the resumed run to be queued or running',
      async () => ['queued', 'running'].includes((await page.getByTestId('run-status').getAttribute('data-status')) ?? ''),
      { describe: trainState },
    );
    await page.getByTestId('stop-button').click();
    await waitUntil(
      page,
      'the continued run to stop',
      async () => {
        const s = await page.getByTestId('run-status').getAttribute('data-status');
        if (s === 'crashed')
          throw new Abort(
            `the continued run crashed: ${await page
              .locator('.progress-card .alert')
              .textContent()
              .catch(() => '')}`,
          );
        return s === 'stopped' || s === 'finished';
      },
      { timeout: 45_000, describe: trainState },
    );
    t.diagnostic(`resumed ${continued}, stopped again, in ${((Date.now() - tContinue) / 1000).toFixed(1)} s`);
    await waitUntil(page, 'an empty queue', async () => (await queue.locator('.queue-item').count()) === 0);
    t.diagnostic(`train phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test("Watch: replay the stopped run's saved policy", async (t) => {
    assert.ok(runId, 'needs the run from the Train test');
    const t0 = Date.now();
    await page.getByTestId('tab-watch').click();
    await waitUntil(page, 'the Watch tab to be selected', async () => (await page.getByTestId('tab-watch').getAttribute('aria-selected')) === 'true');

    // The run's policy shows up under "From runs" once the lab reports it saved.
    const select = page.getByTestId('policy-select');
    const value = await waitUntil(
      page,
      `a policy from run ${runId} in policy-select`,
      async () => {
        const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        return values.find((v) => v.startsWith('policy:') && v.includes(runId) && /[\\/]policy$/.test(v)) ?? null;
      },
      { timeout: 20_000, describe: async () => `options: ${(await select.locator('option').allTextContents()).join(' | ')}` },
    );
    // The best periodically evaluated policy is listed with the run's checkpoints.
    const best = await waitUntil(
      page,
      `the best evaluated policy of ${runId} in policy-select`,
      async () => {
        const opts = await select.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '']));
        return opts.find(([v]) => v.includes(runId) && /[\\/]best$/.test(v)) ?? null;
      },
      { timeout: 20_000, describe: async () => `options: ${(await select.locator('option').allTextContents()).join(' | ')}` },
    );
    assert.match(best[1], /^@ [\d,]+ steps · best evaluation -?\d+\.\d$/, `best entry label: "${best[1]}"`);
    await select.selectOption(value);
    assert.equal(await select.inputValue(), value);

    await waitUntil(page, 'the Run episode button to be enabled', () => page.getByTestId('watch-rollout').isEnabled());
    await page.getByTestId('watch-rollout').click();
    const ret = page.getByTestId('watch-return');
    await waitUntil(
      page,
      'watch-return to show',
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`rollout failed: ${await page.getByTestId('error-message').textContent()}`);
        return (await ret.count()) > 0;
      },
      { timeout: 30_000 },
    );
    const text = (await ret.textContent())?.trim() ?? '';
    const returned = Number(await ret.getAttribute('data-value'));
    assert.match(text, /^-?\d[\d,.]*$/, `watch-return shows a number (got "${text}")`);
    assert.ok(Number.isFinite(returned), `watch-return data-value is a number (got ${returned})`);
    const length = Number((await page.getByTestId('watch-length').textContent())?.replace(/[^\d]/g, ''));
    t.diagnostic(`rollout of ${runId}: return ${text}, length ${length}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const stage = page.getByTestId('env-canvas');
    assert.ok(Number(await stage.getAttribute('data-frames')) > 1, 'the rollout has frames to play');
    const anim = await expectCanvasAnimates(page, stage, { gapMs: 300, playButton: page.getByTestId('watch-play') });
    t.diagnostic(
      `watch canvas: ${anim.first.width}×${anim.first.height}, ${anim.first.colors} colours, ${anim.changed} px changed after ${anim.attempts} try(ies)`,
    );
    await page.screenshot({ path: artifact('watch.png') });
  });

  test('Watch: LunarLander-v3 heuristic agent, env options, GIF and PNG export', async (t) => {
    const t0 = Date.now();
    if ((await page.getByTestId('tab-watch').getAttribute('aria-selected')) !== 'true') await page.getByTestId('tab-watch').click();
    const envSelect = page.getByTestId('watch-env');
    await waitUntil(
      page,
      'LunarLander-v3 in watch-env',
      async () => (await envSelect.isEnabled()) && (await envSelect.locator('option[value="LunarLander-v3"]').count()) === 1,
    );
    await envSelect.selectOption('LunarLander-v3');
    const agent = 'agent:heuristic:LunarLander-v3';
    await waitUntil(
      page,
      'the LunarLander heuristic agent in policy-select',
      async () => (await page.getByTestId('policy-select').locator(`option[value="${agent}"]`).count()) === 1,
    );
    await page.getByTestId('policy-select').selectOption(agent);
    await page.getByTestId('watch-seed').fill('1');

    // The env's make() options show as fields with their defaults; an out-of-range value is flagged
    // at the field and blocks the rollout until it is fixed.
    const gravity = page.getByTestId('envopt-gravity');
    assert.equal(await gravity.inputValue(), '-10', 'gravity is prefilled with its default');
    assert.equal(await page.getByTestId('envopt-continuous').isChecked(), false);
    await gravity.fill('-20');
    await waitUntil(page, 'the gravity field to be flagged', async () => (await page.getByTestId('envopt-error-gravity').count()) === 1);
    assert.match((await page.getByTestId('envopt-error-gravity').textContent()) ?? '', /\(−12, 0\)/);
    assert.equal(await page.getByTestId('watch-rollout').isEnabled(), false, 'an invalid option disables Run episode');
    assert.equal(await page.getByTestId('export-gif').isEnabled(), false, 'an invalid option disables Export GIF');
    await gravity.fill('-10');
    await waitUntil(page, 'the gravity error to clear', async () => (await page.getByTestId('envopt-error-gravity').count()) === 0);

    await waitUntil(page, 'the Run episode button to be enabled', () => page.getByTestId('watch-rollout').isEnabled());
    await page.getByTestId('watch-rollout').click();
    const ret = page.getByTestId('watch-return');
    const stage = page.getByTestId('env-canvas');
    await waitUntil(
      page,
      'the LunarLander rollout to show',
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`rollout failed: ${await page.getByTestId('error-message').textContent()}`);
        return (await ret.count()) > 0 && /LunarLander-v3/.test((await page.getByTestId('watch-label').textContent()) ?? '');
      },
      { timeout: 30_000 },
    );
    const text = (await ret.textContent())?.trim() ?? '';
    assert.match(text, /^-?\d[\d,.]*$/, `watch-return shows a number (got "${text}")`);
    assert.ok(Number.isFinite(Number(await ret.getAttribute('data-value'))), 'watch-return data-value is a number');
    const frames = Number(await stage.getAttribute('data-frames'));
    assert.ok(frames > 1, 'the rollout has frames to play');
    assert.equal(await stage.getAttribute('data-env'), 'LunarLander-v3', 'the canvas plays LunarLander frames');
    t.diagnostic(`LunarLander heuristic seed 1: return ${text}, ${frames} frames, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The lander scene is drawn (black sky over the white moon, the purple lander) and animates.
    const anim = await expectCanvasAnimates(page, stage, {
      gapMs: 300,
      playButton: page.getByTestId('watch-play'),
      shot: artifact('watch-lunar-canvas.png'),
    });
    t.diagnostic(
      `lunar canvas: ${anim.first.width}×${anim.first.height}, ${anim.first.colors} colours, ${anim.changed} px changed after ${anim.attempts} try(ies)`,
    );

    // Export GIF: the lab encodes the same episode, the page downloads it.
    const tGif = Date.now();
    const gifDownload = page.waitForEvent('download', { timeout: 90_000 });
    await page.getByTestId('export-gif').click();
    await waitUntil(
      page,
      'export-gif to show that it is busy',
      async () => {
        const busy = (await page.getByTestId('export-gif').getAttribute('aria-busy')) === 'true';
        return busy || (await page.getByTestId('watch-notice').count()) > 0;
      },
      { timeout: 5000, interval: 50 },
    );
    const gif = await gifDownload;
    assert.match(gif.suggestedFilename(), /^LunarLander-v3-heuristic-seed1\.gif$/);
    const gifPath = artifact('watch-lunar.gif');
    await gif.saveAs(gifPath);
    const gifBytes = await readFile(gifPath);
    assert.equal(gifBytes.subarray(0, 6).toString('latin1'), 'GIF89a', 'the download is a GIF89a file');
    // Chromium decodes it: Gymnasium's 600×400 viewport, a real picture (its first frame, kept to look at).
    const gifFrame = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/gif;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      c.getContext('2d')!.drawImage(img, 0, 0);
      return { width: c.width, height: c.height, png: c.toDataURL('image/png').slice('data:image/png;base64,'.length) };
    }, gifBytes.toString('base64'));
    const gifFramePng = Buffer.from(gifFrame.png, 'base64');
    await writeFile(artifact('watch-lunar-gif-frame0.png'), gifFramePng);
    assert.deepEqual([gifFrame.width, gifFrame.height], [600, 400], 'the GIF is 600×400');
    assert.ok((await pixelStats(page, gifFramePng)).colors >= 3, 'the GIF shows the scene');
    await waitUntil(
      page,
      'the export to finish',
      async () => (await page.getByTestId('export-gif').getAttribute('aria-busy')) !== 'true' && (await page.getByTestId('export-gif').isEnabled()),
    );
    t.diagnostic(`GIF: ${gif.suggestedFilename()}, ${gifBytes.length} bytes, in ${((Date.now() - tGif) / 1000).toFixed(1)} s`);

    // Export PNG: the frame on screen, read back from the WebGL canvas.
    const pngDownload = page.waitForEvent('download', { timeout: 15_000 });
    await page.getByTestId('export-png').click();
    const png = await pngDownload;
    assert.match(png.suggestedFilename(), /^LunarLander-v3-seed1-frame\d{4}\.png$/);
    const pngPath = artifact('watch-lunar-frame.png');
    await png.saveAs(pngPath);
    const pngBytes = await readFile(pngPath);
    assert.equal(pngBytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'the download is a PNG file');
    const pngStats = await pixelStats(page, pngBytes);
    const shown = await pixelStats(page, await shootCanvas(stage));
    assert.ok(pngStats.colors >= 3, `the PNG has the scene in it, not a blank buffer (${pngStats.colors} colours)`);
    t.diagnostic(
      `PNG: ${png.suggestedFilename()}, ${pngStats.width}×${pngStats.height}, ${pngStats.colors} colours (canvas on screen ${shown.width}×${shown.height})`,
    );

    await page.screenshot({ path: artifact('watch-lunar.png') });
    t.diagnostic(`lunar watch phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('Train: LunarLander-v3 options, preset env options, live lander on the canvas', async (t) => {
    const t0 = Date.now();
    await page.getByTestId('tab-train').click();
    await waitUntil(page, 'the Train tab to be selected', async () => (await page.getByTestId('tab-train').getAttribute('aria-selected')) === 'true');
    await page.getByTestId('env-select').selectOption('LunarLander-v3');
    await page.getByTestId('algo-select').selectOption('ppo');
    await waitUntil(page, 'the LunarLander options under the env select', async () => (await page.getByTestId('envopt-gravity').count()) === 1);

    // A preset that sets env options fills them in; choosing another preset puts them back.
    const continuous = page.getByTestId('envopt-continuous');
    if ((await page.getByTestId('preset-select').locator('option[value="zoo-continuous"]').count()) === 1) {
      await page.getByTestId('preset-select').selectOption('zoo-continuous');
      await waitUntil(page, 'continuous to be checked by the zoo-continuous preset', () => continuous.isChecked());
    }
    await page.getByTestId('preset-select').selectOption('zoo');
    await waitUntil(page, 'continuous to be unchecked by the zoo preset', async () => !(await continuous.isChecked()));

    // Bad values are flagged at the field and keep Start disabled.
    const gravity = page.getByTestId('envopt-gravity');
    await gravity.fill('3');
    await waitUntil(page, 'the gravity error on the Train form', async () => (await page.getByTestId('envopt-error-gravity').count()) === 1);
    assert.equal(await page.getByTestId('start-button').isEnabled(), false, 'Start is disabled while an env option is invalid');
    await gravity.fill('-9.5');
    await waitUntil(page, 'the gravity error to clear', async () => (await page.getByTestId('envopt-error-gravity').count()) === 0);

    // Wind reaches the env: the streamed frames then carry it and the scene shows its read-out.
    await page.getByTestId('envopt-enable_wind').check();
    await page.getByTestId('seed-input').fill('0');
    await page.getByTestId('steps-input').fill('200000');
    await page.getByTestId('eval-input').fill('0');
    await waitUntil(page, 'the Start button to be enabled', () => page.getByTestId('start-button').isEnabled());
    await page.getByTestId('start-button').click();
    await waitUntil(
      page,
      'the LunarLander run to be running',
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`start failed: ${await page.getByTestId('error-message').textContent()}`);
        const head = (await page.locator('.run-head').textContent()) ?? '';
        return head.includes('LunarLander-v3') && (await page.getByTestId('run-status').getAttribute('data-status')) === 'running';
      },
      { timeout: 30_000, describe: trainState },
    );
    assert.equal(await numAttr(page, '[data-testid=return-chart]', 'data-threshold'), 200, "the return chart's threshold is LunarLander's 200");

    // Streamed episodes carry the lander state: the live canvas draws and animates the lander.
    const stage = page.getByTestId('env-canvas');
    await waitUntil(
      page,
      'a streamed LunarLander episode on the env canvas',
      async () => {
        return Number(await stage.getAttribute('data-frames')) > 1 && (await stage.getAttribute('data-env')) === 'LunarLander-v3';
      },
      { timeout: 45_000, describe: async () => `${await trainState()} canvas env=${await stage.getAttribute('data-env')}` },
    );
    const anim = await expectCanvasAnimates(page, stage, { gapMs: 300, shot: artifact('train-lunar-canvas.png') });
    t.diagnostic(
      `live lunar canvas: ${anim.first.width}×${anim.first.height}, ${anim.first.colors} colours, ${anim.changed} px changed; first episode after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await page.screenshot({ path: artifact('train-lunar.png'), fullPage: true });

    await page.getByTestId('stop-button').click();
    await waitUntil(
      page,
      'the LunarLander run to stop',
      async () => {
        const s = await page.getByTestId('run-status').getAttribute('data-status');
        if (s === 'crashed') throw new Abort('the LunarLander run crashed');
        return s !== 'running' && s !== 'queued';
      },
      { timeout: 30_000, describe: trainState },
    );
    t.diagnostic(`lunar train phase ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('no console errors, page errors or CSP violations', (t) => {
    // Reported, not asserted: e.g. SwiftShader's "GPU stall due to ReadPixels" performance note, which
    // shows up as soon as the WebGL canvas is composited in software (--disable-gpu).
    for (const w of new Set(problems.warnings.map((w) => w.replace(/\[\.WebGL-0x[0-9a-f]+\]/, '[WebGL]')))) t.diagnostic(w);
    assert.deepEqual(problems.errors, [], `problems in the page:\n${problems.errors.join('\n')}`);
  });
});
