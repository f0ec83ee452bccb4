/**
 * The map spike in real headless Chromium, served with the app's own headers (CSP included):
 * a PMTiles basemap made by the test is stored in the origin-private file system, then drawn
 * from there with the network off and WebGL switched off entirely; 5,000 markers are clustered
 * and drawn, a marker is tapped, a cluster splits, the accuracy circle, track and a road
 * section are drawn; and the browser GeoPackage path loads its wasm SQLite from the page's own
 * origin and writes a file that better-sqlite3 reads back.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { runInProject, startPreview, type Preview } from '../../tools/lib/preview-server';
import { projectRoot } from '../../tools/lib/paths';
import type { MapMarker } from '../../src/geo/markers';
import type { Spike } from './map/spike/spike';
import { TRICKY_ROWS, sortedProbabilities } from '../geo/export-rows';
import { readGeoPackage } from '../geo/geopackage-reader';
import { halfWaterTile } from '../helpers/mvt-writer';
import { TILE_TYPE, writePmtiles } from '../helpers/pmtiles-writer';
import type { Page } from 'playwright-core';

const OUT = path.join(projectRoot, '.test-output', 'map-spike');
let host: Preview;

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await runInProject(
    process.execPath,
    [
      path.join(projectRoot, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'test/browser/map/spike/vite.config.ts',
    ],
    { MAP_SPIKE_OUT: path.join(OUT, 'dist'), NODE_ENV: 'production' },
  );
  host = await startPreview({ dist: path.join(OUT, 'dist'), isolation: true });
});

afterAll(async () => {
  await host?.close();
});

declare const spike: Spike;

const LIGHT = { earth: '#e2dfda', water: '#80deea', grid: '#f2efe9', pothole: '#d55e00' };

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** The colour on screen at a page point, from a real screenshot. */
async function pixel(
  page: Page,
  point: { x: number; y: number },
): Promise<[number, number, number]> {
  const png = await page.screenshot({
    clip: { x: Math.round(point.x), y: Math.round(point.y), width: 1, height: 1 },
  });
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [data[0], data[1], data[2]];
}

function expectColour(actual: [number, number, number], hex: string, tolerance = 6): void {
  const expected = rgb(hex);
  const far = actual.some((v, i) => Math.abs(v - expected[i]) > tolerance);
  expect(far, `colour ${actual} should be ${hex} (${expected})`).toBe(false);
}

async function openSpike(browser: LaunchedProfile): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (e) => console.log('map spike page error:', e.message));
  await page.goto(`${host.origin}/index.html`);
  await page.waitForFunction(() => 'spike' in window);
  await page.evaluate(() => spike.ready);
  return { page, requests };
}

function basemapArchive(): string {
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
  return Buffer.from(archive).toString('base64');
}

/** 5,000 surveys on 200 m of street at (10°N, 30°E), kinds in rotation, and one pothole far away. */
function markers(): MapMarker[] {
  const kinds = ['pothole', 'crack', 'patch', 'good_road', 'not_road', 'pending', 'rutting'];
  const town = Array.from({ length: 5000 }, (_, i) => ({
    id: `s${i}`,
    lat: 10 + ((i * 7919) % 997) * 2e-6,
    lon: 30 + ((i * 104729) % 991) * 2e-6,
    kind: kinds[i % kinds.length],
  }));
  return [...town, { id: 'lonely', lat: -20, lon: 60, kind: 'pothole' }];
}

describe('map spike (Leaflet + protomaps-leaflet + PMTiles) in Chromium', () => {
  it('without WebGL and offline: draws a basemap kept in OPFS, 5,000 markers, clusters, circle, track, sections', async () => {
    const browser = await launchProfile({ extraArgs: ['--disable-3d-apis'] });
    try {
      const { page, requests } = await openSpike(browser);
      expect(await page.evaluate(() => spike.webgl())).toEqual({ webgl: false, renderer: null });

      expect(await page.evaluate((b64) => spike.storeBasemap(b64), basemapArchive())).toBe(
        'vector',
      );
      // From here on nothing may leave the browser: the basemap is read from OPFS by range.
      await browser.context.setOffline(true);
      const before = requests.length;
      const shown = await page.evaluate(() => spike.showStoredBasemap([0, 0], 2));
      expect(shown).toEqual({ kind: 'vector', maxZoom: 1 });
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: path.join(OUT, 'basemap.png') });
      // West of Greenwich is the test tile's water, east its land, in Protomaps' light colours.
      expectColour(
        await pixel(page, await page.evaluate(() => spike.pagePoint(0, -45))),
        LIGHT.water,
      );
      expectColour(
        await pixel(page, await page.evaluate(() => spike.pagePoint(0, 45))),
        LIGHT.earth,
      );

      const draw = await page.evaluate((data) => spike.setData(data), {
        markers: markers(),
        track: [
          [-40, -30],
          [-10, -30],
        ] as [number, number][],
        sections: [
          {
            lines: [
              [
                [-40, 30],
                [-10, 30],
              ],
            ] as [number, number][][],
            colour: '#cc0000',
            label: 'A104 0-100 m: 3 potholes',
          },
        ],
        position: { lat: -50, lon: 20, accuracyM: 800_000 },
      });
      // The town is one cluster at this zoom; the lonely pothole is a marker of its own.
      expect(draw.markers).toBe(1);
      expect(draw.clusters).toBeGreaterThanOrEqual(1);
      const lonely = await page.evaluate(() => spike.pagePoint(-20, 60));
      expectColour(await pixel(page, lonely), LIGHT.pothole, 10);
      expectColour(
        await pixel(page, await page.evaluate(() => spike.pagePoint(30, -25))),
        '#cc0000',
        40,
      );
      const circle = await pixel(page, await page.evaluate(() => spike.pagePoint(-50, 25)));
      expect(circle[2]).toBeGreaterThan(circle[0]); // tinted blue over the land

      // Tap the lonely marker: its survey is selected. Tap the town: the cluster opens up.
      await page.mouse.click(lonely.x + 3, lonely.y + 2);
      expect(await page.evaluate(() => spike.selected)).toEqual(['lonely']);
      const town = await page.evaluate(() => spike.pagePoint(10.001, 30.001));
      await page.mouse.click(town.x, town.y);
      await page.waitForFunction(() => spike.zoom() > 2);

      // Close in, every marker stands alone: all 5,000 drawn on one canvas.
      const close = await page.evaluate(() => spike.setView([10.001, 30.001], 18));
      expect(close).toMatchObject({ markers: 5000, clusters: 0 });
      const again = await page.evaluate(() => spike.setData({}));
      const all = await page.evaluate(() => spike.setView([10.001, 30.001], 16));
      expect(all.markers + all.clusters).toBeGreaterThan(1);
      // A figure for the record, never asserted (the machine is shared): one redraw's cost.
      console.log(
        `map spike: redraw at z18 ${close.markers} markers in ${close.ms.toFixed(1)} ms (again: ${again.ms.toFixed(1)} ms); ` +
          `at z16 ${all.markers} markers + ${all.clusters} clusters in ${all.ms.toFixed(1)} ms`,
      );

      const shot = path.join(OUT, 'map-no-webgl.png');
      mkdirSync(OUT, { recursive: true });
      await page.evaluate(() => spike.setView([0, 0], 2));
      await page.screenshot({ path: shot });
      expect(requests.slice(before)).toEqual([]);
      expect(await page.evaluate(() => spike.violations)).toEqual([]);
    } finally {
      await browser.close();
      removeProfile(browser.userDataDir);
    }
  });

  it('with the test flags (--disable-gpu): a plain grid and scale bar without a basemap; GeoPackage made with wasm SQLite from our own origin', async () => {
    const browser = await launchProfile();
    try {
      const { page, requests } = await openSpike(browser);
      const gl = await page.evaluate(() => spike.webgl());
      console.log(
        `map spike: --disable-gpu gives WebGL ${gl.webgl ? `via ${gl.renderer}` : 'none'}`,
      );

      await page.evaluate(() => spike.showPlainGrid([0.35, 32.58], 12));
      expectColour(
        await pixel(page, await page.evaluate(() => spike.pagePoint(0.35, 32.58))),
        LIGHT.grid,
        12,
      );
      const scale = await page.evaluate(
        () =>
          document
            .querySelector('rc-map-view')!
            .shadowRoot!.querySelector('.leaflet-control-scale-line')?.textContent,
      );
      expect(scale).toMatch(/^\d+ (m|km)$/);

      const before = requests.length;
      const base64 = await page.evaluate((rows) => spike.geoPackage(rows), TRICKY_ROWS);
      const loaded = requests.slice(before);
      expect(loaded.some((url) => /\.wasm$/.test(url))).toBe(true);
      expect(loaded.every((url) => url.startsWith(host.origin))).toBe(true);
      const file = path.join(OUT, 'browser.gpkg');
      writeFileSync(file, Buffer.from(base64, 'base64'));
      expect(readGeoPackage(file)).toEqual(
        TRICKY_ROWS.map((row) => ({
          ...row,
          time: new Date(row.time).toISOString(),
          probabilities: sortedProbabilities(row),
        })),
      );
      expect(await page.evaluate(() => spike.violations)).toEqual([]);
    } finally {
      await browser.close();
      removeProfile(browser.userDataDir);
    }
  });
});
