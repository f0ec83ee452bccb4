/**
 * The field engineer's day in real Chromium against the production build: first visit, the
 * service worker takes over, the network goes, a road photo is surveyed offline (verdict,
 * heatmap, saved, listed), the survey outlives a reload and a browser restart, notes and
 * severity are kept (notes shown as text), deep links open offline, and delete works.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { goodRoadPhotos, potholePhotos } from '../helpers/fixtures';
import {
  analysisSettled,
  appUrl,
  backendText,
  defaultEngineText,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  serviceWorkerControls,
  storedSurveys,
  watchProblems,
  workerTensors,
} from './app-page';

const ROAD_PHOTO = potholePhotos()[1];

let preview: Preview;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let surveyId = '';

beforeAll(async () => {
  preview = await startTestApp();
  browser = await launchProfile();
});

afterAll(() => closeAppAndBrowser(browser, preview));

async function canvasMean(p: Page): Promise<number[]> {
  return p.getByTestId('heatmap').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
    return sum.map((v) => v / (data.length / 4));
  });
}

async function listedIds(p: Page): Promise<string[]> {
  await p.getByRole('link', { name: 'Surveys' }).click();
  await p.locator('rc-survey-list').waitFor();
  // The list renders after IndexedDB answers.
  await p.waitForFunction(() => {
    const list = document
      .querySelector('roadcam-app')
      ?.shadowRoot?.querySelector('rc-list-page')
      ?.shadowRoot?.querySelector('rc-survey-list');
    return !!list && (list as unknown as { updateComplete: Promise<boolean> }).updateComplete;
  });
  await p.waitForTimeout(200);
  return p
    .getByTestId('survey-item')
    .evaluateAll((items) => items.map((i) => i.getAttribute('data-id') ?? ''));
}

describe('offline survey in real Chromium', () => {
  it('first visit: the app opens, the model loads, under isolation, with the binary it chooses for these cores', async () => {
    page = await openApp(browser.context, preview.origin);
    problems = watchProblems(page);
    expect(await page.title()).toBe('RoadCAM road survey');
    expect(await page.locator('link[rel="manifest"]').count()).toBe(1);
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(await backendText(page)).toMatch(await defaultEngineText(page));
    expect(((await page.getByTestId('error').textContent()) ?? '').trim()).toBe('');
  });

  it('the service worker takes control and precaches the wasm binaries and the model', async () => {
    await serviceWorkerControls(page);
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys())
          urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    for (const file of [
      'tfjs-backend-wasm.wasm',
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
    ]) {
      expect(cached).toContain(`/wasm/${file}`);
    }
    const model =
      new URL(appUrl(preview.origin)).searchParams.get('model') ?? '/models/pothole/manifest.json';
    expect(cached).toContain(model);
    expect(cached).toContain('/index.html');
  });

  it('offline, a reload still opens the app with its model', async () => {
    await browser.context.setOffline(true);
    await page.reload();
    await page.locator('rc-capture').waitFor();
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    expect(await backendText(page)).toMatch(await defaultEngineText(page));
  });

  it('opened installed, the app loads sync and its schemas only once the model is ready', async () => {
    // The model is what the engineer waits for: nothing else takes the two cores before it.
    const order = await page.waitForFunction(() => {
      const settled = performance.getEntriesByName('roadcam:model-settled')[0];
      const sync = performance
        .getEntriesByType('resource')
        .find((r) => /\/assets\/sync-[^/]+\.js$/.test(r.name));
      return settled && sync ? { settled: settled.startTime, sync: sync.startTime } : null;
    });
    const { settled, sync } = (await order.jsonValue())!;
    expect(sync).toBeGreaterThanOrEqual(settled);
  });

  it('offline, a road photo gets a verdict and a heatmap and is saved and listed', async () => {
    await choosePhoto(page, ROAD_PHOTO);
    expect(await analysisSettled(page)).toBe('verdict');
    const verdict = page.getByTestId('verdict');
    expect(await verdict.getAttribute('data-label')).toMatch(/^(pothole|normal)$/);
    const probability = Number(await verdict.getAttribute('data-probability'));
    expect(probability).toBeGreaterThanOrEqual(0.5);
    expect(probability).toBeLessThanOrEqual(1);
    const heatmap = page.getByTestId('heatmap');
    expect(await heatmap.getAttribute('data-drawn')).toBe('heatmap');
    expect(await page.getByTestId('where-looked').textContent()).toMatch(
      /model looked|heatmap is empty/,
    );

    // The slider really changes what is drawn: at 0 only the photo is left.
    const withHeatmap = await canvasMean(page);
    await page.locator('rc-explanation input[type=range]').fill('0');
    await page.waitForTimeout(100);
    const photoOnly = await canvasMean(page);
    expect(Math.max(...withHeatmap.map((v, i) => Math.abs(v - photoOnly[i])))).toBeGreaterThan(2);
    await page.locator('rc-explanation input[type=range]').fill('60');

    // Another CAM method redraws the heatmap.
    await page.getByRole('button', { name: 'Grad-CAM++' }).click();
    await pollUntil(
      'Grad-CAM++ to be chosen',
      () => page.getByRole('button', { name: 'Grad-CAM++' }).getAttribute('aria-pressed'),
      (v) => v === 'true',
    );
    expect(await heatmap.getAttribute('data-drawn')).toBe('heatmap');

    const stored = await storedSurveys(page);
    expect(stored).toHaveLength(1);
    surveyId = stored[0].id;
    expect(stored[0].verdictKey).toBe(await verdict.getAttribute('data-label'));
    expect(stored[0].photoBlobSha256).toBe(stored[0].photo.sha256);
    expect(stored[0].camSize?.every((n) => n > 1)).toBe(true);
    expect(stored[0].position).toBeNull();
    expect(stored[0].noPositionReason).toBe('denied');
    expect(await listedIds(page)).toEqual([surveyId]);
  });

  it("the photo's stages are measured in the order they ran, from photo chosen to heatmap shown", async () => {
    const { stages, marks } = await page.evaluate(() => {
      const marks = Object.fromEntries(
        performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]),
      );
      const stages = Object.fromEntries(
        performance
          .getEntriesByType('measure')
          .filter((m) => m.name.startsWith('roadcam:stage:'))
          .map((m) => [m.name.slice(14), { start: m.startTime, end: m.startTime + m.duration }]),
      );
      return { stages, marks };
    });
    const chain = [
      'to the worker',
      'read',
      'decode',
      'draw',
      'quality',
      'resize',
      'model input',
      'inference',
    ];
    chain.push('CAM', 'heatmap', 'back to the page', 'render and draw', 'until the next frame');
    expect(Object.keys(stages).sort()).toEqual([...chain, 'encode', 'storing'].sort());
    // Worker and page clocks meet through timeOrigin; browsers round both a little.
    const slack = 0.5;
    for (const { start, end } of Object.values(stages)) expect(end).toBeGreaterThanOrEqual(start);
    for (let i = 1; i < chain.length; i++) {
      expect(stages[chain[i]].start).toBeGreaterThanOrEqual(stages[chain[i - 1]].end - slack);
    }
    expect(stages['to the worker'].start).toBeCloseTo(marks['roadcam:photo-chosen'], 3);
    expect(stages['until the next frame'].end).toBeCloseTo(marks['roadcam:heatmap-shown'], 3);
    // The JPEG is encoded once the model and heatmaps are done, and the reply does not wait for
    // it; saving does.
    expect(stages.encode.start).toBeGreaterThanOrEqual(stages.heatmap.end - slack);
    expect(stages['back to the page'].start).toBeLessThanOrEqual(stages.heatmap.end + slack);
    expect(stages.storing.start).toBeGreaterThanOrEqual(stages.encode.end - slack);
    // Saving starts once the result has been drawn, and ends before "saved".
    expect(stages.storing.start).toBeGreaterThanOrEqual(stages['render and draw'].end - slack);
    expect(stages.storing.end).toBeLessThanOrEqual(marks['roadcam:saved']);
  });

  it('analysing photos leaks no tensors in the worker', async () => {
    const after1 = await workerTensors(page);
    await page.getByRole('link', { name: 'Survey', exact: true }).click();
    for (const photo of goodRoadPhotos().slice(2, 4)) {
      await choosePhoto(page, photo);
      expect(await analysisSettled(page)).toBe('verdict');
    }
    expect(await workerTensors(page)).toBe(after1);
  });

  it('notes (shown as text, never HTML) and severity are kept', async () => {
    await page.goto(appUrl(preview.origin, { path: `/surveys/${surveyId}` }));
    const detail = page.locator('rc-survey-detail');
    await detail.locator('textarea').waitFor();
    const notes = '<img src=x onerror="document.title=\'pwned\'"> <b>deep</b> near drain';
    await detail.locator('textarea').fill(notes);
    await pollUntil(
      'the notes to be saved',
      async () => (await detail.locator('[aria-live]').textContent()) ?? '',
      (t) => /Notes saved/.test(t),
    );
    await detail.getByRole('button', { name: 'Severity 4' }).click();
    await pollUntil(
      'severity to be saved',
      () => detail.getByRole('button', { name: 'Severity 4' }).getAttribute('aria-pressed'),
      (v) => v === 'true',
    );
    expect(await page.getByTestId('notes-text').textContent()).toBe(notes);
    expect(await detail.locator('img[src="x"]').count()).toBe(0);
    expect(await page.title()).toBe('RoadCAM road survey');
    const stored = (await storedSurveys(page)).find((s) => s.id === surveyId)!;
    expect(stored.notes).toBe(notes);
    expect(stored.severity).toBe(4);
  });

  it('the survey outlives a reload, and a deep link opens offline', async () => {
    await page.reload();
    await page.locator('rc-survey-detail textarea').waitFor();
    expect(await page.locator('rc-survey-detail textarea').inputValue()).toMatch(/near drain/);
    // The heatmap is rendered from the stored CAM grid once the detail view has loaded.
    await pollUntil(
      'the stored heatmap',
      () => page.getByTestId('heatmap').getAttribute('data-drawn'),
      (v) => v === 'heatmap',
    );
    expect(await listedIds(page)).toContain(surveyId);
  });

  it('the survey outlives a browser restart on the same profile (still offline)', async () => {
    const before = await storedSurveys(page);
    await browser.close();
    browser = await launchProfile({ userDataDir: browser.userDataDir, offline: true });
    page = await openApp(browser.context, preview.origin);
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    expect(await storedSurveys(page)).toEqual(before);
    expect(await listedIds(page)).toEqual(before.map((s) => s.id));
  });

  it('delete asks first, then removes the survey and its photo', async () => {
    const countBefore = (await storedSurveys(page)).length;
    await page
      .getByTestId('survey-item')
      .filter({ has: page.locator(`[data-id="${surveyId}"]`) })
      .count();
    await page.locator(`[data-testid="survey-item"][data-id="${surveyId}"] button`).click();
    const detail = page.locator('rc-survey-detail');
    await detail.getByRole('button', { name: 'Delete survey…' }).click();
    await detail.getByRole('button', { name: 'Keep it' }).click();
    expect((await storedSurveys(page)).length).toBe(countBefore);
    await detail.getByRole('button', { name: 'Delete survey…' }).click();
    await detail.getByRole('button', { name: 'Delete', exact: true }).click();
    await pollUntil(
      'the list to return',
      async () => page.url(),
      (u) => u.includes('/surveys') && !u.includes(surveyId),
    );
    const left = await storedSurveys(page);
    expect(left.map((s) => s.id)).not.toContain(surveyId);
    expect(left.length).toBe(countBefore - 1);
    expect(await listedIds(page)).not.toContain(surveyId);
    expect(problems.filter((p) => p.startsWith('pageerror') || p === 'page crashed')).toEqual([]);
  });
});

describe('position', () => {
  it('records the GPS fix and its accuracy when location is allowed', async () => {
    const gps = await launchProfile({ permissions: ['geolocation'] });
    try {
      const t0 = Date.now();
      await gps.context.setGeolocation({ latitude: 51.5072, longitude: -0.1276, accuracy: 12 });
      const p = await openApp(gps.context, preview.origin);
      expect(await modelSettled(p)).toMatch(/^Model ready/);
      await choosePhoto(p, {
        name: 'road.jpg',
        mimeType: 'image/jpeg',
        buffer: readFileSync(ROAD_PHOTO),
      });
      expect(await analysisSettled(p)).toBe('verdict');
      expect(await p.getByTestId('notice').textContent()).toMatch(/Saved \(position ±12 m\)/);
      console.log(`position test: ${Date.now() - t0} ms`);
      const [stored] = await storedSurveys(p);
      expect(stored.position).toEqual({ lat: 51.5072, lon: -0.1276, accuracyM: 12, source: 'gps' });
    } finally {
      await gps.close();
      removeProfile(gps.userDataDir);
    }
  });
});
