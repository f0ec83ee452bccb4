/**
 * `npm run bench:map`: how smooth the field app's Map page is with 5,000 surveys, and how fast
 * the exports write. In real headless Chromium against the production build, with WebGL off
 * (--disable-3d-apis, as on many cheap phones) and the page's CPU slowed by Chrome's throttling
 * (default 4x, a low-end phone), 5,000 surveys are stored in the app's IndexedDB and the Map page
 * is opened; then, for each view, the map is panned (mouse drags of 120 px through Leaflet's own
 * drag handler) and zoomed in and out (Leaflet's animation), while the page records every
 * animation frame's duration (requestAnimationFrame deltas) and the marker layer's redraw
 * times. Views:
 *   - town: 5,000 surveys over ~3 km (clusters at the start zoom);
 *   - street: every survey on 200 m of street at zoom 18 (every marker drawn alone: the worst case).
 * Reported per view and motion: median, p95 and worst frame (ms), the share of frames over 50 ms
 * (a visible stutter), and the median marker redraw. Then export throughput in Node (rows per
 * second) for GeoJSON, CSV, KML and GeoPackage (better-sqlite3) over 100,000 rows.
 *
 *   npm run bench:map [-- --surveys 5000] [-- --throttle 4] [-- --seconds 4] [-- --rows 100000]
 *                     [-- --json FILE] [-- --max-wait MINUTES]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ExportRow } from '../../src/geo/export-row';
import {
  betterSqlite3Executor,
  csvChunks,
  geoJsonChunks,
  kmlChunks,
  writeGeoPackage,
} from '../../src/geo/export';
import { chromiumVersion, launchProfile, removeProfile } from '../lib/chromium';
import { machineDescription } from '../lib/machine';
import { median } from '../lib/median';
import { buildApp, startPreview } from '../lib/preview-server';
import { loadFields, loadSentence, maxWaitMinutesArg, waitForQuietMachine } from './quiet-machine';
import { arg, markdownTable, writeBenchmarkSection } from './report';

interface View {
  name: 'town' | 'street';
  center: [number, number];
  zoom: number;
  /** Where the surveys lie: a box of this many degrees around the centre. */
  spreadDeg: number;
}

const VIEWS: View[] = [
  { name: 'town', center: [-1.2921, 36.8219], zoom: 14, spreadDeg: 0.03 },
  { name: 'street', center: [-1.2921, 36.8219], zoom: 18, spreadDeg: 0.0018 },
];

interface Motion {
  view: string;
  motion: 'pan' | 'zoom';
  frames: number;
  median_ms: number;
  p95_ms: number;
  worst_ms: number;
  over_50ms_share: number;
  redraw_median_ms: number;
}

const MAP = `document.querySelector('roadcam-app').shadowRoot.querySelector('rc-map-page').shadowRoot.querySelector('rc-map-view')`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `count` synthetic surveys (no photo: the map reads only the records) in the app's store. */
async function storeSurveys(page: Page, count: number, view: View): Promise<void> {
  await page.evaluate(
    async ({ count, center, spread }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const clear = db.transaction('surveys', 'readwrite');
      clear.objectStore('surveys').clear();
      await new Promise((r) => (clear.oncomplete = r));
      const tx = db.transaction('surveys', 'readwrite');
      const store = tx.objectStore('surveys');
      const thumbnail = new Blob([new Uint8Array(16)], { type: 'image/jpeg' });
      for (let i = 0; i < count; i++) {
        const label = i % 3 === 0 ? 'pothole' : 'normal';
        const time = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
        store.put({
          id: crypto.randomUUID(),
          revision: 1,
          createdAt: time,
          updatedAt: time,
          position: {
            lat: center[0] + (((i * 7919) % 997) / 997 - 0.5) * spread,
            lon: center[1] + (((i * 104729) % 991) / 991 - 0.5) * spread,
            accuracyM: 8,
            source: 'gps',
          },
          noPositionReason: null,
          verdict: {
            label,
            potholeProbability: label === 'pothole' ? 0.9 : 0.1,
            lowConfidence: false,
          },
          verdictKey: label,
          probabilities: null,
          cam: null,
          model: { id: 'bench', version: '1' },
          analysisError: null,
          notes: '',
          severity: (i % 5) + 1,
          photo: { sha256: '0'.repeat(64), bytes: 1, width: 1, height: 1, type: 'image/jpeg' },
          thumbnail,
          // Synced: surveys left 'local' are all queued by the outbox when the page opens (and,
          // with no sync server behind vite preview, set back after a failed upload), 2 x 5,000
          // writes and map refreshes that ran under the timing and are not the map's cost.
          sync: { state: 'synced', attempts: 1 },
        });
      }
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { count, center: view.center, spread: view.spreadDeg },
  );
}

/** Records every animation frame's duration and every marker redraw in the page until stopped. */
const START_RECORDING = `(() => {
  const v = ${MAP};
  const rec = { frames: [], redraws: [], on: true, last: performance.now() };
  rec.onEnd = () => rec.redraws.push(v.markerLayer.lastDraw.ms);
  v.map.on('moveend zoomend', rec.onEnd);
  const frame = (now) => {
    rec.frames.push(now - rec.last);
    rec.last = now;
    if (rec.on) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.__benchMap = rec;
})()`;

const STOP_RECORDING = `(() => {
  const rec = window.__benchMap;
  rec.on = false;
  ${MAP}.map.off('moveend zoomend', rec.onEnd);
  return { frames: rec.frames.slice(1), redraws: rec.redraws };
})()`;

/**
 * Pans with real mouse drags (Leaflet's own drag handler: the canvas moves by CSS while the
 * button is down, the markers redraw when it is released), 8 px per mouse event, or zooms one
 * level in and out in turn with Leaflet's zoom animation, for `seconds`, while the page records.
 */
async function measure(
  page: Page,
  view: View,
  motion: 'pan' | 'zoom',
  seconds: number,
): Promise<Motion> {
  // `void`: Leaflet returns the map, and Playwright would serialise its whole object graph
  // (the cluster index's typed arrays included) on the page's main thread, under the timing.
  await page.evaluate(
    `void ${MAP}.map.setView(${JSON.stringify(view.center)}, ${view.zoom}, { animate: false })`,
  );
  await page.waitForTimeout(500);
  const box = (await page.locator('rc-map-view').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.evaluate(START_RECORDING);
  const end = Date.now() + seconds * 1000;
  let turn = 0;
  while (Date.now() < end) {
    if (motion === 'pan') {
      // Drags of 120 px in the four directions in turn, 15 mouse events each.
      const [dx, dy] = [
        [120, 0],
        [0, 120],
        [-120, 0],
        [0, -120],
      ][turn % 4];
      await page.mouse.move(cx - dx / 2, cy - dy / 2);
      await page.mouse.down();
      await page.mouse.move(cx + dx / 2, cy + dy / 2, { steps: 15 });
      await page.mouse.up();
    } else {
      await page.evaluate(`void ${MAP}.map.setZoom(${view.zoom + (turn % 2 === 0 ? 1 : 0)})`);
      await page.waitForTimeout(400);
    }
    turn++;
  }
  await page.waitForTimeout(300);
  const { frames, redraws } = (await page.evaluate(STOP_RECORDING)) as {
    frames: number[];
    redraws: number[];
  };
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    view: view.name,
    motion,
    frames: frames.length,
    median_ms: round(median(frames)),
    p95_ms: round(percentile(frames, 95)),
    worst_ms: round(Math.max(...frames)),
    over_50ms_share:
      Math.round((frames.filter((f) => f > 50).length / frames.length) * 1000) / 1000,
    redraw_median_ms: redraws.length ? round(median(redraws)) : 0,
  };
}

async function mapFrames(surveys: number, throttle: number, seconds: number): Promise<Motion[]> {
  const preview = await startPreview({ dist: await buildApp() });
  const browser = await launchProfile({ extraArgs: ['--disable-3d-apis'] });
  const rows: Motion[] = [];
  try {
    const page = await browser.context.newPage();
    for (const view of VIEWS) {
      await page.goto(`${preview.origin}/`);
      await page.locator('rc-capture').waitFor();
      await storeSurveys(page, surveys, view);
      await page.goto(`${preview.origin}/map`);
      await page.waitForFunction(
        (n) =>
          new RegExp(`^\\s*${n} surveys on the\\s+map`).test(
            document
              .querySelector('roadcam-app')
              ?.shadowRoot?.querySelector('rc-map-page')
              ?.shadowRoot?.querySelector('[data-testid="map-summary"]')?.textContent ?? '',
          ),
        surveys,
        { timeout: 120_000 },
      );
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
      for (const motion of ['pan', 'zoom'] as const) {
        const row = await measure(page, view, motion, seconds);
        rows.push(row);
        console.log(JSON.stringify(row));
      }
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await cdp.detach();
    }
  } finally {
    await browser.close();
    removeProfile(browser.userDataDir);
    await preview.close();
  }
  return rows;
}

function* syntheticRows(count: number): Generator<ExportRow> {
  for (let i = 0; i < count; i++)
    yield {
      id: `${(i + 0x10000000).toString(16)}-0000-4000-8000-000000000000`,
      time: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
      lat: -1.29 + (i % 1000) * 1e-5,
      lon: 36.82 + Math.floor(i / 1000) * 1e-5,
      accuracyM: 8,
      positionSource: 'gps',
      found: [i % 3 === 0 ? 'pothole' : 'good_road'],
      probabilities: [{ type: 'pothole', probability: (i % 100) / 100 }],
      notRoadScore: null,
      notRoadKept: null,
      lowConfidence: false,
      severity: (i % 5) + 1,
      notes: `Survey ${i}, by the kerb`,
      model: 'bench@1',
      road: { id: 'A104', name: 'Mombasa Road', chainageM: i * 0.5, distanceM: 3 },
      photoUrl: `/api/v1/surveys/${i}/photo`,
    };
}

async function drain(chunks: AsyncIterable<string>): Promise<number> {
  let bytes = 0;
  for await (const chunk of chunks) bytes += Buffer.byteLength(chunk);
  return bytes;
}

async function exportThroughput(count: number) {
  const out: { format: string; rows_per_s: number; mb: number }[] = [];
  const time = async (format: string, run: () => Promise<number>) => {
    const t0 = performance.now();
    const bytes = await run();
    const s = (performance.now() - t0) / 1000;
    out.push({ format, rows_per_s: Math.round(count / s), mb: Math.round(bytes / 1e5) / 10 });
    console.log(JSON.stringify(out[out.length - 1]));
  };
  await time('GeoJSON', () => drain(geoJsonChunks(syntheticRows(count))));
  await time('CSV', () => drain(csvChunks(syntheticRows(count))));
  await time('KML', () => drain(kmlChunks(syntheticRows(count))));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-map-'));
  try {
    await time('GeoPackage', async () => {
      const file = path.join(dir, 'bench.gpkg');
      const db = new Database(file);
      try {
        await writeGeoPackage(syntheticRows(count), betterSqlite3Executor(db));
      } finally {
        db.close();
      }
      return (await import('node:fs')).statSync(file).size;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const surveys = Number(arg('surveys', '5000'));
  const throttle = Number(arg('throttle', '4'));
  const seconds = Number(arg('seconds', '4'));
  const exportRows = Number(arg('rows', '100000'));
  const jsonFile = process.argv.includes('--json') ? arg('json', '') : '';
  // Built before the wait, so the build is not what the wait waits for.
  await buildApp();
  const quiet = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
  const frames = await mapFrames(surveys, throttle, seconds);
  const exports = await exportThroughput(exportRows);
  const load = loadFields(quiet);
  if (jsonFile)
    writeFileSync(
      jsonFile,
      JSON.stringify({ frames: frames.map((r) => ({ ...r, ...load })), exports }, null, 2),
    );
  const body = [
    '## Map page and exports (`npm run bench:map`)',
    '',
    `Command: \`npm run bench:map\` (${surveys} surveys in the app's IndexedDB; Map page of the production build in headless Chromium with --disable-3d-apis; page CPU throttled ${throttle}x; ${seconds} s of panning by mouse drags of 120 px and of zooming one level in and out every 0.4 s, per view). Frame = the time between two animation frames; over 50 ms is a visible stutter. Marker redraw = the marker layer's own timing at each move's end.`,
    `Machine: ${machineDescription(chromiumVersion())}; measured ${new Date().toISOString().slice(0, 10)}. ${loadSentence(quiet, load.load_1m)}`,
    '',
    markdownTable(
      [
        'View',
        'Motion',
        'Frames',
        'Median (ms)',
        'p95 (ms)',
        'Worst (ms)',
        'Over 50 ms',
        'Marker redraw, median (ms)',
      ],
      frames.map((r) => [
        r.view,
        r.motion,
        r.frames,
        r.median_ms,
        r.p95_ms,
        r.worst_ms,
        `${(r.over_50ms_share * 100).toFixed(1)}%`,
        r.redraw_median_ms,
      ]),
    ),
    '',
    `Export throughput in Node (one process, ${exportRows} rows made in memory, unthrottled):`,
    '',
    markdownTable(
      ['Format', 'Rows per second', 'Size (MB)'],
      exports.map((r) => [r.format, r.rows_per_s, r.mb]),
    ),
  ].join('\n');
  writeBenchmarkSection('bench-map', body);
  console.log(`\n${body}\n\nWritten to docs/BENCHMARKS.md (section "bench-map").`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
