/**
 * The whole field truth loop (issue 11) in real headless Chromium, with the real sync server
 * (its own SQLite) serving the production build, and the real command-line tools as child
 * processes: a road photo surveyed offline on the phone, synced; the office reviews it on
 * /office/review in a second browser context; `npm run dataset` writes the reviewed survey out
 * as a training folder; `npm run train -- pothole` trains a tiny model from that folder plus a
 * few fixture photos; `npm run server -- model publish` makes it the server's current model and
 * `GET /api/v1/models/current` offers it to the phones.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelReleaseResponse } from '../../src/schema/model-release';
import type { ReviewDetailResponse } from '../../src/schema/review';
import type { SurveyDetailResponse } from '../../src/schema/survey';
import { CHROMIUM_ARGS, findChromium } from '../../tools/lib/chromium';
import { projectRoot } from '../../tools/lib/paths';
import { ServerProcess } from '../../tools/lib/server-process';
import { fixturePath } from '../helpers/fixtures';
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
} from './app-page';

const run = promisify(execFile);
const TSX = path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs');

/** A web photo of a road with one pothole (256 x 256, its box in the fixture's boxes.json). */
const SURVEY_PHOTO = fixturePath('data', 'potholes-annotated', 'images', 'img-87.jpg');
const PHONE = { width: 360, height: 780 };
/** The version the tiny model is trained and published as; the phone starts on 1.0.0. */
const NEW_VERSION = '1.1.0';

let server: ServerProcess;
let browser: Browser;
let phoneContext: BrowserContext;
let officeContext: BrowserContext;
let phone: Page;
let office: Page;
let phoneProblems: string[];
let officeProblems: string[];
let work: string;
let phoneToken: string;
let reviewerToken: string;
let surveyId = '';
let exportDir = '';
let modelDir = '';

beforeAll(async () => {
  const dist = await buildTestApp();
  server = await ServerProcess.start({ appDir: dist });
  phoneToken = await server.createToken('engineer-phone');
  reviewerToken = await server.createToken('office-anna', 'reviewer');
  work = mkdtempSync(path.join(os.tmpdir(), 'roadcam-truth-loop-'));
  exportDir = path.join(work, 'reviewed');
  modelDir = path.join(work, 'model');
  browser = await chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
  });
  phoneContext = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
  officeContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function api<T>(token: string, urlPath: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/api/v1${urlPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json')
    ? await response.json()
    : Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: body as T };
}

/** The phone's record of the survey: sync state and revision. */
async function phoneRecord(id: string): Promise<{ revision: number; state: string }> {
  return phone.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('roadcam');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const record = await new Promise<{ revision: number; sync: { state: string } }>(
      (resolve, reject) => {
        const req = db.transaction('surveys').objectStore('surveys').get(id);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      },
    );
    db.close();
    return { revision: record.revision, state: record.sync.state };
  }, id);
}

/** A `npm run ...` command's script as a child process, as a user runs it. */
async function runTool(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, [TSX, script, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${script} ${args.join(' ')} exited ${e.code}:\n${e.stderr}\n${e.stdout}`, {
      cause: error,
    });
  }
}

describe('the field truth loop, from a survey to a new model on the phone', () => {
  it('the engineer surveys a road offline and the survey syncs when the network is back', async () => {
    phone = await openApp(phoneContext, server.url);
    phoneProblems = watchProblems(phone);
    expect(await modelSettled(phone)).toMatch(/^Model ready/);
    await serviceWorkerControls(phone);

    await phone.getByRole('link', { name: 'About' }).click();
    await phone.getByTestId('sync-token').fill(phoneToken);
    await phone.getByTestId('sync-save').click();
    await pollUntil(
      'the sync settings to be saved',
      async () => (await phone.getByTestId('sync-settings-result').textContent()) ?? '',
      (t) => /Saved/.test(t),
    );

    await phoneContext.setOffline(true);
    await phone.getByRole('link', { name: 'Survey', exact: true }).click();
    await choosePhoto(phone, SURVEY_PHOTO);
    expect(await analysisSettled(phone)).toBe('verdict');
    const [survey] = await storedSurveys(phone);
    surveyId = survey.id;
    expect(survey.verdictKey).toBeTruthy();
    expect((await phoneRecord(surveyId)).state).not.toBe('synced');

    await phoneContext.setOffline(false);
    await phone.getByRole('link', { name: 'Surveys' }).click();
    await phone.getByTestId('sync-now').click();
    await pollUntil(
      'the survey to be synced',
      async () => (await phoneRecord(surveyId)).state,
      (s) => s === 'synced',
    );
    const held = await api<SurveyDetailResponse>(phoneToken, `/surveys/${surveyId}`);
    expect(held.status).toBe(200);
    expect(held.body.revision).toBe((await phoneRecord(surveyId)).revision);
    const photo = await api<Buffer>(phoneToken, `/surveys/${surveyId}/photo`);
    expect(sha256(photo.body)).toBe(survey.photo.sha256);
  });

  it('the office reviews it on /office/review in its own browser', async () => {
    office = await officeContext.newPage();
    officeProblems = watchProblems(office);
    await office.goto(`${server.url}/office/review`);
    await office.locator('input[name="token"]').fill(reviewerToken);
    await office.getByRole('button', { name: 'Sign in' }).click();
    const item = office.getByTestId('review-item');
    await item.waitFor();
    expect(await item.getAttribute('data-survey-id')).toBe(surveyId);
    await office.getByTestId('office-photo').waitFor();
    // 3 = pothole.
    await office.keyboard.press('3');
    await pollUntil(
      'the review to be saved',
      async () => (await office.getByTestId('office-message').textContent()) ?? '',
      (t) => t === 'Saved: Pothole.',
    );
    const review = await api<ReviewDetailResponse>(reviewerToken, `/reviews/${surveyId}`);
    expect(review.body.review).toMatchObject({ labels: ['pothole'], reviewer: 'office-anna' });
    expect(officeProblems).toEqual([]);
  });

  it('npm run dataset writes the reviewed survey out with the office’s label', async () => {
    const { stdout } = await runTool('tools/dataset/main.ts', ['--out', exportDir], {
      ROADCAM_DATA_DIR: server.dataDir,
    });
    expect(JSON.parse(stdout)).toMatchObject({ exported: 1 });
    const labels = JSON.parse(readFileSync(path.join(exportDir, 'labels.json'), 'utf8')) as Record<
      string,
      { class: string; box: number[] }[]
    >;
    const file = `images/${surveyId}.jpg`;
    expect(Object.keys(labels)).toEqual([file]);
    // The office set the label without a box: a pothole (rdd2022 D40) over the whole photo.
    expect(labels[file]).toEqual([{ class: 'D40', box: [0, 0, 256, 256] }]);
    const [survey] = await storedSurveys(phone);
    expect(sha256(readFileSync(path.join(exportDir, file)))).toBe(survey.photo.sha256);
    const provenance = readFileSync(path.join(exportDir, 'provenance.csv'), 'utf8');
    const row = provenance
      .split('\n')
      .find((line) => line.startsWith(surveyId))
      ?.split(',');
    expect(row).toEqual(
      expect.arrayContaining(['engineer-phone', 'pothole', 'office-anna', 'review']),
    );
  });

  it('npm run train trains a tiny model from the export plus a few fixture photos', async () => {
    await runTool('tools/train/main.ts', [
      'pothole',
      '--data',
      exportDir,
      '--data',
      fixturePath('data', 'potholes-closeup'),
      '--data',
      fixturePath('data', 'rdd2022-china-motorbike'),
      '--out',
      modelDir,
      '--arch',
      'seed-cnn',
      '--input-size',
      '32',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      // Each close-up its own group, so that these few photos leave some to evaluate on.
      '--frame-block',
      '1',
      '--version',
      NEW_VERSION,
    ]);
    const manifest = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as {
      id: string;
      version: string;
      training: { data: { source: string }[] };
      metrics?: unknown;
    };
    expect(manifest).toMatchObject({ id: 'roadcam-pothole', version: NEW_VERSION });
    expect(manifest.metrics).toBeDefined();
    // The exported photo was trained on.
    const split = JSON.parse(readFileSync(path.join(modelDir, 'split.json'), 'utf8')) as {
      train: { file: string }[];
    };
    expect(split.train.map((e) => e.file)).toContain(`images/${surveyId}.jpg`);
  });

  it('npm run server -- model publish makes it the current model the server offers', async () => {
    const published = await server.cli([
      'model',
      'publish',
      modelDir,
      '--notes',
      'Trained on the office’s reviews',
    ]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout.trim()).toBe(NEW_VERSION);
    expect(published.stderr).toMatch(/phones are offered it at their next sync/);
    const current = await api<ModelReleaseResponse>(phoneToken, '/models/current');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ version: NEW_VERSION, modelId: 'roadcam-pothole' });
    const offered = new Map(current.body.files.map((f) => [f.path, f.sha256]));
    for (const name of ['manifest.json', 'model.json', 'group1-shard1of1.bin']) {
      expect(offered.get(name), name).toBe(sha256(readFileSync(path.join(modelDir, name))));
    }
    // Offline, failed loads are logged to the console; nothing on the page may have thrown.
    expect(phoneProblems.filter((p) => !/ERR_INTERNET_DISCONNECTED/.test(p))).toEqual([]);
  });
});
