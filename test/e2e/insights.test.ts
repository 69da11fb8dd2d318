/**
 * End to end, Watch's policy X-ray and the Insights heatmaps: trains a short PPO CartPole-v1 run
 * from the Train tab (and, alongside, a tiny LunarLander-v3 one), replays the CartPole policy on
 * Watch (X-ray probabilities sum to 1 and follow the frame, step buttons and keyboard shortcuts,
 * the episode plot's cursor), then maps both policies on Insights (heatmaps drawn, the value map's
 * note when no critic was saved, a slider changes the policy map). Needs `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { Abort, SUITE_TIMEOUT_MS, artifact, labSuite, numAttr, pixelStats, waitUntil, type Problems, type Serve } from './harness.ts';

const CARTPOLE_STEPS = 10_000;
const LUNAR_STEPS = 2048;

describe('Policy X-ray and Insights in the browser (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;
  const runIds: Record<string, string> = {};

  labSuite({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' }, (lab) => ({ serve, page, problems } = lab));

  const trainState = async () =>
    `run-status=${await page.getByTestId('run-status').getAttribute('data-status')} ` +
    `step=${await page.getByTestId('progress').getAttribute('data-step')}/${await page.getByTestId('progress').getAttribute('data-total')} ` +
    `error=${(await page.getByTestId('error-message').count()) ? await page.getByTestId('error-message').textContent() : 'none'}`;

  async function openTab(name: string): Promise<void> {
    await page.getByTestId(`tab-${name}`).click();
    await waitUntil(page, `the ${name} tab to be selected`, async () => (await page.getByTestId(`tab-${name}`).getAttribute('aria-selected')) === 'true');
  }

  async function startRun(env: string, preset: string, steps: number, engine = 'auto'): Promise<string> {
    await page.getByTestId('env-select').selectOption(env);
    await page.getByTestId('algo-select').selectOption('ppo');
    await page.getByTestId('preset-select').selectOption(preset);
    await page.getByTestId('seed-input').fill('0');
    await page.getByTestId('steps-input').fill(String(steps));
    await page.getByTestId('eval-input').fill('3');
    await page.getByTestId('engine-select').selectOption(engine);
    await waitUntil(page, 'the Start button to be enabled', () => page.getByTestId('start-button').isEnabled());
    const before = await page.locator('[data-testid=run-list] .run-item').count();
    await page.getByTestId('start-button').click();
    await waitUntil(
      page,
      `the ${env} run to be listed`,
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`start failed: ${await page.getByTestId('error-message').textContent()}`);
        return (
          (await page.locator('[data-testid=run-list] .run-item').count()) > before && ((await page.locator('.run-head').textContent()) ?? '').includes(env)
        );
      },
      { timeout: 30_000, describe: trainState },
    );
    return (await page.locator('[data-testid=run-list] .run-item.active').getAttribute('data-run-id')) ?? '';
  }

  /** The canvas inside `host` as a PNG, and how many colours it has. */
  async function canvasColours(host: Locator): Promise<{ png: Buffer; colors: number }> {
    const png = await host.locator('canvas').first().screenshot({ animations: 'allow' });
    return { png, colors: (await pixelStats(page, png)).colors };
  }

  test('Train: a short PPO CartPole-v1 run (and a tiny LunarLander-v3 one) to inspect', async (t) => {
    const t0 = Date.now();
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab catalogue', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      const env = page.getByTestId('env-select');
      return (await env.isEnabled()) && (await env.locator('option[value="CartPole-v1"]').count()) === 1;
    });
    runIds.cartpole = await startRun('CartPole-v1', 'zoo', CARTPOLE_STEPS);
    // "algorithm defaults": one 2048-step PPO rollout and update, enough for a saved policy.
    runIds.lunar = await startRun('LunarLander-v3', '', LUNAR_STEPS, 'tfjs');
    assert.ok(runIds.cartpole && runIds.lunar, 'both runs were started');

    const items = page.locator('[data-testid=run-list] .run-item');
    for (const [name, id] of Object.entries(runIds)) {
      await waitUntil(
        page,
        `the ${name} run to end with a saved policy`,
        async () => {
          const text = (await page.locator(`[data-testid=run-list] .run-item[data-run-id="${id}"]`).textContent()) ?? '';
          if (/crashed/.test(text)) throw new Abort(`the ${name} run crashed`);
          return /finished|solved|stopped/.test(text);
        },
        { timeout: 90_000, describe: async () => (await items.allTextContents()).join(' | ') },
      );
    }
    t.diagnostic(`both runs ended after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The form's Engine choice reaches the run's config; the followed (LunarLander) run shows the engine it trained on.
    const engineOf = async (id: string) => JSON.parse(await readFile(join(serve!.runsDir, id, 'config.json'), 'utf8')).engine;
    assert.equal(await engineOf(runIds.cartpole), 'auto');
    assert.equal(await engineOf(runIds.lunar), 'tfjs');
    assert.equal((await page.getByTestId('run-engine').textContent())?.trim(), 'engine tfjs');
    assert.match((await page.getByTestId('status-line').textContent()) ?? '', /engine: (fused|tfjs)/);
  });

  test('Watch: X-ray probabilities, step buttons, keyboard, episode plot', async (t) => {
    assert.ok(runIds.cartpole, 'needs the CartPole run');
    await openTab('watch');
    await page.getByTestId('watch-env').selectOption('CartPole-v1');
    const select = page.getByTestId('policy-select');
    const value = await waitUntil(
      page,
      'the CartPole run policy in policy-select',
      async () => {
        const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        return values.find((v) => v.includes(runIds.cartpole) && /[\\/]policy$/.test(v)) ?? null;
      },
      { describe: async () => (await select.locator('option').allTextContents()).join(' | ') },
    );
    await select.selectOption(value);
    // Slow playback, so the episode is still playing when the keyboard is tried.
    await page.getByTestId('watch-speed').selectOption('0.25');
    await page.getByTestId('watch-seed').fill('3');
    await page.getByTestId('watch-rollout').click();
    await waitUntil(
      page,
      'the rollout to show',
      async () => {
        if (await page.getByTestId('error-message').count()) throw new Abort(`rollout failed: ${await page.getByTestId('error-message').textContent()}`);
        return (await page.getByTestId('watch-return').count()) > 0;
      },
      { timeout: 30_000 },
    );
    const length = Number(await page.getByTestId('watch-length').textContent());

    // X-ray: one bar per action, probabilities summing to 1.
    const xray = page.getByTestId('xray');
    const bars = page.locator('[data-testid=xray-probs] li');
    await waitUntil(page, 'two probability bars in the X-ray', async () => (await bars.count()) === 2);
    const probs = (await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))))) as number[];
    const sum = probs.reduce((a, b) => a + b, 0);
    assert.ok(
      probs.every((p) => p >= 0 && p <= 1),
      `probabilities in [0, 1]: ${probs.join(', ')}`,
    );
    assert.ok(Math.abs(sum - 1) < 1e-3, `X-ray probabilities sum to 1 (got ${sum})`);
    assert.equal(await page.locator('[data-testid=xray-probs] li[data-taken]').count(), 1, 'the action taken is marked');
    assert.ok(await page.getByTestId('xray-return').isVisible(), 'the running return is shown');
    const hasValue = (await page.getByTestId('xray-value').count()) > 0;
    t.diagnostic(
      `X-ray at frame ${await xray.getAttribute('data-step')}: P = [${probs.map((p) => p.toFixed(3)).join(', ')}], V(s) ${hasValue ? 'shown' : 'absent (no critic saved)'}; episode length ${length}`,
    );

    // Space toggles play (the player has the keyboard after "Run episode").
    const play = page.getByTestId('watch-play');
    const before = await play.getAttribute('aria-pressed');
    await page.keyboard.press('Space');
    await waitUntil(page, 'Space to toggle playback', async () => (await play.getAttribute('aria-pressed')) !== before);
    if ((await play.getAttribute('aria-pressed')) === 'true') {
      await page.keyboard.press('Space');
      await waitUntil(page, 'Space to pause', async () => (await play.getAttribute('aria-pressed')) === 'false');
    }
    t.diagnostic(`Space: playing ${before} → toggled`);

    // Step buttons and arrows move exactly one frame; the X-ray and the plot cursor follow.
    if ((await numAttr(page, '[data-testid=env-canvas]', 'data-frame')) >= length - 2) {
      await page.getByTestId('watch-step-back').click();
      await page.getByTestId('watch-step-back').click();
    }
    const f0 = await numAttr(page, '[data-testid=env-canvas]', 'data-frame');
    await page.getByTestId('watch-step-forward').click();
    assert.equal(await numAttr(page, '[data-testid=env-canvas]', 'data-frame'), f0 + 1, 'step forward shows the next frame');
    assert.equal(await numAttr(page, '[data-testid=xray]', 'data-step'), f0 + 1, 'the X-ray follows the frame');
    assert.equal(await numAttr(page, '[data-testid=episode-plot]', 'data-cursor'), f0 + 1, 'the plot cursor follows the frame');
    // Focus is on the step button now: move it off the controls, as a user clicking the page would.
    await page.locator('.stage .result').click();
    await page.keyboard.press('ArrowRight');
    assert.equal(await numAttr(page, '[data-testid=env-canvas]', 'data-frame'), f0 + 2, '→ steps forward');
    await page.keyboard.press('ArrowLeft');
    await page.getByTestId('watch-step-back').click();
    assert.equal(await numAttr(page, '[data-testid=env-canvas]', 'data-frame'), f0, '← and step back go back');
    assert.equal(await play.getAttribute('aria-pressed'), 'false', 'stepping leaves playback paused');

    // Text fields keep their keys: arrows in the seed field do not move the episode.
    await page.getByTestId('watch-seed').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await numAttr(page, '[data-testid=env-canvas]', 'data-frame'), f0, 'arrows typed in an input do not step');

    // The episode plot is drawn (cart position and pole angle over time).
    const plot = page.getByTestId('episode-plot');
    assert.equal(await plot.getAttribute('data-panels'), '1', 'CartPole has one episode plot');
    const plotPixels = await canvasColours(plot);
    assert.ok(plotPixels.colors >= 4, `the episode plot is drawn (${plotPixels.colors} colours)`);

    // A frame mid-episode for the screenshot.
    const mid = Math.floor(length / 2);
    await page.locator('.stage input.scrub').fill(String(mid));
    await waitUntil(page, `frame ${mid}`, async () => (await numAttr(page, '[data-testid=xray]', 'data-step')) === mid);
    await page.screenshot({ path: artifact('watch-xray.png'), fullPage: true });
  });

  test('Insights: CartPole policy and value maps, sliders', async (t) => {
    await openTab('insights');
    await waitUntil(page, 'the Insights view', () => page.getByTestId('insights-view').isVisible());
    const select = page.getByTestId('insights-policy');
    const value = await waitUntil(
      page,
      'the CartPole run policy in insights-policy',
      async () => {
        const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        return values.find((v) => v.includes(runIds.cartpole) && /[\\/]policy$/.test(v)) ?? null;
      },
      { describe: async () => (await select.locator('option').allTextContents()).join(' | ') },
    );
    await select.selectOption(value);

    const policyMap = page.getByTestId('insights-policy-map');
    const valueMap = page.getByTestId('insights-value-map');
    await waitUntil(
      page,
      'the policy map to be drawn',
      async () => {
        if (await page.getByTestId('insights-error').count()) throw new Abort(`insights failed: ${await page.getByTestId('insights-error').textContent()}`);
        return Number(await policyMap.getAttribute('data-cells')) > 0;
      },
      { timeout: 20_000 },
    );
    // The canvas is painted on a later animation frame (slow under load): look until it is.
    let before = await canvasColours(policyMap);
    await waitUntil(page, 'the policy map not to be blank (at least 8 colours)', async () => (before = await canvasColours(policyMap)).colors >= 8, {
      describe: async () => `${before.colors} colours`,
    });
    const min = Number(await policyMap.getAttribute('data-min'));
    const max = Number(await policyMap.getAttribute('data-max'));
    assert.ok(min >= 0 && max <= 1 && max > min, `P(push right) spans part of [0, 1] (min ${min}, max ${max})`);

    if ((await valueMap.getAttribute('data-empty')) === 'true') {
      assert.ok(await page.getByTestId('insights-value-note').isVisible(), 'the value map says the policy has no value function');
      assert.match((await page.getByTestId('insights-value-note').textContent()) ?? '', /no saved value function/i);
      t.diagnostic('value map: the policy has no saved value function (note shown)');
    } else {
      let colors = 0;
      await waitUntil(page, 'the value map not to be blank (at least 8 colours)', async () => (colors = (await canvasColours(valueMap)).colors) >= 8, {
        describe: async () => `${colors} colours`,
      });
      t.diagnostic(`value map drawn: ${colors} colours`);
    }

    await page.screenshot({ path: artifact('insights.png'), fullPage: true });

    // A slider for each other state variable; moving one redraws the policy map.
    for (const name of ['cart-velocity', 'angular-velocity']) assert.equal(await page.getByTestId(`insights-slider-${name}`).count(), 1, `slider ${name}`);
    const meanBefore = Number(await policyMap.getAttribute('data-mean'));
    const served = Number(await page.locator('.maps').getAttribute('data-served'));
    const tSlide = Date.now();
    await page.getByTestId('insights-slider-angular-velocity').fill('1.5');
    await waitUntil(page, 'a new policy map after moving the slider', async () => Number(await page.locator('.maps').getAttribute('data-served')) > served, {
      interval: 25,
    });
    const mapMs = Date.now() - tSlide;
    // Its values and then its picture (painted on a later animation frame) change with the angular velocity.
    let meanAfter = meanBefore;
    let changed = 0;
    await waitUntil(
      page,
      'the policy map values and picture to change with the angular velocity',
      async () => {
        meanAfter = Number(await policyMap.getAttribute('data-mean'));
        changed = (await pixelStats(page, (await canvasColours(policyMap)).png, before.png)).changed;
        return !Object.is(meanAfter, meanBefore) && changed > 0;
      },
      { describe: async () => `mean P(push right) ${meanBefore} → ${meanAfter}, ${changed} px changed` },
    );
    t.diagnostic(
      `slider → new map in ${mapMs} ms (150 ms of it debounce); mean P(push right) ${meanBefore.toFixed(3)} → ${meanAfter.toFixed(3)}, ${changed} px changed`,
    );
    await page.screenshot({ path: artifact('insights-slider.png'), fullPage: true });
  });

  test('Insights: LunarLander greedy-action map and its sliders', async (t) => {
    assert.ok(runIds.lunar, 'needs the LunarLander run');
    const select = page.getByTestId('insights-policy');
    const value = await waitUntil(page, 'the LunarLander run policy in insights-policy', async () => {
      const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      return values.find((v) => v.includes(runIds.lunar) && /[\\/]policy$/.test(v)) ?? null;
    });
    const served = Number(await page.locator('.maps').getAttribute('data-served'));
    await select.selectOption(value);
    await waitUntil(page, 'the LunarLander map', async () => Number(await page.locator('.maps').getAttribute('data-served')) > served, { timeout: 20_000 });
    for (const name of ['vx', 'vy', 'angle']) assert.equal(await page.getByTestId(`insights-slider-${name}`).count(), 1, `slider ${name}`);
    assert.equal(await page.getByTestId('insights-colour-by').inputValue(), 'greedy', 'LunarLander shows the greedy action by default');
    let colors = 0;
    await waitUntil(
      page,
      'the greedy-action map to be drawn (at least 4 colours)',
      async () => (colors = (await canvasColours(page.getByTestId('insights-policy-map'))).colors) >= 4,
      { describe: async () => `${colors} colours` },
    );
    t.diagnostic(`lunar greedy map: ${colors} colours`);
    await page.screenshot({ path: artifact('insights-lunar.png'), fullPage: true });
  });

  test('no console errors, page errors or CSP violations', (t) => {
    for (const w of new Set(problems.warnings.map((w) => w.replace(/\[\.WebGL-0x[0-9a-f]+\]/, '[WebGL]')))) t.diagnostic(w);
    assert.deepEqual(problems.errors, [], `problems in the page:\n${problems.errors.join('\n')}`);
  });
});
