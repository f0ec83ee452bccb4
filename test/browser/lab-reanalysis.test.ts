/**
 * Re-analysis in real Chromium: road photos are surveyed in the field view with the field
 * model, then a second pothole model is installed in the lab (its files with their manifest,
 * kept on the device). It re-analyses the stored surveys in the background: pausable, the pause
 * survives a reload, and a run that was going when the app reloaded goes on by itself, even
 * while the field view is shown. Each survey keeps its verdict; the new one is listed beside
 * it. The bundled road-damage model re-analyses them too, and so does the same model opened in
 * the lab as its folder ("Open a model folder…", its not-a-road files with it; a copy under
 * another version, as a model builder's next model would be) and kept: the same verdicts. A
 * run whose survey reads fail says so and goes on with Try again. Then the region audit of four photos with the field model.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { projectRoot } from '../../tools/lib/paths';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { goodRoadPhotos, potholePhotos } from '../helpers/fixtures';
import {
  analysisSettled,
  appUrl,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  storedSurveys,
  watchProblems,
  type StoredSurvey,
} from './app-page';
import { labError, labReady, modelOpened, tab } from './lab-page';
import {
  buildSecondPotholeModel,
  SECOND_POTHOLE_ID,
  SECOND_POTHOLE_VERSION,
} from '../features/lab/lab-test-models';

const ROAD_DAMAGE_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');
/**
 * The shipped road-damage folder under another version and name: the lab runs one re-analysis
 * per model id and version, and the bundled one has run already.
 */
const FOLDER_COPY_NAME = 'Road damage, opened as a folder';
function roadDamageFolderCopy(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'roadcam-lab-folder-')), 'road-damage');
  cpSync(ROAD_DAMAGE_DIR, dir, { recursive: true });
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    manifestFile,
    JSON.stringify({ ...manifest, version: '99.0.0', name: FOLDER_COPY_NAME }),
  );
  return dir;
}
const PHOTOS = [...goodRoadPhotos().slice(0, 4), ...potholePhotos().slice(0, 4)];

let preview: Preview;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let secondModelDir: string;
let folderCopy: string;
let surveysBefore: StoredSurvey[];
/** The bundled road-damage model's re-analysis, row by row. */
let roadDamageRows: Awaited<ReturnType<typeof listedResults>> = [];

beforeAll(async () => {
  folderCopy = roadDamageFolderCopy();
  [preview, browser, secondModelDir] = await Promise.all([
    startTestApp(),
    launchProfile(),
    buildSecondPotholeModel(),
  ]);
});

afterAll(() => closeAppAndBrowser(browser, preview));

interface RunState {
  state: string;
  done: number;
  total: number;
}

async function runState(p: Page): Promise<RunState | null> {
  const run = p.getByTestId('reanalysis-run');
  if ((await run.count()) === 0) return null;
  return {
    state: (await run.first().getAttribute('data-state')) ?? '',
    done: Number(await run.first().getAttribute('data-done')),
    total: Number(await run.first().getAttribute('data-total')),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits for the lab's notice that keeping the model named `model` started a re-analysis. */
async function reanalysisStarted(p: Page, model: RegExp): Promise<void> {
  await pollUntil(
    'the re-analysis to start',
    async () =>
      (await p
        .getByTestId('lab-notice')
        .textContent()
        .catch(() => '')) ?? '',
    (t) => model.test(t) && /re-analysing the stored surveys/.test(t),
  );
}

/** Presses Pause from inside the page the moment the run shows one survey done. */
function pauseAfterFirstSurvey(p: Page): Promise<void> {
  return p.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const find = (root: ParentNode, testId: string): HTMLElement | null => {
          const hit = root.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
          if (hit) return hit;
          for (const el of root.querySelectorAll('*')) {
            const inner = el.shadowRoot && find(el.shadowRoot, testId);
            if (inner) return inner;
          }
          return null;
        };
        const started = Date.now();
        const look = setInterval(() => {
          const run = find(document, 'reanalysis-run');
          const pause = find(document, 'reanalysis-pause');
          if (run && pause && Number(run.dataset.done) >= 1) {
            clearInterval(look);
            pause.click();
            resolve();
          } else if (Date.now() - started > 30_000) {
            clearInterval(look);
            reject(
              new Error(
                `no survey re-analysed with Pause on screen in 30 s (run: ${run?.dataset.state}, done ${run?.dataset.done})`,
              ),
            );
          }
        }, 2);
      }),
  );
}

/** The selected run's eight result rows, once listed: old and new verdict, types, the new cell. */
async function listedResults(p: Page) {
  const rows = p.getByTestId('reanalysis-row');
  await pollUntil(
    'eight results',
    () => rows.count(),
    (n) => n === 8,
  );
  return rows.evaluateAll((els) =>
    els.map((e) => ({
      id: e.getAttribute('data-survey'),
      old: e.getAttribute('data-old'),
      new: e.getAttribute('data-new'),
      types: (e.getAttribute('data-new-types') ?? '').split(',').filter(Boolean),
      disagree: e.hasAttribute('data-disagree'),
      text: e.querySelectorAll('td')[3]?.textContent ?? '',
    })),
  );
}

/** The run as IndexedDB holds it (readable from any page of the app). */
async function storedRun(p: Page): Promise<RunState | null> {
  return p.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('roadcam-lab');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    if (!db.objectStoreNames.contains('reanalysis-runs')) return null;
    const runs = await new Promise<RunState[]>((resolve, reject) => {
      const req = db.transaction('reanalysis-runs').objectStore('reanalysis-runs').getAll();
      req.onsuccess = () => resolve(req.result as RunState[]);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return runs[0] ? { state: runs[0].state, done: runs[0].done, total: runs[0].total } : null;
  });
}

describe('re-analysis of stored surveys by a new pothole model (real Chromium)', () => {
  it('surveys eight road photos with the field model', async () => {
    page = await openApp(browser.context, preview.origin);
    problems = watchProblems(page);
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    for (const photo of PHOTOS) {
      await choosePhoto(page, photo);
      expect(await analysisSettled(page)).toBe('verdict');
    }
    surveysBefore = await storedSurveys(page);
    expect(surveysBefore).toHaveLength(8);
    expect(surveysBefore.every((s) => s.verdict !== null)).toBe(true);
  });

  it('installing a second pothole model starts the re-analysis; pause holds across a reload', async () => {
    await page.getByRole('link', { name: 'Lab' }).click();
    await labReady(page);
    await page
      .getByTestId('model-files')
      .setInputFiles(readdirSync(secondModelDir).map((f) => path.join(secondModelDir, f)));
    await modelOpened(page, /Second pothole model/);
    await tab(page, 'model');
    await page.getByTestId('keep-model').click();
    await reanalysisStarted(page, /Second pothole model/);
    await tab(page, 'reanalyse');
    // Eight surveys re-analyse in well under a second: polled from Node, the run could finish
    // before Pause is pressed. The page presses it itself as soon as one survey is done.
    await pauseAfterFirstSurvey(page);
    const paused = await pollUntil(
      'the run to pause',
      () => runState(page),
      (r) => r?.state === 'paused',
    );
    // The photo being analysed when Pause was pressed still finishes; then nothing moves.
    await page.waitForTimeout(1500);
    const held = (await runState(page))!;
    expect(held.state).toBe('paused');
    expect(held.done).toBeLessThanOrEqual(paused!.done + 1);
    expect(held.done).toBeLessThan(8);
    expect(held.total).toBe(8);

    await page.reload();
    await labReady(page);
    await tab(page, 'reanalyse');
    const afterReload = await pollUntil(
      'the run after a reload',
      () => runState(page),
      (r) => !!r,
    );
    expect(afterReload).toEqual(held);
    await page.waitForTimeout(1000);
    expect(await runState(page)).toEqual(held);
  });

  it('resumed, a run that was going when the app reloaded finishes by itself in the field view', async () => {
    const before = (await runState(page))!;
    await page.getByTestId('reanalysis-resume').click();
    await pollUntil(
      'one more survey re-analysed',
      () => storedRun(page),
      (r) => (r?.done ?? 0) > before.done || r?.state === 'done',
    );
    // Reload into the field view: the lab is not open, the run goes on by itself.
    await page.goto(appUrl(preview.origin));
    await page.locator('rc-capture').waitFor();
    const finished = await pollUntil(
      'the run to finish in the background',
      () => storedRun(page),
      (r) => r?.state === 'done',
      120_000,
    );
    expect(finished).toEqual({ state: 'done', done: 8, total: 8 });
    expect(await page.locator('roadcam-lab').isHidden()).toBe(true);
  });

  it('lists each survey with its old verdict beside the new one; the surveys are unchanged', async () => {
    await page.getByRole('link', { name: 'Lab' }).click();
    await labReady(page);
    await tab(page, 'reanalyse');
    const listed = await listedResults(page);
    const surveysAfter = await storedSurveys(page);
    expect(surveysAfter).toEqual(surveysBefore);
    for (const s of surveysAfter) {
      const row = listed.find((r) => r.id === s.id)!;
      expect(row.old).toBe(s.verdict!.label);
      expect(row.new).toMatch(/^(pothole|normal)$/);
      expect(row.disagree).toBe(row.old !== row.new);
    }
    const changed = listed.filter((r) => r.disagree).length;
    const summary = (await page.getByTestId('reanalysis-disagreements').textContent()) ?? '';
    expect(summary.replace(/\s+/g, ' ')).toContain(`${changed} of 8 verdicts changed`);
    const run = page.getByTestId('reanalysis-run');
    expect(await run.textContent()).toContain(`v${SECOND_POTHOLE_VERSION}`);
    // The run is kept with the model id and version it ran with.
    const stored = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open('roadcam-lab');
        req.onsuccess = () => resolve(req.result);
      });
      const runs = await new Promise<{ model: { id: string } }[]>((resolve) => {
        const req = db.transaction('reanalysis-runs').objectStore('reanalysis-runs').getAll();
        req.onsuccess = () => resolve(req.result);
      });
      db.close();
      return runs.map((r) => r.model.id);
    });
    expect(stored).toEqual([SECOND_POTHOLE_ID]);
  });

  it('the road-damage model re-analyses them too: each row names the damage types it found', async () => {
    const select = page.getByTestId('reanalysis-model');
    const ref = await select.locator('option', { hasText: /road damage/i }).getAttribute('value');
    expect(ref).toMatch(/^url:.*\/models\/road-damage\/manifest\.json$/);
    await select.selectOption(ref!);
    // First the survey database fails to be read (a disk error): the panel says so, keeps what
    // was done, and Try again goes on once it reads again.
    await page.evaluate(() => {
      const open = IDBIndex.prototype.openCursor;
      const w = window as unknown as { failSurveyReads: boolean };
      w.failSurveyReads = true;
      IDBIndex.prototype.openCursor = function (...args) {
        if (w.failSurveyReads && this.name === 'by-created') {
          throw new DOMException('The disk could not be read (test).', 'UnknownError');
        }
        return open.apply(this, args);
      };
    });
    await page.getByTestId('reanalysis-start').click();
    const failed = page.getByTestId('reanalysis-failed');
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/The re-analysis stopped: .*What was done is kept/s);
    await page.evaluate(() => {
      (window as unknown as { failSurveyReads: boolean }).failSurveyReads = false;
    });
    await page.getByTestId('reanalysis-retry').click();
    await failed.waitFor({ state: 'detached' });
    const runs = page.getByTestId('reanalysis-run');
    await pollUntil(
      'the road-damage run to finish',
      async () => ({ count: await runs.count(), first: await runState(page) }),
      (r) => r.count === 2 && r.first?.state === 'done' && r.first.done === 8,
      120_000,
    );
    expect(await runs.first().getAttribute('aria-current')).toBe('true');
    const listed = await listedResults(page);
    const titles: Record<string, string> = { pothole: 'Pothole', crack: 'Crack', patch: 'Patch' };
    for (const s of surveysBefore) {
      const row = listed.find((r) => r.id === s.id)!;
      expect(row.old).toBe(s.verdict!.label);
      expect(row.new).toMatch(/^(pothole|damage|normal|not-a-road)$/);
      // The label follows the types found; the cell names them.
      if (row.new === 'pothole') expect(row.types).toContain('pothole');
      if (row.new === 'damage')
        expect(row.types.length && !row.types.includes('pothole')).toBe(true);
      if (row.new === 'normal' || row.new === 'not-a-road') expect(row.types).toEqual([]);
      for (const t of row.types.filter((t) => titles[t])) expect(row.text).toContain(titles[t]);
      // Against a pothole model's survey only the label counts (it sees no cracks).
      expect(row.disagree).toBe(row.old !== row.new);
    }
    // The four pothole photos: the damage is named, not only a label.
    expect(listed.filter((r) => r.types.includes('pothole')).length).toBeGreaterThanOrEqual(2);
    expect(await storedSurveys(page)).toEqual(surveysBefore);
    expect(await labError(page)).toBe('');
  });

  it('the same road-damage model opened as its folder and kept re-analyses them by itself, with the same verdicts', async () => {
    roadDamageRows = await listedResults(page);
    await tab(page, 'model');
    await page.getByTestId('model-folder').setInputFiles(folderCopy);
    await modelOpened(page, new RegExp(escapeRegExp(FOLDER_COPY_NAME)));
    await tab(page, 'model');
    await page.getByTestId('keep-model').click();
    await reanalysisStarted(page, new RegExp(escapeRegExp(FOLDER_COPY_NAME)));
    await tab(page, 'reanalyse');
    const runs = page.getByTestId('reanalysis-run');
    await pollUntil(
      'the kept road-damage run to finish',
      async () => ({ count: await runs.count(), first: await runState(page) }),
      (r) => r.count === 3 && r.first?.state === 'done' && r.first.done === 8,
      40_000,
    );
    const listed = await listedResults(page);
    const byId = (rows: typeof listed) =>
      Object.fromEntries(rows.map((r) => [r.id, { new: r.new, types: r.types }]));
    expect(byId(listed)).toEqual(byId(roadDamageRows));
    // Kept on the device: offered for a re-analysis by name.
    const options = await page.getByTestId('reanalysis-model').locator('option').allTextContents();
    expect(options.some((o) => o.includes(FOLDER_COPY_NAME) && /\(kept\)/.test(o))).toBe(true);
    expect(await storedSurveys(page)).toEqual(surveysBefore);
    expect(await labError(page)).toBe('');
  });

  it('region audit: four photos give the share of heatmap energy by region', async () => {
    await tab(page, 'model');
    await page.locator('[data-testid="bundled-model"][data-id="pothole"] button').click();
    await modelOpened(page, /test model|pothole/i);
    await tab(page, 'audit');
    await page.getByTestId('audit-files').setInputFiles(PHOTOS.slice(2, 6));
    const sentence = await pollUntil(
      'the audit summary',
      async () =>
        (await labError(page)) ||
        ((await page
          .getByTestId('audit-sentence')
          .textContent()
          .catch(() => '')) ??
          ''),
      (t) => t !== '',
    );
    expect(await labError(page)).toBe('');
    expect(sentence).toMatch(/Over \d photos?, \d+% of the heatmap energy/);
    const all = page.locator('[data-testid="audit-summary-row"]').first();
    const measured = Number((await all.getAttribute('data-name'))!.match(/\((\d+)\)/)![1]);
    const counts = (await page.getByTestId('audit-counts').textContent()) ?? '';
    expect(counts.replace(/\s+/g, ' ')).toMatch(new RegExp(`${measured} of 4 photos measured`));
    const energies = await all
      .locator('td[data-region]')
      .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-energy'))));
    expect(energies).toHaveLength(4);
    expect(energies.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
  });
});
