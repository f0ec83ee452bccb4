/**
 * A photo chosen while the model is still loading (a cold start with a photo shared to the
 * app): the worker skips its warm-up pass on a grey image and analyses the photo first, since
 * the photo is what the engineer waits for and its own pass sets the kernels up. With no photo
 * waiting, the model is warmed up as before. The model's weights are held back until the photo
 * has been handed to the worker, so the order does not depend on speed. And the worker reads the
 * default model from its model.json as data: tfjs-layers' code is never fetched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { potholePhotos } from '../helpers/fixtures';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { analysisSettled, appUrl, choosePhoto, modelSettled, pollUntil } from './app-page';

let preview: Preview;
let browser: LaunchedProfile;

beforeAll(async () => {
  preview = await startTestApp();
  browser = await launchProfile();
});

afterAll(() => closeAppAndBrowser(browser, preview));

/** The worker's model status as the app holds it. */
function warmUpMs(page: Page): Promise<number | undefined> {
  return page.evaluate(() => {
    const app = document.querySelector('roadcam-app') as unknown as {
      services: { state: { modelStatus: { state: string; warmUpMs?: number } } };
    };
    return app.services.state.modelStatus.warmUpMs;
  });
}

describe('cold start', () => {
  it('analyses a photo chosen while the model loads without a warm-up pass first', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The default model's weights, as the worker asks for them (first visit: no service
    // worker in between yet).
    await browser.context.route('**/models/road-damage/group1-shard1of1.bin', async (route) => {
      await held;
      await route.continue();
    });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(appUrl(preview.origin, { model: null }));
    await page.locator('rc-capture').waitFor();
    await choosePhoto(page, potholePhotos()[0]);
    await pollUntil(
      'the photo to be handed to the worker',
      () => page.evaluate(() => performance.getEntriesByName('roadcam:photo-chosen').length),
      (n) => n > 0,
    );
    // The comlink call is posted with the mark; the worker, idle while the weights are held,
    // takes it at once.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await page.getByTestId('model-status').textContent()).toMatch(/loading/i);
    release();
    expect(await analysisSettled(page)).toBe('verdict');
    expect(await page.getByTestId('verdict').getAttribute('data-label')).not.toBe('none');
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    expect(await warmUpMs(page)).toBe(0);
    await browser.context.unroute('**/models/road-damage/group1-shard1of1.bin');
  });

  it('reads the default model without loading tfjs-layers', async () => {
    const scripts = new Set<string>();
    const record = (request: { url(): string }) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('.js')) scripts.add(url.pathname);
    };
    browser.context.on('request', record);
    const page = await browser.context.newPage();
    await page.goto(appUrl(preview.origin, { model: null }));
    await choosePhoto(page, potholePhotos()[1]);
    expect(await analysisSettled(page)).toBe('verdict');
    browser.context.off('request', record);
    await page.close();
    // The worker's own requests are seen (its script and the model reader it imports).
    const loaded = [...scripts];
    expect(loaded.some((p) => /\/analysis-worker-[^/]*\.js$/.test(p))).toBe(true);
    expect(loaded.some((p) => /\/layers-json-adapter-[^/]*\.js$/.test(p))).toBe(true);
    // A class name only tfjs-layers' code holds; the build has it (the lab loads it).
    const withLayers = async (paths: string[]) => {
      const hits: string[] = [];
      for (const p of paths) {
        const code = await (await fetch(`${preview.origin}${p}`)).text();
        if (code.includes('Conv2DTranspose')) hits.push(p);
      }
      return hits;
    };
    expect(await withLayers(loaded)).toEqual([]);
    const everyChunk = [
      ...(await (await fetch(`${preview.origin}/sw.js`)).text()).matchAll(/"url":"([^"]+\.js)"/g),
    ].map((m) => `/${m[1].replace(/^\//, '')}`);
    expect((await withLayers(everyChunk)).length).toBeGreaterThan(0);
  });

  it('warms the model up when no photo is waiting', async () => {
    const page = browser.context.pages()[0];
    await page.reload();
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    expect(await warmUpMs(page)).toBeGreaterThan(0);
  });
});
