/**
 * `npm run bench:app`: the field app's speed in real Chromium, against the production build
 * (vite preview with the isolation headers), for the threaded-SIMD and the SIMD wasm backends
 * side by side in one run. Reports medians of:
 *   - photo_to_verdict: photo chosen -> verdict on screen (≥ 20 road photos, model warm);
 *   - photo_to_heatmap: photo chosen -> heatmap drawn over the photo;
 *   - cold_start_to_verdict: a new browser process on a profile where the service worker has
 *     cached everything, offline, page opened and a photo chosen at once -> first verdict.
 * Times come from the app's own user-timing marks (roadcam:photo-chosen, roadcam:verdict-shown,
 * roadcam:heatmap-shown; cold start from navigation start). Unthrottled: Chrome's CPU throttling
 * does not reach Web Workers, where all the work runs.
 *
 *   npm run bench:app [-- --photos 24] [-- --cold 10] [-- --json FILE] [-- --max-wait MINUTES]
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  chromiumVersion,
  launchProfile,
  removeProfile,
  type LaunchedProfile,
} from '../lib/chromium';
import { buildApp, startPreview, DEFAULT_MODEL_FILE } from '../lib/preview-server';
import { projectRoot, sharedPath } from '../lib/paths';
import { machineDescription } from '../lib/machine';
import { loadFields, loadSentence, maxWaitMinutesArg, waitForQuietMachine } from './quiet-machine';
import { median } from '../lib/median';
import { arg, writeBenchmarkSection } from './report';

type Backend = 'threaded-simd' | 'simd';
type What = 'photo_to_verdict' | 'photo_to_heatmap' | 'cold_start_to_verdict';

function roadPhotos(count: number): string[] {
  const take = (dir: string, n: number) => {
    const folder = sharedPath('data', 'potholes-kaggle', dir);
    return readdirSync(folder)
      .filter((f) => f.endsWith('.jpg'))
      .sort((a, b) => parseInt(a) - parseInt(b))
      .slice(0, n)
      .map((f) => path.join(folder, f));
  };
  return [...take('potholes', Math.ceil(count / 2)), ...take('normal', Math.floor(count / 2))];
}

function url(origin: string, backend: Backend): string {
  const params = new URLSearchParams();
  if (backend === 'simd') params.set('backend', 'simd');
  const q = params.toString();
  return `${origin}/${q ? `?${q}` : ''}`;
}

async function waitFor(
  page: Page,
  what: string,
  test: () => Promise<boolean>,
  timeout = 120_000,
): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function engineText(page: Page): Promise<string> {
  let text = '';
  await waitFor(page, 'the model', async () => {
    const status = (await page.getByTestId('model-status').textContent()) ?? '';
    text = (await page.getByTestId('backend').textContent()) ?? '';
    if (/not loaded/.test(status)) throw new Error(`the model did not load: ${status}`);
    return /Model ready/.test(status) && !/starting/.test(text);
  });
  return text;
}

async function marks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
  );
}

async function surveyOne(page: Page, file: string): Promise<Record<string, number>> {
  await page.getByTestId('photo-input').setInputFiles(file);
  let m: Record<string, number> = {};
  await waitFor(page, 'the verdict and heatmap marks', async () => {
    m = await marks(page);
    const error = ((await page.getByTestId('error').textContent()) ?? '').trim();
    if (error) throw new Error(`${path.basename(file)}: ${error}`);
    return 'roadcam:saved' in m && 'roadcam:verdict-shown' in m && 'roadcam:heatmap-shown' in m;
  });
  return m;
}

async function benchBackend(origin: string, backend: Backend, photos: string[], colds: number) {
  const breakdown: Record<string, number[]> = {};
  const samples: Record<What, number[]> = {
    photo_to_verdict: [],
    photo_to_heatmap: [],
    cold_start_to_verdict: [],
  };
  let browser: LaunchedProfile = await launchProfile();
  let engine: string;
  try {
    const page = await browser.context.newPage();
    await page.goto(url(origin, backend));
    engine = await engineText(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 60_000,
    });
    // One photo first so that a first-call cost is not counted as a warm one.
    await surveyOne(page, photos[0]);
    for (const file of photos) {
      const m = await surveyOne(page, file);
      samples.photo_to_verdict.push(m['roadcam:verdict-shown'] - m['roadcam:photo-chosen']);
      samples.photo_to_heatmap.push(m['roadcam:heatmap-shown'] - m['roadcam:photo-chosen']);
    }
    for (let i = 0; i < colds; i++) {
      await browser.close();
      browser = await launchProfile({ userDataDir: browser.userDataDir, offline: true });
      const cold = browser.context.pages()[0] ?? (await browser.context.newPage());
      await cold.goto(url(origin, backend));
      await cold.getByTestId('photo-input').waitFor({ state: 'attached' });
      const m = await surveyOne(cold, photos[i % photos.length]);
      samples.cold_start_to_verdict.push(m['roadcam:verdict-shown']);
      const inside = await cold.evaluate(() => {
        const { state } = (
          document.querySelector('roadcam-app') as unknown as {
            services: {
              state: {
                engine: { startMs: number } | null;
                modelStatus: { loadMs?: number; warmUpMs?: number };
              };
            };
          }
        ).services;
        return {
          wasm: state.engine?.startMs ?? NaN,
          model: state.modelStatus.loadMs ?? NaN,
          warmUp: state.modelStatus.warmUpMs ?? NaN,
        };
      });
      for (const [key, value] of Object.entries({
        'page until the worker starts': m['roadcam:engine-start'],
        'worker start until the backend runs':
          m['roadcam:backend-ready'] - m['roadcam:engine-start'],
        '  of which tfjs wasm start-up (in the worker)': inside.wasm,
        'backend until the model is ready': m['roadcam:model-settled'] - m['roadcam:backend-ready'],
        '  model load incl. warm-up pass (in the worker)': inside.model,
        '  of which the warm-up pass': inside.warmUp,
        'model ready until the verdict is shown':
          m['roadcam:verdict-shown'] - m['roadcam:model-settled'],
      })) {
        (breakdown[key] ??= []).push(value);
      }
    }
  } finally {
    await browser.close();
    removeProfile(browser.userDataDir);
  }
  return { engine, samples, breakdown };
}

async function main(): Promise<void> {
  const photoCount = Number(arg('photos', '24'));
  const colds = Number(arg('cold', '10'));
  const jsonFile = process.argv.includes('--json') ? arg('json', '') : '';
  if (!existsSync(DEFAULT_MODEL_FILE)) {
    throw new Error(
      `bench:app measures the app with its default model, and ${DEFAULT_MODEL_FILE} is missing: ` +
        'restore it (git checkout public/models/pothole) or train one (npm run train).',
    );
  }
  const photos = roadPhotos(photoCount);
  const dist = await buildApp();
  const preview = await startPreview({ dist });
  const quiet = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
  const rows: { backend: Backend; what: What; median_ms: number }[] = [];
  const detail: string[] = [];
  try {
    for (const backend of ['threaded-simd', 'simd'] as Backend[]) {
      const { engine, samples, breakdown } = await benchBackend(
        preview.origin,
        backend,
        photos,
        colds,
      );
      detail.push(
        `- ${backend}: the app reported "${engine}". Cold start, medians (ms): ${Object.entries(
          breakdown,
        )
          .map(([k, xs]) => `${k.trim()} ${Math.round(median(xs))}`)
          .join('; ')}.`,
      );
      for (const what of Object.keys(samples) as What[]) {
        const xs = samples[what];
        rows.push({ backend, what, median_ms: Math.round(median(xs) * 10) / 10 });
        console.log(
          `${backend} ${what}: median ${median(xs).toFixed(1)} ms over ${xs.length} (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`,
        );
      }
    }
  } finally {
    await preview.close();
  }
  const load = loadFields(quiet);
  if (jsonFile)
    writeFileSync(
      jsonFile,
      JSON.stringify(
        rows.map((r) => ({ ...r, ...load })),
        null,
        2,
      ),
    );

  const model = path.relative(projectRoot, DEFAULT_MODEL_FILE);
  const get = (b: Backend, w: What) => rows.find((r) => r.backend === b && r.what === w)!.median_ms;
  const body = [
    '## Field app: speed (`npm run bench:app`)',
    '',
    `Command: \`npm run bench:app\` (${photos.length} road photos from potholes-kaggle per backend after one warm-up photo; ${colds} cold starts per backend). Production build served by \`vite preview\` with the isolation headers, headless Chromium, model: ${model}. Medians, in ms, from the app's own user-timing marks. **Unthrottled**: Chrome's CPU throttling does not reach Web Workers, where decoding, inference and CAM run.`,
    `Machine: ${machineDescription(chromiumVersion())}; measured ${new Date().toISOString().slice(0, 10)}. ${loadSentence(quiet, load.load_1m)}`,
    '',
    '| Backend | photo → verdict | photo → heatmap | cold start (offline, SW cached) → first verdict |',
    '|---|---|---|---|',
    ...(['threaded-simd', 'simd'] as Backend[]).map(
      (b) =>
        `| ${b} | ${get(b, 'photo_to_verdict')} | ${get(b, 'photo_to_heatmap')} | ${get(b, 'cold_start_to_verdict')} |`,
    ),
    '',
    `Ratio SIMD / threaded-SIMD, photo → heatmap: ${(get('simd', 'photo_to_heatmap') / get('threaded-simd', 'photo_to_heatmap')).toFixed(2)}. Aims (issue 3): heatmap within 100 ms of the photo, cold start to first verdict within 1500 ms.`,
    ...detail,
  ].join('\n');
  writeBenchmarkSection('bench-app', body);
  console.log(`\n${body}\n\nWritten to docs/BENCHMARKS.md (section "bench-app").`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
