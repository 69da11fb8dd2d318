/**
 * End to end, saved presets against the real `policy-lab serve` in Debian's Chromium: a tiny sweep's
 * best configuration saved from its page, and the Train form's own configuration saved under a name
 * (a built-in name refused at the field), both listed under "Saved presets" in the Train form's
 * preset select; choosing one fills the form; deleting one asks first. presets.json is read back to
 * see what the lab kept. Fails on any console error or CSP violation. Needs `npm run build`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Abort, SUITE_TIMEOUT_MS, artifact, labInvoke, labSuite, waitUntil, type Problems, type Serve } from './harness.ts';

describe('Saved presets (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve | null = null;
  let page: Page;
  let problems: Problems;

  labSuite({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light' }, (lab) => ({ serve, page, problems } = lab));

  const savedFile = async () =>
    JSON.parse(await readFile(join(serve!.runsDir, 'presets.json'), 'utf8')).presets as {
      name: string;
      algo: string;
      hyperparameters: Record<string, unknown>;
      envOptions: Record<string, unknown>;
      basePreset: string | null;
      note?: string;
    }[];
  const savedOptions = () =>
    page.locator('[data-testid=preset-select] optgroup[label="Saved presets"] option').evaluateAll((os) => os.map((o) => o.textContent?.trim()));

  test("a sweep's best saved from its page, then chosen in the Train form, fills it", async () => {
    // Two learning rates of a short REINFORCE run: the sweep ends in seconds.
    await labInvoke(serve!, 'startSweep', {
      env: 'CartPole-v1',
      algo: 'reinforce',
      preset: 'none',
      steps: 400,
      evalEpisodes: 0,
      grid: { learning_rate: [0.01, 0.002] },
      seeds: [0],
    });
    await page.goto(serve!.url);
    await waitUntil(page, 'the lab to connect', async () => {
      const banner = page.getByTestId('connection-error');
      if (await banner.count()) throw new Abort(`the app reports: ${(await banner.textContent())?.trim()}`);
      return (await page.getByTestId('status-line').textContent())?.includes('tfjs backend');
    });
    await page.getByTestId('tab-sweep').click();
    await waitUntil(page, 'the sweep to finish', async () => (await page.getByTestId('sweep-page').getAttribute('data-status')) === 'finished', {
      timeout: 120_000,
      interval: 300,
    });
    const bestLr = await page.locator('[data-testid=sweep-run-row][data-best=true]').evaluate((r) => r.querySelectorAll('td')[2]?.textContent?.trim());

    await page.getByTestId('sweep-save-preset-open').click();
    await page.getByTestId('sweep-save-preset-name').fill('sweep best');
    await page.screenshot({ path: artifact('presets-sweep-save.png') });
    await page.getByTestId('sweep-save-preset-save').click();
    await waitUntil(page, 'saved', async () => /saved as “sweep best”/.test((await page.getByTestId('sweep-save-preset-saved').textContent()) ?? ''));
    const [kept] = await savedFile();
    assert.equal(kept.name, 'sweep best');
    assert.equal(kept.algo, 'reinforce');
    assert.equal(kept.basePreset, null, 'the sweep asked for no preset');
    assert.equal(String(kept.hyperparameters.learning_rate), bestLr === '0.01' ? '0.01' : '0.002');
    assert.match(kept.note ?? '', /^best of sweep \d{8}-\d{6}-[a-z0-9]+: final-mean100 /);

    await page.getByTestId('tab-train').click();
    await page.getByTestId('env-select').selectOption('CartPole-v1');
    await page.getByTestId('algo-select').selectOption('reinforce');
    await waitUntil(page, 'the saved preset listed', async () => (await savedOptions()).includes('sweep best'));
    await page.locator('details.hypers').evaluate((el) => ((el as HTMLDetailsElement).open = true));
    await page.getByTestId('hp-learning_rate').fill('0.5');
    await page.getByTestId('preset-select').selectOption('saved:sweep best');
    await waitUntil(page, 'the form filled from it', async () => Number(await page.getByTestId('hp-learning_rate').inputValue()) === Number(bestLr));
    assert.equal(await page.getByTestId('preset-select').inputValue(), 'saved:sweep best');
    assert.match((await page.getByTestId('saved-preset-info').textContent()) ?? '', /best of sweep/);
  });

  test("the Train form's configuration saved under a name, chosen again after a switch, then deleted", async () => {
    await page.getByTestId('algo-select').selectOption('ppo');
    await waitUntil(page, 'the zoo preset', async () => (await page.getByTestId('preset-select').inputValue()) === 'zoo');
    assert.deepEqual(await savedOptions(), [], "reinforce's saved preset is not PPO's");
    await page.getByTestId('hp-learning_rate').fill('7e-4');
    await page.getByTestId('envopt-max_episode_steps').fill('200');

    await page.getByTestId('train-save-preset-open').click();
    await page.getByTestId('train-save-preset-name').fill('Zoo');
    await waitUntil(page, 'the built-in name refused', async () =>
      /built-in ppo preset/.test((await page.getByTestId('train-save-preset-error').textContent()) ?? ''),
    );
    assert.equal(await page.getByTestId('train-save-preset-save').isDisabled(), true);
    await page.getByTestId('train-save-preset-name').fill('short episodes');
    await page.getByTestId('train-save-preset-save').click();
    // Saved from the form, the form now starts from it.
    await waitUntil(page, 'saved and selected', async () => (await page.getByTestId('preset-select').inputValue()) === 'saved:short episodes');
    assert.match((await page.getByTestId('saved-preset-info').textContent()) ?? '', /zoo \+ 2 saved values/);
    const kept = (await savedFile()).find((p) => p.name === 'short episodes')!;
    assert.deepEqual(kept.hyperparameters, { learning_rate: 7e-4 });
    assert.equal(kept.envOptions.max_episode_steps, 200);
    assert.equal(kept.basePreset, 'zoo');

    // Away to the algorithm's defaults, then back through the saved preset.
    await page.getByTestId('preset-select').selectOption('');
    await waitUntil(page, 'the defaults', async () => Number(await page.getByTestId('hp-learning_rate').inputValue()) === 3e-4);
    await page.getByTestId('preset-select').selectOption('saved:short episodes');
    await waitUntil(page, 'the saved values back', async () => Number(await page.getByTestId('hp-learning_rate').inputValue()) === 7e-4);
    assert.equal(await page.getByTestId('envopt-max_episode_steps').inputValue(), '200');
    assert.equal(await page.getByTestId('hp-n_envs').inputValue(), '8', "the rest is the zoo preset's");
    await page.screenshot({ path: artifact('presets-train.png') });

    await page.getByTestId('saved-preset-delete').click();
    await page.getByTestId('saved-preset-delete-confirm').click();
    await waitUntil(page, 'gone from the select', async () => (await savedOptions()).length === 0);
    assert.equal(await page.getByTestId('preset-select').inputValue(), 'zoo');
    assert.deepEqual(
      (await savedFile()).map((p) => p.name),
      ['sweep best'],
    );
  });

  test('no console errors, page errors or CSP violations', () => {
    assert.deepEqual(problems.errors, []);
  });
});
