/**
 * End to end against the real `policy-lab serve` in Debian's Chromium: the Train form (PPO by
 * default, the Record every field reaching the run's configuration, the "starting…" state while a
 * run boots), the tab kept in the address across a reload and Back, Watch side by side (two agents,
 * one seed, one frame index), importing the app's own policy zip with its critic in Watch, and every
 * view screenshotted at 1024×700 and 1440×900 (test/artifacts/views-*.png) with no sideways scroll
 * in Train and Watch. Fails on any console error, page error or CSP violation. Needs `npm run build`.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PolicyInfo } from '../../main/lab/domain/policies.ts';
import type { RunDetail, RunExport, RunSummary } from '../../main/lab/domain/runs.ts';
import { Abort, SUITE_TIMEOUT_MS, artifact, labInvoke, labSuite, pixelStats, waitUntil, type Problems, type Serve } from './harness.ts';

/** What the page saw of a run's "starting…" state, recorded by a MutationObserver (see the Train test). */
interface StartingSeen {
  /** The followed run's chip said "starting…" while the run was running. */
  starting: boolean;
  /** ...and at that moment its queue line was marked starting and the booting hint showed. */
  withQueueAndHint: boolean;
  /** The chip's text when steps were first reported, if that came before "starting…" was seen. */
  stepsFirst: string;
}
type StartingProbe = { __starting: { seen: StartingSeen; observer: MutationObserver } };

describe('Train form, tab address, Watch side by side and zip import (real serve)', { timeout: SUITE_TIMEOUT_MS }, () => {
  let serve: Serve;
  let page: Page;
  let problems: Problems;
  let runId = '';
  const scratch = mkdtempSync(join(tmpdir(), 'policy-lab-e2e-watch-'));

  labSuite({ viewport: { width: 1440, height: 900 } }, (lab) => ({ serve, page, problems } = lab));
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const tabSelected = async (name: string) => (await page.getByTestId(`tab-${name}`).getAttribute('aria-selected')) === 'true';

  test('Train: PPO by default, Record every reaches the config, "starting…" until the first progress', async (t) => {
    await page.goto(serve.url);
    await waitUntil(page, 'the lab to connect', async () => {
      if (await page.getByTestId('connection-error').count()) throw new Abort(`the app reports: ${await page.getByTestId('connection-error').textContent()}`);
      return (await page.getByTestId('env-select').inputValue()) === 'CartPole-v1' && (await page.getByTestId('algo-select').isEnabled());
    });
    assert.equal(await page.getByTestId('algo-select').inputValue(), 'ppo', 'the form starts on PPO');
    await page.getByTestId('steps-input').fill('2048');
    await page.getByTestId('eval-input').fill('0');
    await page.getByTestId('record-every-input').fill('x');
    await waitUntil(page, 'Record every to be flagged', async () => (await page.getByTestId('record-every-input').getAttribute('aria-invalid')) === 'true');
    assert.equal(await page.getByTestId('start-button').isEnabled(), false, 'an invalid Record every blocks Start');
    await page.getByTestId('record-every-input').fill('3');
    await waitUntil(page, 'Start to be enabled', () => page.getByTestId('start-button').isEnabled());

    // While the run's process boots, the followed run and its queue line say so. That state can be
    // short on a fast machine and polling can miss it, so the page records every state it shows from
    // before Start is clicked: each DOM change is checked by a MutationObserver.
    await page.evaluate(() => {
      const seen: StartingSeen = { starting: false, withQueueAndHint: false, stepsFirst: '' };
      const look = () => {
        const chip = document.querySelector('[data-testid=run-status]');
        const text = chip?.textContent?.trim();
        if (chip?.getAttribute('data-status') === 'running' && text === 'starting…') {
          seen.starting = true;
          if (
            document.querySelectorAll('.queue-item .chip[data-starting]').length === 1 &&
            document.querySelectorAll('[data-testid=run-starting]').length === 1
          )
            seen.withQueueAndHint = true;
        } else if (!seen.starting && !seen.stepsFirst && Number(document.querySelector('[data-testid=progress]')?.getAttribute('data-step')) > 0) {
          seen.stepsFirst = text ?? '(no status)';
        }
      };
      const observer = new MutationObserver(look);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      (window as unknown as StartingProbe).__starting = { seen, observer };
      look();
    });
    await page.getByTestId('start-button').click();
    await waitUntil(
      page,
      'the first progress to end "starting…"',
      async () => Number(await page.getByTestId('progress').getAttribute('data-step')) > 0 && (await page.getByTestId('run-starting').count()) === 0,
      { timeout: 60_000 },
    );
    assert.notEqual((await page.getByTestId('run-status').textContent())?.trim(), 'starting…');
    const seen = await page.evaluate(() => {
      const probe = (window as unknown as StartingProbe).__starting;
      probe.observer.disconnect();
      return probe.seen;
    });
    assert.equal(seen.stepsFirst, '', `the run reported steps without showing "starting…" (chip "${seen.stepsFirst}")`);
    assert.ok(seen.starting, 'the followed run showed starting… while its process booted');
    assert.ok(seen.withQueueAndHint, 'the queue line and the booting hint show starting… too');

    const runs = await labInvoke<RunSummary[]>(serve, 'listRuns', {});
    assert.equal(runs.length, 1);
    runId = runs[0].runId;
    const detail = await labInvoke<RunDetail>(serve, 'getRun', { runId });
    assert.equal(detail.config.recordEvery, 3, 'the run was configured to keep every 3rd training episode');
    assert.equal(detail.config.algo, 'ppo');
    await waitUntil(
      page,
      'the run to finish',
      async () => ['finished', 'solved'].includes((await page.getByTestId('run-status').getAttribute('data-status')) ?? ''),
      {
        timeout: 60_000,
      },
    );
    t.diagnostic(`run ${runId}: recordEvery ${String(detail.config.recordEvery)}`);
  });

  test('the tab is in the address: a reload keeps it, Back returns to the previous one', async () => {
    await page.getByTestId('tab-watch').click();
    assert.match(page.url(), /#\/watch$/);
    await page.reload();
    await waitUntil(page, 'Watch selected after the reload', () => tabSelected('watch'));
    await page.getByTestId('tab-runs').click();
    assert.match(page.url(), /#\/runs$/);
    await page.goBack();
    await waitUntil(page, 'Watch selected again after Back', () => tabSelected('watch'));
  });

  test('Watch: two agents side by side on one seed, one frame index', async (t) => {
    // Watch opens on an episode of the preselected agent, not on an empty stage.
    await waitUntil(
      page,
      'the first episode without pressing Run episode',
      async () => Number(await page.getByTestId('env-canvas').getAttribute('data-frames')) > 1,
      {
        timeout: 30_000,
      },
    );
    const select = page.getByTestId('policy-select');
    const policy = await waitUntil(page, 'the run policy in the list', async () => {
      const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      return values.find((v) => v.includes(runId) && /[\\/]policy$/.test(v)) ?? null;
    });
    await select.selectOption(policy);
    await page.getByTestId('watch-side-by-side').check();
    await page.getByTestId('policy-select-b').selectOption('agent:random:CartPole-v1');
    await page.getByTestId('watch-seed').fill('5');
    await page.getByTestId('watch-rollout').click();
    await waitUntil(page, 'both episodes', async () => {
      if (await page.getByTestId('error-message').count()) throw new Abort(`rollout failed: ${await page.getByTestId('error-message').textContent()}`);
      return (await page.getByTestId('watch-return-b').count()) === 1 && (await page.getByTestId('watch-stage').getAttribute('data-side-by-side')) === 'true';
    });
    assert.match((await page.getByTestId('watch-label').textContent()) ?? '', /seed 5/);
    assert.match((await page.getByTestId('watch-label-b').textContent()) ?? '', /seed 5/);
    const lenA = Number((await page.getByTestId('watch-length').textContent())?.replace(/\D/g, ''));
    const lenB = Number((await page.getByTestId('watch-length-b').textContent())?.replace(/\D/g, ''));

    // One clock: sample both canvases (and both X-rays) in the same task while it plays.
    const sides = () =>
      page.evaluate(() => {
        const a = document.querySelector('.canvas-a [data-testid=env-canvas]');
        const b = document.querySelector('[data-testid=watch-canvas-b] [data-testid=env-canvas]');
        const xa = document.querySelector('.xray-a');
        const xb = document.querySelector('[data-testid=xray-b]');
        return {
          a: Number(a?.getAttribute('data-frame')),
          b: Number(b?.getAttribute('data-frame')),
          framesB: Number(b?.getAttribute('data-frames')),
          xa: Number(xa?.getAttribute('data-step')),
          xb: Number(xb?.getAttribute('data-step')),
        };
      });
    const play = page.getByTestId('watch-play');
    if ((await play.getAttribute('aria-pressed')) !== 'true') await play.click();
    const seen = new Set<number>();
    for (let k = 0; k < 8; k++) {
      const s = await sides();
      assert.equal(s.b, Math.min(s.a, s.framesB - 1), `B shows A's frame (clamped to its end): ${JSON.stringify(s)}`);
      seen.add(s.a);
      await new Promise((r) => setTimeout(r, 60));
    }
    assert.ok(seen.size > 1, `the frame index moved while playing (saw ${[...seen].join(',')})`);
    if ((await play.getAttribute('aria-pressed')) === 'true') await play.click();
    // Step: both sides, the counter and both X-rays on one index.
    await page.getByTestId('watch-step-back').click();
    await page.getByTestId('watch-step-forward').click();
    const s = await sides();
    assert.equal(s.xa, Math.min(s.a, lenA), 'X-ray A is on the frame index');
    assert.equal(s.xb, Math.min(s.a, lenB), 'X-ray B is on the frame index (held at its end)');
    assert.equal(s.b, Math.min(s.a, lenB));
    const counter = (await page.locator('.canvas-a .time').textContent())?.trim();
    assert.equal(counter, `${s.a} / ${Math.max(lenA, lenB)}`, 'the counter shows the step (0 = reset)');
    // The PNG: the env's native 600×400, named by the same step.
    const download = page.waitForEvent('download', { timeout: 15_000 });
    await page.getByTestId('export-png').click();
    const png = await download;
    assert.equal(png.suggestedFilename(), `CartPole-v1-seed5-frame${String(s.a).padStart(4, '0')}.png`);
    const stats = await pixelStats(page, await readFile(await png.path()));
    assert.deepEqual([stats.width, stats.height], [600, 400], 'the PNG is 600×400 whatever the canvas size on screen');
    assert.ok(stats.colors >= 3, 'the PNG has the scene in it');
    // Export GIF: one GIF with both agents, twice the width of one scene (plus the caption band).
    const gifDownload = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByTestId('export-gif').click();
    const gif = await gifDownload;
    assert.equal(gif.suggestedFilename(), 'CartPole-v1-policy-vs-random-seed5.gif');
    const gifBytes = await readFile(await gif.path());
    assert.equal(gifBytes.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.deepEqual([gifBytes.readUInt16LE(6), gifBytes.readUInt16LE(8)], [1200, 428], 'both scenes side by side under their captions');
    await page.screenshot({ path: artifact('watch-side-by-side.png') });
    t.diagnostic(`side by side seed 5: A ${lenA} steps, B ${lenB} steps, frames sampled ${[...seen].join(',')}`);
    await page.getByTestId('watch-side-by-side').uncheck();
  });

  test("Watch: the app's own policy zip imports with its critic, listed and playable", async (t) => {
    const zip = await labInvoke<RunExport>(serve, 'exportRun', { runId, format: 'policy-zip' });
    assert.ok(zip.dataBase64, 'the export is a zip');
    const file = join(scratch, zip.fileName);
    writeFileSync(file, Buffer.from(zip.dataBase64, 'base64'));
    await page.getByTestId('watch-import').setInputFiles(file);
    const notice = await waitUntil(page, 'the import notice', async () => {
      if (await page.getByTestId('error-message').count()) throw new Abort(`import failed: ${await page.getByTestId('error-message').textContent()}`);
      return (await page.getByTestId('watch-notice').count()) ? await page.getByTestId('watch-notice').textContent() : null;
    });
    const policies = await labInvoke<PolicyInfo[]>(serve, 'listPolicies', {});
    const imported = policies.filter((p) => p.source === 'file');
    assert.equal(imported.length, 1, 'one imported policy');
    const stem = zip.fileName.replace(/(-policy)?\.zip$/, '');
    assert.ok(imported[0].path.endsWith(stem), `named after the zip (${imported[0].path} for ${zip.fileName})`);
    assert.ok(existsSync(join(imported[0].path, 'critic', 'model.json')), 'the critic came along');
    assert.ok(imported[0].path.startsWith(serve.runsDir), 'stored inside the runs folder');
    assert.equal(await page.getByTestId('policy-select').inputValue(), `policy:${imported[0].path}`, 'the import is selected');

    await page.getByTestId('watch-rollout').click();
    await waitUntil(page, "the imported policy's episode with V(s) in the X-ray", async () => {
      const agent = (await page.locator('.result .agent').first().textContent()) ?? '';
      const value = page.getByTestId('xray-value');
      return /^Imported/.test(agent) && (await value.count()) === 1 && (await value.getAttribute('data-value')) !== null;
    });
    t.diagnostic(`${notice?.trim()} → ${imported[0].label}`);
  });

  test('every view at 1024×700 and 1440×900: screenshots, no sideways scroll in Train and Watch', async (t) => {
    for (const [w, h] of [
      [1024, 700],
      [1440, 900],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      for (const view of ['train', 'watch', 'compare', 'runs', 'insights']) {
        await page.getByTestId(`tab-${view}`).click();
        await waitUntil(page, `${view} selected`, () => tabSelected(view));
        // The view has laid out once its width reads the same twice, two animation frames and a poll apart.
        let last: number | null = null;
        const overflow = await waitUntil(page, `${view}'s layout to settle at ${w}×${h}`, async () => {
          const now = await page.evaluate(async () => {
            await document.fonts.ready;
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            return document.documentElement.scrollWidth - document.documentElement.clientWidth;
          });
          const settled = now === last;
          last = now;
          return settled ? { px: now } : null;
        });
        await page.screenshot({ path: artifact(`views-${view}-${w}x${h}.png`), fullPage: true });
        t.diagnostic(`${view} at ${w}×${h}: ${overflow.px} px of sideways scroll`);
        if (view === 'train' || view === 'watch') assert.ok(overflow.px <= 0, `${view} at ${w}×${h} scrolls sideways by ${overflow.px} px`);
      }
    }
  });

  test('no console errors, page errors or CSP violations', () => {
    assert.deepEqual(problems.errors, []);
  });
});
