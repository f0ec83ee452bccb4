/**
 * The whole field truth loop (issue 11) in real headless Chromium, with the real sync server
 * (its own SQLite) serving the production build, and the real command-line tools as child
 * processes: a road photo surveyed offline on the phone and answered Wrong with a pothole boxed
 * by mouse, still offline; synced; the office sees the engineer's answer and box on
 * /office/review in a second browser context and accepts it; `npm run dataset` writes the
 * reviewed survey out as a training folder with that label and box; `npm run train -- pothole`
 * trains a tiny model from that folder plus a few fixture photos; `npm run server -- model
 * publish` makes it the server's current model; at its next sync the phone downloads it, says
 * "Model 1.1.0 installed", re-analyses its stored surveys, and the corrected survey shows the new
 * model's verdict, its answer and earlier verdict kept, and reaches the server so.
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
import type {
  EarlierAnalysis,
  SurveyCorrection,
  SurveyDetailResponse,
  SurveyVerdict,
} from '../../src/schema/survey';
import { PLAYWRIGHT_CHROMIUM_ARGS, findChromium } from '../../tools/lib/chromium';
import { projectRoot } from '../../tools/lib/paths';
import { ServerProcess } from '../../tools/lib/server-process';
import { fixturePath } from '../helpers/fixtures';
import { buildTestApp, POTHOLE_MODEL_URL } from '../helpers/test-app';
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

const run = promisify(execFile);
const TSX = path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs');

/** A web photo of a road with one pothole (256 x 256, its box in the fixture's boxes.json). */
const SURVEY_PHOTO = fixturePath('data', 'potholes-annotated', 'images', 'img-87.jpg');
/** Where the engineer drags the box: the fixture's pothole box as fractions of the photo. */
const POTHOLE_BOX = ((b: number[]) => [b[0] / 256, b[1] / 256, b[2] / 256, b[3] / 256])(
  (
    JSON.parse(
      readFileSync(fixturePath('data', 'potholes-annotated', 'boxes.json'), 'utf8'),
    ) as Record<string, number[][]>
  )['images/img-87.jpg'][0],
);
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
/** Every answer of 400 or more the phone's page received: "STATUS PATH". */
const phoneFailures: string[] = [];
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
    args: PLAYWRIGHT_CHROMIUM_ARGS,
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

interface PhoneRecord {
  revision: number;
  state: string;
  verdict: SurveyVerdict | null;
  model: { id: string; version: string } | null;
  correction: SurveyCorrection | null;
  earlierAnalyses: EarlierAnalysis[];
  photo: { width: number; height: number; sha256: string };
}

/** The phone's record of the survey in its IndexedDB. */
async function phoneRecord(id: string): Promise<PhoneRecord> {
  const [record] = await storedRecords<
    Omit<PhoneRecord, 'state' | 'correction' | 'earlierAnalyses'> & {
      sync: { state: string };
      correction?: SurveyCorrection;
      earlierAnalyses?: EarlierAnalysis[];
    }
  >(phone, 'surveys', id);
  return {
    revision: record.revision,
    state: record.sync.state,
    verdict: record.verdict,
    model: record.model ? { id: record.model.id, version: record.model.version } : null,
    correction: record.correction ?? null,
    earlierAnalyses: record.earlierAnalyses ?? [],
    photo: record.photo,
  };
}

async function untilSynced(id: string): Promise<PhoneRecord> {
  await pollUntil(
    'the survey to be synced',
    async () => (await phoneRecord(id)).state,
    (s) => s === 'synced',
  );
  return phoneRecord(id);
}

/** A point of the photo's box layer on the detail page, as fractions of it, in page pixels. */
async function onPhoto(fx: number, fy: number): Promise<{ x: number; y: number }> {
  const layer = (await phone.getByTestId('box-layer').boundingBox())!;
  return { x: layer.x + fx * layer.width, y: layer.y + fy * layer.height };
}

async function openSurvey(id: string): Promise<void> {
  await phone.getByRole('link', { name: 'Surveys' }).click();
  await phone.locator(`[data-testid="survey-item"][data-id="${id}"] button`).click();
  await phone.getByTestId('correction').waitFor();
}

/** The text of a detail page's "Model" line. */
async function detailModelText(): Promise<string> {
  return (
    (await phone.locator('rc-survey-detail dt:text-is("Model") + dd').textContent()) ?? ''
  ).trim();
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
  it('the engineer surveys a road offline, answers Wrong with a pothole boxed by mouse, and it syncs when the network is back', async () => {
    // The app's pothole model (roadcam-pothole 1.0.0), which the published model replaces.
    phone = await openApp(phoneContext, server.url, { model: POTHOLE_MODEL_URL });
    phoneProblems = watchProblems(phone);
    phone.on('response', (response) => {
      if (response.status() >= 400) {
        phoneFailures.push(`${response.status()} ${new URL(response.url()).pathname}`);
      }
    });
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
    const taken = await phoneRecord(surveyId);
    expect(taken.model).toEqual({ id: 'roadcam-pothole', version: '1.0.0' });
    expect(taken.verdict).not.toBeNull();

    // Still offline: Wrong, the photo shows a pothole, boxed where the fixture's label has it.
    await openSurvey(surveyId);
    await phone.getByTestId('answer-wrong').click();
    await phone.locator('[data-testid="label-choice"][data-label="pothole"]').click();
    await phone.getByTestId('box-layer').scrollIntoViewIfNeeded();
    const [x1, y1, x2, y2] = POTHOLE_BOX;
    const from = await onPhoto(x1, y1);
    const to = await onPhoto(x2, y2);
    await phone.mouse.move(from.x, from.y);
    await phone.mouse.down();
    await phone.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
    await phone.mouse.move(to.x, to.y, { steps: 4 });
    await phone.mouse.up();
    await pollUntil(
      'the box drawn',
      () => phone.getByTestId('drawn-box').count(),
      (n) => n === 1,
    );
    await phone.getByTestId('save-answer').click();
    await pollUntil(
      'the answer saved',
      async () => ((await phone.getByTestId('answer-text').textContent()) ?? '').trim(),
      (t) => t === 'Your answer: Wrong: Pothole (1 marked on the photo).',
    );
    const corrected = await phoneRecord(surveyId);
    expect(corrected.revision).toBe(taken.revision + 1);
    expect(corrected.state).not.toBe('synced');
    expect(corrected.correction).toMatchObject({ verdict: 'wrong', labels: ['pothole'] });
    const [drawn] = corrected.correction!.boxes;
    expect(drawn.type).toBe('pothole');
    const { width, height } = corrected.photo;
    const asFractions = [drawn.box[0] / width, drawn.box[1] / height];
    asFractions.push(drawn.box[2] / width, drawn.box[3] / height);
    asFractions.forEach((v, i) => expect(Math.abs(v - POTHOLE_BOX[i])).toBeLessThan(0.02));

    await phoneContext.setOffline(false);
    await phone.getByRole('link', { name: 'Surveys' }).click();
    await phone.getByTestId('sync-now').click();
    const synced = await untilSynced(surveyId);
    const held = await api<SurveyDetailResponse>(phoneToken, `/surveys/${surveyId}`);
    expect(held.status).toBe(200);
    expect(held.body.revision).toBe(synced.revision);
    expect(held.body.survey.correction).toEqual(synced.correction);
    const photo = await api<Buffer>(phoneToken, `/surveys/${surveyId}/photo`);
    expect(sha256(photo.body)).toBe(survey.photo.sha256);
  });

  it('the office sees the engineer’s answer on /office/review in its own browser and accepts it', async () => {
    office = await officeContext.newPage();
    officeProblems = watchProblems(office);
    await office.goto(`${server.url}/office/review`);
    await office.locator('input[name="token"]').fill(reviewerToken);
    await office.getByRole('button', { name: 'Sign in' }).click();
    const item = office.getByTestId('review-item');
    await item.waitFor();
    expect(await item.getAttribute('data-survey-id')).toBe(surveyId);
    const photo = office.getByTestId('office-photo');
    await photo.waitFor();
    await pollUntil(
      'the photo to be shown',
      () => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
      (w) => w === 256,
    );
    expect((await item.locator('dt:text-is("Engineer") + dd').textContent())?.trim()).toBe(
      'Pothole (1 marked on the photo)',
    );
    // The engineer's box sits on the photo where it was drawn on the phone.
    const shown = (await photo.boundingBox())!;
    const box = (await office.getByTestId('engineer-box').boundingBox())!;
    const onOffice = [
      (box.x - shown.x) / shown.width,
      (box.y - shown.y) / shown.height,
      (box.x + box.width - shown.x) / shown.width,
      (box.y + box.height - shown.y) / shown.height,
    ];
    onOffice.forEach((v, i) => expect(Math.abs(v - POTHOLE_BOX[i])).toBeLessThan(0.02));
    // a = accept the engineer's answer, box and all.
    await office.keyboard.press('a');
    await pollUntil(
      'the review to be saved',
      async () => (await office.getByTestId('office-message').textContent()) ?? '',
      (t) => t === 'Saved: Pothole.',
    );
    await pollUntil(
      'the page to show the review',
      async () => (await office.getByTestId('office-review').textContent()) ?? '',
      (t) => t.startsWith('Pothole (1 marked on the photo) (office-anna, '),
    );
    expect(await office.getByTestId('office-box').count()).toBe(1);
    const review = await api<ReviewDetailResponse>(reviewerToken, `/reviews/${surveyId}`);
    const answer = (await phoneRecord(surveyId)).correction!;
    expect(review.body.review).toMatchObject({
      labels: ['pothole'],
      boxes: answer.boxes,
      reviewer: 'office-anna',
    });
    expect(officeProblems).toEqual([]);
  });

  it('npm run dataset writes the reviewed survey out with the office’s label and the engineer’s box', async () => {
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
    // The pothole (rdd2022 D40) where the engineer drew it and the office accepted it.
    const answer = (await phoneRecord(surveyId)).correction!;
    expect(labels[file]).toEqual([{ class: 'D40', box: answer.boxes[0].box }]);
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
    expect(manifest.training.data.map((d) => d.source)).toContain(path.basename(exportDir));
    // The exported photo was trained on.
    const split = JSON.parse(readFileSync(path.join(modelDir, 'split.json'), 'utf8')) as {
      train: { file: string }[];
    };
    expect(split.train.map((e) => e.file)).toContain(`images/${surveyId}.jpg`);
  });

  it('npm run server -- model publish makes it the current model the server offers', async () => {
    const none = await api<Buffer>(phoneToken, '/models/current');
    expect(none.status, 'no model is offered before the publish').toBe(204);
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
  });

  it('the phone installs it at its next sync, re-analyses, and the corrected survey shows the new verdict', async () => {
    const before = await phoneRecord(surveyId);
    await openSurvey(surveyId);
    expect(await detailModelText()).toBe('roadcam-pothole 1.0.0');

    await phone.getByRole('link', { name: 'Surveys' }).click();
    await phone.getByTestId('sync-now').click();
    await phone.getByRole('link', { name: 'About' }).click();
    const news = phone.getByTestId('model-news');
    await pollUntil(
      'the phone to say the new model is installed',
      async () => ((await news.count()) > 0 ? ((await news.textContent()) ?? '') : ''),
      (t) => t.includes(`Model ${NEW_VERSION} installed: what changed`),
    );
    expect(await news.textContent()).toContain('Trained on the office’s reviews');
    expect(await phone.getByTestId('model-running').textContent()).toContain(
      `Model ${NEW_VERSION} from the sync server`,
    );

    await phone.getByTestId('reanalyse-stored').click();
    await pollUntil(
      'the stored surveys to be analysed again',
      async () => (await phone.getByTestId('reanalysis-status').textContent()) ?? '',
      (t) => /^1 stored surveys analysed again/.test(t),
    );
    const after = await phoneRecord(surveyId);
    expect(after.model).toEqual({ id: 'roadcam-pothole', version: NEW_VERSION });
    expect(after.revision).toBe(before.revision + 1);
    // The earlier verdict is kept beside the new one, the engineer's answer untouched.
    expect(after.earlierAnalyses).toHaveLength(1);
    expect(after.earlierAnalyses[0]).toMatchObject({
      model: { id: 'roadcam-pothole', version: '1.0.0' },
      verdict: before.verdict,
    });
    expect(after.correction).toEqual(before.correction);

    // What the engineer sees: the survey's detail with the new model's verdict.
    await openSurvey(surveyId);
    expect(await detailModelText()).toBe(`roadcam-pothole ${NEW_VERSION}`);
    const verdict = phone.locator('rc-survey-detail').getByTestId('verdict');
    expect(await verdict.getAttribute('data-label')).toBe(after.verdict!.label);
    expect(await verdict.getAttribute('data-pothole-probability')).toBe(
      after.verdict!.potholeProbability.toFixed(4),
    );
    expect(((await phone.getByTestId('answer-text').textContent()) ?? '').trim()).toBe(
      'Your answer: Wrong: Pothole (1 marked on the photo).',
    );
    // The office's review came back with the same sync.
    expect(((await phone.getByTestId('office-correction').textContent()) ?? '').trim()).toMatch(
      /^Corrected by the office: Pothole \(1 marked on the photo\), by office-anna on /,
    );

    // The re-analysis is an edit: it reaches the server with the earlier verdict.
    const synced = await untilSynced(surveyId);
    const held = await api<SurveyDetailResponse>(phoneToken, `/surveys/${surveyId}`);
    expect(held.body.revision).toBe(synced.revision);
    expect(held.body.survey.model?.version).toBe(NEW_VERSION);
    expect(held.body.survey.earlierAnalyses).toHaveLength(1);
    // No request of the phone failed (before the publish the server answered its model checks
    // 204, nothing to install) and nothing on the page threw; offline, the browser logs the
    // loads it could not make.
    expect(phoneFailures).toEqual([]);
    expect(phoneProblems.filter((p) => !/ERR_INTERNET_DISCONNECTED/.test(p))).toEqual([]);
  });
});
