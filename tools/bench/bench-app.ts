/**
 * `npm run bench:app`: the field app's speed in real Chromium, against the production build
 * (vite preview with the isolation headers), for the threaded-SIMD and the SIMD wasm backends
 * side by side in one run. Reports medians of:
 *   - photo_to_verdict: photo chosen -> verdict on screen (model warm);
 *   - photo_to_heatmap: photo chosen -> heatmap drawn over the photo;
 *     both for 256 px road photos and for a 4000x3000 JPEG (a phone's 12 megapixels);
 *   - cold_start_to_verdict: a new browser process on a profile where the service worker has
 *     cached everything, offline, page opened and a photo chosen at once -> first verdict;
 *   - where the time of a photo goes: the app's stage measures (roadcam:stage:*: the trip to
 *     the worker, reading, decoding, drawing, encoding, resizing, inference, CAM, heatmap, the
 *     reply, rendering and drawing, the next frame, storing).
 * Times come from the app's own user-timing marks (roadcam:photo-chosen, roadcam:verdict-shown,
 * roadcam:heatmap-shown; cold start from navigation start).
 *
 * Photos: always test/fixtures' road photos (256 px, licensed, in every clone), never ../shared,
 * so the figures of two machines or two runs come from the same photos and a clone runs it.
 *
 *   npm run bench:app -- [--photos 24] [--large 5] [--cold 10] [--threads 1,2]
 *     [--cpu-share 0.2] [--backends threaded-simd,simd] [--json FILE] [--max-wait MINUTES]
 *     [--write-docs] [--with-browser-ui]
 *
 * The browser is launched without desktop Chromium's address-bar popups (tools/lib/chromium.ts,
 * BROWSER_UI_FEATURES): WebUI pages a phone's Chrome does not have, whose start-up took CPU
 * from every cold start measured; --with-browser-ui keeps them, to compare.
 *
 * --threads N,M: the threaded build's thread count (the app's ?threads=), one run each; without
 *   it the app's default. --cpu-share S: also runs with Chromium, workers included, held to S
 *   of one core by a cgroup v1 CPU quota (root only; tools/lib/cpu-quota.ts), beside the full
 *   speed run. --write-docs replaces the bench-app section of docs/BENCHMARKS.md.
 */
import { mkdtempSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  chromiumVersion,
  findChromium,
  launchProfile,
  removeProfile,
  type LaunchedProfile,
} from '../lib/chromium';
import { createCpuQuota, parseCpuShares, type CpuQuota } from '../lib/cpu-quota';
import { buildApp, startPreview, DEFAULT_MODEL_FILE } from '../lib/preview-server';
import { projectRoot } from '../lib/paths';
import { machineDescription } from '../lib/machine';
import { loadFields, loadSentence, maxWaitMinutesArg, waitForQuietMachine } from './quiet-machine';
import { median } from '../lib/median';
import { ToolError } from '../lib/tool-error';
import { arg, markdownTable, writeBenchmarkSection } from './report';
import { LARGE_HEIGHT, LARGE_WIDTH, makeLargePhoto } from './large-photo';

type Backend = 'threaded-simd' | 'simd';
type What = 'photo_to_verdict' | 'photo_to_heatmap' | 'cold_start_to_verdict';
type PhotoKind = '256px' | '4000x3000';

interface RunConfig {
  backend: Backend;
  /** Threads asked for with ?threads= (threaded build only); null: the app's default. */
  threads: number | null;
  cpuShare: number;
}

interface Row {
  backend: Backend;
  threads: number;
  threads_asked: number | null;
  cpu_share: number;
  photo: PhotoKind;
  what: What;
  median_ms: number;
  runs: number;
}

const FIXTURE_FOLDERS = [
  'test/fixtures/data/potholes-annotated/images',
  'test/fixtures/data/rdd2022-china-motorbike/images',
];
/** The photo the 4000x3000 JPEG is made from (256x256, ODbL; see test/fixtures/NOTICE.md). */
const LARGE_SOURCE = 'test/fixtures/data/potholes-annotated/images/img-108.jpg';

/** `count` road photos from the fixtures, taken in turn from each folder, repeated as needed. */
function roadPhotos(count: number): string[] {
  const folders = FIXTURE_FOLDERS.map((f) =>
    readdirSync(path.join(projectRoot, f))
      .filter((name) => name.endsWith('.jpg'))
      .sort()
      .map((name) => path.join(projectRoot, f, name)),
  );
  const all: string[] = [];
  const longest = Math.max(...folders.map((f) => f.length));
  for (let i = 0; i < longest; i++)
    for (const folder of folders) if (i < folder.length) all.push(folder[i]);
  return Array.from({ length: count }, (_, i) => all[i % all.length]);
}

function positiveInt(name: string, fallback: string, min = 0): number {
  const text = arg(name, fallback);
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new ToolError(
      'bad-argument',
      `--${name} takes a whole number of at least ${min}, not "${text}".`,
    );
  }
  return n;
}

function threadsList(): (number | null)[] {
  if (!process.argv.includes('--threads')) return [null];
  const text = arg('threads', '');
  const list = text.split(',').map((t) => Number(t.trim()));
  if (text === '' || list.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
    throw new ToolError(
      'bad-argument',
      `--threads takes thread counts from 1 to 16 separated by commas (e.g. 1,2), not "${text}".`,
    );
  }
  return list;
}

function backendsList(): Backend[] {
  const text = arg('backends', 'threaded-simd,simd');
  const list = text.split(',').map((b) => b.trim());
  const bad = list.filter((b) => b !== 'threaded-simd' && b !== 'simd');
  if (bad.length || list.length === 0) {
    throw new ToolError(
      'bad-argument',
      `--backends takes threaded-simd and/or simd separated by commas, not "${text}".`,
    );
  }
  return list as Backend[];
}

function url(origin: string, run: RunConfig): string {
  const params = new URLSearchParams();
  // Asked by name: the app's own choice (auto) depends on the cores.
  params.set('backend', run.backend);
  if (run.threads !== null) params.set('threads', String(run.threads));
  const q = params.toString();
  return `${origin}/${q ? `?${q}` : ''}`;
}

function label(run: RunConfig): string {
  const threads = run.backend === 'simd' ? '' : ` ${run.threads ?? 'default'} thr`;
  const share = run.cpuShare < 1 ? ` @ ${run.cpuShare} core` : '';
  return `${run.backend}${threads}${share}`;
}

async function waitFor(what: string, test: () => Promise<boolean>, timeout = 180_000) {
  const end = Date.now() + timeout;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Engine {
  flavour: string;
  threads: number;
  text: string;
}

async function engineOf(page: Page): Promise<Engine> {
  let text = '';
  await waitFor('the model', async () => {
    const status = (await page.getByTestId('model-status').textContent()) ?? '';
    text = (await page.getByTestId('backend').textContent()) ?? '';
    if (/not loaded/.test(status)) throw new Error(`the model did not load: ${status}`);
    return /Model ready/.test(status) && !/starting/.test(text);
  });
  const engine = await page.evaluate(() => {
    const app = document.querySelector('roadcam-app') as unknown as {
      services: { state: { engine: { flavour: string; threads: number } | null } };
    };
    return app.services.state.engine;
  });
  if (!engine) throw new Error('the app reported no engine');
  return { ...engine, text };
}

function checkEngine(run: RunConfig, engine: Engine): void {
  if (engine.flavour !== run.backend) {
    throw new Error(
      `asked for ${run.backend}, and the app runs "${engine.text}": the threaded build needs a ` +
        'cross-origin isolated page (the preview server sends the headers; check them).',
    );
  }
  if (run.backend === 'threaded-simd' && run.threads !== null && engine.threads !== run.threads) {
    throw new Error(`asked for ${run.threads} threads, and the app runs "${engine.text}".`);
  }
}

interface PhotoTimes {
  marks: Record<string, number>;
  /** Stage name -> [start, end], relative to photo chosen. */
  stages: Record<string, [number, number]>;
}

async function surveyOne(page: Page, file: string): Promise<PhotoTimes> {
  await page.getByTestId('photo-input').setInputFiles(file);
  let times: PhotoTimes = { marks: {}, stages: {} };
  await waitFor('the verdict and heatmap marks', async () => {
    times = await page.evaluate(() => {
      const marks = Object.fromEntries(
        performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]),
      );
      const chosen = marks['roadcam:photo-chosen'] ?? 0;
      const stages: Record<string, [number, number]> = {};
      for (const m of performance.getEntriesByType('measure')) {
        if (!m.name.startsWith('roadcam:stage:')) continue;
        const start = m.startTime - chosen;
        stages[m.name.slice('roadcam:stage:'.length)] = [start, start + m.duration];
      }
      return { marks, stages };
    });
    const error = ((await page.getByTestId('error').textContent()) ?? '').trim();
    if (error) throw new Error(`${path.basename(file)}: ${error}`);
    const m = times.marks;
    return 'roadcam:saved' in m && 'roadcam:verdict-shown' in m && 'roadcam:heatmap-shown' in m;
  });
  return times;
}

interface Samples {
  verdict: number[];
  heatmap: number[];
  stages: Record<string, { start: number[]; ms: number[] }>;
}

function newSamples(): Samples {
  return { verdict: [], heatmap: [], stages: {} };
}

function addSample(samples: Samples, times: PhotoTimes): void {
  const m = times.marks;
  samples.verdict.push(m['roadcam:verdict-shown'] - m['roadcam:photo-chosen']);
  samples.heatmap.push(m['roadcam:heatmap-shown'] - m['roadcam:photo-chosen']);
  for (const [stage, [start, end]] of Object.entries(times.stages)) {
    const s = (samples.stages[stage] ??= { start: [], ms: [] });
    s.start.push(start);
    s.ms.push(end - start);
  }
}

/** `--with-browser-ui`: desktop Chromium's own UI pages are built at launch, as they were. */
const keepBrowserUi = process.argv.includes('--with-browser-ui');

async function launch(quota: CpuQuota | null, userDataDir?: string, offline = false) {
  const browser = await launchProfile({
    userDataDir,
    offline,
    browserUi: keepBrowserUi,
    executablePath: quota?.launcher,
  });
  if (quota && quota.processes().length === 0) {
    await browser.close();
    throw new Error(`Chromium started outside the cgroup ${quota.dir}: its cgroup.procs is empty.`);
  }
  return browser;
}

async function benchRun(
  origin: string,
  run: RunConfig,
  photos: string[],
  large: string | null,
  largeCount: number,
  colds: number,
  quota: CpuQuota | null,
) {
  const breakdown: Record<string, number[]> = {};
  const small = newSamples();
  const big = newSamples();
  const coldStarts: number[] = [];
  let browser: LaunchedProfile = await launch(quota);
  let engine: Engine;
  try {
    const page = await browser.context.newPage();
    await page.goto(url(origin, run));
    engine = await engineOf(page);
    checkEngine(run, engine);
    if (quota) console.log(`  ${quota.processes().length} Chromium processes in ${quota.dir}`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 120_000,
    });
    // One photo first so that a first-call cost is not counted as a warm one.
    await surveyOne(page, photos[0]);
    for (const file of photos) addSample(small, await surveyOne(page, file));
    if (large) {
      await surveyOne(page, large);
      for (let i = 0; i < largeCount; i++) addSample(big, await surveyOne(page, large));
    }
    for (let i = 0; i < colds; i++) {
      await browser.close();
      browser = await launch(quota, browser.userDataDir, true);
      const cold = browser.context.pages()[0] ?? (await browser.context.newPage());
      await cold.goto(url(origin, run));
      await cold.getByTestId('photo-input').waitFor({ state: 'attached' });
      const m = (await surveyOne(cold, photos[i % photos.length])).marks;
      coldStarts.push(m['roadcam:verdict-shown']);
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
  return { engine, small, big, coldStarts, breakdown };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The stages of a photo in the order they start, with their median start and duration. */
function stageTable(samples: Samples): string {
  const rows = Object.entries(samples.stages)
    .map(([stage, s]) => ({ stage, start: median(s.start), ms: median(s.ms), n: s.ms.length }))
    .sort((a, b) => a.start - b.start);
  return markdownTable(
    ['stage (in the order they start)', 'starts at ms', 'median ms', 'photos'],
    [
      ...rows.map((r) => [r.stage, round1(r.start), round1(r.ms), r.n]),
      [
        '**photo chosen → heatmap shown**',
        0,
        round1(median(samples.heatmap)),
        samples.heatmap.length,
      ],
    ],
  );
}

async function main(): Promise<void> {
  const photoCount = positiveInt('photos', '24', 1);
  const largeCount = positiveInt('large', '5');
  const colds = positiveInt('cold', '10');
  const threads = threadsList();
  const backends = backendsList();
  const shares = process.argv.includes('--cpu-share')
    ? [1, ...parseCpuShares(arg('cpu-share', '')).filter((s) => s !== 1)]
    : [1];
  const jsonFile = process.argv.includes('--json') ? arg('json', '') : '';
  const writeDocs = process.argv.includes('--write-docs');
  if (!existsSync(DEFAULT_MODEL_FILE)) {
    throw new Error(
      `bench:app measures the app with its default model, and ${DEFAULT_MODEL_FILE} is missing: ` +
        'restore it (git checkout public/models/pothole) or train one (npm run train).',
    );
  }
  // Fail on a missing cgroup before the build, not after minutes of it.
  for (const share of shares.filter((s) => s < 1)) {
    await createCpuQuota(share, findChromium()).remove();
  }
  const photos = roadPhotos(photoCount);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'roadcam-bench-app-'));
  const large = largeCount > 0 ? path.join(tmp, `road-${LARGE_WIDTH}x${LARGE_HEIGHT}.jpg`) : null;
  const largeBytes = large ? await makeLargePhoto(path.join(projectRoot, LARGE_SOURCE), large) : 0;
  const dist = await buildApp();
  const preview = await startPreview({ dist });
  const quiet = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
  const rows: Row[] = [];
  const detail: string[] = [];
  const runs: RunConfig[] = shares.flatMap((cpuShare) =>
    backends.flatMap((backend): RunConfig[] =>
      backend === 'simd'
        ? [{ backend, threads: null, cpuShare }]
        : threads.map((t) => ({ backend, threads: t, cpuShare })),
    ),
  );
  try {
    for (const run of runs) {
      console.log(`\n${label(run)}:`);
      const quota = run.cpuShare < 1 ? createCpuQuota(run.cpuShare, findChromium()) : null;
      let result;
      try {
        result = await benchRun(preview.origin, run, photos, large, largeCount, colds, quota);
      } finally {
        await quota?.remove();
      }
      const { engine, small, big, coldStarts, breakdown } = result;
      const add = (photo: PhotoKind, what: What, xs: number[]) => {
        if (xs.length === 0) return;
        rows.push({
          backend: run.backend,
          threads: engine.threads,
          threads_asked: run.threads,
          cpu_share: run.cpuShare,
          photo,
          what,
          median_ms: round1(median(xs)),
          runs: xs.length,
        });
        console.log(
          `  ${photo} ${what}: median ${median(xs).toFixed(1)} ms over ${xs.length} (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`,
        );
      };
      add('256px', 'photo_to_verdict', small.verdict);
      add('256px', 'photo_to_heatmap', small.heatmap);
      add('4000x3000', 'photo_to_verdict', big.verdict);
      add('4000x3000', 'photo_to_heatmap', big.heatmap);
      add('256px', 'cold_start_to_verdict', coldStarts);
      const where = [
        `Where the time of a 256 px photo goes (${label(run)}, medians):`,
        '',
        stageTable(small),
      ];
      if (big.heatmap.length)
        where.push('', `A ${LARGE_WIDTH}x${LARGE_HEIGHT} JPEG:`, '', stageTable(big));
      console.log(`\n${where.join('\n')}\n`);
      detail.push(
        `- ${label(run)}: the app reported "${engine.text}".` +
          (colds > 0
            ? ` Cold start, medians (ms): ${Object.entries(breakdown)
                .map(([k, xs]) => `${k.trim()} ${Math.round(median(xs))}`)
                .join('; ')}.`
            : ''),
        '',
        ...where,
        '',
      );
    }
  } finally {
    await preview.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const load = loadFields(quiet);
  if (jsonFile) {
    writeFileSync(
      jsonFile,
      JSON.stringify(
        rows.map((r) => ({ ...r, ...load })),
        null,
        2,
      ),
    );
  }

  const model = path.relative(projectRoot, DEFAULT_MODEL_FILE);
  const get = (run: RunConfig, photo: PhotoKind, what: What) =>
    rows.find(
      (r) =>
        r.backend === run.backend &&
        r.threads_asked === run.threads &&
        r.cpu_share === run.cpuShare &&
        r.photo === photo &&
        r.what === what,
    )?.median_ms ?? '–';
  const command = `npm run bench:app -- ${process.argv.slice(2).join(' ')}`.trim();
  const body = [
    '## Field app: speed (`npm run bench:app`)',
    '',
    `Command: \`${command}\` (${photos.length} road photos of 256 px from test/fixtures per run after one warm-up photo; ${large ? `${largeCount} runs of a ${LARGE_WIDTH}x${LARGE_HEIGHT} JPEG of ${(largeBytes / 1048576).toFixed(1)} MiB upscaled from one of them` : 'no 12-megapixel photo'}; ${colds} cold starts per run). Production build served by \`vite preview\` with the isolation headers, headless Chromium (${keepBrowserUi ? 'with' : 'without'} desktop Chromium's address-bar popups, WebUI pages a phone's Chrome does not have, built at every launch), model: ${model}. Medians, in ms, from the app's own user-timing marks. "cpu share" below 1: Chromium and its workers held to that share of one core by a cgroup v1 CPU quota (a low-end phone); 1: unthrottled.`,
    `Machine: ${machineDescription(chromiumVersion())}; measured ${new Date().toISOString().slice(0, 10)}. ${loadSentence(quiet, load.load_1m)}`,
    '',
    markdownTable(
      [
        'backend',
        'threads',
        'cpu share',
        '256 px: photo → verdict',
        '256 px: photo → heatmap',
        `${LARGE_WIDTH}x${LARGE_HEIGHT}: photo → heatmap`,
        'cold start (offline, SW cached) → first verdict',
      ],
      runs.map((run) => [
        run.backend,
        rows.find((r) => r.backend === run.backend && r.threads_asked === run.threads)?.threads ??
          '–',
        run.cpuShare,
        get(run, '256px', 'photo_to_verdict'),
        get(run, '256px', 'photo_to_heatmap'),
        get(run, '4000x3000', 'photo_to_heatmap'),
        get(run, '256px', 'cold_start_to_verdict'),
      ]),
    ),
    '',
    'Aims (issue 15): photo → heatmap at most 20 ms and cold start at most 400 ms at full speed; at a fifth of a core, 100 ms and 2 s.',
    '',
    ...detail,
  ].join('\n');
  console.log(`\n${body}\n`);
  if (writeDocs) {
    writeBenchmarkSection('bench-app', body);
    console.log('Written to docs/BENCHMARKS.md (section "bench-app").');
  } else {
    console.log('Not written to docs/BENCHMARKS.md (add --write-docs on a quiet machine).');
  }
}

main().catch((error) => {
  console.error(error instanceof ToolError ? `bench:app: ${error.message}` : error);
  process.exit(1);
});
