/**
 * The office map in real headless Chromium, served by the real sync server with the production
 * build: a device token entered, the synced surveys appear as markers; a road network file is
 * loaded and the segment report table lists the surveyed sections; a synced drive run is drawn
 * as its track. Then the survey far from the road is tapped on the map: its panel shows its
 * photo, as the server holds it; and the two downloads, the segment report (CSV) and the
 * surveys with their chainage (GeoPackage), are read back. Last, a second office browser with no
 * file of its own matches against the road network the server keeps.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';

import { ServerProcess } from '../../tools/lib/server-process';
import { collection, lineFeature, offset } from '../geo/helpers';
import { apiClient, makeJpeg, makeRecord, photoMetaFor, sha256 } from '../server/fixtures';
import { buildTestApp } from '../helpers/test-app';
import { pollUntil } from './app-page';

let server: ServerProcess;
let browser: LaunchedProfile;
let token: string;
let runLine: number[][];
let page: Page;
/** The survey far from the road, with its photo on the server. */
let farId: string;
const FAR = { lat: 1.5, lon: 33 };
const FAR_PHOTO = { width: 64, height: 48 };

const start = { lat: 0.35, lon: 32.58 };
const end = offset(start.lat, start.lon, 90, 600);
/** Surveys 4 m north of the road at these chainages (m), and one far away. */
const CHAINAGES = [20, 40, 150, 420];

beforeAll(async () => {
  server = await ServerProcess.start({ appDir: await buildTestApp() });
  token = await server.createToken('office');
  const api = apiClient(server.url, token);
  const records = CHAINAGES.map((m, i) => {
    const foot = offset(start.lat, start.lon, 90, m);
    const at = offset(foot.lat, foot.lon, 0, 4);
    return makeRecord(i * 3, photoMetaFor(i), {
      position: { lat: at.lat, lon: at.lon, accuracyM: 5, source: 'gps' },
    });
  });
  const farPhoto = await makeJpeg(30, FAR_PHOTO.width, FAR_PHOTO.height);
  const far = makeRecord(
    30,
    { sha256: sha256(farPhoto), bytes: farPhoto.length },
    { position: { lat: FAR.lat, lon: FAR.lon, accuracyM: 5, source: 'gps' } },
  );
  farId = far.id;
  records.push(far);
  const posted = await api.postSurveys<{ results: { status: string }[] }>(records);
  expect(posted.body.results.every((r) => r.status === 'created')).toBe(true);
  expect((await api.putPhoto(farId, farPhoto)).status).toBeLessThan(300);
  // A drive run along the road, 30 m north of it, synced as the phone syncs it.
  const runTrack = [0, 300, 600].map((m, i) => {
    const foot = offset(start.lat, start.lon, 90, m);
    const at = offset(foot.lat, foot.lon, 0, 30);
    return [at.lon, at.lat, i * 60_000];
  });
  const runs = await fetch(`${server.url}/api/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runs: [
        {
          id: randomUUID(),
          revision: 1,
          startedAt: '2026-12-02T08:00:00.000Z',
          endedAt: '2026-12-02T08:02:00.000Z',
          endReason: 'stopped',
          track: runTrack,
          trackToleranceM: 2,
          distanceM: 600,
          framesAnalysed: 240,
          framesDropped: 0,
          surveyIds: [],
          settings: { maxFps: 2, sameDamageM: 10 },
          model: null,
        },
      ],
    }),
  });
  expect(runs.status).toBe(200);
  runLine = runTrack.map(([lon, lat]) => [lon, lat]);
  browser = await launchProfile({ extraArgs: ['--disable-3d-apis'] });
});

afterAll(async () => {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await server?.dispose();
});

/** The road the surveys lie along, as a GeoJSON file. */
const roadsGeojson = () =>
  JSON.stringify(
    collection([
      lineFeature('R7', 'Jinja Road', [
        [start.lon, start.lat],
        [end.lon, end.lat],
      ]),
    ]),
  );

/** Road, section start (m) and survey count of each surveyed section. */
const SURVEYED_SECTIONS = [
  ['R7', 0, 2],
  ['R7', 100, 1],
  ['R7', 400, 1],
];

/** The segment table's rows as [road, from (m), surveys]. */
async function segmentTableRows(p: Page): Promise<(string | number | null)[][]> {
  const table = p.getByTestId('segment-table');
  await table.waitFor();
  return table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-road'),
        Number(tr.getAttribute('data-from')),
        Number(tr.querySelectorAll('td')[2].textContent),
      ]),
    );
}

describe('the office map', () => {
  it('shows the synced surveys, and the segment report of a loaded road network', async () => {
    page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/office.html`);
    await page.getByLabel('Device token').fill(token);
    await page.getByRole('button', { name: 'Load synced surveys' }).click();
    const summary = page.getByTestId('office-summary');
    await pollUntil(
      'the surveys to load',
      async () => ((await summary.textContent()) ?? '').replace(/\s+/g, ' '),
      (t) => /5 synced surveys on the map.*1 drive runs\./.test(t),
    );
    // The run's track is on the map, as the server holds it.
    const tracks = (await page.evaluate(
      `document.querySelector('roadcam-office').shadowRoot.querySelector('rc-office-map-page').shadowRoot.querySelector('rc-map-view').tracks.map((t) => t.line)`,
    )) as number[][][];
    expect(tracks).toEqual([runLine]);
    await page.getByTestId('office-roads-input').setInputFiles({
      name: 'roads.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(roadsGeojson()),
    });
    expect(await segmentTableRows(page)).toEqual(SURVEYED_SECTIONS);
    expect(await page.getByText(/1 surveys are not within reach/).count()).toBe(1);
    expect(
      ((await page.getByTestId('office-summary').textContent()) ?? '').replace(/\s+/g, ' '),
    ).toContain('Road network: roads.geojson (loaded in this browser).');
    expect(errors).toEqual([]);
  });

  it('a tapped survey shows its photo; the two downloads hold the report and the surveys', async () => {
    // Tap the far survey's marker where the map draws it.
    const at = (await page.evaluate(
      `(() => {
        const view = document.querySelector('roadcam-office').shadowRoot
          .querySelector('rc-office-map-page').shadowRoot.querySelector('rc-map-view');
        const map = view.map;
        const p = map.latLngToContainerPoint([${FAR.lat}, ${FAR.lon}]);
        const box = map.getContainer().getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y };
      })()`,
    )) as { x: number; y: number };
    await page.mouse.click(at.x, at.y);
    const panel = page.getByTestId('office-survey');
    await panel.waitFor();
    const photo = panel.getByRole('img', { name: "The survey's photo" });
    await photo.waitFor();
    await pollUntil(
      'the photo to load',
      () => photo.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]),
      ([w, h]) => w === FAR_PHOTO.width && h === FAR_PHOTO.height,
    );

    const download = async (name: RegExp) => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name }).click(),
      ]);
      return { name: file.suggestedFilename(), path: await file.path() };
    };
    const csv = await download(/Segment report \(CSV\)/);
    expect(csv.name).toBe('roadcam-segment-report.csv');
    const lines = readFileSync(csv.path, 'utf8').trim().split(/\r\n/);
    const header = lines[0].split(',');
    const cells = (line: string) =>
      Object.fromEntries(line.split(',').map((v, i) => [header[i], v]));
    const surveyed = lines
      .slice(1)
      .map(cells)
      .filter((r) => Number(r.surveys) > 0)
      .map((r) => [r.road_id, Number(r.from_m), Number(r.surveys)]);
    expect(surveyed).toEqual(SURVEYED_SECTIONS);

    const gpkg = await download(/GeoPackage with chainage/);
    expect(gpkg.name).toBe('roadcam-surveys.gpkg');
    const db = new Database(gpkg.path, { readonly: true });
    try {
      const { table_name: table } = db
        .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")
        .get() as { table_name: string };
      const rows = db.prepare(`SELECT id, chainage_m FROM "${table}"`).all() as {
        id: string;
        chainage_m: number | null;
      }[];
      expect(rows).toHaveLength(5);
      expect(rows.find((r) => r.id === farId)?.chainage_m).toBeNull();
      const chainages = rows
        .map((r) => r.chainage_m)
        .filter((c): c is number => c !== null)
        .sort((a, b) => a - b);
      expect(chainages.map((c) => Math.round(c))).toEqual(CHAINAGES);
    } finally {
      db.close();
    }
  });

  it("another office browser, with no file of its own, matches against the server's road network; a browser's own file that differs from it is said so", async () => {
    const reviewer = await server.createToken('office-reviewer', 'reviewer');
    const put = await fetch(`${server.url}/api/v1/roads?name=district-roads.geojson`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/geo+json' },
      body: roadsGeojson(),
    });
    expect(put.status).toBe(200);
    const other = await launchProfile({ extraArgs: ['--disable-3d-apis'] });
    try {
      const p = other.context.pages()[0] ?? (await other.context.newPage());
      await p.goto(`${server.url}/office.html`);
      await p.getByLabel('Device token').fill(token);
      await p.getByRole('button', { name: 'Load synced surveys' }).click();
      expect(await segmentTableRows(p)).toEqual(SURVEYED_SECTIONS);
      expect(
        ((await p.getByTestId('office-summary').textContent()) ?? '').replace(/\s+/g, ' '),
      ).toContain("Road network: district-roads.geojson (the server's).");
    } finally {
      await other.close();
      removeProfile(other.userDataDir);
    }
    // The first browser's own file still wins there.
    await page.reload();
    await page.getByRole('button', { name: 'Load synced surveys' }).click();
    await pollUntil(
      'the surveys to load again',
      async () =>
        ((await page.getByTestId('office-summary').textContent()) ?? '').replace(/\s+/g, ' '),
      (t) => /5 synced surveys on the map/.test(t),
    );
    expect(
      ((await page.getByTestId('office-summary').textContent()) ?? '').replace(/\s+/g, ' '),
    ).toContain('Road network: roads.geojson (loaded in this browser).');
    // The server's network has the same text under another name: nothing to say.
    expect(await page.getByTestId('office-roads-differ').count()).toBe(0);

    // The office loads a new network on the server (the road renumbered): this browser's file
    // is now another network, and the page says so and offers the server's.
    const renumbered = roadsGeojson().replace('"R7"', '"R8"');
    expect(renumbered).not.toBe(roadsGeojson());
    const newer = await fetch(`${server.url}/api/v1/roads?name=district-roads-2027.geojson`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/geo+json' },
      body: renumbered,
    });
    expect(newer.status).toBe(200);
    await page.getByRole('button', { name: 'Load synced surveys' }).click();
    const differ = page.getByTestId('office-roads-differ');
    await differ.waitFor();
    expect((await differ.textContent())?.replace(/\s+/g, ' ')).toMatch(
      /another road network, district-roads-2027\.geojson/,
    );
    expect(await segmentTableRows(page)).toEqual(SURVEYED_SECTIONS);
    await differ.getByRole('button', { name: "Use the server's road network" }).click();
    const serverOnes = SURVEYED_SECTIONS.map(([, from, n]) => ['R8', from, n]);
    await pollUntil(
      "the server's network to be used",
      () => segmentTableRows(page),
      (rows) => rows.every((r) => r[0] === 'R8'),
    );
    expect(await segmentTableRows(page)).toEqual(serverOnes);
    expect(await differ.count()).toBe(0);
    // The file is gone from this browser: after a reload, the server's network still.
    await page.reload();
    await page.getByRole('button', { name: 'Load synced surveys' }).click();
    await pollUntil(
      "the server's network after a reload",
      async () =>
        ((await page.getByTestId('office-summary').textContent()) ?? '').replace(/\s+/g, ' '),
      (t) => t.includes("Road network: district-roads-2027.geojson (the server's)."),
    );
  });
});
