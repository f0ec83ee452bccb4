/**
 * A model that fails to load: the app says so, and the engineer still takes and keeps photos
 * ("not analysed yet"), which can be analysed later once a model loads.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { BROKEN_MODEL_URL, startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { potholePhotos } from '../helpers/fixtures';
import {
  analysisSettled,
  appUrl,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  storedSurveys,
} from './app-page';

let preview: Preview;
let browser: LaunchedProfile;

beforeAll(async () => {
  preview = await startTestApp();
  browser = await launchProfile();
});

afterAll(() => closeAppAndBrowser(browser, preview));

describe('a model that fails to load', () => {
  it('says so, names the problem, and still keeps photos without a verdict', async () => {
    const page = await openApp(browser.context, preview.origin, { model: BROKEN_MODEL_URL });
    expect(await modelSettled(page)).toBe('Model not loaded: photos are kept without a verdict.');

    await page.getByRole('link', { name: 'About' }).click();
    expect(await page.getByTestId('model-info').textContent()).toMatch(
      /not loaded: The road model could not be loaded/,
    );
    await page.getByRole('link', { name: 'Survey', exact: true }).click();

    await choosePhoto(page, {
      name: 'road.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(potholePhotos()[7]),
    });
    expect(await analysisSettled(page)).toBe('verdict');
    const verdict = page.getByTestId('verdict');
    expect(await verdict.getAttribute('data-label')).toBe('none');
    expect(await verdict.textContent()).toMatch(/Not analysed yet/);
    expect(await page.getByTestId('heatmap').getAttribute('data-drawn')).toBe('photo-only');
    const [stored] = await storedSurveys(page);
    expect(stored.verdict).toBeNull();
    expect(stored.verdictKey).toBe('unanalysed');
    expect(stored.camSize).toBeNull();
    expect(stored.photoBlobSha256).toBe(stored.photo.sha256);

    // Listed, and found by the "not analysed yet" filter only.
    await page.getByRole('link', { name: 'Surveys' }).click();
    const list = page.locator('rc-survey-list');
    await page.getByTestId('survey-item').first().waitFor();
    await list.getByLabel('Verdict').selectOption('pothole');
    await pollUntil(
      'the pothole filter',
      () => page.getByTestId('survey-item').count(),
      (n) => n === 0,
    );
    await list.getByLabel('Verdict').selectOption('unanalysed');
    await pollUntil(
      'the unanalysed filter',
      () => page.getByTestId('survey-item').count(),
      (n) => n === 1,
    );
    expect(await page.getByTestId('survey-item').getAttribute('data-id')).toBe(stored.id);
  });

  it('a missing model is reported', async () => {
    const page = await openApp(browser.context, preview.origin, {
      model: '/models/no-such-model/manifest.json',
    });
    expect(await modelSettled(page)).toMatch(/Model not loaded/);
    await page.getByRole('link', { name: 'About' }).click();
    // vite preview (like most single-page-app hosts) answers a missing file with index.html, so
    // the loader sees a web page where JSON should be; a plain static host answers 404.
    expect(await page.getByTestId('model-info').textContent()).toMatch(
      /manifest is missing \(HTTP 404\)|manifest is not valid JSON/,
    );
  });

  it('a kept photo is analysed later, once a working model is there', async () => {
    const [waiting] = await storedSurveys(browser.context.pages()[0]);
    const page = browser.context.pages()[0];
    await page.goto(appUrl(preview.origin, { path: `/surveys/${waiting.id}` }));
    const detail = page.locator('rc-survey-detail');
    await detail.getByRole('button', { name: 'Analyse now' }).click();
    await pollUntil(
      'the verdict',
      () => page.getByTestId('verdict').getAttribute('data-label'),
      (v) => v === 'pothole' || v === 'normal',
    );
    await pollUntil(
      'the heatmap',
      () => page.getByTestId('heatmap').getAttribute('data-drawn'),
      (v) => v === 'heatmap',
    );
    const [after] = await storedSurveys(page);
    expect(after.id).toBe(waiting.id);
    expect(after.verdictKey).toBe(await page.getByTestId('verdict').getAttribute('data-label'));
    expect(after.camSize).not.toBeNull();
    expect(after.photo.sha256).toBe(waiting.photo.sha256);
  });
});
