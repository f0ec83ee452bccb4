/**
 * The lab's digit pad in real Chromium with the bundled MNIST model (public/models/mnist): a "1"
 * drawn with mouse events (pointer events, as a finger gives them) is read as 1, the prediction
 * appears while the stroke is still being drawn, and each of the top classes gets its heatmap.
 * Needs the trained MNIST model in the build: without it the test fails and says so.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { projectRoot } from '../../tools/lib/paths';
import { pollUntil, watchProblems } from './app-page';
import { labError, labWorkerTensors, modelOpened, openLab, tab } from './lab-page';

const MNIST_MANIFEST = path.join(projectRoot, 'public', 'models', 'mnist', 'manifest.json');

let preview: Preview;
let browser: LaunchedProfile;
let page: Page;

beforeAll(async () => {
  if (!existsSync(MNIST_MANIFEST)) {
    throw new Error(
      `The bundled MNIST model is missing (${MNIST_MANIFEST}). Train it with the train command ` +
        '(train mnist --out public/models/mnist) before running the digit pad test.',
    );
  }
  preview = await startTestApp();
  browser = await launchProfile();
});

afterAll(() => closeAppAndBrowser(browser, preview));

const prediction = (p: Page) => p.getByTestId('digit-prediction').getAttribute('data-label');

describe('digit pad with the bundled MNIST model (real Chromium)', () => {
  it('reads a "1" drawn with the mouse, updating while the stroke is drawn', async () => {
    page = await openLab(browser.context, preview.origin);
    const problems = watchProblems(page);
    await page.locator('[data-testid="bundled-model"][data-id="mnist"] button').click();
    await modelOpened(page, /mnist|digit/i);
    const tensors = await labWorkerTensors(page);
    await tab(page, 'digits');
    const pad = page.getByTestId('digit-pad');
    const box = (await pad.boundingBox())!;
    const x = box.x + box.width * 0.52;
    const at = (f: number) => box.y + box.height * f;

    await page.mouse.move(x, at(0.12));
    await page.mouse.down();
    await page.mouse.move(x - 2, at(0.5), { steps: 12 });
    // The finger is still on the pad: the model has already answered for the half stroke.
    await pollUntil(
      'a prediction while drawing',
      () => prediction(page),
      (l) => !!l,
      30_000,
    );
    await page.mouse.move(x - 5, at(0.88), { steps: 12 });
    await page.mouse.up();

    // The last drawing's answer: stable once the worker has caught up.
    let last = '';
    await pollUntil(
      'the prediction to settle',
      async () => {
        await page.waitForTimeout(400);
        const now = (await prediction(page)) ?? '';
        const settled = now === last;
        last = now;
        return settled;
      },
      (settled) => settled,
      30_000,
    );
    expect(await labError(page)).toBe('');
    expect(last).toMatch(/^(1|one)$/i);
    const cards = page.getByTestId('class-card');
    expect(await cards.count()).toBe(3);
    expect(await cards.first().getAttribute('data-label')).toBe(last);
    expect(
      await page.locator('[data-testid="class-card"] canvas').first().getAttribute('data-drawn'),
    ).toBe('heatmap');
    expect(await labWorkerTensors(page)).toBe(tensors);

    await page.getByTestId('digit-clear').click();
    await pollUntil(
      'the pad to clear',
      () => cards.count(),
      (n) => n === 0,
    );
    expect(problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
  });
});
