/**
 * The office's review page in real Chromium, served by the real sync server (SQLite) with the
 * production build: a reviewer signs in with a reviewer token (a surveyor's is refused), sees
 * the synced surveys with the photo and the heatmap, sets a label with the keyboard, and the
 * server keeps it with who and when, beside the phone's record, which stays as uploaded.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewDetailResponse } from '../../src/schema/review';
import type { SurveyBatchResponse, SurveyDetailResponse } from '../../src/schema/survey';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { ServerProcess } from '../../tools/lib/server-process';
import { buildTestApp } from '../helpers/test-app';
import { apiClient, makeJpeg, makeRecord, sha256 } from '../server/fixtures';
import { watchProblems } from './app-page';

let server: ServerProcess;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let phone: ReturnType<typeof apiClient>;
let reviewerToken: string;
let phoneToken: string;
const ids: string[] = [];

beforeAll(async () => {
  const dist = await buildTestApp();
  server = await ServerProcess.start({ appDir: dist });
  phoneToken = await server.createToken('phone-1');
  reviewerToken = await server.createToken('office-anna', 'reviewer');
  phone = apiClient(server.url, phoneToken);
  // Two synced surveys with photos: the older one the model called a pothole, the newer one a
  // good road.
  for (const index of [0, 1]) {
    const jpeg = await makeJpeg(index, 320, 240);
    const record = makeRecord(index, jpeg, {
      photo: {
        sha256: sha256(jpeg),
        bytes: jpeg.length,
        width: 320,
        height: 240,
        type: 'image/jpeg',
      },
    });
    const answer = await phone.postSurveys<SurveyBatchResponse>([record]);
    expect(answer.body.results[0].status).toBe('created');
    expect((await phone.putPhoto(record.id, jpeg)).status).toBe(201);
    ids.push(record.id);
  }
  browser = await launchProfile();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  problems = watchProblems(page);
});

afterAll(async () => {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await server?.dispose();
});

async function signIn(token: string): Promise<void> {
  await page.locator('input[name="token"]').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('office review page', () => {
  it('is served at /office/review by the sync server and refuses a token that is not a reviewer’s', async () => {
    await page.goto(`${server.url}/office/review`);
    await page.getByRole('heading', { name: 'Review surveys: sign in' }).waitFor();
    await signIn(phoneToken);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/needs a reviewer token/);
    await signIn(`rcd_${'A'.repeat(43)}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/unknown or revoked/);
  });

  it('shows the newest survey with its photo and heatmap, and keeps the label set by keyboard', async () => {
    // The refused sign-ins above logged their 401 / 403 answers; from here on, nothing may fail.
    problems.length = 0;
    await signIn(reviewerToken);
    const item = page.getByTestId('review-item');
    await item.waitFor();
    // Newest upload first: survey 1, which the model called a good road.
    expect(await item.getAttribute('data-survey-id')).toBe(ids[1]);
    expect(await page.getByTestId('model-labels').textContent()).toBe('Good road');
    const photo = page.getByTestId('office-photo');
    await photo.waitFor();
    await expect
      .poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(320);
    const heatmap = page.getByTestId('office-heatmap');
    await heatmap.waitFor();
    // The heatmap canvas holds the survey's 7x7 CAM grid, coloured (not blank).
    const painted = await heatmap.evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return {
        width: canvas.width,
        opaque: data.filter((_, i) => i % 4 === 3 && data[i] > 0).length,
      };
    });
    expect(painted).toEqual({ width: 7, opaque: 49 });

    // 3 = pothole; the page moves on to the next survey.
    await page.keyboard.press('3');
    await expect
      .poll(() => page.getByTestId('office-message').textContent())
      .toBe('Saved: Pothole.');
    await expect.poll(() => item.getAttribute('data-survey-id')).toBe(ids[0]);

    const reviewer = apiClient(server.url, reviewerToken);
    const detail = await reviewer.get<ReviewDetailResponse>(`/reviews/${ids[1]}`);
    expect(detail.body.review).toMatchObject({ labels: ['pothole'], reviewer: 'office-anna' });
    expect(detail.body.events).toHaveLength(1);
    const survey = await phone.get<SurveyDetailResponse>(`/surveys/${ids[1]}`);
    expect(survey.body.survey.verdict?.label).toBe('normal');

    // k goes back; the list shows the saved review.
    await page.keyboard.press('k');
    await expect
      .poll(() => page.getByTestId('office-review').textContent())
      .toMatch(/^Pothole \(office-anna, /);
    expect(problems).toEqual([]);
  });

  it('marks a box on the photo with the mouse and keeps it, its type the label', async () => {
    const item = page.getByTestId('review-item');
    const id = (await item.getAttribute('data-survey-id'))!;
    await page.getByTestId('office-photo').waitFor();
    await page.getByTestId('office-mark-boxes').click();
    const layer = page.getByTestId('box-layer');
    await layer.waitFor();
    await layer.scrollIntoViewIfNeeded();
    const r = (await layer.boundingBox())!;
    await page.mouse.move(r.x + r.width * 0.25, r.y + r.height * 0.25);
    await page.mouse.down();
    await page.mouse.move(r.x + r.width * 0.5, r.y + r.height * 0.5, { steps: 4 });
    await page.mouse.move(r.x + r.width * 0.75, r.y + r.height * 0.75, { steps: 4 });
    await page.mouse.up();
    const save = page.getByTestId('office-save-boxes');
    await expect.poll(() => save.textContent()).toMatch(/Save 1 box\b/);
    await save.click();
    await expect
      .poll(() => page.getByTestId('office-message').textContent())
      .toBe('Saved: Pothole.');

    const reviewer = apiClient(server.url, reviewerToken);
    const detail = await reviewer.get<ReviewDetailResponse>(`/reviews/${id}`);
    expect(detail.body.review?.labels).toEqual(['pothole']);
    expect(detail.body.review?.reviewer).toBe('office-anna');
    const boxes = detail.body.review?.boxes ?? [];
    expect(boxes).toHaveLength(1);
    expect(boxes[0].type).toBe('pothole');
    // The photo is 320x240 and the drag covered its middle half: [80, 60, 240, 180].
    const expected = [80, 60, 240, 180];
    boxes[0].box.forEach((v, i) =>
      expect(Math.abs(v - expected[i]), `corner ${i}`).toBeLessThan(8),
    );
    expect(problems).toEqual([]);
  });

  it('filters by device, by date and by type', async () => {
    const listed = () => page.getByRole('list', { name: 'Surveys' }).getByRole('button').count();
    const message = () => page.getByTestId('office-message').textContent();
    await expect.poll(listed).toBe(2);
    const device = page.getByTestId('office-filter-device');
    await device.fill('phone-2');
    await device.press('Enter');
    await expect.poll(message).toBe('No survey matches.');
    await device.fill('phone-1');
    await device.press('Enter');
    await expect.poll(listed).toBe(2);
    // Both surveys were taken on 2026-11-20.
    const from = page.getByTestId('office-filter-from');
    await from.fill('2026-11-21');
    await expect.poll(message).toBe('No survey matches.');
    await from.fill('2026-11-20');
    await expect.poll(listed).toBe(2);
    // Survey 1's model said good road, survey 0's a pothole.
    await page.getByTestId('office-filter-type').selectOption('good_road');
    await expect.poll(listed).toBe(1);
    expect(await page.getByTestId('review-item').getAttribute('data-survey-id')).toBe(ids[1]);
    expect(problems).toEqual([]);
  });
});
