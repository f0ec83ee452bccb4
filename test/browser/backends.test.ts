/**
 * Which tfjs-backend-wasm binary runs: threaded SIMD needs a cross-origin isolated page, and
 * the app chooses it only when it would run more than one thread (SIMD otherwise). A static host that sends no COOP/COEP headers is served here by a
 * preview without them: the first visit is not isolated (SIMD); once the service worker
 * controls the page it adds the headers itself, and after a reload threads are on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, removeProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp } from '../helpers/test-app';
import {
  appUrl,
  backendText,
  defaultEngineText,
  modelSettled,
  openApp,
  serviceWorkerControls,
} from './app-page';

let plainHost: Preview;
let isolatedHost: Preview;

beforeAll(async () => {
  plainHost = await startTestApp({ isolation: false });
  isolatedHost = await startTestApp({ isolation: true });
});

afterAll(async () => {
  await plainHost?.close();
  await isolatedHost?.close();
});

describe('wasm backend selection', () => {
  it('without isolation headers: SIMD on the first visit, threaded SIMD once the service worker adds them', async () => {
    const browser = await launchProfile();
    try {
      const page = await browser.context.newPage();
      const response = await page.goto(appUrl(plainHost.origin, { backend: 'threaded-simd' }));
      expect(response?.headers()['cross-origin-embedder-policy']).toBeUndefined();
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
      expect(await modelSettled(page)).toMatch(/^Model ready/);
      expect(await backendText(page)).toMatch(/^wasm \(SIMD\), 1 thread$/);

      await serviceWorkerControls(page);
      await page.reload();
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      expect(await modelSettled(page)).toMatch(/^Model ready/);
      expect(await backendText(page)).toMatch(/^wasm \(threaded-SIMD\), \d+ threads?$/);
    } finally {
      await browser.close();
      removeProfile(browser.userDataDir);
    }
  });

  it('with isolation headers: the app chooses by its cores; ?backend= and ?threads= force threaded SIMD, SIMD or cpu', async () => {
    const browser = await launchProfile();
    try {
      const page = await openApp(browser.context, isolatedHost.origin);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      expect(await backendText(page)).toMatch(await defaultEngineText(page));
      expect(await modelSettled(page)).toMatch(/^Model ready/);

      await openApp(browser.context, isolatedHost.origin, { backend: 'threaded-simd' });
      expect(await backendText(page)).toMatch(/^wasm \(threaded-SIMD\), \d+ threads?$/);

      // Both counts, whatever tfjs would pick on this machine: the parameter decides.
      for (const threads of [2, 1]) {
        await openApp(browser.context, isolatedHost.origin, { threads });
        expect(await backendText(page)).toBe(
          `wasm (threaded-SIMD), ${threads} thread${threads > 1 ? 's' : ''}`,
        );
        expect(await modelSettled(page)).toMatch(/^Model ready/);
      }

      await openApp(browser.context, isolatedHost.origin, { backend: 'simd' });
      expect(await backendText(page)).toMatch(/^wasm \(SIMD\), 1 thread$/);
      expect(await modelSettled(page)).toMatch(/^Model ready/);

      await openApp(browser.context, isolatedHost.origin, { backend: 'cpu' });
      expect(await backendText(page)).toMatch(/^cpu /);
      expect(await modelSettled(page)).toMatch(/^Model ready/);
    } finally {
      await browser.close();
      removeProfile(browser.userDataDir);
    }
  });
});
