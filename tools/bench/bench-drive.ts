/**
 * `npm run bench:drive`: Drive mode's speed in real Chromium (issue 13), for the threaded-SIMD
 * and the SIMD wasm backends side by side in one run. Chromium's fake camera plays a Y4M video
 * made from the fixture photos (intact asphalt and potholes); the frame cap is set to the
 * highest the app allows, so the scheduler's own pace (measured analysis time) decides.
 * Reports, per backend:
 *   - frames_per_s: frames analysed per second over the measured window;
 *   - frame_to_verdict: median delay from a frame grabbed on the page to its verdict back on
 *     the page (the app's `roadcam:drive-frame` measures: copy, transfer, analysis, answer).
 *
 * Each row of --json carries the load (1-minute load average when timing began and at the end,
 * and whether the quiet-machine wait ran out). The run fails if a backend's page did not run
 * the binary it was asked for. --no-write leaves docs/BENCHMARKS.md as it is (a check that the
 * script runs, e.g. `-- --seconds 3 --max-wait 0 --no-write`, whose figures mean nothing).
 *
 *   npm run bench:drive [-- --seconds 60] [-- --json FILE] [-- --max-wait MINUTES] [-- --no-write]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumVersion, launchProfile, removeProfile } from '../lib/chromium';
import { machineDescription } from '../lib/machine';
import { median } from '../lib/median';
import { projectRoot } from '../lib/paths';
import { buildApp, startPreview } from '../lib/preview-server';
import { writeY4m } from '../lib/y4m';
import { loadFields, loadSentence, maxWaitMinutesArg, waitForQuietMachine } from './quiet-machine';
import { arg, writeBenchmarkSection } from './report';

type Backend = 'threaded-simd' | 'simd';

const fixture = (...parts: string[]) =>
  path.join(projectRoot, 'test', 'fixtures', 'data', ...parts);
const PHOTOS = [
  ...['d1_21_x512_y0', 'd1_22_x0_y0', 'd2_29_x0_y512', 'd2_17_x0_y512'].map((n) =>
    fixture('potholes-closeup', 'normal', `${n}.jpg`),
  ),
  ...['d2_27_0', 'd2_30_0'].map((n) => fixture('potholes-closeup', 'potholes', `${n}.jpg`)),
  ...['000142', '000195', '000552'].map((n) =>
    fixture('rdd2022-china-motorbike', 'images', `China_MotorBike_${n}.jpg`),
  ),
];

async function waitFor(what: string, test: () => Promise<boolean>, timeout = 180_000) {
  const end = Date.now() + timeout;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function frameMeasures(page: Page): Promise<{ start: number; duration: number }[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByName('roadcam:drive-frame')
      .map((e) => ({ start: e.startTime, duration: e.duration })),
  );
}

async function benchBackend(origin: string, backend: Backend, video: string, seconds: number) {
  const browser = await launchProfile({ fakeCamera: video, permissions: ['geolocation'] });
  try {
    await browser.context.setGeolocation({ latitude: 39.9, longitude: 116.3, accuracy: 5 });
    const page = await browser.context.newPage();
    // Asked by name: the app's own choice (auto) depends on the cores.
    await page.goto(`${origin}/drive?backend=${backend}`);
    const drive = page.locator('rc-drive-page');
    const cap = drive.getByLabel('Frames per second at most');
    await cap.fill('30');
    await cap.dispatchEvent('change');
    await drive.getByRole('button', { name: 'Start drive' }).click();
    await waitFor(
      'the run to start',
      async () => (await drive.getAttribute('data-state')) === 'running',
    );
    // The first frames pay for warming up: measure from the fifth on.
    await waitFor('five frames', async () => (await frameMeasures(page)).length >= 5);
    const skip = (await frameMeasures(page)).length;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const frames = (await frameMeasures(page)).slice(skip);
    const engine = await page.evaluate(() => {
      const app = document.querySelector('roadcam-app') as unknown as {
        services: { state: { engine: { flavour: string; threads: number } | null } };
      };
      const e = app.services.state.engine;
      return e ? { flavour: e.flavour, threads: e.threads } : null;
    });
    await drive.getByRole('button', { name: 'Stop' }).click();
    // A figure under the wrong name is worse than none (e.g. a page not cross-origin isolated
    // runs plain SIMD when threaded SIMD was asked for).
    if (engine?.flavour !== backend) {
      throw new Error(
        `${backend}: the app ran "${engine?.flavour ?? 'no engine'}" instead; ` +
          'the threaded build needs a cross-origin isolated page (COOP/COEP from vite preview).',
      );
    }
    if (frames.length < 2)
      throw new Error(`${backend}: fewer than 2 frames analysed in ${seconds} s`);
    const first = frames[0].start;
    const last = frames[frames.length - 1];
    const windowS = (last.start + last.duration - first) / 1000;
    return {
      engine: `${engine.flavour}, ${engine.threads} thread(s)`,
      frames: frames.length,
      framesPerS: frames.length / windowS,
      delays: frames.map((f) => f.duration),
    };
  } finally {
    await browser.close();
    removeProfile(browser.userDataDir);
  }
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '60'));
  if (!(seconds > 0)) {
    throw new Error(`--seconds takes a number of seconds above 0, not "${arg('seconds', '')}".`);
  }
  const write = !process.argv.includes('--no-write');
  const jsonFile = process.argv.includes('--json') ? arg('json', '') : '';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'roadcam-bench-drive-'));
  const video = path.join(tmp, 'road.y4m');
  await writeY4m(
    video,
    PHOTOS.map((photo) => ({ photo, seconds: 1 })),
    { width: 1280, height: 720, fps: 30 },
  );
  const dist = await buildApp();
  const preview = await startPreview({ dist });
  const quiet = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
  const rows: {
    backend: Backend;
    frames_per_s: number;
    frame_to_verdict_ms: number;
    frames: number;
  }[] = [];
  const engines: string[] = [];
  try {
    for (const backend of ['threaded-simd', 'simd'] as Backend[]) {
      const r = await benchBackend(preview.origin, backend, video, seconds);
      engines.push(`${backend}: the app reported "${r.engine}"`);
      rows.push({
        backend,
        frames: r.frames,
        frames_per_s: Math.round(r.framesPerS * 100) / 100,
        frame_to_verdict_ms: Math.round(median(r.delays) * 10) / 10,
      });
      console.log(
        `${backend}: ${r.frames} frames, ${r.framesPerS.toFixed(2)} frames/s, frame -> verdict ` +
          `median ${median(r.delays).toFixed(1)} ms (min ${Math.min(...r.delays).toFixed(1)}, ` +
          `max ${Math.max(...r.delays).toFixed(1)})`,
      );
    }
  } finally {
    await preview.close();
    rmSync(tmp, { recursive: true, force: true });
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
  const get = (b: Backend) => rows.find((r) => r.backend === b)!;
  const body = [
    '## Drive mode: frames and delay (`npm run bench:drive`)',
    '',
    `Command: \`npm run bench:drive\` (${seconds} s per backend after 5 warm-up frames; fake camera: a 1280x720, 30 frame/s Y4M made from ${PHOTOS.length} fixture photos; frame cap 30/s, so the scheduler's measured pace decides). Production build served by \`vite preview\`, headless Chromium, the app's default model. Delay: frame grabbed on the page -> verdict back on the page (\`roadcam:drive-frame\` measures), median.`,
    `Machine: ${machineDescription(chromiumVersion())}; measured ${new Date().toISOString().slice(0, 10)}. ${loadSentence(quiet, load.load_1m)}`,
    '',
    '| Backend | frames analysed / s | frame → verdict (ms) | frames |',
    '|---|---|---|---|',
    ...(['threaded-simd', 'simd'] as Backend[]).map(
      (b) => `| ${b} | ${get(b).frames_per_s} | ${get(b).frame_to_verdict_ms} | ${get(b).frames} |`,
    ),
    '',
    `Ratio threaded-SIMD / SIMD, frames per second: ${(get('threaded-simd').frames_per_s / get('simd').frames_per_s).toFixed(2)}. ${engines.join('; ')}.`,
  ].join('\n');
  if (write) {
    writeBenchmarkSection('bench-drive', body);
    console.log(`\n${body}\n\nWritten to docs/BENCHMARKS.md (section "bench-drive").`);
  } else {
    console.log(`\n${body}\n\n--no-write: docs/BENCHMARKS.md left as it is.`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
