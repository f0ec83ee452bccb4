/**
 * The Map page of the field app in real headless Chromium (WebGL switched off, as on many cheap
 * phones), against the production build: a survey taken with the GPS beside a test road and 200
 * more stored on the phone appear as markers after a reload with no network; a basemap file made
 * by the test is loaded, kept in the origin-private file system and drawn offline (again after a
 * reload); a road network file is loaded, the survey's detail gives its chainage (computed here
 * with GeographicLib's geodesic, not the app's ruler) and the segment report lists the surveyed
 * sections; tapping a marker opens its survey; a drive run kept on the phone is drawn as its
 * track and hidden on request. The build ships Lit in production mode.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { wgs84Geodesic } from '../../tools/lib/geodesic';
import type { Preview } from '../../tools/lib/preview-server';
import { potholePhotos } from '../helpers/fixtures';
import { halfWaterTile } from '../helpers/mvt-writer';
import { TILE_TYPE, writePmtiles } from '../helpers/pmtiles-writer';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
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

let preview: Preview;
let browser: LaunchedProfile;
let page: Page;
let problems: string[];
let warnings: string[];

/** The test road runs due east along 10° N from 30° E for about 1.1 km. */
const ROAD = { lat: 10, lon0: 30, lon1: 30.01 };
const TAKEN = { latitude: 10.00004, longitude: 30.0023, accuracy: 6 };
const COPIES = 200;
const LAND = '#e2dfda';
const GRID = '#f2efe9';
/** A drive run's line (src/features/map/map-view.ts TRACK_COLOUR; Leaflet there needs a DOM). */
const TRACK_COLOUR = '#1b2a3a';

beforeAll(async () => {
  preview = await startTestApp();
  browser = await launchProfile({
    permissions: ['geolocation'],
    extraArgs: ['--disable-3d-apis'],
  });
  await browser.context.setGeolocation(TAKEN);
});

afterAll(() => closeAppAndBrowser(browser, preview));

/** Metres from the road's start to the foot of a point (due east: the foot is at its longitude). */
function chainageOf(lon: number): number {
  return wgs84Geodesic.Inverse(ROAD.lat, ROAD.lon0, ROAD.lat, lon).s12!;
}

/** Copies of the photographed survey (same photo) along the road, kept away from it, with
 * every verdict; one without a position. Written straight into the app's IndexedDB. */
async function storeCopies(p: Page, sourceId: string): Promise<void> {
  const copies = Array.from({ length: COPIES }, (_, i) => {
    let lon = ROAD.lon0 + 0.0004 + i * 0.000045;
    // Not within 40 m of the photographed survey (its marker is tapped alone), nor on a
    // section boundary (the test's and the app's chainage may differ by millimetres).
    if (Math.abs(chainageOf(lon) - chainageOf(TAKEN.longitude)) < 40) lon += 0.0008;
    while (chainageOf(lon) % 100 < 0.5 || chainageOf(lon) % 100 > 99.5) lon += 0.00001;
    return {
      lat: ROAD.lat + ((i % 5) - 2) * 0.00005,
      lon,
      verdict: i % 3 === 0 ? 'pothole' : i % 3 === 1 ? 'normal' : null,
      severity: i % 3 === 0 ? (i % 5) + 1 : null,
    };
  });
  await p.evaluate(
    async ({ sourceId, copies }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const get = (store: string) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).get(sourceId);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
      const source = await get('surveys');
      const photo = await get('photos');
      const tx = db.transaction(['surveys', 'photos'], 'readwrite');
      const all = [...copies, null];
      all.forEach((copy, i) => {
        const id = crypto.randomUUID();
        const verdict = copy?.verdict
          ? {
              label: copy.verdict,
              potholeProbability: copy.verdict === 'pothole' ? 0.9 : 0.1,
              lowConfidence: false,
            }
          : null;
        tx.objectStore('surveys').put({
          ...source,
          id,
          createdAt: new Date(Date.UTC(2026, 10, 1, 8, 0, i)).toISOString(),
          position: copy ? { lat: copy.lat, lon: copy.lon, accuracyM: 5, source: 'gps' } : null,
          noPositionReason: copy ? null : 'timeout',
          verdict,
          verdictKey: verdict ? verdict.label : 'unanalysed',
          severity: copy?.severity ?? null,
          sync: { state: 'local', attempts: 0 },
        });
        tx.objectStore('photos').put({ ...photo, id });
      });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { sourceId, copies },
  );
}

/** The map element inside the Map page (shadow roots of the shell and the page). */
const MAP = `document.querySelector('roadcam-app').shadowRoot.querySelector('rc-map-page').shadowRoot.querySelector('rc-map-view')`;

async function shownMarkerIds(p: Page): Promise<string[]> {
  return p.evaluate(`${MAP}.markers.map((m) => m.id).sort()`) as Promise<string[]>;
}

/** The page point of a place on the map. */
async function pagePoint(p: Page, lat: number, lon: number): Promise<{ x: number; y: number }> {
  return p.evaluate(
    `(() => { const v = ${MAP}; const c = v.map.latLngToContainerPoint([${lat}, ${lon}]);
      const box = v.getBoundingClientRect(); return { x: box.left + c.x, y: box.top + c.y }; })()`,
  ) as Promise<{ x: number; y: number }>;
}

async function pixel(p: Page, point: { x: number; y: number }): Promise<[number, number, number]> {
  const png = await p.screenshot({
    clip: { x: Math.round(point.x), y: Math.round(point.y), width: 1, height: 1 },
  });
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [data[0], data[1], data[2]];
}

function near(actual: [number, number, number], hex: string, tolerance = 8): boolean {
  const expected = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);
}

/** The Map page's summary line, white space collapsed. */
async function summary(p: Page): Promise<string> {
  const text = await p
    .getByTestId('map-summary')
    .textContent()
    .catch(() => '');
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/** Opens the Map page from the navigation and waits until it shows `count` markers. */
async function openMap(p: Page, count: number): Promise<void> {
  await p.getByRole('link', { name: 'Map', exact: true }).click();
  await pollUntil(
    `the map to show ${count} surveys`,
    () => summary(p),
    (t) => t.startsWith(`${count} surveys on the map`),
  );
}

/** A point on the map well north of the road (no marker there), for the background colour. */
async function background(p: Page): Promise<[number, number, number]> {
  const box = (await p.locator('rc-map-view').boundingBox())!;
  return pixel(p, { x: box.x + box.width * 0.3, y: box.y + box.height * 0.12 });
}

function basemapFile() {
  const tiles = [{ z: 0, x: 0, y: 0, data: halfWaterTile(0, 0) }];
  for (const x of [0, 1])
    for (const y of [0, 1]) tiles.push({ z: 1, x, y, data: halfWaterTile(1, x) });
  const archive = writePmtiles(tiles, {
    tileType: TILE_TYPE.mvt,
    gzipTiles: true,
    bounds: [-180, -85, 180, 85],
    center: [0, 0, 0],
    metadata: { vector_layers: [{ id: 'earth' }, { id: 'water' }] },
  });
  return {
    name: 'area.pmtiles',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(archive),
  };
}

function roadsFile() {
  const geojson = {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { road_id: 'T1', name: 'Test Road' },
        geometry: {
          type: 'LineString',
          coordinates: [
            [ROAD.lon0, ROAD.lat],
            [ROAD.lon1, ROAD.lat],
          ],
        },
      },
    ],
  };
  return {
    name: 'roads.geojson',
    mimeType: 'application/geo+json',
    buffer: Buffer.from(JSON.stringify(geojson)),
  };
}

describe('the Map page', () => {
  let takenId = '';

  it('shows the surveys on the phone as markers after a reload with no network', async () => {
    page = await openApp(browser.context, preview.origin);
    problems = watchProblems(page);
    warnings = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    expect(await modelSettled(page)).toMatch(/^Model ready/);
    await serviceWorkerControls(page);
    await choosePhoto(page, {
      name: 'road.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(potholePhotos()[0]),
    });
    expect(await analysisSettled(page)).toBe('verdict');
    const [taken] = await storedSurveys(page);
    expect(taken.position).toMatchObject({ lat: TAKEN.latitude, lon: TAKEN.longitude });
    takenId = taken.id;
    await storeCopies(page, takenId);

    await browser.context.setOffline(true);
    await page.reload();
    await openMap(page, COPIES + 1);
    const stored = await storedSurveys(page);
    expect(stored).toHaveLength(COPIES + 2);
    const located = stored.filter((s) => s.position !== null).map((s) => s.id);
    expect(await shownMarkerIds(page)).toEqual([...located].sort());
    expect(await summary(page)).toMatch(/, 1 without a position\. No basemap loaded/);
    // The view was fitted to the surveys; without a basemap, a plain grid.
    expect(near(await background(page), GRID)).toBe(true);
    // The markers layer drew them (clustered or not) on its canvas.
    const drawn = (await page.evaluate(`${MAP}.markerLayer.lastDraw`)) as {
      markers: number;
      clusters: number;
    };
    expect(drawn.markers + drawn.clusters).toBeGreaterThan(0);
  });

  it('loads a basemap file, keeps it on the phone and draws it offline, after a reload too', async () => {
    await page.getByTestId('basemap-input').setInputFiles(basemapFile());
    await pollUntil(
      'the basemap to be drawn',
      async () => ({
        summary: await summary(page),
        colour: await background(page),
      }),
      (s) => /Basemap: area\.pmtiles\./.test(s.summary) && near(s.colour, LAND),
    );
    await page.reload();
    await openMap(page, COPIES + 1);
    // Kept under the name it was chosen by.
    await pollUntil(
      'the kept basemap to be drawn after a reload',
      async () => ({ summary: await summary(page), colour: await background(page) }),
      (s) => /Basemap: area\.pmtiles\./.test(s.summary) && near(s.colour, LAND),
    );
  });

  it('loads a road network: the survey shows its chainage and the segment report its section', async () => {
    await page.getByTestId('roads-input').setInputFiles(roadsFile());
    await page.getByTestId('segment-table').waitFor();
    expect(await summary(page)).toMatch(/Road network: roads\.geojson \(1 roads\)/);
    const stored = await storedSurveys(page);
    const expected = new Map<number, number>();
    for (const s of stored)
      if (s.position) {
        const section = Math.floor(chainageOf(s.position.lon) / 100);
        expected.set(section, (expected.get(section) ?? 0) + 1);
      }
    const rows = await page
      .getByTestId('segment-table')
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => ({
          from: Number(tr.getAttribute('data-from')),
          surveys: Number(tr.querySelectorAll('td')[2].textContent),
        })),
      );
    expect(rows).toEqual(
      [...expected.entries()]
        .sort(([a], [b]) => a - b)
        .map(([section, surveys]) => ({ from: section * 100, surveys })),
    );

    // Tap the photographed survey's marker, alone at street level: its detail opens.
    await page.evaluate(`${MAP}.showPoint(${TAKEN.latitude}, ${TAKEN.longitude}, 19)`);
    await page.waitForTimeout(300);
    const at = await pagePoint(page, TAKEN.latitude, TAKEN.longitude);
    await page.mouse.click(at.x + 2, at.y + 1);
    await page.waitForURL(`**/surveys/${takenId}**`);
    const chainage = chainageOf(TAKEN.longitude);
    const roadLine = page.getByText(/Road T1 Test Road, chainage/);
    await roadLine.waitFor();
    const text = (await roadLine.textContent()) ?? '';
    const match = /Road T1 Test Road, chainage (\d+)\+(\d{3}) \((\d+) m from the road\)/.exec(text);
    expect(match, text).not.toBeNull();
    const shown = Number(match![1]) * 1000 + Number(match![2]);
    expect(Math.abs(shown - chainage)).toBeLessThanOrEqual(1);
    expect(Number(match![3])).toBe(
      Math.round(
        wgs84Geodesic.Inverse(ROAD.lat, TAKEN.longitude, TAKEN.latitude, TAKEN.longitude).s12!,
      ),
    );

    expect(problems.filter((p) => p.startsWith('pageerror') || p === 'page crashed')).toEqual([]);
    // The test build is a production build: Lit's dev-mode warning is not there.
    expect(warnings.filter((w) => /dev mode/i.test(w))).toEqual([]);
  });

  it('draws the drive runs kept on the phone as their tracks, and hides them on request', async () => {
    // A run along a line 220 m north of the road, as the Drive page keeps it (store/run-record).
    const TRACK = { lat: 10.002, lon0: 30.001, lon1: 30.004 };
    await page.evaluate(async (track) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('roadcam');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction('runs', 'readwrite');
      tx.objectStore('runs').put({
        id: crypto.randomUUID(),
        revision: 1,
        state: 'ended',
        startedAt: '2026-11-30T07:00:00.000Z',
        updatedAt: '2026-11-30T07:03:00.000Z',
        endedAt: '2026-11-30T07:03:00.000Z',
        endReason: 'stopped',
        track: [
          [track.lon0, track.lat, 0],
          [(track.lon0 + track.lon1) / 2, track.lat, 90_000],
          [track.lon1, track.lat, 180_000],
        ],
        trackToleranceM: 3,
        distanceM: 329,
        framesAnalysed: 180,
        framesDropped: 0,
        surveyIds: [],
        damageSpots: [],
        settings: { maxFps: 2, sameDamageM: 10 },
        model: null,
        sync: { state: 'local', attempts: 0 },
      });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }, TRACK);
    await page.reload();
    await openMap(page, COPIES + 1);
    await pollUntil(
      'the run to be counted',
      () => summary(page),
      (t) => /1 drive runs\.$/.test(t),
    );
    const mid = { lat: TRACK.lat, lon: (TRACK.lon0 + TRACK.lon1) / 2 };
    await page.evaluate(
      `void ${MAP}.map.setView([${mid.lat}, ${mid.lon}], 17, { animate: false })`,
    );
    const onTrack = async () => pixel(page, await pagePoint(page, mid.lat, mid.lon));
    await pollUntil('the track to be drawn', onTrack, (c) => near(c, TRACK_COLOUR, 40));
    // Hidden: the map under it shows again (the basemap's land), and the summary says so.
    await page.getByTestId('show-runs').uncheck();
    await pollUntil('the track to be hidden', onTrack, (c) => near(c, LAND, 12));
    expect(await summary(page)).toMatch(/1 drive runs \(hidden\)\.$/);
    await page.getByTestId('show-runs').check();
    await pollUntil('the track to be drawn again', onTrack, (c) => near(c, TRACK_COLOUR, 40));
  });

  it('draws the markers once per zoom step, when the zoom ends, with the surveys read again meanwhile', async () => {
    // A zoom fires zoomend, moveend (and may fire viewreset, resize); the marker layer draws once.
    // The sync sweep of the stored surveys may be re-reading them meanwhile: a re-read that moves
    // no marker must not rebuild and redraw the markers either.
    const draws = (await page.evaluate(`new Promise((resolve) => {
      const v = ${MAP};
      let n = 0;
      const count = () => n++;
      v.markerLayer.on('drawn', count);
      v.map.once('zoomend', () => setTimeout(() => { v.markerLayer.off('drawn', count); resolve(n); }, 600));
      v.map.setZoom(v.map.getZoom() - 1);
    })`)) as number;
    expect(draws).toBe(1);
  });
});
