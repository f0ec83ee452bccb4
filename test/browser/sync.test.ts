/**
 * Sync through the real app in real Chromium: the sync server process (127.0.0.1, real SQLite,
 * its data directory on tmpfs where there is one) serves the production build and its API on
 * one origin, behind the fault proxy; the phone opens the app through the proxy, so the app's
 * own origin is its sync server (as for a team). A dozen surveys are photographed offline, a
 * few at a time, then uploaded through faults: the network toggled off and on
 * (`context.setOffline`), 500s on every third API request with a connection reset mid-photo,
 * the server killed (SIGKILL) mid-sync and restarted, lost answers so that the same batch is
 * replayed, and the service worker's Background Sync with no page open. After each, every
 * survey is on the server exactly once with the phone's revision and the right photo bytes
 * (SHA-256 of the photo downloaded through the API), and still on the phone. Then an edit after
 * sync reaches the server as `updated`, and a conflict is shown in the detail view and not
 * overwritten until the engineer chooses to. Last, the server is restored from a backup taken
 * before two surveys: the phone sends them again, once each.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SurveyBatchResponse,
  SurveyDetailResponse,
  SurveyListResponse,
  SurveyRecordWire,
} from '../../src/schema/survey';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { FaultProxy } from '../helpers/fault-proxy';
import { backUpSqliteServer, restoreSqliteServer } from '../helpers/sqlite-backup';
import { buildTestApp } from '../helpers/test-app';
import { ServerProcess } from '../../tools/lib/server-process';
import { goodRoadPhotos, potholePhotos } from '../helpers/fixtures';
import {
  analysisSettled,
  appUrl,
  choosePhoto,
  fireBackgroundSync,
  modelSettled,
  openApp,
  pollUntil,
  serviceWorkerControls,
  watchProblems,
} from './app-page';

const PHOTOS = [...potholePhotos().slice(0, 6), ...goodRoadPhotos().slice(0, 6)];
const API = /^\/api\//;

let ramDir: string | null = null;
let server: ServerProcess;
let proxy: FaultProxy;
let token: string;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let photosTaken = 0;
/** Every POST /api/v1/surveys answer the page received: results by survey id, in order. */
const batchAnswers: { status: string; id: string }[] = [];

beforeAll(async () => {
  const dist = await buildTestApp();
  ramDir = existsSync('/dev/shm') ? mkdtempSync(path.join('/dev/shm', 'roadcam-sync-ui-')) : null;
  server = await ServerProcess.start({ appDir: dist, ...(ramDir ? { dataDir: ramDir } : {}) });
  proxy = await FaultProxy.start({ target: server.url });
  token = await server.createToken('browser-phone');
  browser = await launchProfile();
});

afterAll(async () => {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await proxy?.close();
  await server?.dispose();
  if (ramDir) rmSync(ramDir, { recursive: true, force: true });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function api<T>(
  urlPath: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/api/v1${urlPath}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json')
    ? await response.json()
    : Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: body as T };
}

interface PhoneSurvey {
  id: string;
  state: string;
  reason: string | null;
  revision: number;
  notes: string;
  severity: number | null;
  photoSha256: string;
  photoBlobSha256: string;
}

/** The surveys in the phone's IndexedDB with their sync state and the hash of the stored photo. */
async function phoneSurveys(p: Page): Promise<PhoneSurvey[]> {
  return p.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('roadcam');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = <T>(store: string) =>
      new Promise<T[]>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result as T[]);
        req.onerror = () => reject(req.error);
      });
    const surveys = await all<{
      id: string;
      revision: number;
      notes: string;
      severity: number | null;
      photo: { sha256: string };
      sync: { state: string; reason?: string };
    }>('surveys');
    const photos = new Map(
      (await all<{ id: string; blob: Blob }>('photos')).map((x) => [x.id, x.blob]),
    );
    db.close();
    const out = [];
    for (const s of surveys) {
      const blob = photos.get(s.id);
      const digest = blob
        ? new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))
        : new Uint8Array();
      out.push({
        id: s.id,
        state: s.sync.state,
        reason: s.sync.reason ?? null,
        revision: s.revision,
        notes: s.notes,
        severity: s.severity,
        photoSha256: s.photo.sha256,
        photoBlobSha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
      });
    }
    return out;
  });
}

async function untilAllSynced(p: Page, timeout = 60_000): Promise<PhoneSurvey[]> {
  return pollUntil(
    'every survey on the phone to be synced',
    async () => (await phoneSurveys(p)).map((s) => ({ id: s.id, state: s.state, r: s.reason })),
    (list) => list.length === photosTaken && list.every((s) => s.state === 'synced'),
    timeout,
  ).then(() => phoneSurveys(p));
}

/**
 * What a user checks: the server holds every survey of the phone exactly once, each with the
 * phone's revision and content, and with the right photo (SHA-256 of the downloaded bytes),
 * and the phone still holds every survey and photo.
 */
async function expectEverySurveyOnServerOnce(p: Page): Promise<void> {
  const phone = await phoneSurveys(p);
  expect(phone, 'surveys still on the phone').toHaveLength(photosTaken);
  const listed = await api<SurveyListResponse>('/surveys?limit=1000');
  expect(listed.status).toBe(200);
  const ids = listed.body.surveys.map((s) => s.id);
  expect(new Set(ids).size, 'a survey is on the server twice').toBe(ids.length);
  expect(ids.sort()).toEqual(phone.map((s) => s.id).sort());
  const byId = new Map(listed.body.surveys.map((s) => [s.id, s]));
  for (const s of phone) {
    expect(s.photoBlobSha256, 'the phone keeps its photo').toBe(s.photoSha256);
    const held = byId.get(s.id)!;
    expect(held.revision).toBe(s.revision);
    expect(held.photo.present, `photo of ${s.id} on the server`).toBe(true);
    const photo = await api<Buffer>(`/surveys/${s.id}/photo`);
    expect(photo.status).toBe(200);
    expect(sha256(photo.body), `photo bytes of ${s.id}`).toBe(s.photoSha256);
  }
}

/** Photographs `count` road photos with the network off, as in the field. */
async function surveyOffline(count: number): Promise<string[]> {
  await browser.context.setOffline(true);
  await page.getByRole('link', { name: 'Survey', exact: true }).click();
  const before = new Set((await phoneSurveys(page)).map((s) => s.id));
  for (let i = 0; i < count; i++) {
    await choosePhoto(page, PHOTOS[photosTaken % PHOTOS.length]);
    expect(await analysisSettled(page)).toBe('verdict');
    photosTaken++;
  }
  const now = await phoneSurveys(page);
  const added = now.filter((s) => !before.has(s.id));
  expect(added).toHaveLength(count);
  // Nothing reached the server while offline: they wait on the phone.
  for (const s of added) expect(s.state).not.toBe('synced');
  return added.map((s) => s.id);
}

async function openList(): Promise<void> {
  await page.getByRole('link', { name: 'Surveys' }).click();
  await page.locator('rc-survey-list').waitFor();
}

/** The list header: "N waiting to sync" and the last sync time, as shown. */
async function summary(): Promise<{ waiting: string; lines: string[] }> {
  const el = page.getByTestId('sync-summary');
  return {
    waiting: (await el.getAttribute('data-waiting')) ?? '',
    lines: ((await el.innerText()) ?? '').split('\n').map((l) => l.trim()),
  };
}

function onBatchAnswer(response: Response): void {
  const url = new URL(response.url());
  if (response.request().method() !== 'POST' || url.pathname !== '/api/v1/surveys') return;
  if (response.status() === 500) {
    // The fault proxy's lost answer: these records reached the server, the phone cannot know.
    const sent = response.request().postDataJSON() as { surveys: { id: string }[] };
    for (const r of sent.surveys) batchAnswers.push({ status: 'lost', id: r.id });
    return;
  }
  if (response.status() !== 200) return;
  void response
    .json()
    .then((body: SurveyBatchResponse) => {
      for (const r of body.results) batchAnswers.push({ status: r.status, id: r.id ?? '' });
    })
    .catch(() => undefined); // a 500 put there by the proxy has its own body
}

describe('sync through the real app, with faults', () => {
  it('settings: "Test connection" tells a bad token and another origin from a working set-up', async () => {
    page = await openApp(browser.context, proxy.url);
    problems = watchProblems(page);
    page.on('response', onBatchAnswer);
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    await serviceWorkerControls(page);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

    await page.getByRole('link', { name: 'About' }).click();
    const result = page.getByTestId('sync-settings-result');
    const test = async (serverUrl: string, deviceToken: string) => {
      await page.getByTestId('sync-server-url').fill(serverUrl);
      await page.getByTestId('sync-token').fill(deviceToken);
      await page.getByTestId('sync-test').click();
      return pollUntil(
        'the connection test',
        async () => ({
          ok: await result.getAttribute('data-ok'),
          text: ((await result.textContent()) ?? '').trim(),
        }),
        (r) => r.ok === 'true' || r.ok === 'false',
        20_000,
      );
    };
    expect(await test('', 'rcd_not-a-real-token')).toMatchObject({
      ok: 'false',
      text: expect.stringMatching(/refused this phone’s token/),
    });
    expect(await test('https://elsewhere.example.org', token)).toMatchObject({
      ok: 'false',
      text: expect.stringMatching(/only sync with the server it was opened from/),
    });
    expect(await test('', token)).toMatchObject({
      ok: 'true',
      text: expect.stringMatching(/^Connected to http:\/\/127\.0\.0\.1:\d+\//),
    });
    await page.getByTestId('sync-save').click();
    await pollUntil(
      'the settings to be saved',
      () => result.textContent(),
      (t) => /Saved/.test(t ?? ''),
    );
  });

  it('surveys taken offline wait on the phone, and upload with the network toggled off and on', async () => {
    const ids = await surveyOffline(3);
    await openList();
    await pollUntil('the list header', summary, (s) => s.waiting === '3');
    // (Saving the settings ran a first, empty sync: the last sync time is known.)
    const header = await summary();
    expect(header.lines[0]).toBe('3 waiting to sync');
    expect(Date.parse(header.lines[1].replace('Last sync: ', ''))).toBeGreaterThan(
      Date.now() - 10 * 60_000,
    );
    expect(await page.getByTestId('sync-now').isEnabled()).toBe(true);
    // Each says it waits (queued, or uploading while a try is on its way), none synced.
    const waitingStates = await page
      .getByTestId('survey-item')
      .evaluateAll((li) => li.map((x) => x.dataset.syncState));
    expect(waitingStates).toHaveLength(3);
    for (const state of waitingStates) expect(['queued', 'uploading']).toContain(state);

    const before = proxy.stats.requests;
    let cut = 0;
    const onFailed = (request: { url(): string }) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) cut++;
    };
    page.on('requestfailed', onFailed);
    // A slow link (each API request takes 400 ms) so that the network drops mid-request.
    proxy.stall({ ms: 400, count: 1000, match: { path: API } });
    for (let i = 0; i < 8; i++) {
      await browser.context.setOffline(false);
      await page.waitForTimeout(300 + 50 * i);
      await browser.context.setOffline(true);
      await page.waitForTimeout(200);
    }
    await browser.context.setOffline(false);
    await untilAllSynced(page);
    proxy.clearFaults();
    page.off('requestfailed', onFailed);
    // The drops really cut uploads in flight, and the outbox recovered from each.
    expect(cut).toBeGreaterThanOrEqual(1);
    expect(proxy.stats.requests - before).toBeGreaterThanOrEqual(4);
    await expectEverySurveyOnServerOnce(page);
    await pollUntil('the list header', summary, (s) => s.waiting === '0');
    expect((await summary()).lines).toEqual([
      'Nothing waiting to sync',
      expect.stringMatching(/^Last sync: /),
    ]);
    await pollUntil(
      'the list to show every survey synced',
      () => page.getByTestId('survey-item').evaluateAll((li) => li.map((x) => x.dataset.syncState)),
      (states) => states.join() === 'synced,synced,synced',
    );
    // Thumbnails (blob: URLs) are shown under the app's CSP.
    const thumbnails = await page
      .locator('rc-survey-list img')
      .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(thumbnails).toHaveLength(3);
    for (const width of thumbnails) expect(width).toBeGreaterThan(0);
    // The sync-state filter finds them as synced, and none as waiting.
    await page.locator('#sync-filter').selectOption('synced');
    await pollUntil(
      'the filtered list',
      () => page.getByTestId('survey-item').evaluateAll((li) => li.map((x) => x.dataset.id)),
      (list) => list.length === 3 && ids.every((id) => list.includes(id)),
    );
    await page.locator('#sync-filter').selectOption('queued');
    await pollUntil(
      'the filtered list',
      () => page.getByTestId('survey-item').count(),
      (n) => n === 0,
    );
    await page.locator('#sync-filter').selectOption('');
  });

  it('500s on every third request and a connection reset mid-photo: retried until all is up', async () => {
    await surveyOffline(3);
    proxy.failEveryNth(3, { match: { path: API } });
    proxy.resetMidBody({ afterBytes: 4096, match: { method: 'PUT', path: /\/photo$/ } });
    const failedBefore = proxy.stats.failed;
    await browser.context.setOffline(false);
    await untilAllSynced(page);
    proxy.clearFaults();
    expect(proxy.stats.failed - failedBefore).toBeGreaterThanOrEqual(1);
    expect(proxy.stats.resets).toBe(1);
    expect(proxy.stats.bytesBeforeReset).toEqual([4096]);
    await expectEverySurveyOnServerOnce(page);
  });

  it('the server killed mid-sync and restarted: it has everything it acknowledged, the rest follows', async () => {
    await surveyOffline(2);
    await openList();
    // Hold the first photo long enough to kill the server under it.
    proxy.stall({ ms: 1500, match: { method: 'PUT', path: /\/photo$/ } });
    await browser.context.setOffline(false);
    await pollUntil(
      'a photo upload in flight',
      async () => proxy.stats.stalled,
      (n) => n >= 1,
    );
    await server.kill('SIGKILL');
    await page.waitForTimeout(1000);
    await server.restart();
    // The engineer does not wait for the next retry.
    await page.getByTestId('sync-now').click();
    await untilAllSynced(page);
    proxy.clearFaults();
    await expectEverySurveyOnServerOnce(page);
  });

  it('a lost answer: the same batch is replayed and the server answers unchanged', async () => {
    const ids = await surveyOffline(2);
    // The server stores the batch, the phone only sees a 500; the first retry gets through.
    proxy.failEveryNth(1, { afterUpstream: true, match: { method: 'POST', path: API } });
    const failedBefore = proxy.stats.failed;
    const answersBefore = batchAnswers.length;
    await browser.context.setOffline(false);
    await pollUntil(
      'a lost answer',
      async () => proxy.stats.failed,
      (n) => n > failedBefore,
    );
    proxy.clearFaults();
    await untilAllSynced(page);
    // Per survey: its batch went up once ('created'), or its answer was lost and the same
    // batch went up again ('unchanged': nothing stored twice). At least one was lost.
    const answers = ids.map((id) =>
      batchAnswers
        .slice(answersBefore)
        .filter((a) => a.id === id)
        .map((a) => a.status)
        .join(' '),
    );
    for (const a of answers) expect(a).toMatch(/^(created|(lost )+unchanged)$/);
    expect(answers.some((a) => a.startsWith('lost'))).toBe(true);
    await expectEverySurveyOnServerOnce(page);
  });

  it('Background Sync: the service worker uploads with no page of the app open', async () => {
    const ids = await surveyOffline(2);
    await page.goto('about:blank');
    await browser.context.setOffline(false);
    await fireBackgroundSync(browser.context, page, proxy.url);
    await pollUntil(
      'the service worker to upload the surveys and photos',
      async () =>
        Promise.all(
          ids.map(async (id) => (await api<SurveyDetailResponse>(`/surveys/${id}`)).body),
        ),
      (held) => held.every((h) => h?.photo?.present === true),
      30_000,
    );
    // The same tab comes back to the app (its listeners stay attached).
    expect(await openApp(browser.context, proxy.url)).toBe(page);
    await untilAllSynced(page);
    await expectEverySurveyOnServerOnce(page);
  });

  it('an edit after sync reaches the server as updated', async () => {
    expect(photosTaken).toBe(12);
    const [first] = await phoneSurveys(page);
    await page.goto(appUrl(proxy.url, { path: `/surveys/${first.id}` }));
    const detail = page.locator('rc-survey-detail');
    await detail.locator('textarea').waitFor();
    const notes = 'Evening edit: <b>deeper</b> than it looked & wider';
    const answersBefore = batchAnswers.length;
    await detail.locator('textarea').fill(notes);
    await pollUntil(
      'the notes to be saved',
      async () => (await detail.locator('[aria-live]').textContent()) ?? '',
      (t) => /Notes saved/.test(t),
    );
    await untilAllSynced(page);
    const answers = batchAnswers.slice(answersBefore).filter((a) => a.id === first.id);
    expect(answers.map((a) => a.status)).toEqual(['updated']);
    const held = await api<SurveyDetailResponse>(`/surveys/${first.id}`);
    expect(held.body.revision).toBe(2);
    expect(held.body.survey.notes).toBe(notes);
    await expectEverySurveyOnServerOnce(page);
    await pollUntil(
      'the detail view to say synced',
      () => page.getByTestId('sync-state').getAttribute('data-sync-state'),
      (s) => s === 'synced',
    );
  });

  it('a conflict is shown in the detail view and list, never overwritten, until the engineer replaces it', async () => {
    const phone = await phoneSurveys(page);
    const target = phone[phone.length - 1];
    // Another phone (restored from a backup of this one) sent a newer revision.
    const held = await api<SurveyDetailResponse>(`/surveys/${target.id}`);
    const officeNotes = '<img src=x onerror="document.title=\'pwned\'"> kerb repaired';
    const other: SurveyRecordWire = { ...held.body.survey, revision: 5, notes: officeNotes };
    const posted = await api<SurveyBatchResponse>('/surveys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ surveys: [other] }),
    });
    expect(posted.body.results[0].status).toBe('updated');

    await page.goto(appUrl(proxy.url, { path: `/surveys/${target.id}` }));
    const detail = page.locator('rc-survey-detail');
    await detail.getByRole('button', { name: 'Severity 2' }).click();
    await pollUntil(
      'the conflict',
      async () => (await phoneSurveys(page)).find((s) => s.id === target.id)?.state,
      (s) => s === 'failed',
    );
    const conflict = page.getByTestId('sync-conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toMatch(/Sync conflict: not uploaded/);
    await pollUntil(
      "the server's version beside the phone's",
      async () => (await page.getByTestId('server-version').textContent()) ?? '',
      (t) => t.includes(officeNotes) && /revision 5/.test(t),
    );
    // Shown as text: no element came out of the notes.
    expect(await conflict.locator('img').count()).toBe(0);
    expect(await page.title()).toBe('RoadCAM road survey');
    const kept = await api<SurveyDetailResponse>(`/surveys/${target.id}`);
    expect(kept.body.revision).toBe(5);
    expect(kept.body.survey.notes).toBe(officeNotes);

    // The list says so, and the filter finds it: read once the list has finished reading (a
    // sync may still be re-reading it), and only once.
    await openList();
    await page.locator('#sync-filter').selectOption('failed');
    const failed = await pollUntil(
      'the failed filter',
      async () =>
        (await page.locator('rc-survey-list').getAttribute('aria-busy')) === 'false'
          ? page
              .getByTestId('survey-item')
              .evaluateAll((li) => li.map((x) => [x.dataset.id, x.textContent ?? '']))
          : null,
      (list) => list !== null && list.length === 1 && list[0][0] === target.id,
    );
    expect(failed![0][1]).toMatch(/sync failed \(conflict with the server\)/);
    await page.locator('#sync-filter').selectOption('');

    // The engineer chooses: the phone's version replaces the server's, as revision 6.
    await page.locator(`[data-testid="survey-item"][data-id="${target.id}"] button`).click();
    await page.getByTestId('replace-server-version').click();
    await untilAllSynced(page);
    const replaced = await api<SurveyDetailResponse>(`/surveys/${target.id}`);
    expect(replaced.body.revision).toBe(6);
    expect(replaced.body.survey.severity).toBe(2);
    expect(replaced.body.survey.notes).toBe(target.notes);
    await expectEverySurveyOnServerOnce(page);
    expect(problems.filter((p) => p.startsWith('pageerror') || p === 'page crashed')).toEqual([]);
    // The whole run (service worker, threaded wasm, workers, thumbnails) kept to the CSP.
    expect(problems.filter((p) => /Content Security Policy/i.test(p))).toEqual([]);
  });

  it('the server restored from a backup: the phone sends again the surveys it lost, once each', async () => {
    // The administrator's backup (SQLite's online backup and the photos folder), taken while
    // the server runs; then two surveys are taken and synced; then the server is restored.
    const backupDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-sync-backup-'));
    let lost: string[];
    try {
      await backUpSqliteServer(server, backupDir);
      lost = await surveyOffline(2);
      await browser.context.setOffline(false);
      await openList();
      await page.getByTestId('sync-now').click();
      await untilAllSynced(page);
      await expectEverySurveyOnServerOnce(page);
      await restoreSqliteServer(server, backupDir);
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }
    // The server lost them; the phone still says they are synced.
    for (const id of lost) expect((await api(`/surveys/${id}`)).status).toBe(404);
    expect((await phoneSurveys(page)).every((s) => s.state === 'synced')).toBe(true);
    // The phone asks what the server holds at most every 6 hours, and at the first sync after
    // its settings are saved: the engineer saves them again (the office's message after a
    // restore), rather than the test waiting 6 hours.
    await page.getByRole('link', { name: 'About' }).click();
    await page.getByTestId('sync-save').click();
    for (const id of lost) {
      await pollUntil(
        `survey ${id} back on the server`,
        async () => (await api(`/surveys/${id}`)).status,
        (status) => status === 200,
        60_000,
      );
    }
    await untilAllSynced(page);
    await expectEverySurveyOnServerOnce(page);
  });
});
