/**
 * Drive mode (issue 13) in real Chromium: the fake camera plays a Y4M video made here from
 * fixture photos (8 s of intact asphalt, then 3 s of potholes, looped) while the test moves the
 * geolocation north at 5 m/s, following the video's own clock (the page's video.currentTime),
 * so each pothole scene is at a known stretch of road. The run must record each pothole
 * stretch once (its best frame, as a survey with the run's id, a position inside the stretch,
 * speed and heading), no survey on intact road, and its track. A reload mid-run (perhaps with a
 * pothole stretch still open) leaves the run unfinished: the page offers "Resume run", and the
 * same run carries on (the fake camera starts its video again, so the phone is moved on to the
 * start of a later loop, as if the rider went on during the reload) with its track, its surveys
 * and no pothole recorded twice. The app hidden pauses the run (camera released, run written)
 * and shown again resumes it. The run and its surveys then sync to the real sync server. Last,
 * the server is restored from a backup taken before a second run: once the engineer saves the
 * sync settings again, the phone sends that run and its surveys again, once each. Then a run
 * ended offline goes up from the service worker's Background Sync with no page of the app open.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunListResponse, RunServerState } from '../../server/routes/runs';
import type { RunRecordWire } from '../../src/schema/run';
import type {
  SurveyBatchResponse,
  SurveyDetailResponse,
  SurveyListResponse,
} from '../../src/schema/survey';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { ServerProcess } from '../../tools/lib/server-process';
import { goodRoadPhotos, potholePhotos } from '../helpers/fixtures';
import { backUpSqliteServer, restoreSqliteServer } from '../helpers/sqlite-backup';
import { buildTestApp } from '../helpers/test-app';
import { writeY4m } from '../../tools/lib/y4m';
import {
  modelSettled,
  fireBackgroundSync,
  openApp,
  pollUntil,
  startDriveRun,
  stopDriveRun,
  storedRecords,
  watchProblems,
} from './app-page';

const GOOD_S = 8;
const POTHOLE_S = 3;
const LOOP_S = GOOD_S + POTHOLE_S;
const SPEED = 5; // m/s
const SAME_DAMAGE_M = 20;
/** Where the frame that saw a pothole may be off its scene: video and fix are polled. */
const TOLERANCE_M = 7.5;
const START = { latitude: 39.9, longitude: 116.3 };
/** Metres per degree of latitude at 39.9° (WGS 84), for the test's own positions. */
const M_PER_DEG_LAT = 111_033;

let tmp: string;
let server: ServerProcess;
let token: string;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'roadcam-drive-'));
  const video = path.join(tmp, 'road.y4m');
  // Close-ups the shipped pothole model is checked to call good road and pothole
  // (test/model/fixture-photos.test.ts), one per second.
  const good = goodRoadPhotos().slice(0, GOOD_S);
  const holes = potholePhotos().slice(-POTHOLE_S);
  await writeY4m(
    video,
    [...good, ...holes].map((photo) => ({ photo, seconds: 1 })),
    { width: 640, height: 480, fps: 5 },
  );
  const dist = await buildTestApp();
  server = await ServerProcess.start({ appDir: dist });
  token = await server.createToken('drive-phone');
  browser = await launchProfile({ fakeCamera: video, permissions: ['geolocation'] });
  await browser.context.setGeolocation({ ...START, accuracy: 5 });
  // The production build alone takes minutes on a loaded 2-core machine.
}, 900_000);

afterAll(async () => {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await server?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const northOf = (m: number) => ({
  latitude: START.latitude + m / M_PER_DEG_LAT,
  longitude: START.longitude,
});
const metresNorth = (lat: number) => (lat - START.latitude) * M_PER_DEG_LAT;

/** The pothole scene (0, 1, ...) a distance falls in, or null on intact road (with tolerance). */
function potholeScene(m: number): number | null {
  const k = Math.floor((m - SPEED * GOOD_S + TOLERANCE_M) / (SPEED * LOOP_S));
  const from = SPEED * (LOOP_S * k + GOOD_S) - TOLERANCE_M;
  const to = SPEED * LOOP_S * (k + 1) + TOLERANCE_M;
  return m >= from && m <= to ? k : null;
}

/**
 * Moves the phone along with the video from `fromS` until `done()` holds (checked each second),
 * failing at `latestS` on the video's clock. The road is `offsetS` seconds of driving further on
 * than the video's clock (after a reload the camera's video starts again). Returns the clock
 * when it stopped.
 */
async function driveUntil(
  fromS: number,
  latestS: number,
  done: () => Promise<boolean>,
  offsetS = 0,
) {
  const video = page.locator('rc-drive-page video');
  let checkedAt = 0;
  for (;;) {
    const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await browser.context.setGeolocation({ ...northOf(SPEED * (offsetS + t)), accuracy: 5 });
    if (t >= fromS && t - checkedAt >= 1) {
      checkedAt = t;
      if (await done()) return t;
    }
    if (t >= latestS)
      throw new Error(`Drove until ${t} s on the video and the run had not done it`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface StoredRun {
  id: string;
  revision: number;
  state: string;
  endReason: string | null;
  track: [number, number, number][];
  distanceM: number;
  framesAnalysed: number;
  surveyIds: string[];
  pausedAt?: string | null;
  sync: { state: string };
}
interface StoredSurvey {
  id: string;
  runId?: string;
  photo: { sha256: string };
  sync: { state: string };
  verdict: { label: string; potholeProbability: number } | null;
  position: { lat: number; lon: number } | null;
  motion?: { speedMps: number | null; headingDeg: number | null };
}

async function phoneRecords(): Promise<{ runs: StoredRun[]; surveys: StoredSurvey[] }> {
  return {
    runs: await storedRecords(page, 'runs'),
    surveys: await storedRecords(page, 'surveys'),
  };
}

async function api<T>(urlPath: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/api/v1${urlPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The server holds each run and survey of the phone exactly once, as the phone has it. */
async function expectPhoneRecordsOnServerOnce(): Promise<void> {
  const { runs, surveys } = await phoneRecords();
  const listedRuns = await api<RunListResponse>('/runs');
  const runIds = listedRuns.body.runs.map((r) => r.id);
  expect(new Set(runIds).size, 'a run is on the server twice').toBe(runIds.length);
  expect(runIds.sort()).toEqual(runs.map((r) => r.id).sort());
  for (const run of runs) {
    const held = await api<RunServerState & { run: RunRecordWire }>(`/runs/${run.id}`);
    expect(held.body.revision).toBe(run.revision);
    expect([...held.body.run.surveyIds].sort()).toEqual([...run.surveyIds].sort());
    expect(held.body.run.track).toEqual(run.track);
  }
  const listed = await api<SurveyListResponse>('/surveys?limit=1000');
  const ids = listed.body.surveys.map((s) => s.id);
  expect(new Set(ids).size, 'a survey is on the server twice').toBe(ids.length);
  expect(ids.sort()).toEqual(surveys.map((s) => s.id).sort());
  const byId = new Map(listed.body.surveys.map((s) => [s.id, s]));
  for (const s of surveys) {
    expect(byId.get(s.id)?.photo, `photo of ${s.id} on the server`).toMatchObject({
      present: true,
      sha256: s.photo.sha256,
    });
  }
}

/** Every run on the phone ended, and every run and survey marked synced (its upload answered). */
function allSynced({ runs, surveys }: { runs: StoredRun[]; surveys: StoredSurvey[] }): boolean {
  return (
    runs.every((r) => r.state === 'ended') &&
    [...runs, ...surveys].every((r) => r.sync.state === 'synced')
  );
}

describe('drive mode', () => {
  it('records each pothole stretch once, with its track, resumes after a reload and a pause, and syncs', async () => {
    page = await openApp(browser.context, server.url);
    problems = watchProblems(page);
    expect(await modelSettled(page)).toMatch(/^Model ready/);

    // Sync set up as an engineer does: this server, its token.
    await page.getByRole('link', { name: 'About' }).click();
    await page.getByTestId('sync-server-url').fill('');
    await page.getByTestId('sync-token').fill(token);
    await page.getByTestId('sync-save').click();
    await pollUntil(
      'the sync settings to be saved',
      () => page.getByTestId('sync-settings-result').textContent(),
      (t) => /Saved/.test(t ?? ''),
    );

    const drive = await startDriveRun(page, { maxFps: 2, sameDamageM: SAME_DAMAGE_M });

    // Two pothole scenes, each closed (the phone more than 20 m past it) before the reload.
    // (Frames come as fast as this busy machine allows: the test waits for the saves, up to
    // the start of the third pothole scene.)
    const passedSecond = 2 * LOOP_S + SAME_DAMAGE_M / SPEED + 1;
    const saved = async () =>
      (await phoneRecords()).surveys.filter((s) => s.runId).map((s) => s.id);
    const endS = await driveUntil(passedSecond, 3 * LOOP_S + GOOD_S - 2, async () => {
      return (await saved()).length >= 2;
    });
    const shown = Number(await drive.locator('.count').getAttribute('data-damages'));
    expect(shown).toBeGreaterThanOrEqual(2);
    const savedBefore = await saved();
    const before = (await phoneRecords()).runs[0];

    // The tab is reloaded mid-run: the run is not ended; the page offers to resume it.
    await page.reload();
    const reloaded = page.locator('rc-drive-page');
    await pollUntil(
      'the drive page to offer the unfinished run',
      () => reloaded.getAttribute('data-state'),
      (s) => s === 'unfinished',
    );
    const left = (await phoneRecords()).runs;
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ id: before.id, state: 'running' });
    for (const id of savedBefore) expect(left[0].surveyIds).toContain(id);
    expect(await reloaded.getByRole('region', { name: 'Unfinished run' }).textContent()).toMatch(
      /damages? recorded/,
    );

    // The phone went on during the reload, to the start of a later loop of the video.
    const offsetS = Math.ceil((endS + 1) / LOOP_S) * LOOP_S;
    await browser.context.setGeolocation({ ...northOf(SPEED * offsetS), accuracy: 5 });
    await reloaded.getByRole('button', { name: 'Resume run' }).click();
    await pollUntil(
      'the run to resume',
      () => reloaded.getAttribute('data-state'),
      (s) => s === 'running',
    );
    const firstNewScene = offsetS / LOOP_S;
    const resumedEndS = await driveUntil(
      GOOD_S + POTHOLE_S + SAME_DAMAGE_M / SPEED + 1,
      2 * LOOP_S + GOOD_S - 2,
      async () =>
        (await phoneRecords()).surveys.some(
          (s) =>
            s.runId === before.id &&
            s.position !== null &&
            (potholeScene(metresNorth(s.position.lat)) ?? -1) >= firstNewScene,
        ),
      offsetS,
    );
    const endM = SPEED * (offsetS + resumedEndS);

    // The app sent to the background: the run pauses (camera released, run written), and goes
    // on when the app is shown again.
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await pollUntil(
      'the run to be written as paused',
      async () => (await phoneRecords()).runs[0].pausedAt ?? null,
      (at) => typeof at === 'string',
    );
    expect(await reloaded.locator('video').evaluate((v: HTMLVideoElement) => v.srcObject)).toBe(
      null,
    );
    await expect.poll(() => reloaded.locator('.paused').count()).toBe(1);
    await setVisibility('visible');
    await pollUntil(
      'the camera to be back',
      () =>
        reloaded
          .locator('video')
          .evaluate(
            (v: HTMLVideoElement) =>
              (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.readyState ?? 'none',
          ),
      (s) => s === 'live',
    );
    await expect.poll(() => reloaded.locator('.paused').count()).toBe(0);

    await stopDriveRun(reloaded);
    const { runs, surveys } = await phoneRecords();
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run).toMatchObject({ id: before.id, state: 'ended', endReason: 'stopped' });
    // Everything saved before the reload is still the run's; frames are counted across it.
    for (const id of savedBefore) expect(run.surveyIds).toContain(id);
    expect(run.framesAnalysed).toBeGreaterThan(before.framesAnalysed);
    const runSurveys = surveys.filter((s) => s.runId === run.id);
    expect(new Set(run.surveyIds).size).toBe(run.surveyIds.length);
    expect(runSurveys.map((s) => s.id).sort()).toEqual([...run.surveyIds].sort());

    // One survey per pothole scene, none on intact road; scenes 0 and 1 (complete and passed
    // before the reload) have exactly one each, and a scene after the resume has one.
    const scenes = runSurveys.map((s) => {
      expect(s.verdict?.label).toBe('pothole');
      expect(s.position).not.toBeNull();
      expect(s.motion).toBeDefined();
      return potholeScene(metresNorth(s.position!.lat));
    });
    const where = runSurveys.map((s) => Math.round(metresNorth(s.position!.lat)));
    expect(
      scenes.every((k) => k !== null),
      `surveys at ${where.join(', ')} m`,
    ).toBe(true);
    expect(new Set(scenes).size, `surveys at ${where.join(', ')} m`).toBe(scenes.length);
    expect(scenes).toContain(0);
    expect(scenes).toContain(1);
    expect(Math.max(...scenes.map((k) => k ?? -1))).toBeGreaterThanOrEqual(firstNewScene);

    // The track: a straight line north (the jump during the reload too), thinned to its ends,
    // from the start to where the run was stopped.
    expect(run.track.length).toBeGreaterThanOrEqual(2);
    expect(run.track.length).toBeLessThanOrEqual(4);
    const [first, last] = [run.track[0], run.track.at(-1)!].map((p) => metresNorth(p[1]));
    const trackText = `track at ${run.track.map((p) => Math.round(metresNorth(p[1]))).join(', ')} m`;
    // The first fix comes when the GPS watch answers; the last is where the run was stopped.
    expect(first, trackText).toBeLessThan(SPEED * LOOP_S);
    expect(last, trackText).toBeGreaterThan(endM - 15);
    expect(last, trackText).toBeLessThan(endM + 15);
    // A straight road: the distance along the fixes is the distance between its ends.
    expect(run.distanceM).toBeCloseTo(last - first, 0);
    expect(run.framesAnalysed).toBeGreaterThan(runSurveys.length);
    // The summary on the page.
    await expect
      .poll(() => page.locator('rc-drive-page section[aria-label="Run summary"]').textContent())
      .toMatch(/frames analysed/);

    // Synced: the run and its surveys are on the server, each survey with the run's id.
    const onServer = await pollUntil(
      'the run on the server',
      () => api<{ run: { surveyIds: string[]; track: unknown[] } }>(`/runs/${run.id}`),
      (a) => a.status === 200,
      90_000,
    );
    expect(onServer.body.run.surveyIds.sort()).toEqual([...run.surveyIds].sort());
    expect(onServer.body.run.track).toEqual(run.track);
    for (const id of run.surveyIds) {
      const survey = await pollUntil(
        `survey ${id} on the server`,
        () => api<SurveyDetailResponse>(`/surveys/${id}`),
        (a) => a.status === 200 && a.body.photo.present,
        90_000,
      );
      expect(survey.body.survey.runId).toBe(run.id);
    }
    expect(problems).toEqual([]);
  });

  it('the server restored from a backup taken before a run: the phone sends the run and its surveys again, once each', async () => {
    // The administrator's backup (SQLite's online backup and the photos folder), taken while
    // the server runs: it holds the first run and its surveys.
    const backupDir = path.join(tmp, 'backup');
    mkdirSync(backupDir);
    await backUpSqliteServer(server, backupDir);
    const [first] = (await phoneRecords()).runs;
    expect(first.state).toBe('ended');

    // A second run further up the road (whole loops of the video on: the pothole scenes stay
    // where the video's clock puts them), until it has recorded a pothole.
    const offsetS = 10 * LOOP_S;
    await browser.context.setGeolocation({ ...northOf(SPEED * offsetS), accuracy: 5 });
    const drive = await startDriveRun(page, { maxFps: 2, sameDamageM: SAME_DAMAGE_M });
    const second = (await phoneRecords()).runs.find((r) => r.state === 'running')!;
    expect(second.id).not.toBe(first.id);
    await driveUntil(
      GOOD_S + POTHOLE_S + SAME_DAMAGE_M / SPEED + 1,
      2 * LOOP_S + GOOD_S - 2,
      async () => (await phoneRecords()).surveys.some((s) => s.runId === second.id),
      offsetS,
    );
    await stopDriveRun(drive);
    const { surveys } = await pollUntil(
      'the second run and its surveys to sync',
      phoneRecords,
      allSynced,
      90_000,
    );
    const lost = surveys.filter((s) => s.runId === second.id).map((s) => s.id);
    expect(lost.length).toBeGreaterThanOrEqual(1);
    await expectPhoneRecordsOnServerOnce();

    // The server restored: it lost the second run and its surveys; the phone still says synced.
    await restoreSqliteServer(server, backupDir);
    expect((await api(`/runs/${second.id}`)).status).toBe(404);
    for (const id of lost) expect((await api(`/surveys/${id}`)).status).toBe(404);
    expect((await api(`/runs/${first.id}`)).status).toBe(200);
    expect(allSynced(await phoneRecords())).toBe(true);

    // The engineer saves the sync settings again (the office's message after a restore): the
    // next sync asks the server what it holds at once, not 6 hours after the last check.
    const runAnswers: string[] = [];
    const onRunsAnswer = (response: Response) => {
      const request = response.request();
      if (request.method() !== 'POST' || new URL(response.url()).pathname !== '/api/v1/runs')
        return;
      void response
        .json()
        // POST /runs answers as a survey batch does.
        .then((body: SurveyBatchResponse) => {
          for (const r of body.results) runAnswers.push(`${r.id} ${r.status}`);
        })
        .catch(() => runAnswers.push(`${response.status()} without an answer`));
    };
    page.on('response', onRunsAnswer);
    await page.getByRole('link', { name: 'About' }).click();
    await page.getByTestId('sync-save').click();
    await pollUntil(
      'the second run back on the server',
      async () => (await api(`/runs/${second.id}`)).status,
      (status) => status === 200,
      90_000,
    );
    await pollUntil('the phone to sync again', phoneRecords, allSynced, 90_000);
    await pollUntil(
      'the answer to the run upload',
      async () => runAnswers.length,
      (n) => n >= 1,
    );
    page.off('response', onRunsAnswer);
    // Sent once, and only the run the server lacked: the first run was held, so not sent.
    expect(runAnswers).toEqual([`${second.id} created`]);
    await expectPhoneRecordsOnServerOnce();
    expect(problems.filter((p) => p.startsWith('pageerror') || p === 'page crashed')).toEqual([]);
  }, 300_000);

  it('Background Sync: a run ended offline goes up from the service worker, no page of the app open', async () => {
    // A third run, driven and ended with no network.
    await browser.context.setOffline(true);
    const offsetS = 20 * LOOP_S;
    await browser.context.setGeolocation({ ...northOf(SPEED * offsetS), accuracy: 5 });
    const drive = await startDriveRun(page, { maxFps: 2, sameDamageM: SAME_DAMAGE_M });
    const third = (await phoneRecords()).runs.find((r) => r.state === 'running')!;
    await driveUntil(
      GOOD_S + POTHOLE_S + SAME_DAMAGE_M / SPEED + 1,
      2 * LOOP_S + GOOD_S - 2,
      async () => (await phoneRecords()).surveys.some((s) => s.runId === third.id),
      offsetS,
    );
    await stopDriveRun(drive);
    const offline = await pollUntil(
      'the third run to end',
      phoneRecords,
      (r) => r.runs.find((x) => x.id === third.id)?.state === 'ended',
    );
    const surveyIds = offline.surveys.filter((s) => s.runId === third.id).map((s) => s.id);
    expect(offline.runs.find((x) => x.id === third.id)!.sync.state).not.toBe('synced');
    expect((await api(`/runs/${third.id}`)).status).toBe(404);

    // The app closed, the network back: the browser wakes the service worker.
    await page.goto('about:blank');
    await browser.context.setOffline(false);
    await fireBackgroundSync(browser.context, page, server.url);
    await pollUntil(
      'the service worker to upload the run',
      async () => (await api(`/runs/${third.id}`)).status,
      (status) => status === 200,
      60_000,
    );
    for (const id of surveyIds) expect((await api(`/surveys/${id}`)).status).toBe(200);

    // Back in the app: everything synced, each record on the server once.
    page = await openApp(browser.context, server.url);
    await pollUntil('the phone to show everything synced', phoneRecords, allSynced, 90_000);
    await expectPhoneRecordsOnServerOnce();
    expect(problems.filter((p) => p.startsWith('pageerror') || p === 'page crashed')).toEqual([]);
  }, 300_000);
});
