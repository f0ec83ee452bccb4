/**
 * The engineer's Right / Wrong (issue 11) through the real app in real headless Chromium, with
 * the real sync server (its own SQLite) serving the production build. Two photos surveyed
 * offline on a 360 px phone: the newest answered Right under its verdict on the survey page,
 * the other Right on its detail page; then the newest changed to Wrong with a label and boxes
 * drawn by mouse drag and by touch (CDP touch events, so the page sees touch pointers), one
 * resized by its corner, one removed by keyboard. Reloaded offline, the answers are still there
 * and the list says "corrected"; online, the server holds them. The answer edited twice reaches
 * the server as the last revision. Two phones (two browser contexts, the second holding a copy
 * of the survey as a phone restored from a backup) answer the same survey differently: the
 * server's revision rules decide, the losing phone says which version won and keeps its own
 * answer, and its engineer can send it. */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyCorrection, SurveyDetailResponse } from '../../src/schema/survey';
import { PLAYWRIGHT_CHROMIUM_ARGS, findChromium } from '../../tools/lib/chromium';
import { ServerProcess } from '../../tools/lib/server-process';
import { potholePhotos } from '../helpers/fixtures';
import { buildTestApp } from '../helpers/test-app';
import {
  analysisSettled,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  serviceWorkerControls,
  watchProblems,
  storedRecords,
} from './app-page';

const PHONE = { width: 360, height: 780 };

let server: ServerProcess;
let browser: Browser;
let phoneA: BrowserContext;
let phoneB: BrowserContext;
let pageA: Page;
let tokenA: string;
let problems: string[];
/** The two surveys of phone A: answered Right, answered Wrong. */
let rightId = '';
let wrongId = '';

beforeAll(async () => {
  const dist = await buildTestApp();
  server = await ServerProcess.start({ appDir: dist });
  tokenA = await server.createToken('phone-a');
  browser = await chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: PLAYWRIGHT_CHROMIUM_ARGS,
  });
  const phone = { viewport: PHONE, hasTouch: true, deviceScaleFactor: 1 };
  phoneA = await browser.newContext(phone);
  phoneB = await browser.newContext(phone);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

async function held(id: string): Promise<SurveyDetailResponse> {
  const response = await fetch(`${server.url}/api/v1/surveys/${id}`, {
    headers: { authorization: `Bearer ${tokenA}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as SurveyDetailResponse;
}

interface StoredAnswer {
  revision: number;
  state: string;
  correction: SurveyCorrection | null;
  photo: { width: number; height: number };
}

/** A survey as the phone's IndexedDB holds it: revision, sync state, the answer. */
async function stored(page: Page, id: string): Promise<StoredAnswer> {
  const [record] = await storedRecords<{
    revision: number;
    sync: { state: string };
    correction?: SurveyCorrection;
    photo: { width: number; height: number };
  }>(page, 'surveys', id);
  return {
    revision: record.revision,
    state: record.sync.state,
    correction: record.correction ?? null,
    photo: record.photo,
  };
}

async function setUpSync(page: Page, token: string): Promise<void> {
  await page.getByRole('link', { name: 'About' }).click();
  await page.getByTestId('sync-token').fill(token);
  await page.getByTestId('sync-save').click();
  await pollUntil(
    'the sync settings to be saved',
    () => page.getByTestId('sync-settings-result').textContent(),
    (t) => /Saved/.test(t ?? ''),
  );
}

async function openSurvey(page: Page, id: string): Promise<void> {
  await page.getByRole('link', { name: 'Surveys' }).click();
  await page.locator(`[data-testid="survey-item"][data-id="${id}"] button`).click();
  await page.getByTestId('correction').waitFor();
}

async function answerText(page: Page): Promise<string> {
  return ((await page.getByTestId('answer-text').textContent()) ?? '').trim();
}

/** Waits until the phone says the survey is synced. */
async function syncedOn(page: Page, id: string): Promise<void> {
  await pollUntil(
    'the phone to say synced',
    async () => (await stored(page, id)).state,
    (s) => s === 'synced',
    60_000,
  );
}

/** Taps Right and waits for the answer to show. */
async function answerRight(page: Page): Promise<void> {
  await page.getByTestId('answer-right').click();
  await pollUntil(
    'the answer',
    () => answerText(page),
    (t) => t === 'Your answer: Right.',
  );
}

/** A point of the box layer, as fractions of its size, in page pixels. */
async function at(page: Page, fx: number, fy: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('box-layer').boundingBox())!;
  return { x: box.x + fx * box.width, y: box.y + fy * box.height };
}

async function mouseDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

/** A finger dragged across the screen: real touch input through the DevTools protocol. */
async function touchDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
  for (let i = 1; i <= 6; i++) {
    const point = { x: from.x + ((to.x - from.x) * i) / 6, y: from.y + ((to.y - from.y) * i) / 6 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The boxes drawn, as fractions of the photo (what the drags aimed at, in the photo's pixels). */
function fractions(correction: SurveyCorrection | null, photo: { width: number; height: number }) {
  return (correction?.boxes ?? []).map((b) => ({
    type: b.type,
    box: [
      b.box[0] / photo.width,
      b.box[1] / photo.height,
      b.box[2] / photo.width,
      b.box[3] / photo.height,
    ],
  }));
}

function expectNear(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) =>
    expect(Math.abs(v - expected[i]), `${actual} vs ${expected}`).toBeLessThan(0.015),
  );
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const width = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(width.viewport).toBe(PHONE.width);
  expect(width.scroll, 'the page scrolls sideways').toBeLessThanOrEqual(width.viewport);
}

/** The list's answer words for a survey. */
async function listAnswer(page: Page, id: string): Promise<string | null> {
  await page.getByRole('link', { name: 'Surveys' }).click();
  const item = page.locator(`[data-testid="survey-item"][data-id="${id}"]`);
  await item.waitFor();
  return item.getAttribute('data-answer');
}

describe('the engineer’s Right / Wrong on the phone', () => {
  it('answers Right, and Wrong with a label and boxes drawn by mouse and by touch, offline', async () => {
    pageA = await openApp(phoneA, server.url);
    problems = watchProblems(pageA);
    expect(await modelSettled(pageA)).toMatch(/^Model ready/);
    await serviceWorkerControls(pageA);
    await setUpSync(pageA, tokenA);

    await phoneA.setOffline(true);
    await pageA.getByRole('link', { name: 'Survey', exact: true }).click();
    for (const photo of potholePhotos().slice(0, 2)) {
      await choosePhoto(pageA, photo);
      expect(await analysisSettled(pageA)).toBe('verdict');
    }
    // Right under the verdict on the survey page, for the photo just taken.
    const onSurveyPage = pageA.locator('rc-survey-page').getByTestId('correction');
    await onSurveyPage.getByTestId('answer-right').click();
    await pollUntil(
      'the answer on the survey page',
      async () => (await onSurveyPage.getByTestId('answer-text').textContent())?.trim(),
      (t) => t === 'Your answer: Right.',
    );
    await pageA.getByRole('link', { name: 'Surveys' }).click();
    const ids = await pollUntil(
      'two surveys in the list',
      () => pageA.getByTestId('survey-item').evaluateAll((li) => li.map((x) => x.dataset.id!)),
      (list) => list.length === 2,
    );
    [wrongId, rightId] = ids;
    // (The survey page answered the newest one.)
    expect((await stored(pageA, wrongId)).correction).toMatchObject({ verdict: 'right' });

    // Right: one tap.
    await openSurvey(pageA, rightId);
    expect(await answerText(pageA)).toBe('Not answered yet.');
    await answerRight(pageA);
    expect(await pageA.getByTestId('answer-right').getAttribute('aria-pressed')).toBe('true');
    // A second tap on Right keeps nothing new: no revision for nothing.
    await pageA.getByTestId('answer-right').click();
    const right = await stored(pageA, rightId);
    expect(right.revision).toBe(2);
    expect(right.correction).toMatchObject({ verdict: 'right', labels: [], boxes: [] });

    // Wrong: what it is, and where.
    await openSurvey(pageA, wrongId);
    await pageA.getByTestId('answer-wrong').click();
    const choices = await pageA
      .getByTestId('label-choice')
      .evaluateAll((b) => b.map((x) => x.textContent?.trim()));
    expect(choices).toEqual(['Pothole', 'Good road', 'Not a road']);
    // Nothing chosen: saving says what is missing and saves nothing.
    await pageA.getByTestId('save-answer').click();
    expect(await pageA.getByRole('alert').textContent()).toMatch(/Choose what the photo shows/);
    expect((await stored(pageA, wrongId)).revision).toBe(2);
    await pageA.locator('[data-testid="label-choice"][data-label="pothole"]').click();
    await noSidewaysScroll(pageA);

    await pageA.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { pointerTypes: string[] }).pointerTypes = seen;
      document.addEventListener('pointerdown', (e) => seen.push(e.pointerType), true);
    });
    const boxes = pageA.getByTestId('drawn-box');
    await pageA.getByTestId('box-layer').scrollIntoViewIfNeeded();
    await mouseDrag(pageA, await at(pageA, 0.05, 0.05), await at(pageA, 0.3, 0.3));
    await pollUntil(
      'the mouse box',
      () => boxes.count(),
      (n) => n === 1,
    );
    await touchDrag(pageA, await at(pageA, 0.6, 0.6), await at(pageA, 0.9, 0.9));
    await pollUntil(
      'the touch box',
      () => boxes.count(),
      (n) => n === 2,
    );
    expect(
      await pageA.evaluate(() => (window as unknown as { pointerTypes: string[] }).pointerTypes),
    ).toEqual(['mouse', 'touch']);

    // Resize the first by its south-east corner.
    const corner = (await boxes.nth(0).getByTestId('handle-se').boundingBox())!;
    await mouseDrag(
      pageA,
      { x: corner.x + corner.width / 2, y: corner.y + corner.height / 2 },
      await at(pageA, 0.45, 0.5),
    );
    // A third, removed by keyboard (focus it, Delete).
    await mouseDrag(pageA, await at(pageA, 0.6, 0.1), await at(pageA, 0.9, 0.35));
    await pollUntil(
      'the third box',
      () => boxes.count(),
      (n) => n === 3,
    );
    await boxes.nth(2).focus();
    await pageA.keyboard.press('Delete');
    await pollUntil(
      'the third box gone',
      () => boxes.count(),
      (n) => n === 2,
    );
    await noSidewaysScroll(pageA);

    await pageA.getByTestId('save-answer').click();
    await pollUntil(
      'the wrong answer',
      () => answerText(pageA),
      (t) => t === 'Your answer: Wrong: Pothole (2 marked on the photo).',
    );
    const wrong = await stored(pageA, wrongId);
    expect(wrong.revision).toBe(3);
    expect(wrong.state).not.toBe('synced');
    expect(wrong.correction).toMatchObject({ verdict: 'wrong', labels: ['pothole'] });
    const drawn = fractions(wrong.correction, wrong.photo);
    expect(drawn.map((b) => b.type)).toEqual(['pothole', 'pothole']);
    expectNear(drawn[0].box, [0.05, 0.05, 0.45, 0.5]);
    expectNear(drawn[1].box, [0.6, 0.6, 0.9, 0.9]);

    // Back on the survey page, its photo shows the answer as it is now, not as it was tapped.
    await pageA.getByRole('link', { name: 'Survey', exact: true }).click();
    await pollUntil(
      'the survey page to read the answer again',
      async () => (await onSurveyPage.getByTestId('answer-text').textContent())?.trim(),
      (t) => t === 'Your answer: Wrong: Pothole (2 marked on the photo).',
    );
  });

  it('reloaded offline, the answers are still there and the list says "corrected"; online, the server has them', async () => {
    // Reloaded with no network (on the survey page, where the first test ended).
    await pageA.reload();
    await pageA.locator('rc-capture').waitFor();
    await openSurvey(pageA, wrongId);
    expect(await answerText(pageA)).toBe('Your answer: Wrong: Pothole (2 marked on the photo).');
    expect(await listAnswer(pageA, wrongId)).toBe('corrected (Wrong)');
    expect(await listAnswer(pageA, rightId)).toBe('corrected (Right)');
    const item = pageA.locator(`[data-testid="survey-item"][data-id="${wrongId}"]`);
    expect(await item.getByTestId('answer').textContent()).toBe('corrected (Wrong)');

    await phoneA.setOffline(false);
    await pageA.getByRole('link', { name: 'Surveys' }).click();
    await pageA.getByTestId('sync-now').click();
    for (const id of [wrongId, rightId]) {
      await pollUntil(
        'the phone to say synced',
        async () => (await stored(pageA, id)).state,
        (s) => s === 'synced',
      );
      const phone = await stored(pageA, id);
      const server = await held(id);
      expect(server.revision).toBe(phone.revision);
      expect(server.survey.correction).toEqual(phone.correction);
    }
  });

  it('edited twice: the server ends with the last answer', async () => {
    await openSurvey(pageA, wrongId);
    await pageA.getByTestId('answer-wrong').click();
    // The editor starts from the saved answer; "Remove box 1" by keyboard.
    await pollUntil(
      'the saved boxes',
      () => pageA.getByTestId('drawn-box').count(),
      (n) => n === 2,
    );
    await pageA.getByRole('button', { name: 'Remove box 1' }).focus();
    await pageA.keyboard.press('Enter');
    await pollUntil(
      'one box left',
      () => pageA.getByTestId('drawn-box').count(),
      (n) => n === 1,
    );
    await pageA.getByTestId('save-answer').click();
    await pollUntil(
      'the answer',
      () => answerText(pageA),
      (t) => /\(1 marked on the photo\)/.test(t),
    );
    await answerRight(pageA);
    await syncedOn(pageA, wrongId);
    const phone = await stored(pageA, wrongId);
    expect(phone.revision).toBe(5);
    const server = await held(wrongId);
    expect(server.revision).toBe(5);
    expect(server.survey.correction).toMatchObject({ verdict: 'right', labels: [], boxes: [] });
  });

  it('an answer taken back: the survey is not answered again, on the phone and on the server', async () => {
    await openSurvey(pageA, wrongId);
    await pageA.getByTestId('answer-clear').click();
    await pollUntil(
      'the answer to go',
      () => answerText(pageA),
      (t) => t === 'Not answered yet.',
    );
    // Nothing left to take back.
    expect(await pageA.getByTestId('answer-clear').count()).toBe(0);
    await syncedOn(pageA, wrongId);
    const phone = await stored(pageA, wrongId);
    expect(phone.revision).toBe(6);
    const server = await held(wrongId);
    expect(server.revision).toBe(6);
    expect(server.survey.correction).toBeUndefined();
    // Answered again, as before.
    await answerRight(pageA);
    await syncedOn(pageA, wrongId);
    expect((await held(wrongId)).survey.correction).toMatchObject({ verdict: 'right' });
  });

  it('two phones answer the same survey: the server decides, the other phone says which version won and loses nothing', async () => {
    // Phone B: the app, its own token, and a copy of the survey (a phone restored from a backup).
    const tokenB = await server.createToken('phone-b');
    const pageB = await openApp(phoneB, server.url);
    const problemsB = watchProblems(pageB);
    await modelSettled(pageB);
    await setUpSync(pageB, tokenB);
    const copy = await pageA.evaluate(async (id) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const get = <T>(store: string) =>
        new Promise<T>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).get(id);
          req.onsuccess = () => resolve(req.result as T);
          req.onerror = () => reject(req.error);
        });
      const record = await get<
        { id: string } & Record<string, unknown> & {
            cam: { data: Float32Array } | null;
            thumbnail: Blob;
          }
      >('surveys');
      const photo = await get<{ blob: Blob }>('photos');
      db.close();
      const bytes = async (b: Blob) => Array.from(new Uint8Array(await b.arrayBuffer()));
      return {
        record: {
          ...record,
          cam: record.cam ? { ...record.cam, data: Array.from(record.cam.data) } : null,
          thumbnail: null,
        },
        thumbnail: await bytes(record.thumbnail),
        photo: await bytes(photo.blob),
      };
    }, rightId);
    await pageB.evaluate(async ({ record, thumbnail, photo }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const jpeg = (b: number[]) => new Blob([new Uint8Array(b)], { type: 'image/jpeg' });
      const cam = record.cam as { data: number[] } | null;
      const tx = db.transaction(['surveys', 'photos'], 'readwrite');
      tx.objectStore('surveys').put({
        ...record,
        cam: cam ? { ...cam, data: new Float32Array(cam.data) } : null,
        thumbnail: jpeg(thumbnail),
      });
      tx.objectStore('photos').put({ id: record.id, blob: jpeg(photo) });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }, copy);
    const start = await held(rightId);
    expect((await stored(pageB, rightId)).revision).toBe(start.revision);

    // Phone A: Wrong, not a road; synced first, so the server takes it.
    await openSurvey(pageA, rightId);
    await pageA.getByTestId('answer-wrong').click();
    await pageA.locator('[data-testid="label-choice"][data-label="not_road"]').click();
    expect(await pageA.getByTestId('box-layer').count()).toBe(0); // no boxes for not a road
    await pageA.getByTestId('save-answer').click();
    await pollUntil(
      'phone A synced',
      async () => (await stored(pageA, rightId)).state,
      (s) => s === 'synced',
    );
    expect((await held(rightId)).survey.correction).toMatchObject({ labels: ['not_road'] });

    // Phone B: Wrong, good road, at the same revision: the server keeps phone A's.
    await pageB.reload();
    await openSurvey(pageB, rightId);
    await pageB.getByTestId('answer-wrong').click();
    await pageB.locator('[data-testid="label-choice"][data-label="good_road"]').click();
    await pageB.getByTestId('save-answer').click();
    await pollUntil(
      'phone B in conflict',
      async () => (await stored(pageB, rightId)).state,
      (s) => s === 'failed',
    );
    const conflict = pageB.getByTestId('sync-conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toMatch(
      /The server kept its version; yours stays on this phone/,
    );
    await pollUntil(
      'the server’s version, with its answer',
      async () => (await pageB.getByTestId('server-version').textContent()) ?? '',
      (t) => /revision 3/.test(t) && /answer: Wrong: Not a road/.test(t),
    );
    expect(await pageB.getByTestId('phone-version').textContent()).toMatch(
      /answer:\s+Wrong: Good road/,
    );
    const kept = await held(rightId);
    expect(kept.revision).toBe(3);
    expect(kept.survey.correction).toMatchObject({ labels: ['not_road'] });
    // Nothing lost on phone B either.
    expect((await stored(pageB, rightId)).correction).toMatchObject({ labels: ['good_road'] });

    // Phone B's engineer chooses to send theirs: it replaces the server's as a higher revision.
    await pageB.getByTestId('replace-server-version').click();
    await pollUntil(
      'phone B synced',
      async () => (await stored(pageB, rightId)).state,
      (s) => s === 'synced',
    );
    const replaced = await held(rightId);
    expect(replaced.revision).toBe(4);
    expect(replaced.survey.correction).toMatchObject({ labels: ['good_road'] });
    expect([...problems, ...problemsB].filter((p) => p.startsWith('pageerror'))).toEqual([]);
  });
});
