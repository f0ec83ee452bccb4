/**
 * The office map in real headless Chromium, served by the real sync server with the production
 * build: a device token entered, the synced surveys appear as markers; a road network file is
 * loaded and the segment report table lists the surveyed sections; a synced drive run is drawn
 * as its track.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';

import { ServerProcess } from '../../tools/lib/server-process';
import { collection, lineFeature, offset } from '../geo/helpers';
import { apiClient, makeRecord, photoMetaFor } from '../server/fixtures';
import { buildTestApp } from '../helpers/test-app';
import { pollUntil } from './app-page';

let server: ServerProcess;
let browser: LaunchedProfile;
let token: string;
let runLine: number[][];

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
  records.push(
    makeRecord(30, photoMetaFor(30), {
      position: { lat: 1.5, lon: 33, accuracyM: 5, source: 'gps' },
    }),
  );
  const posted = await api.postSurveys<{ results: { status: string }[] }>(records);
  expect(posted.body.results.every((r) => r.status === 'created')).toBe(true);
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

describe('the office map', () => {
  it('shows the synced surveys, and the segment report of a loaded road network', async () => {
    const page = await browser.context.newPage();
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
      buffer: Buffer.from(
        JSON.stringify(
          collection([
            lineFeature('R7', 'Jinja Road', [
              [start.lon, start.lat],
              [end.lon, end.lat],
            ]),
          ]),
        ),
      ),
    });
    const table = page.getByTestId('segment-table');
    await table.waitFor();
    const rows = await table
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-road'),
          Number(tr.getAttribute('data-from')),
          Number(tr.querySelectorAll('td')[2].textContent),
        ]),
      );
    expect(rows).toEqual([
      ['R7', 0, 2],
      ['R7', 100, 1],
      ['R7', 400, 1],
    ]);
    expect(await page.getByText(/1 surveys are not within reach/).count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
