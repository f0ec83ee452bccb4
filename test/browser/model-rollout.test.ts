/**
 * The model roll-out on the phone (issue 11), through the real app in real Chromium against the
 * real sync server (its own process, SQLite, behind the fault proxy; the app is served by it,
 * so the phone syncs with the origin it was opened from). The test publishes copies of the
 * app's own road-damage model with a higher version (`npm run server -- model publish DIR`);
 * the first copy's not-a-road threshold is moved so that its verdicts differ. The phone picks
 * each up after a sync, checks every file's SHA-256, switches, says what changed, re-analyses
 * a stored survey (new verdict, old one kept, synced as an edit), reloads offline with the new
 * model, carries on a re-analysis a reload cut short, and goes back. Faults: a shard corrupted on the server (hash mismatch) and a download
 * cut mid-file: the working model stays, and the engineer reads what went wrong.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyDetailResponse } from '../../src/schema/survey';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { projectRoot } from '../../tools/lib/paths';
import { ServerProcess } from '../../tools/lib/server-process';
import { FaultProxy } from '../helpers/fault-proxy';
import { potholePhotos } from '../helpers/fixtures';
import { buildTestApp } from '../helpers/test-app';
import {
  analysisSettled,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  serviceWorkerControls,
  storedSurveys,
  watchProblems,
  storedRecords,
} from './app-page';

const BUNDLED_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');
const BUNDLED_VERSION = (
  JSON.parse(readFileSync(path.join(BUNDLED_DIR, 'manifest.json'), 'utf8')) as {
    version: string;
  }
).version;
const SHARD = 'group1-shard1of1.bin';

let workDir: string;
let server: ServerProcess;
let proxy: FaultProxy;
let token: string;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let surveyId: string;

beforeAll(async () => {
  const dist = await buildTestApp();
  workDir = mkdtempSync(
    path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'roadcam-rollout-'),
  );
  server = await ServerProcess.start({ appDir: dist, dataDir: path.join(workDir, 'data') });
  proxy = await FaultProxy.start({ target: server.url });
  token = await server.createToken('rollout-phone');
  browser = await launchProfile();
});

afterAll(async () => {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await proxy?.close();
  await server?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A copy of the app's road-damage model as `version`, published on the server. */
async function publish(
  version: string,
  notes: string,
  notRoadThreshold?: number,
  camLayer?: string,
): Promise<void> {
  // The releases here (3.x) must be other versions than the bundled model's.
  if (version === BUNDLED_VERSION) {
    throw new Error(`The test publishes ${version}, the bundled model's version: pick another.`);
  }
  const dir = path.join(workDir, `model-${version}`);
  cpSync(BUNDLED_DIR, dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    notRoad: { threshold: number };
    cam: { layer: string };
  };
  manifest.version = version;
  if (camLayer !== undefined) manifest.cam.layer = camLayer;
  if (notRoadThreshold !== undefined) manifest.notRoad.threshold = notRoadThreshold;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  const result = await server.cli(['model', 'publish', dir, '--notes', notes]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
}

/** The release 3.2.0 files the phone asked the server for since request number `from`. */
function releaseFilesFetched(from: number): string[] {
  const prefix = /^GET \/api\/v1\/models\/3\.2\.0\//;
  return proxy.stats.requested
    .slice(from)
    .filter((r) => prefix.test(r))
    .map((r) => r.replace(prefix, ''));
}

async function openAbout(): Promise<void> {
  await page.getByRole('link', { name: 'About' }).click();
  await page.locator('rc-model-update').waitFor();
}

async function syncNow(): Promise<void> {
  await page.getByRole('link', { name: 'Surveys' }).click();
  await page.getByTestId('sync-now').click();
}

/** The element's text, '' when it is not shown (read in one go: it may come and go). */
const text = (testId: string): Promise<string> =>
  page.getByTestId(testId).evaluateAll((els) => (els[0]?.textContent ?? '').trim());

async function modelCaches(): Promise<string[]> {
  return page.evaluate(async () =>
    (await caches.keys()).filter((k) => k.startsWith('roadcam-model-')).sort(),
  );
}

interface PhoneRecord {
  revision: number;
  verdictKey: string;
  model: { version: string } | null;
  earlierAnalyses?: { model: { version: string } | null; verdict: { label: string } | null }[];
}

async function phoneRecord(id: string): Promise<PhoneRecord> {
  const [record] = await storedRecords<PhoneRecord>(page, 'surveys', id);
  return {
    revision: record.revision,
    verdictKey: record.verdictKey,
    model: record.model,
    earlierAnalyses: record.earlierAnalyses,
  };
}

async function serverSurvey(id: string): Promise<SurveyDetailResponse | null> {
  const response = await fetch(`${server.url}/api/v1/surveys/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.ok ? ((await response.json()) as SurveyDetailResponse) : null;
}

describe('model roll-out', () => {
  it('a published model is picked up after a sync, checked, switched to and announced', async () => {
    page = await openApp(browser.context, proxy.url, { model: null });
    problems = watchProblems(page);
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    await serviceWorkerControls(page);

    await openAbout();
    await page.getByTestId('sync-token').fill(token);
    await page.getByTestId('sync-save').click();
    await pollUntil(
      'the settings to be saved',
      () => text('sync-settings-result'),
      (t) => /Saved/.test(t),
    );
    // Nothing published yet: the phone runs the model it came with, and offers no way back.
    expect(await text('model-running')).toBe('The model the app came with.');
    expect(await page.getByTestId('model-go-back').count()).toBe(0);

    await page.getByRole('link', { name: 'Survey', exact: true }).click();
    await choosePhoto(page, potholePhotos()[0]);
    expect(await analysisSettled(page)).toBe('verdict');
    const [first] = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
      });
      const keys = await new Promise<IDBValidKey[]>((resolve) => {
        const req = db.transaction('surveys').objectStore('surveys').getAllKeys();
        req.onsuccess = () => resolve(req.result);
      });
      db.close();
      return keys as string[];
    });
    surveyId = first;
    const before = await phoneRecord(surveyId);
    expect(before.model?.version).toBe(BUNDLED_VERSION);
    expect(before.verdictKey).not.toBe('not-a-road');
    await pollUntil(
      'the survey to reach the server',
      () => serverSurvey(surveyId),
      (s) => !!s,
    );

    await publish('3.1.0', 'Road-side grass and signs are now called "not a road".', 1e-6);
    await syncNow();
    await openAbout();
    await pollUntil(
      'the new model to be announced',
      () => text('model-news'),
      (t) => /Model 3\.1\.0 installed: what changed/.test(t),
    );
    expect(await text('model-news')).toContain(
      'Road-side grass and signs are now called "not a road".',
    );
    expect(await text('model-news')).toContain(`Finds the same types as model ${BUNDLED_VERSION}.`);
    expect(await text('model-news')).toMatch(
      /Measured on \d+ photos it was not trained on: accuracy \d+ %/,
    );
    expect(await text('model-info')).toContain('roadcam-road-damage 3.1.0');
    expect(await text('model-running')).toMatch(/^Model 3\.1\.0 from the sync server/);
    expect(await text('model-go-back')).toBe('Go back to the model the app came with');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0']);
  });

  it('re-analyses the stored survey with the new model, keeping the old verdict, synced as an edit', async () => {
    await page.getByTestId('reanalyse-stored').click();
    await pollUntil(
      'the re-analysis to end',
      () => text('reanalysis-status'),
      (t) => /^1 stored surveys analysed again, 1 with a new verdict/.test(t),
    );
    const after = await phoneRecord(surveyId);
    expect(after.model?.version).toBe('3.1.0');
    expect(after.verdictKey).toBe('not-a-road');
    expect(after.revision).toBe(2);
    expect(after.earlierAnalyses).toHaveLength(1);
    expect(after.earlierAnalyses?.[0].model?.version).toBe(BUNDLED_VERSION);
    expect(after.earlierAnalyses?.[0].verdict?.label).not.toBe('not-a-road');
    const held = await pollUntil(
      'the edit to reach the server',
      () => serverSurvey(surveyId),
      (s) => s?.revision === 2,
    );
    expect(held?.survey.model?.version).toBe('3.1.0');
    expect(held?.survey.earlierAnalyses?.[0].model?.version).toBe(BUNDLED_VERSION);
    // Nothing left to do: pressing again changes nothing.
    await page.getByTestId('reanalyse-stored').click();
    await pollUntil(
      'the second run to end',
      () => text('reanalysis-status'),
      (t) => /already has this model’s verdict/.test(t),
    );
    // The survey's page lists what the model the app came with had said.
    await page.getByRole('link', { name: 'Surveys' }).click();
    await page.locator(`[data-testid="survey-item"][data-id="${surveyId}"] button`).click();
    const earlier = page.getByTestId('earlier-analyses');
    await earlier.waitFor();
    expect(await earlier.textContent()).toContain(`roadcam-road-damage ${BUNDLED_VERSION}: `);
    await openAbout();
  });

  it('opens offline after a reload and still analyses with the installed model', async () => {
    proxy.setOffline(true);
    await browser.context.setOffline(true);
    try {
      await page.reload(); // (on the About page, where the test was)
      await page.getByRole('link', { name: 'Survey', exact: true }).click();
      await page.locator('rc-capture').waitFor();
      expect(await modelSettled(page)).toMatch(/^Model ready/);
      // Model 3.1.0 calls every photo "not a road" (its moved threshold): the photo is held
      // until kept, and is then stored with 3.1.0's verdict.
      await choosePhoto(page, potholePhotos()[1]);
      await page.getByTestId('not-road').waitFor({ timeout: 60_000 });
      await page.getByTestId('keep-not-road').click();
      await page.getByTestId('not-road-kept').waitFor();
      const kept = await pollUntil(
        'the kept photo to be stored',
        async () => (await storedSurveys(page)).filter((r) => r.id !== surveyId),
        (rs) => rs.length === 1,
      );
      const keptRecord = await phoneRecord(kept[0].id);
      expect(keptRecord.verdictKey).toBe('not-a-road');
      expect(keptRecord.model?.version).toBe('3.1.0');
      await openAbout();
      expect(await text('model-info')).toContain('roadcam-road-damage 3.1.0');
      expect(await text('model-problem')).toBe('');
    } finally {
      await browser.context.setOffline(false);
      proxy.setOffline(false);
    }
  });

  it('a corrupted shard or a download cut mid-file never replaces the working model', async () => {
    // The server's copy of the shard is damaged after publishing: its SHA-256 no longer fits.
    // (Published while the phone cannot reach the server, so it never sees the good copy.)
    proxy.setOffline(true);
    await publish('3.2.0', 'Same weights, newer version.');
    const shardOnServer = path.join(server.dataDir, 'models', '3.2.0', SHARD);
    const good = readFileSync(shardOnServer);
    const bad = Buffer.from(good);
    bad[1000] ^= 0xff;
    writeFileSync(shardOnServer, bad);
    proxy.setOffline(false);
    await syncNow();
    await openAbout();
    const corrupted = await pollUntil(
      'the hash mismatch to be told',
      () => text('model-problem'),
      (t) => t !== '',
    );
    expect(corrupted).toBe(
      `Model 3.2.0 was not installed: its file ${SHARD} is not the one the server published ` +
        '(its checksum differs: damaged on the way or on the server). The current model stays; ' +
        'if this happens again, tell whoever runs the server.',
    );
    expect(await text('model-info')).toContain('roadcam-road-damage 3.1.0');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0']);

    writeFileSync(shardOnServer, good);
    // Cut in a later file: the files before it arrive whole and are kept for the next try.
    const cutTryFrom = proxy.stats.requested.length;
    proxy.cutResponse({
      afterBytes: 64 * 1024,
      match: { path: /\/api\/v1\/models\/3\.2\.0\/not-road\.bin/ },
    });
    await syncNow();
    await openAbout();
    await pollUntil(
      'the cut download to be told',
      () => text('model-problem'),
      (t) => /download of not-road\.bin stopped/.test(t),
    );
    expect(proxy.stats.cutResponses).toBe(1);
    expect(await text('model-problem')).toMatch(
      /The current model stays; the download goes on from not-road\.bin at the next sync\.$/,
    );
    expect(await text('model-info')).toContain('roadcam-road-damage 3.1.0');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0']);

    // The next sync, with nothing broken, installs it, from the file that was cut on.
    const wholeBeforeCut = releaseFilesFetched(cutTryFrom);
    const requestsBefore = proxy.stats.requested.length;
    await syncNow();
    await openAbout();
    await pollUntil(
      '3.2.0 to be installed',
      () => text('model-info'),
      (t) => /3\.2\.0/.test(t),
    );
    const fetched = releaseFilesFetched(requestsBefore);
    // The cut file again, and what came after it; none of the files that had arrived whole
    // (the model's shard on this try; manifest.json and model.json on this try or the one
    // before, which stopped at the damaged shard).
    expect(wholeBeforeCut).toContain(SHARD);
    expect(fetched[0]).toBe('not-road.bin');
    for (const whole of [SHARD, 'manifest.json', 'model.json']) {
      expect(fetched).not.toContain(whole);
    }
    expect(await text('model-problem')).toBe('');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0', 'roadcam-model-3.2.0']);
  });

  it('a model that downloads whole but does not run on the phone is not switched to', async () => {
    // Its manifest names a CAM layer the network lacks: the server cannot tell (it runs no
    // model), the phone's worker finds out while loading it beside the running one.
    await publish(
      '3.3.0',
      'Points its heatmap at a layer it does not have.',
      undefined,
      'no_such_layer',
    );
    await syncNow();
    await openAbout();
    const told = await pollUntil(
      'the failed load to be told',
      () => text('model-problem'),
      (t) => /3\.3\.0/.test(t),
    );
    expect(told).toMatch(
      /^Model 3\.3\.0 was downloaded but does not run on this phone, so it was not switched to: .*no_such_layer.* The current model stays; tell whoever published the model\.$/,
    );
    expect(await text('model-info')).toContain('roadcam-road-damage 3.2.0');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0', 'roadcam-model-3.2.0']);
    // The office rolls the server back; the phone already runs that release.
    const back = await server.cli(['model', 'current', '3.2.0']);
    expect(back.code, back.stderr).toBe(0);
  });

  it('an installed model whose files the browser dropped gives way to the bundled one, then comes back', async () => {
    await page.evaluate(() => caches.delete('roadcam-model-3.2.0'));
    // The server out of reach, so that the sync at start cannot install the release again
    // before the engineer has read why the bundled model runs.
    proxy.setOffline(true);
    await page.reload(); // (on the About page)
    await page.locator('rc-model-update').waitFor();
    const problem = await pollUntil(
      'the fallback to be told',
      () => text('model-problem'),
      (t) => /could not be loaded/.test(t),
    );
    proxy.setOffline(false);
    expect(problem).toMatch(
      /^The installed model 3\.2\.0 could not be loaded, so the app uses the model it came with\. Model 3\.2\.0 is no longer complete on this phone/,
    );
    expect(await text('model-info')).toContain(`roadcam-road-damage ${BUNDLED_VERSION}`);
    // The next sync downloads it again (the server's current release is 3.2.0 again).
    await syncNow();
    await openAbout();
    await pollUntil(
      '3.2.0 to run again',
      () => text('model-info'),
      (t) => /3\.2\.0/.test(t),
    );
    expect(await text('model-problem')).toBe('');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0', 'roadcam-model-3.2.0']);
  });

  it('a re-analysis cut short by a reload carries on after it, and no survey is analysed twice', async () => {
    const ids = (await storedSurveys(page)).map((s) => s.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const before = await Promise.all(ids.map(phoneRecord));
    for (const r of before) expect(r.model?.version).toBe('3.1.0');
    // Pressed, and the page gone at once (a phone that closed the tab): the worker has not
    // answered for any survey yet.
    await page.evaluate(() => Object.assign(window, { beforeTheReload: true }));
    await page.getByTestId('reanalyse-stored').evaluate((button: HTMLButtonElement) => {
      button.click();
      setTimeout(() => location.reload(), 0);
    });
    await pollUntil(
      'the page to reload',
      () => page.evaluate(() => 'beforeTheReload' in window).catch(() => true),
      (old) => !old,
    );
    await page.locator('rc-model-update').waitFor();
    const ended = await pollUntil(
      'the re-analysis to go on after the reload, and end',
      () => text('reanalysis-status'),
      (t) => /^\d+ stored surveys analysed again/.test(t),
    );
    expect(ended).toMatch(new RegExp(`^(1|${ids.length}) stored surveys analysed again`));
    for (const [i, id] of ids.entries()) {
      const after = await phoneRecord(id);
      expect(after.model?.version, id).toBe('3.2.0');
      // One new revision and one earlier verdict more, whichever page analysed it.
      expect(after.revision, id).toBe(before[i].revision + 1);
      expect(after.earlierAnalyses, id).toHaveLength((before[i].earlierAnalyses?.length ?? 0) + 1);
      expect(after.earlierAnalyses?.at(-1)?.model?.version, id).toBe('3.1.0');
    }
    // The run is over: the next start has nothing to carry on.
    await page.reload();
    await page.locator('rc-model-update').waitFor();
    await pollUntil(
      'model 3.2.0 to be ready',
      () => text('model-info'),
      (t) => /3\.2\.0/.test(t),
    );
    expect(await text('reanalysis-status')).toBe('');
  });

  it('goes back to the previous model, then to the one the app came with, and stays there', async () => {
    expect(await text('model-go-back')).toBe('Go back to model 3.1.0');
    await page.getByTestId('model-go-back').click();
    await pollUntil(
      'model 3.1.0 to run again',
      () => text('model-info'),
      (t) => /3\.1\.0/.test(t),
    );
    expect(await text('model-go-back')).toBe('Go back to the model the app came with');
    expect(await modelCaches()).toEqual(['roadcam-model-3.1.0']);
    // A sync does not bring back a model the engineer went back from.
    await syncNow();
    await openAbout();
    await page.getByTestId('model-check').click();
    await pollUntil(
      'the check to end',
      () => text('model-activity'),
      (t) => t === '',
    );
    expect(await text('model-info')).toContain('roadcam-road-damage 3.1.0');

    await page.getByTestId('model-go-back').click();
    await pollUntil(
      'the bundled model to run',
      () => text('model-info'),
      (t) => t.includes(`roadcam-road-damage ${BUNDLED_VERSION}`),
    );
    expect(await text('model-running')).toBe('The model the app came with.');
    expect(await page.getByTestId('model-go-back').count()).toBe(0);
    expect(await modelCaches()).toEqual([]);
    await page.reload();
    await page.getByRole('link', { name: 'Survey', exact: true }).click();
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    await openAbout();
    expect(await text('model-info')).toContain(`roadcam-road-damage ${BUNDLED_VERSION}`);
    // Only the browser's own lines for the requests this test broke or answered 404 (no model
    // published yet); no page error, no crash.
    expect(problems.filter((p) => !/^console: Failed to load resource/.test(p))).toEqual([]);
  });
});
