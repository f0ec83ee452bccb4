/**
 * The server's exports carry road and chainage (issue 12) and the drive run (issue 13), on
 * SQLite and on PostgreSQL, against the real server process: an office reviewer loads a road
 * network (PUT /api/v1/roads; the administrator's `roads load FILE` replaces it), and each of
 * GeoJSON, CSV, KML and GeoPackage, read back by its own independent reader (JSON.parse,
 * csv-parse, fast-xml-parser, better-sqlite3), gives each survey its road id, road name and a
 * chainage computed here with GeographicLib's geodesic (not the location core's ruler), and the
 * run id of the survey a drive run made. Before any network is loaded the columns are empty; a
 * surveyor token may not load one, and a wrong file is refused with what is wrong.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyRecordWire } from '../../src/schema/survey';
import { wgs84Geodesic } from '../../tools/lib/geodesic';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import { ServerProcess } from '../../tools/lib/server-process';
import { rowFromRecord } from '../geo/export-readback';
import { readGeoPackage } from '../geo/geopackage-reader';
import { apiClient, makeRecord, photoMetaFor } from './fixtures';

/** A road due east along 48.85° N from 2.35° E to 2.36° E (about 732 m). */
const WEST = { lat: 48.85, lon: 2.35 };
const EAST = { lat: 48.85, lon: 2.36 };
const RUN_ID = randomUUID();

function network(id: string, name: string, from: typeof WEST, to: typeof WEST) {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { road_id: id, name },
        geometry: {
          type: 'LineString',
          coordinates: [
            [from.lon, from.lat],
            [to.lon, to.lat],
          ],
        },
      },
    ],
  });
}

/** Metres along the geodesic from `from` to the foot of a point at longitude `lon` (the road
 * runs along a parallel, so the foot is where the geodesic reaches that longitude). */
function geodesicChainage(from: typeof WEST, to: typeof WEST, lon: number): number {
  const line = wgs84Geodesic.InverseLine(from.lat, from.lon, to.lat, to.lon);
  const eastward = to.lon > from.lon;
  let lo = 0;
  let hi = line.s13!;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const before = eastward ? line.Position(mid).lon2! < lon : line.Position(mid).lon2! > lon;
    if (before) lo = mid;
    else hi = mid;
  }
  return lo;
}

interface Back {
  roadId: string | null;
  roadName: string | null;
  chainageM: number | null;
  runId: string | null;
}

const kmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['Placemark', 'SimpleData'].includes(name),
});

/** Every export format, read back by its own reader, as road/chainage/run per survey id. */
async function readBackAll(
  api: ReturnType<typeof apiClient>,
  tmp: string,
): Promise<Record<string, Map<string, Back>>> {
  const back = (rows: ReturnType<typeof rowFromRecord>[]) =>
    new Map(
      rows.map((r) => [
        r.id,
        {
          roadId: r.road?.id ?? null,
          roadName: r.road?.name ?? null,
          chainageM: r.road?.chainageM ?? null,
          runId: r.runId ?? null,
        },
      ]),
    );
  const geojson = await api.get<{ features: { properties: Record<string, unknown> }[] }>(
    '/export.geojson',
  );
  expect(geojson.status).toBe(200);
  const csv = await api.get<Buffer>('/export.csv');
  expect(csv.status).toBe(200);
  const kml = await api.get<Buffer>('/export.kml');
  expect(kml.status).toBe(200);
  const gpkg = await api.get<Buffer>('/export.gpkg');
  expect(gpkg.status).toBe(200);
  const file = path.join(tmp, `${randomUUID()}.gpkg`);
  writeFileSync(file, gpkg.body);
  const placemarks = kmlParser.parse(kml.body.toString('utf8')).kml.Document.Placemark as {
    ExtendedData: { SchemaData: { SimpleData: Record<string, string>[] } };
  }[];
  const noPosition = { lat: null, lon: null };
  return {
    GeoJSON: back(geojson.body.features.map((f) => rowFromRecord(f.properties, noPosition))),
    CSV: back(
      (
        parseCsv(csv.body.toString('utf8'), { columns: true, bom: true }) as Record<
          string,
          string
        >[]
      ).map((r) => rowFromRecord(r, noPosition)),
    ),
    KML: back(
      placemarks.map((p) =>
        rowFromRecord(
          Object.fromEntries(
            p.ExtendedData.SchemaData.SimpleData.map((d) => [d['@name'], d['#text'] ?? '']),
          ),
          noPosition,
        ),
      ),
    ),
    GeoPackage: back(readGeoPackage(file)),
  };
}

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await PostgresCluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

describe.each(['SQLite', 'PostgreSQL'] as const)('exports with road and chainage on %s', (db) => {
  let server: ServerProcess;
  let phone: ReturnType<typeof apiClient>;
  let office: ReturnType<typeof apiClient>;
  let tmp: string;
  const tokens = { phone: '', office: '' };
  let near: SurveyRecordWire;
  let far: SurveyRecordWire;
  let away: SurveyRecordWire;
  let nowhere: SurveyRecordWire;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'roadcam-export-chainage-'));
    const env: Record<string, string> =
      db === 'PostgreSQL'
        ? { DATABASE_URL: await cluster.createDatabase(), ROADCAM_PHOTO_STORE: 'postgres' }
        : {};
    server = await ServerProcess.start({ env });
    tokens.phone = await server.createToken('phone');
    tokens.office = await server.createToken('office', 'reviewer');
    phone = apiClient(server.url, tokens.phone);
    office = apiClient(server.url, tokens.office);
    const at = (lon: number) => ({ lat: 48.85002, lon, accuracyM: 5, source: 'gps' as const });
    // Taken by a drive run (its id on the survey), on the road near its west end.
    near = { ...makeRecord(1, photoMetaFor(1), { position: at(2.3514) }), runId: RUN_ID };
    far = makeRecord(2, photoMetaFor(2), { position: at(2.3571) });
    away = makeRecord(3, photoMetaFor(3), { position: { ...at(2.4), lat: 48.9 } });
    nowhere = makeRecord(4, photoMetaFor(4), { position: null });
    const posted = await phone.postSurveys<{ results: { status: string }[] }>([
      near,
      far,
      away,
      nowhere,
    ]);
    expect(posted.body.results.map((r) => r.status)).toEqual(Array(4).fill('created'));
  });

  afterAll(async () => {
    await server?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const put = (client: 'phone' | 'office', body: string, name = 'county-roads.geojson') =>
    fetch(`${server.url}/api/v1/roads?name=${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${tokens[client]}`,
        'content-type': 'application/geo+json',
      },
      body,
    });

  it('leaves road, chainage empty before a network is loaded, and fills run_id', async () => {
    for (const [format, rows] of Object.entries(await readBackAll(office, tmp))) {
      expect(rows.size, format).toBe(4);
      for (const row of rows.values())
        expect({ roadId: row.roadId, chainageM: row.chainageM }, format).toEqual({
          roadId: null,
          chainageM: null,
        });
      expect(rows.get(near.id)!.runId, format).toBe(RUN_ID);
      expect(rows.get(far.id)!.runId, format).toBeNull();
    }
    expect((await office.get('/roads/info')).status).toBe(404);
  });

  it('refuses a network from a surveyor token, and a file that is not a road network', async () => {
    const roads = network('R1', 'Quai test', WEST, EAST);
    const fromPhone = await put('phone', roads);
    expect(fromPhone.status).toBe(403);
    const points = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { road_id: 'X' },
          geometry: { type: 'Point', coordinates: [2, 48] },
        },
      ],
    });
    const wrong = await put('office', points);
    expect(wrong.status).toBe(400);
    const body = (await wrong.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_road_network');
    expect(body.message).toMatch(/feature 1/i);
    expect((await office.get('/roads/info')).status).toBe(404);
  });

  it('fills road id, name and the geodesic chainage in every format once a reviewer loads a network', async () => {
    const loaded = await put('office', network('R1', 'Quai test', WEST, EAST));
    expect(loaded.status).toBe(200);
    expect(await loaded.json()).toMatchObject({ name: 'county-roads.geojson', roadCount: 1 });
    const info = await office.get<{ name: string; roadCount: number; loadedBy: string }>(
      '/roads/info',
    );
    expect(info.body).toMatchObject({ roadCount: 1, loadedBy: 'office' });
    for (const [format, rows] of Object.entries(await readBackAll(office, tmp))) {
      for (const survey of [near, far]) {
        const row = rows.get(survey.id)!;
        expect({ id: row.roadId, name: row.roadName }, format).toEqual({
          id: 'R1',
          name: 'Quai test',
        });
        expect(row.chainageM!, format).toBeCloseTo(
          geodesicChainage(WEST, EAST, survey.position!.lon),
          0,
        );
      }
      expect(rows.get(away.id)!.roadId, format).toBeNull();
      expect(rows.get(nowhere.id)!.roadId, format).toBeNull();
      expect(rows.get(near.id)!.runId, format).toBe(RUN_ID);
    }
  });

  it('uses the network the administrator loads on the command line from then on', async () => {
    // The same road digitised from its east end: chainage now runs the other way.
    const file = path.join(tmp, 'reversed.geojson');
    writeFileSync(file, network('R1-E', 'Quai test (from the east)', EAST, WEST));
    const cli = await server.cli(['roads', 'load', file]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/reversed\.geojson loaded: 1 roads/);
    const shown = await server.cli(['roads', 'show']);
    expect(shown.stdout).toMatch(/reversed\.geojson: 1 roads, loaded .* by command line/);
    const broken = path.join(tmp, 'broken.geojson');
    writeFileSync(broken, '{"type": "FeatureCollection", "features": [');
    const refused = await server.cli(['roads', 'load', broken]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Not loaded \(the network kept before is unchanged\)/);
    const rows = (await readBackAll(office, tmp)).CSV;
    const row = rows.get(far.id)!;
    expect(row.roadId).toBe('R1-E');
    expect(row.chainageM!).toBeCloseTo(geodesicChainage(EAST, WEST, far.position!.lon), 0);
  });
});
