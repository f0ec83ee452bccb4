/**
 * What the browser tests do to the app, in the words of a user (open it, choose a photo, read
 * the verdict) plus two looks under the hood that a user cannot take: the records in
 * IndexedDB and the pixels of a stored photo.
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { testModelUrl } from '../helpers/test-app';
import { defaultThreads } from '../../src/workers/worker-config';

export interface OpenOptions {
  /** Model manifest path; default: the default model, or the tiny test model without it. */
  model?: string | null;
  backend?: 'auto' | 'threaded-simd' | 'simd' | 'plain' | 'cpu';
  /** The threaded wasm build's thread count (?threads=). */
  threads?: number;
  path?: string;
}

/** Polls `read` until `done` holds; fails with what was last read (usable outside a test too). */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeout = 60_000,
): Promise<T> {
  const end = Date.now() + timeout;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > end)
      throw new Error(
        `Timed out after ${timeout} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

export function appUrl(origin: string, options: OpenOptions = {}): string {
  const params = new URLSearchParams();
  const model = options.model === undefined ? testModelUrl() : options.model;
  if (model) params.set('model', model);
  if (options.backend) params.set('backend', options.backend);
  if (options.threads) params.set('threads', String(options.threads));
  const query = params.toString();
  return `${origin}${options.path ?? '/'}${query ? `?${query}` : ''}`;
}

/**
 * The engine line the app's own choice shows on an isolated page of this machine: threaded SIMD
 * when it would run more than one thread (more than 3 cores), SIMD otherwise.
 */
export async function defaultEngineText(page: Page): Promise<RegExp> {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency || 1);
  return defaultThreads(cores) > 1
    ? /^wasm \(threaded-SIMD\), \d+ threads$/
    : /^wasm \(SIMD\), 1 thread$/;
}

/** Console errors and page crashes, so a test can say the app stayed clean. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('crash', () => problems.push('page crashed'));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return problems;
}

export async function openApp(
  context: BrowserContext,
  origin: string,
  options: OpenOptions = {},
): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(appUrl(origin, options));
  await page.locator('rc-capture').waitFor();
  return page;
}

/** Waits until the model has loaded or failed; returns the status line. */
export async function modelSettled(page: Page, timeout = 60_000): Promise<string> {
  const status = page.getByTestId('model-status');
  return pollUntil(
    'the model to load or fail',
    async () => (await status.textContent()) ?? '',
    (t) => t !== '' && !/loading/i.test(t),
    timeout,
  );
}

export async function backendText(page: Page, timeout = 60_000): Promise<string> {
  const backend = page.getByTestId('backend');
  return pollUntil(
    'the backend to start',
    async () => (await backend.textContent()) ?? '',
    (t) => t !== '' && !/starting/.test(t),
    timeout,
  );
}

export type PhotoFile = string | { name: string; mimeType: string; buffer: Buffer };

/** Chooses a photo and waits until the app has taken it (old result cleared). */
export async function choosePhoto(page: Page, file: PhotoFile): Promise<void> {
  const survey = page.locator('rc-survey-page');
  const before = Number(await survey.getAttribute('data-photos-chosen'));
  await page.getByTestId('photo-input').setInputFiles(file);
  await pollUntil(
    'the app to take the photo',
    async () => Number(await survey.getAttribute('data-photos-chosen')),
    (n) => n > before,
    10_000,
  );
}

/** Waits for the analysis of the chosen photo to end: a verdict (or "not analysed"), or an error. */
export async function analysisSettled(page: Page, timeout = 60_000): Promise<'verdict' | 'error'> {
  const verdict = page.getByTestId('verdict');
  const error = page.getByTestId('error');
  const outcome = await pollUntil(
    'a verdict or an error',
    async () =>
      (await error.textContent())?.trim() ? 'error' : (await verdict.count()) > 0 ? 'verdict' : '',
    (v) => v !== '',
    timeout,
  );
  if (outcome === 'error') return 'error';
  // The record is saved right after the verdict appears.
  await pollUntil(
    'the survey to be saved',
    async () =>
      (await error.textContent())?.trim()
        ? 'error'
        : ((await page
            .getByTestId('notice')
            .textContent()
            .catch(() => '')) ?? ''),
    (t) => /Saved/.test(t) || t === 'error',
    timeout,
  );
  return (await error.textContent())?.trim() ? 'error' : 'verdict';
}

/**
 * The Drive page: sets the frame cap (when given) and the same-damage distance, starts a run and
 * waits until it runs; returns the page's element.
 */
export async function startDriveRun(
  page: Page,
  settings: { maxFps?: number; sameDamageM: number },
): Promise<Locator> {
  await page.getByRole('link', { name: 'Drive' }).click();
  const drive = page.locator('rc-drive-page');
  const set = async (label: string, value: number) => {
    await drive.getByLabel(label).fill(String(value));
    await drive.getByLabel(label).dispatchEvent('change');
  };
  if (settings.maxFps !== undefined) await set('Frames per second at most', settings.maxFps);
  await set('Same damage within (m)', settings.sameDamageM);
  await drive.getByRole('button', { name: 'Start drive' }).click();
  await pollUntil(
    'the run to start',
    () => drive.getAttribute('data-state'),
    (s) => s === 'running',
  );
  return drive;
}

/** Stop on the Drive page (startDriveRun's element); waits until it shows the ended run. */
export async function stopDriveRun(drive: Locator): Promise<void> {
  await drive.getByRole('button', { name: 'Stop' }).click();
  await pollUntil(
    'the drive page to show the ended run',
    () => drive.getAttribute('data-state'),
    (s) => s === 'ended',
  );
}

export interface StoredSurvey {
  id: string;
  verdictKey: string;
  verdict: { label: string; potholeProbability: number; lowConfidence: boolean } | null;
  photo: { width: number; height: number; bytes: number; sha256: string };
  camSize: [number, number] | null;
  position: { lat: number; lon: number; accuracyM: number | null; source: string } | null;
  noPositionReason: string | null;
  notes: string;
  severity: number | null;
  photoBlobBytes: number;
  photoBlobSha256: string;
}

/**
 * Every record of one object store of the app's IndexedDB ([] when the store does not exist),
 * or only the one with `key`.
 */
export async function storedRecords<T>(page: Page, store: string, key?: string): Promise<T[]> {
  return page.evaluate(
    async ({ name, key }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      try {
        if (!db.objectStoreNames.contains(name)) return [];
        return await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(name).objectStore(name).getAll(key);
          req.onsuccess = () => resolve(req.result as unknown[]);
          req.onerror = () => reject(req.error);
        });
      } finally {
        db.close();
      }
    },
    { name: store, key },
  ) as Promise<T[]>;
}

/** The surveys in the app's IndexedDB, newest first, with the size and hash of each stored photo. */
export async function storedSurveys(page: Page): Promise<StoredSurvey[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('roadcam');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = <T>(store: string) =>
      new Promise<T[]>((resolve, reject) => {
        if (!db.objectStoreNames.contains(store)) return resolve([]);
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result as T[]);
        req.onerror = () => reject(req.error);
      });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const surveys = await all<any>('surveys');
    const photos = new Map(
      (await all<{ id: string; blob: Blob }>('photos')).map((p) => [p.id, p.blob]),
    );
    db.close();
    const hex = async (blob: Blob) =>
      Array.from(
        new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())),
        (b) => b.toString(16).padStart(2, '0'),
      ).join('');
    const out = [];
    for (const s of surveys.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))) {
      const blob = photos.get(s.id);
      out.push({
        id: s.id,
        verdictKey: s.verdictKey,
        verdict: s.verdict,
        photo: s.photo,
        camSize: s.cam ? [s.cam.width, s.cam.height] : null,
        position: s.position,
        noPositionReason: s.noPositionReason,
        notes: s.notes,
        severity: s.severity,
        photoBlobBytes: blob ? blob.size : -1,
        photoBlobSha256: blob ? await hex(blob) : '',
      });
    }
    return out;
  }) as Promise<StoredSurvey[]>;
}

/** Mean RGB of the stored photo of a survey in a box given as fractions of its size. */
export async function storedPhotoColour(
  page: Page,
  id: string,
  box: { x: number; y: number; width: number; height: number },
): Promise<[number, number, number]> {
  return page.evaluate(
    async ({ id, box }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const row = await new Promise<{ blob: Blob }>((resolve, reject) => {
        const req = db.transaction('photos').objectStore('photos').get(id);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      db.close();
      const bitmap = await createImageBitmap(row.blob);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const x = Math.floor(box.x * bitmap.width);
      const y = Math.floor(box.y * bitmap.height);
      const w = Math.max(1, Math.floor(box.width * bitmap.width));
      const h = Math.max(1, Math.floor(box.height * bitmap.height));
      const data = ctx.getImageData(x, y, w, h).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) {
        sum[0] += data[i];
        sum[1] += data[i + 1];
        sum[2] += data[i + 2];
      }
      const n = data.length / 4;
      return [sum[0] / n, sum[1] / n, sum[2] / n] as [number, number, number];
    },
    { id, box },
  );
}

/** Waits until a service worker controls the page. */
export async function serviceWorkerControls(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout,
  });
}

/** Live tensors in the analysis worker (leak check). */
export async function workerTensors(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const app = document.querySelector('roadcam-app') as unknown as {
      services: { analysis: { liveTensors(): Promise<number> } };
    };
    return app.services.analysis.liveTensors();
  });
}

/**
 * What Chromium does when the network comes back: a Background Sync `sync` event with the
 * outbox's tag, to the app's service worker at `origin`, whether or not a page of the app is
 * open (`page` is any page of the context, for the DevTools session).
 */
export async function fireBackgroundSync(
  context: BrowserContext,
  page: Page,
  origin: string,
): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (event) =>
    registrations.push(...event.registrations),
  );
  await cdp.send('ServiceWorker.enable');
  const registration = await pollUntil(
    'the service worker registration',
    async () => registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted),
    (r) => r !== undefined,
    10_000,
  );
  await cdp.send('ServiceWorker.dispatchSyncEvent', {
    origin,
    registrationId: registration!.registrationId,
    tag: 'roadcam-outbox',
    lastChance: false,
  });
  await cdp.detach();
}
