/**
 * Issue 10 in real Chromium with the app's default model (public/models/road-damage, whichever is
 * there: nothing here reads how good it is). The cat photo gets the answer the model's own
 * not-a-road score gives it (scored here in Node by the same code as the worker); a photo the
 * model turns away (the cat, else the basketball) gets "This doesn't look like a road surface",
 * nothing is saved until "Keep it anyway", then it is stored as "not a road"; a field photo with
 * a pothole and a crack shows every damage type with its own heatmap, one tap apart, and its
 * record holds each type's probability; a photo darkened here gets the darkness hint before the
 * verdict. The service worker precaches the road-damage model beside the pothole one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damageForward } from '../../src/model/damage-forward';
import { readNotRoadStatsFor } from '../../tools/eval/not-road-score';
import { disposeNotRoadScorer } from '../../src/model/damage-forward';
import { imageToModelInput } from '../../src/model/preprocess';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { readImageRgba } from '../../tools/lib/images';
import { loadModelDir } from '../../tools/lib/model-dir';
import { useBackend } from '../../tools/lib/tf-node';
import { projectRoot } from '../../tools/lib/paths';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp, closeAppAndBrowser, STRICT_QUALITY_MODEL_URL } from '../helpers/test-app';
import {
  appUrl,
  choosePhoto,
  modelSettled,
  openApp,
  pollUntil,
  serviceWorkerControls,
  watchProblems,
  workerTensors,
} from './app-page';

const MODEL_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');
const FIELD_DIR = path.join(projectRoot, 'test', 'fixtures', 'data', 'rdd2022-china-motorbike');
const CAT = path.join(projectRoot, 'test', 'fixtures', 'images', 'cat.jpg');
const BASKETBALL = path.join(projectRoot, 'test', 'fixtures', 'images', 'basketball.jpg');

/** The shipped model's not-a-road score of each photo, in Node, by the worker's own code. */
async function notRoadScores(files: string[]): Promise<{ scores: number[]; threshold: number }> {
  await useBackend('wasm');
  const loaded = await loadModelDir(MODEL_DIR);
  try {
    const m = loaded.manifest;
    if (m.task !== 'road-damage' || !m.notRoad)
      throw new Error(`${MODEL_DIR} has no not-a-road statistics: it cannot say "not a road".`);
    const scorer = await readNotRoadStatsFor(MODEL_DIR, m);
    if (!scorer) throw new Error(`${MODEL_DIR} has no not-a-road statistics.`);
    const scores: number[] = [];
    for (const file of files) {
      const x = imageToModelInput(await readImageRgba(file), m.input);
      const forward = await damageForward(loaded.adapter, x, scorer, m.cam.layer);
      x.dispose();
      scores.push(forward.notRoadScores[0]!);
    }
    disposeNotRoadScorer(scorer);
    return { scores, threshold: scorer.threshold };
  } finally {
    loaded.dispose();
  }
}

interface Manifest {
  id: string;
  version: string;
  name: string;
  labels: string[];
  types: { name: string; title: string; parent?: string }[];
}
const manifest = JSON.parse(
  readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8'),
) as Manifest;
const MAIN_TYPES = manifest.types.filter((t) => !t.parent);

/** A field photo whose labels show a pothole (D40) and a crack (D00, D10 or D20). */
function potholeAndCrackPhoto(): string {
  const labels = JSON.parse(readFileSync(path.join(FIELD_DIR, 'labels.json'), 'utf8')) as Record<
    string,
    { class: string }[]
  >;
  const found = Object.entries(labels).find(([, boxes]) => {
    const classes = new Set(boxes.map((b) => b.class));
    return classes.has('D40') && ['D00', 'D10', 'D20'].some((c) => classes.has(c));
  });
  if (!found) throw new Error(`No photo with a pothole and a crack in ${FIELD_DIR}/labels.json`);
  return path.join(FIELD_DIR, found[0]);
}

interface RawSurvey {
  id: string;
  verdictKey: string;
  verdict: { label: string; potholeProbability: number } | null;
  model: { id: string; version: string } | null;
  photo: { width: number; height: number };
  typesFound?: string[];
  damage?: {
    outcome: string;
    probabilities: Record<string, number>;
    found: string[];
    notSure: string[];
    notRoad: { score: number; threshold: number; kept: boolean } | null;
    camTypes: string[];
  };
}

/** The surveys in IndexedDB as the app stored them (the parts these checks read). */
async function rawSurveys(page: Page): Promise<RawSurvey[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('roadcam');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const all = await new Promise<any[]>((resolve, reject) => {
      if (!db.objectStoreNames.contains('surveys')) return resolve([]);
      const req = db.transaction('surveys').objectStore('surveys').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return all.map((s) => ({
      id: s.id,
      verdictKey: s.verdictKey,
      verdict: s.verdict,
      model: s.model,
      photo: { width: s.photo.width, height: s.photo.height },
      typesFound: s.typesFound,
      damage: s.damage && {
        outcome: s.damage.outcome,
        probabilities: s.damage.probabilities,
        found: s.damage.found,
        notSure: s.damage.notSure,
        notRoad: s.damage.notRoad,
        camTypes: Object.keys(s.damage.cams ?? {}),
      },
    }));
  });
}

/** Waits for the photo's result: the verdict badge (or an error, which fails the test). */
async function resultShown(page: Page): Promise<void> {
  const outcome = await pollUntil(
    'the verdict of the photo',
    async () =>
      ((await page.getByTestId('error').textContent()) ?? '').trim() ||
      ((await page.getByTestId('verdict').count()) > 0 ? 'verdict' : ''),
    (v) => v !== '',
  );
  expect(outcome).toBe('verdict');
}

async function heatmapHash(page: Page): Promise<string> {
  const pixels = await page.getByTestId('heatmap').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    return Array.from(data.filter((_, i) => i % 97 === 0));
  });
  return createHash('sha256').update(JSON.stringify(pixels)).digest('hex');
}

let preview: Preview;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let catScore = 0;
let notRoadThreshold = 0;
/** A fixture photo the model turns away (the cat first). */
let turnedAway = '';

beforeAll(async () => {
  const scored = await notRoadScores([CAT, BASKETBALL]);
  [catScore] = scored.scores;
  notRoadThreshold = scored.threshold;
  const index = scored.scores.findIndex((s) => s > scored.threshold * 1.1);
  if (index < 0) {
    throw new Error(
      `The model in ${MODEL_DIR} turns away neither the cat nor the basketball (scores ` +
        `${scored.scores.map((s) => s.toPrecision(3)).join(', ')}, threshold ` +
        `${scored.threshold.toPrecision(3)}): there is no photo to show "not a road" with.`,
    );
  }
  turnedAway = [CAT, BASKETBALL][index];
  preview = await startTestApp();
  browser = await launchProfile();
  // model: null opens the app's own default model.
  page = await openApp(browser.context, preview.origin, { model: null });
  problems = watchProblems(page);
});

afterAll(() => closeAppAndBrowser(browser, preview));

describe('road damage, not a road and photo quality (real Chromium, default model)', () => {
  it('opens with the road-damage model, and the service worker precaches it beside the pothole model', async () => {
    expect(await modelSettled(page)).toBe(`Model ready: ${manifest.name}`);
    await serviceWorkerControls(page);
    const cached = await pollUntil(
      'the precache',
      () =>
        page.evaluate(async () => {
          const urls: string[] = [];
          for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys())
              urls.push(new URL(request.url).pathname);
          }
          return urls;
        }),
      (urls) => urls.includes('/models/road-damage/manifest.json'),
    );
    // A model.json and the weight files it names, relative to the model folder.
    const modelFiles = (modelUrl: string) => {
      const json = JSON.parse(readFileSync(path.join(MODEL_DIR, modelUrl), 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      const dir = path.posix.dirname(modelUrl);
      const weights = json.weightsManifest.flatMap((g) => g.paths);
      return [modelUrl, ...weights.map((p) => (dir === '.' ? p : `${dir}/${p}`))];
    };
    const notRoad = (
      JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as {
        notRoad: { statsUrl: string; network?: { modelUrl: string } };
      }
    ).notRoad;
    const files = [
      'manifest.json',
      ...modelFiles('model.json'),
      notRoad.statsUrl,
      // The not-a-road check's own network, when it has one: offline it must be there too.
      ...(notRoad.network ? modelFiles(notRoad.network.modelUrl) : []),
    ];
    for (const file of files) expect(cached).toContain(`/models/road-damage/${file}`);
    expect(cached).toContain('/models/pothole/manifest.json');
    expect(cached).not.toContain('/models/road-damage/split.json');
  });

  it("the cat gets the answer of the model's own not-a-road score", async () => {
    // Decode and resize differ a little between Node and the browser: only a clear margin counts.
    expect(Math.abs(catScore - notRoadThreshold) / notRoadThreshold).toBeGreaterThan(0.1);
    await choosePhoto(page, CAT);
    await resultShown(page);
    const shown = (await page.getByTestId('not-road').count()) > 0;
    expect(shown).toBe(catScore > notRoadThreshold);
    const label = await page.getByTestId('verdict').getAttribute('data-label');
    if (shown) expect(label).toBe('not-a-road');
    else expect(label).not.toBe('not-a-road');
    if (shown) {
      await page.getByTestId('discard-not-road').click();
    } else {
      // A road answer is saved at once: wait for it, so the next test counts only its own.
      await pollUntil(
        'the cat survey to be saved',
        async () => (await page.getByTestId('notice').textContent()) ?? '',
        (t) => /Saved/.test(t),
      );
    }
  });

  it('a photo the model turns away: "This doesn\'t look like a road surface", nothing saved until kept, then stored as not a road', async () => {
    const before = await rawSurveys(page);
    await choosePhoto(page, turnedAway);
    await resultShown(page);
    const notRoad = page.getByTestId('not-road');
    await notRoad.waitFor();
    expect(await notRoad.textContent()).toContain("This doesn't look like a road surface");
    const verdict = page.getByTestId('verdict');
    expect(await verdict.getAttribute('data-label')).toBe('not-a-road');
    expect(await verdict.textContent()).toMatch(/Not a road/);
    expect(await verdict.textContent()).not.toMatch(/Good road/);
    // Held, not saved: the engineer has not chosen yet.
    await page.waitForTimeout(500);
    expect((await rawSurveys(page)).length).toBe(before.length);

    await page.getByTestId('keep-not-road').click();
    await page.getByTestId('not-road-kept').waitFor();
    const after = await pollUntil(
      'the kept survey',
      () => rawSurveys(page),
      (s) => s.length === before.length + 1,
    );
    const kept = after.find((s) => !before.some((b) => b.id === s.id))!;
    expect(kept.verdict?.label).toBe('not-a-road');
    expect(kept.verdictKey).toBe('not-a-road');
    expect(kept.damage?.outcome).toBe('not-a-road');
    expect(kept.damage?.notRoad?.kept).toBe(true);
    expect(kept.damage!.notRoad!.score).toBeGreaterThan(kept.damage!.notRoad!.threshold);
    expect(kept.damage?.found).toEqual([]);
    expect(kept.typesFound).toEqual([]);
    expect(Object.keys(kept.damage!.probabilities).sort()).toEqual([...manifest.labels].sort());
    expect(kept.model).toEqual({ id: manifest.id, version: manifest.version });

    // The list shows it as "Not a road" under its own filter, never under "Good road".
    await page.getByRole('link', { name: 'Surveys' }).click();
    await page.locator('#verdict-filter').selectOption('not-a-road');
    const item = page.locator(`[data-testid="survey-item"][data-id="${kept.id}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-title')).toBe('Not a road');
    await page.locator('#verdict-filter').selectOption('normal');
    await pollUntil(
      'the good-road filter to drop it',
      () => item.count(),
      (n) => n === 0,
    );
    await page.locator('#verdict-filter').selectOption('');
    await page.getByRole('link', { name: 'Survey', exact: true }).click();
  });

  it('a field photo with a pothole and a crack: every type with its own heatmap, one tap apart', async () => {
    const before = await rawSurveys(page);
    await choosePhoto(page, potholeAndCrackPhoto());
    await resultShown(page);
    expect(await page.getByTestId('not-road').count()).toBe(0);
    const saved = await pollUntil(
      'the survey to be saved',
      () => rawSurveys(page),
      (s) => s.length === before.length + 1,
    );
    const record = saved.find((s) => !before.some((b) => b.id === s.id))!;

    const toggles = page.getByTestId('type-toggle');
    const types = await toggles.evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    for (const t of MAIN_TYPES) expect(types).toContain(t.name);
    const hashes = new Set<string>();
    for (const t of MAIN_TYPES) {
      await page.locator(`[data-testid="type-toggle"][data-type="${t.name}"]`).click();
      await pollUntil(
        `the ${t.name} heatmap`,
        () => page.getByTestId('heatmap').getAttribute('aria-label'),
        (label) => !!label && label.includes(`of ${t.title}`),
      );
      const pressed = await page
        .locator('[data-testid="type-toggle"][aria-pressed="true"]')
        .getAttribute('data-type');
      expect(pressed).toBe(t.name);
      const drawn = await page.getByTestId('heatmap').getAttribute('data-drawn');
      if (drawn === 'heatmap') hashes.add(await heatmapHash(page));
      else expect(await page.getByTestId('where-looked').textContent()).toMatch(/empty/);
    }
    // Each type's own map: at least two of them differ on screen.
    expect(hashes.size).toBeGreaterThanOrEqual(2);

    // The record: every type's probability, the types found, a heatmap per type, the model.
    expect(Object.keys(record.damage!.probabilities).sort()).toEqual([...manifest.labels].sort());
    for (const p of Object.values(record.damage!.probabilities)) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
    expect(record.damage!.camTypes.sort()).toEqual(
      expect.arrayContaining(MAIN_TYPES.map((t) => t.name)),
    );
    expect(record.typesFound).toEqual(record.damage!.found);
    expect(record.damage!.notRoad?.kept).toBe(false);
    expect(record.damage!.notRoad!.score).toBeLessThanOrEqual(record.damage!.notRoad!.threshold);
    expect(record.model).toEqual({ id: manifest.id, version: manifest.version });
    const lines = await page.getByTestId('type-lines').locator('li').count();
    expect(lines).toBe(manifest.labels.length);

    // The saved survey offers the same per-type heatmaps.
    await page.goto(`${preview.origin}/surveys/${record.id}`);
    await page.getByTestId('type-toggle').first().waitFor();
    const saved2 = await page
      .getByTestId('type-toggle')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(saved2.sort()).toEqual([...types].sort());
    const other = MAIN_TYPES[MAIN_TYPES.length - 1];
    await page.locator(`[data-testid="type-toggle"][data-type="${other.name}"]`).click();
    await pollUntil(
      'the saved heatmap of another type',
      () => page.getByTestId('heatmap').getAttribute('aria-label'),
      (label) => !!label && label.includes(`of ${other.title}`),
    );
    await page.goto(`${preview.origin}/`);
    await page.locator('rc-capture').waitFor();
    expect(await modelSettled(page)).toMatch(/^Model ready/);
  });

  it("a phone's 12-megapixel photo: the verdict of its preview is the verdict of the photo kept, which is 1600 px", async () => {
    // The same road at a phone camera's 4000x3000 and at the 1600x1200 the app keeps: the
    // first is analysed from a 1000x750 preview (PREVIEW_LONG_SIDE), the second as it is.
    const large = await sharp(potholeAndCrackPhoto())
      .resize(4000, 3000, { fit: 'fill', kernel: 'lanczos3' })
      .jpeg({ quality: 92 })
      .toBuffer();
    const kept = await sharp(large).resize(1600, 1200).jpeg({ quality: 92 }).toBuffer();
    const decodesToKeep = () =>
      page.evaluate(() => performance.getEntriesByName('roadcam:stage:decode to keep').length);
    const analysed = async (name: string, buffer: Buffer) => {
      const before = await rawSurveys(page);
      await choosePhoto(page, { name, mimeType: 'image/jpeg', buffer });
      await resultShown(page);
      const saved = await pollUntil(
        `the survey of ${name} to be saved`,
        () => rawSurveys(page),
        (s) => s.length === before.length + 1,
      );
      const record = saved.find((s) => !before.some((b) => b.id === s.id))!;
      const photo = [record.photo.width, record.photo.height];
      // The page's stage measures are of the last photo only (cleared when one is chosen).
      return { record, photo, decodedToKeep: await decodesToKeep() };
    };
    const shownWidth = () =>
      page.locator('rc-survey-page rc-explanation rc-heatmap canvas').evaluate((c) => {
        return (c as HTMLCanvasElement).width;
      });
    const phone = await analysed('phone-12mp.jpg', large);
    // Shown from its 1000 px preview first, then as kept, at 1600 px, for zooming in.
    expect(await pollUntil('the photo as kept shown', shownWidth, (w) => w === 1600)).toBe(1600);
    const same = await analysed('same-1600.jpg', kept);
    // The large photo went the preview's way (its photo decoded again to keep), the other not.
    expect(phone.decodedToKeep).toBe(1);
    expect(same.decodedToKeep).toBe(0);
    expect(phone.photo).toEqual([1600, 1200]);
    expect(same.photo).toEqual([1600, 1200]);
    for (const label of manifest.labels) {
      expect(
        Math.abs(
          phone.record.damage!.probabilities[label] - same.record.damage!.probabilities[label],
        ),
        label,
      ).toBeLessThan(0.05);
    }
    expect(phone.record.damage!.found.sort()).toEqual(same.record.damage!.found.sort());
    expect(
      Math.abs(phone.record.damage!.notRoad!.score - same.record.damage!.notRoad!.score),
    ).toBeLessThan(0.02);
  });

  it('a dark photo gets the darkness hint before the verdict', async () => {
    const dark = await sharp(potholeAndCrackPhoto())
      .linear(0.12, 0)
      .jpeg({ quality: 92 })
      .toBuffer();
    await choosePhoto(page, { name: 'dark-road.jpg', mimeType: 'image/jpeg', buffer: dark });
    await resultShown(page);
    const hint = page.getByTestId('quality-hint');
    await hint.waitFor();
    expect(await hint.textContent()).toMatch(/too dark/);
    const hintFirst = await page.locator('rc-survey-page').evaluate((el) => {
      const root = el.shadowRoot!;
      const order = [...root.querySelectorAll('[data-testid="quality-hint"], rc-explanation')];
      return order[0]?.getAttribute('data-testid') === 'quality-hint';
    });
    expect(hintFirst).toBe(true);
    // A well-lit photo gets no hint.
    await choosePhoto(page, potholeAndCrackPhoto());
    await resultShown(page);
    expect(await page.getByTestId('quality-hint').count()).toBe(0);
  });

  it("a model's own photo-quality thresholds are the ones the photo is checked against", async () => {
    const strict = await browser.context.newPage();
    try {
      await strict.goto(appUrl(preview.origin, { model: STRICT_QUALITY_MODEL_URL }));
      expect(await modelSettled(strict)).toMatch(/^Model ready/);
      // The photo the default model found well lit: under this model's threshold, too dark.
      await choosePhoto(strict, potholeAndCrackPhoto());
      await resultShown(strict);
      const hint = strict.getByTestId('quality-hint');
      await hint.waitFor();
      expect(await hint.textContent()).toMatch(/too dark/);
    } finally {
      await strict.close();
    }
  });

  it('the worker kept no tensors and the page stayed clean', async () => {
    const live = await workerTensors(page);
    await choosePhoto(page, potholeAndCrackPhoto());
    await resultShown(page);
    await page.waitForTimeout(300);
    expect(await workerTensors(page)).toBe(live);
    expect(problems).toEqual([]);
  });
});
