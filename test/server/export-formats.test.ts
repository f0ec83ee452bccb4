/**
 * The server's KML and GeoPackage exports and the office's segment report, against the real
 * server process and its SQLite database, read back with independent readers: fast-xml-parser
 * for KML, better-sqlite3 (test/geo/geopackage-reader.ts) for the GeoPackage, csv-parse for the
 * report's CSV. The chainages the report must use are computed here with GeographicLib's
 * geodesic, not with the location core's ruler.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyRecordWire } from '../../src/schema/survey';
import { wgs84Geodesic } from '../../tools/lib/geodesic';
import { ServerProcess } from '../../tools/lib/server-process';
import { readGeoPackage } from '../geo/geopackage-reader';
import { apiClient, makeJpeg, makeRecord, photoMetaFor } from './fixtures';

let server: ServerProcess;
let api: ReturnType<typeof apiClient>;
let tmp: string;

/** A road due east along 48.85° N from 2.35° E to 2.36° E (about 732 m). */
const ROAD_START = { lat: 48.85, lon: 2.35 };
const ROAD_END = { lat: 48.85, lon: 2.36 };

const onRoad = (lon: number) => ({ lat: 48.85001, lon, accuracyM: 5, source: 'gps' as const });

let pothole: SurveyRecordWire;
let goodRoad: SurveyRecordWire;
let farPothole: SurveyRecordWire;
let elsewhere: SurveyRecordWire;
let nowhere: SurveyRecordWire;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'roadcam-export-formats-'));
  // The server's temporary files (the GeoPackage being written) go here, to be checked.
  server = await ServerProcess.start({ env: { TMPDIR: tmp } });
  api = apiClient(server.url, await server.createToken('office'));
  const photo = await makeJpeg(3);
  pothole = makeRecord(3, photo, {
    position: onRoad(2.3514),
    verdict: { label: 'pothole', potholeProbability: 0.91, lowConfidence: false },
    severity: 4,
    notes: 'Kerb side <deep> & "wide"\nsecond line',
  });
  goodRoad = makeRecord(4, photoMetaFor(4), {
    position: onRoad(2.3516),
    verdict: { label: 'normal', potholeProbability: 0.12, lowConfidence: true },
    severity: 2,
  });
  farPothole = makeRecord(6, photoMetaFor(6), {
    position: onRoad(2.357),
    verdict: { label: 'pothole', potholeProbability: 0.77, lowConfidence: false },
    severity: 5,
  });
  elsewhere = makeRecord(9, photoMetaFor(9), {
    position: { lat: 48.9, lon: 2.4, accuracyM: 60, source: 'gps' },
  });
  nowhere = makeRecord(12, photoMetaFor(12), { position: null, verdict: null, model: null });
  const posted = await api.postSurveys<{ results: { status: string }[] }>([
    pothole,
    goodRoad,
    farPothole,
    elsewhere,
    nowhere,
  ]);
  expect(posted.body.results.map((r) => r.status)).toEqual(Array(5).fill('created'));
  expect((await api.putPhoto(pothole.id, photo)).status).toBeLessThan(300);
});

afterAll(async () => {
  await server?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** What a GIS user expects of each survey, written from the record (docs/MAP.md's columns). */
function expectedRow(record: SurveyRecordWire, photoUrl: string | null) {
  const v = record.verdict;
  return {
    id: record.id,
    time: record.createdAt,
    lat: record.position?.lat ?? null,
    lon: record.position?.lon ?? null,
    accuracyM: record.position?.accuracyM ?? null,
    positionSource: record.position?.source ?? null,
    found: v ? [v.label === 'pothole' ? 'pothole' : 'good_road'] : [],
    probabilities: v ? [{ type: 'pothole', probability: v.potholeProbability }] : [],
    notRoadScore: null,
    notRoadKept: null,
    lowConfidence: v ? v.lowConfidence : null,
    severity: record.severity,
    notes: record.notes,
    model: record.model ? `${record.model.id}@${record.model.version}` : null,
    road: null,
    photoUrl,
  };
}

const all = () => [pothole, goodRoad, farPothole, elsewhere, nowhere];
const photoOf = (r: SurveyRecordWire) =>
  r.id === pothole.id ? `/api/v1/surveys/${pothole.id}/photo` : null;

interface Placemark {
  description?: string;
  Point?: { coordinates: string };
  ExtendedData: { SchemaData: { SimpleData: Record<string, string>[] } };
}

describe('KML and GeoPackage exports', () => {
  it('exports KML 2.2 that parses, a Placemark per survey with its point and typed data', async () => {
    const answer = await api.get<Buffer>('/export.kml');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/vnd\.google-earth\.kml\+xml/);
    expect(answer.headers.get('content-disposition')).toMatch(/filename="roadcam-surveys\.kml"/);
    const kml = answer.body.toString('utf8');
    expect(XMLValidator.validate(kml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      trimValues: false,
      htmlEntities: true,
      isArray: (name) => ['Placemark', 'SimpleData'].includes(name),
    }).parse(kml);
    const placemarks = doc.kml.Document.Placemark as Placemark[];
    expect(placemarks).toHaveLength(5);
    const data = (p: Placemark) =>
      Object.fromEntries(
        p.ExtendedData.SchemaData.SimpleData.map((d) => [d['@name'], d['#text'] ?? '']),
      );
    const byId = new Map(placemarks.map((p) => [data(p).id, p]));
    const placed = byId.get(pothole.id)!;
    expect(placed.Point?.coordinates).toBe('2.3514,48.85001');
    expect(placed.description).toBe(pothole.notes);
    expect(data(placed)).toMatchObject({
      found: 'pothole',
      p_pothole: '0.91',
      severity: '4',
      photo_url: `/api/v1/surveys/${pothole.id}/photo`,
    });
    expect(byId.get(nowhere.id)!.Point).toBeUndefined();
    expect(data(byId.get(goodRoad.id)!).found).toBe('good_road');
  });

  it('exports a GeoPackage that SQLite opens and a GIS would accept, equal to the surveys, and deletes its temporary file', async () => {
    const answer = await api.get<Buffer>('/export.gpkg');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/geopackage+sqlite3');
    const file = path.join(tmp, 'download.gpkg');
    writeFileSync(file, answer.body);
    const rows = readGeoPackage(file);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const record of all()) {
      const back = byId.get(record.id)!;
      // GeoPackage DATETIME is UTC with a Z; the record's time is already UTC.
      expect({ ...back, time: new Date(back.time).toISOString() }).toEqual(
        expectedRow(record, photoOf(record)),
      );
    }
    expect(rows).toHaveLength(5);
    // Only the download written here is left: the server removed its temporary GeoPackage.
    await expect
      .poll(() => readdirSync(tmp).filter((n) => n.startsWith('roadcam-gpkg-')))
      .toEqual([]);
  });
});

/** Metres along the road from its start to the foot of a point (the road runs due east, so
 * the foot is at the point's longitude, on the line between the two ends), by the geodesic. */
function chainageOf(lon: number): number {
  const azimuth = wgs84Geodesic.Inverse(
    ROAD_START.lat,
    ROAD_START.lon,
    ROAD_END.lat,
    ROAD_END.lon,
  ).azi1!;
  // The foot: the point on the start's geodesic whose longitude is the survey's.
  const line = wgs84Geodesic.InverseLine(
    ROAD_START.lat,
    ROAD_START.lon,
    ROAD_END.lat,
    ROAD_END.lon,
  );
  expect(Math.abs(azimuth - 90)).toBeLessThan(0.01);
  let lo = 0;
  let hi = line.s13!;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (line.Position(mid).lon2! < lon) lo = mid;
    else hi = mid;
  }
  return lo;
}

const ROADS = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { road_id: 'R1', name: 'Quai test' },
      geometry: {
        type: 'LineString',
        coordinates: [
          [ROAD_START.lon, ROAD_START.lat],
          [ROAD_END.lon, ROAD_END.lat],
        ],
      },
    },
  ],
};

interface Report {
  sectionLengthM: number;
  roads: {
    roadId: string;
    roadName: string | null;
    lengthM: number;
    sections: {
      fromM: number;
      toM: number;
      surveys: number;
      counts: Record<string, number>;
      worstSeverity: number | null;
    }[];
  }[];
  unmatched: number;
}

describe('segment report (POST and GET /api/v1/segment-report)', () => {
  const post = (query: string, body: string, type = 'application/geo+json') =>
    fetch(`${server.url}/api/v1/segment-report${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
  let token = '';
  beforeAll(async () => {
    token = await server.createToken('office-report');
  });

  it('counts the surveys per 100 m section of each road, at the chainage the geodesic gives', async () => {
    const answer = await post('', JSON.stringify(ROADS));
    expect(answer.status).toBe(200);
    const report = (await answer.json()) as Report;
    expect(report.sectionLengthM).toBe(100);
    const road = report.roads[0];
    expect(road).toMatchObject({ roadId: 'R1', roadName: 'Quai test' });
    const length = wgs84Geodesic.Inverse(
      ROAD_START.lat,
      ROAD_START.lon,
      ROAD_END.lat,
      ROAD_END.lon,
    ).s12!;
    expect(road.lengthM).toBeCloseTo(length, 0);
    expect(road.sections).toHaveLength(Math.ceil(length / 100));
    const near = Math.floor(chainageOf(2.3514) / 100);
    expect(Math.floor(chainageOf(2.3516) / 100)).toBe(near);
    const far = Math.floor(chainageOf(2.357) / 100);
    const expected = road.sections.map((s, i) =>
      i === near
        ? { surveys: 2, counts: { pothole: 1, good_road: 1 }, worstSeverity: 4 }
        : i === far
          ? { surveys: 1, counts: { pothole: 1 }, worstSeverity: 5 }
          : { surveys: 0, counts: {}, worstSeverity: null },
    );
    expect(
      road.sections.map(({ surveys, counts, worstSeverity }) => ({
        surveys,
        counts,
        worstSeverity,
      })),
    ).toEqual(expected);
    // 2 km away, and without a position.
    expect(report.unmatched).toBe(2);
  });

  it('gives the report as CSV, one line per section, with 50 m sections when asked', async () => {
    const answer = await post(
      '?format=csv&section_m=50',
      JSON.stringify(ROADS),
      'application/json',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parseCsv(await answer.text(), { columns: true }) as Record<string, string>[];
    const section = Math.floor(chainageOf(2.3514) / 50);
    expect(rows).toHaveLength(Math.ceil(chainageOf(2.36) / 50));
    expect(rows[section]).toMatchObject({
      road_id: 'R1',
      road_name: 'Quai test',
      from_m: String(section * 50),
      n_pothole: '1',
      worst_severity: '4',
    });
    const surveyed = rows.filter((r) => r.surveys !== '0');
    expect(surveyed.reduce((n, r) => n + Number(r.surveys), 0)).toBe(3);
  });

  it('refuses a file that is not a road network, saying what is wrong', async () => {
    const points = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { road_id: 'X' },
          geometry: { type: 'Point', coordinates: [2, 48] },
        },
      ],
    };
    const answer = await post('', JSON.stringify(points));
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_road_network');
    expect(body.message).toMatch(/feature 1/i);
    const bad = await post('?section_m=-5', JSON.stringify(ROADS));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_query');
  });

  it("GET reads the server's road network: none loaded says how to load one; then as POST", async () => {
    const get = (query: string) =>
      fetch(`${server.url}/api/v1/segment-report${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const none = await get('');
    expect(none.status).toBe(404);
    const missing = (await none.json()) as { error: string; message: string };
    expect(missing.error).toBe('no_road_network');
    expect(missing.message).toMatch(/roads load FILE.*or POST the network/);

    const reviewer = await server.createToken('office-roads', 'reviewer');
    const loaded = await fetch(`${server.url}/api/v1/roads?name=quai.geojson`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/geo+json' },
      body: JSON.stringify(ROADS),
    });
    expect(loaded.status).toBe(200);
    for (const query of ['', '?format=csv&section_m=50']) {
      const held = await get(query);
      expect(held.status).toBe(200);
      const posted = await post(query, JSON.stringify(ROADS));
      expect(await held.text()).toBe(await posted.text());
    }
    const bad = await get('?max_distance_m=0');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_query');
  });
});
