/**
 * The app on a small, busy phone, in real Chromium: at 360 px wide no page scrolls sideways
 * (survey, list, detail, about with the sync settings, the lab), and the survey list's filter
 * holds while the phone is busy writing (as the outbox does during a sync): a read of the list
 * that started before the engineer picked a filter never replaces the filtered one. The photos
 * are made here (synthetic road textures), so the test needs nothing from ../shared.
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { modelOpened, tab } from './lab-page';
import { roadPixels } from '../tools/synthetic-photos';
import {
  analysisSettled,
  appUrl,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  storedSurveys,
} from './app-page';

const PHONE = { width: 360, height: 740 };
const SURVEYS = 12;
/** What an engineer might paste into the notes: a long reference with no space to break at. */
const LONG_NOTES =
  'Reported by the council: ticket https://roads.example.org/tickets/2026/KERB-0042-NORTHBOUND-LANE-3 (deep, wide)';

let preview: Preview;
let browser: LaunchedProfile;
let page: Page;

beforeAll(async () => {
  preview = await startTestApp();
  browser = await launchProfile();
  page = await openApp(browser.context, preview.origin);
  await page.setViewportSize(PHONE);
  await modelSettled(page);
  for (let i = 0; i < SURVEYS; i++) {
    const { data } = roadPixels(400, 300, 90 + i, i % 3 === 0);
    const buffer = await sharp(data, { raw: { width: 400, height: 300, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    await choosePhoto(page, { name: `road-${i}.jpg`, mimeType: 'image/jpeg', buffer });
    expect(await analysisSettled(page)).toBe('verdict');
  }
});

afterAll(() => closeAppAndBrowser(browser, preview));

interface Overflow {
  viewport: number;
  scrollWidth: number;
  /** Visible elements whose right edge is past the viewport's (not inside a clipping box). */
  sticking: string[];
}

/** How far the page reaches sideways, walking the light and shadow DOM. */
function sideways(p: Page): Promise<Overflow> {
  return p.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const sticking: string[] = [];
    const name = (el: Element) => {
      const testid = el.getAttribute('data-testid');
      const cls = typeof el.className === 'string' && el.className.trim() ? el.className : '';
      return (
        el.tagName.toLowerCase() +
        (el.id ? `#${el.id}` : '') +
        (testid ? `[data-testid=${testid}]` : '') +
        (cls ? `.${cls.trim().split(/\s+/).join('.')}` : '')
      );
    };
    const visit = (parent: Element | ShadowRoot, clipped: boolean, path: string) => {
      for (const el of Array.from(parent.children)) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const here = `${path} > ${name(el)}`;
        const rect = el.getBoundingClientRect();
        if (!clipped && rect.width > 0 && rect.height > 0 && rect.right > viewport + 0.5) {
          sticking.push(`${here} (right edge at ${Math.round(rect.right)} px)`);
        }
        // What a box clips or scrolls itself cannot push the page sideways.
        const clips = clipped || style.overflowX !== 'visible';
        if (el.shadowRoot) visit(el.shadowRoot, clips, here);
        visit(el, clips, here);
      }
    };
    visit(document.documentElement, false, '');
    return { viewport, scrollWidth: document.documentElement.scrollWidth, sticking };
  });
}

async function expectNoSidewaysScroll(what: string): Promise<void> {
  const o = await sideways(page);
  expect(o.viewport, 'the phone viewport').toBe(PHONE.width);
  expect(o.sticking, `${what}: elements past the right edge`).toEqual([]);
  expect(o.scrollWidth, `${what}: page width`).toBeLessThanOrEqual(o.viewport);
}

describe('at 360 px wide, no page scrolls sideways', () => {
  it('the survey page, with a verdict, its heatmap and the notice', async () => {
    await page.getByTestId('verdict').waitFor();
    await expectNoSidewaysScroll('survey page');
  });

  it('the list, with its sync header and filters', async () => {
    await page.getByRole('link', { name: 'Surveys' }).click();
    await pollUntil(
      'the list',
      () => page.getByTestId('survey-item').count(),
      (n) => n === SURVEYS,
    );
    await page.getByTestId('sync-summary').waitFor();
    await expectNoSidewaysScroll('survey list');
  });

  it('a survey with long notes, in the detail view and the list', async () => {
    const [newest] = await storedSurveys(page);
    await page.locator(`[data-testid="survey-item"][data-id="${newest.id}"] button`).click();
    const detail = page.locator('rc-survey-detail');
    await detail.locator('textarea').fill(LONG_NOTES);
    await pollUntil(
      'the notes to be saved',
      async () => (await detail.locator('[aria-live]').textContent()) ?? '',
      (t) => /Notes saved/.test(t),
    );
    await expectNoSidewaysScroll('detail view');
    await detail.getByRole('button', { name: 'Delete survey…' }).click();
    await expectNoSidewaysScroll('detail view, asking to confirm a delete');
    await detail.getByRole('button', { name: 'Keep it' }).click();
    await page.getByRole('link', { name: 'Surveys' }).click();
    await pollUntil(
      'the notes in the list',
      async () => (await page.getByTestId('survey-item').first().textContent()) ?? '',
      (t) => t.includes('Reported by the council'),
    );
    await expectNoSidewaysScroll('survey list with long notes');
  });

  it('the about page with the sync settings and a test answer', async () => {
    await page.getByRole('link', { name: 'About' }).click();
    await page.getByTestId('sync-server-url').fill('https://elsewhere.example.org/roadcam/');
    await page.getByTestId('sync-token').fill('rcd_not-a-real-token');
    await page.getByTestId('sync-test').click();
    await pollUntil(
      'the connection test',
      () => page.getByTestId('sync-settings-result').getAttribute('data-ok'),
      (ok) => ok === 'false',
      20_000,
    );
    await expectNoSidewaysScroll('about page');
  });

  it('the lab', async () => {
    await page.goto(appUrl(preview.origin, { path: '/lab' }));
    await page.getByTestId('lab-backend').waitFor();
    await pollUntil(
      'the lab engine',
      async () => (await page.getByTestId('lab-backend').textContent()) ?? '',
      (t) => t !== '' && !/starting/.test(t),
    );
    await expectNoSidewaysScroll('lab');
    // With the field model open, each of its sections.
    await page.locator('[data-testid="bundled-model"][data-id="pothole"] button').click();
    await modelOpened(page, /test model|pothole/i);
    for (const id of ['layers', 'filters', 'cam', 'audit', 'reanalyse', 'model']) {
      await tab(page, id);
      await expectNoSidewaysScroll(`lab, ${id} section`);
    }
  });
});

describe('the list while the phone is busy writing', () => {
  it('a filter picked while an unfiltered read waits shows only what it selects', async () => {
    await page.goto(appUrl(preview.origin, { path: '/surveys' }));
    const items = page.getByTestId('survey-item');
    const list = page.locator('rc-survey-list');
    const settled = () =>
      pollUntil(
        'the list to finish reading',
        () => list.getAttribute('aria-busy'),
        (busy) => busy === 'false',
      );
    await settled();
    expect(await items.count()).toBe(SURVEYS);
    // Nothing is synced (no server is set up): the "Synced" filter selects no survey.
    for (let round = 0; round < 5; round++) {
      await holdSurveyStore(page, 600);
      await page.locator('#sync-filter').selectOption('');
      await page.locator('#sync-filter').selectOption('synced');
      await page.evaluate(() => (window as unknown as { held: Promise<void> }).held);
      await settled();
      expect(await items.count(), `round ${round + 1}`).toBe(0);
      await page.locator('#sync-filter').selectOption('');
      await settled();
      expect(await items.count()).toBe(SURVEYS);
    }
  });
});

/**
 * A write transaction on the surveys store for `ms`, as the outbox's writes during a sync:
 * the list's reads wait for it, then run together. Resolves once it holds the store;
 * `window.held` resolves when it lets go.
 */
function holdSurveyStore(p: Page, ms: number): Promise<void> {
  return p.evaluate(
    (ms) =>
      new Promise<void>((holding) => {
        const open = indexedDB.open('roadcam');
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('surveys', 'readwrite');
          const store = tx.objectStore('surveys');
          const end = performance.now() + ms;
          const spin = () => {
            store.count().onsuccess = () => {
              if (performance.now() < end) spin();
            };
          };
          spin();
          (window as unknown as { held: Promise<void> }).held = new Promise((done) => {
            tx.oncomplete = () => {
              db.close();
              done();
            };
          });
          holding();
        };
      }),
    ms,
  );
}
