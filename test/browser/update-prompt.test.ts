/**
 * A new version of the app: the service worker installs it in the background, the page says
 * "A new version is ready — reload", and nothing reloads until the engineer taps Reload; notes
 * typed just before are saved first.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { freePort } from '../../tools/lib/free-port';
import { startPreview, type Preview } from '../../tools/lib/preview-server';
import { buildTestApp } from '../helpers/test-app';
import { goodRoadPhotos } from '../helpers/fixtures';
import {
  analysisSettled,
  appUrl,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  serviceWorkerControls,
  storedSurveys,
} from './app-page';

let dist: string;
let preview: Preview;
let browser: LaunchedProfile;

beforeAll(async () => {
  // A private copy of the build, so that "deploying" a new version touches no other test.
  dist = mkdtempSync(path.join(os.tmpdir(), 'roadcam-dist-'));
  cpSync(await buildTestApp(), dist, { recursive: true });
  preview = await startPreview({ dist, port: await freePort() });
  browser = await launchProfile();
});

afterAll(async () => {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await preview?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('updates', () => {
  it('prompts for a new version, never reloads by itself, and saves typed notes before reloading', async () => {
    const page = await openApp(browser.context, preview.origin);
    await serviceWorkerControls(page);
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    await choosePhoto(page, {
      name: 'road.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(goodRoadPhotos()[1]),
    });
    expect(await analysisSettled(page)).toBe('verdict');
    const [survey] = await storedSurveys(page);
    await page.goto(appUrl(preview.origin, { path: `/surveys/${survey.id}` }));
    await page.locator('rc-survey-detail textarea').waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // Deploy a new version: the service worker script changes.
    appendFileSync(path.join(dist, 'sw.js'), '\n// new version\n');
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const banner = page.getByText('A new version is ready — reload to use it.');
    await banner.waitFor({ timeout: 60_000 });
    // Waiting, not taken over: the page is the same one, and the old worker still controls it.
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    expect(
      await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.waiting),
    ).toBe(true);

    // Notes typed a moment ago (not yet saved by the debounce) survive the reload.
    await page.locator('rc-survey-detail textarea').fill('typed just before the update');
    await page.getByRole('button', { name: 'Reload' }).click();
    await pollUntil(
      'the reload',
      () =>
        page
          .evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded ?? false)
          .catch(() => true),
      (v) => v === false,
    );
    await page.locator('rc-survey-detail textarea').waitFor();
    expect(await page.locator('rc-survey-detail textarea').inputValue()).toBe(
      'typed just before the update',
    );
    expect(
      await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.waiting),
    ).toBe(false);
    expect(await page.getByText('A new version is ready').count()).toBe(0);
  });
});
