/**
 * GeoJSON, CSV and KML exports read back by independent readers (JSON.parse with the RFC 7946
 * rules checked here, csv-parse, fast-xml-parser) and compared with the rows that went in.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { csvChunks, geoJsonChunks, kmlChunks } from '../../src/geo/export';
import type { ExportRow } from '../../src/geo/export-row';
import { rowFromRecord } from './export-readback';
import { rowStream, sortedProbabilities, TRICKY_ROWS } from './export-rows';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

interface GeoJsonFeature {
  type: string;
  id: unknown;
  geometry: { type: string; coordinates: number[] } | null;
  properties: Record<string, unknown>;
}

interface KmlPlacemark {
  name: string;
  TimeStamp: { when: string };
  Point?: { coordinates: string };
  ExtendedData: {
    SchemaData: { '@schemaUrl': string; SimpleData: { '@name': string; '#text'?: string }[] };
  };
}

const comparable = (row: ExportRow): ExportRow => ({
  ...row,
  probabilities: sortedProbabilities(row),
});

describe('GeoJSON export (RFC 7946)', () => {
  it('reads back equal to the rows, longitude first, no crs, null geometry without a position', async () => {
    const json = JSON.parse(await text(geoJsonChunks(TRICKY_ROWS)));
    expect(json.type).toBe('FeatureCollection');
    expect(json).not.toHaveProperty('crs');
    expect(json.features).toHaveLength(TRICKY_ROWS.length);
    const back = (json.features as GeoJsonFeature[]).map((feature) => {
      expect(feature.type).toBe('Feature');
      expect(Object.keys(feature).sort()).toEqual(['geometry', 'id', 'properties', 'type']);
      let position = { lat: null as number | null, lon: null as number | null };
      if (feature.geometry !== null) {
        expect(feature.geometry.type).toBe('Point');
        expect(feature.geometry.coordinates).toHaveLength(2);
        const [lon, lat] = feature.geometry.coordinates;
        expect(Math.abs(lon)).toBeLessThanOrEqual(180);
        expect(Math.abs(lat)).toBeLessThanOrEqual(90);
        position = { lat, lon };
      }
      expect(feature.properties).not.toHaveProperty('lat');
      expect(feature.id).toBe(feature.properties.id);
      return rowFromRecord(feature.properties, position);
    });
    expect(back).toEqual(TRICKY_ROWS.map(comparable));
    // Nairobi is south of the equator and east of Greenwich: [+36.8, -1.3], not the reverse.
    expect(json.features[0].geometry.coordinates).toEqual([36.8219, -1.2921]);
  });
});

/** What the CSV keeps of a text: NUL dropped, a leading apostrophe before formula starts. */
function defused(value: string): string {
  const clean = value.replace(/\0/g, '');
  return /^[=+\-@\t\r\n \uff1d\uff0b\uff0d\uff20]/.test(clean) ? `'${clean}` : clean;
}

describe('CSV export (RFC 4180)', () => {
  it('reads back (csv-parse, strict) equal to the rows, with formula text defused', async () => {
    const csv = await text(csvChunks(TRICKY_ROWS));
    expect(csv.endsWith('\r\n')).toBe(true);
    const records = parseCsv(csv, {
      columns: true,
      relax_quotes: false,
      relax_column_count: false,
      record_delimiter: '\r\n',
    }) as Record<string, string>[];
    expect(records).toHaveLength(TRICKY_ROWS.length);
    const back = records.map((r) =>
      rowFromRecord(r, {
        lat: r.lat === '' ? null : Number(r.lat),
        lon: r.lon === '' ? null : Number(r.lon),
      }),
    );
    const expected = TRICKY_ROWS.map((row) => ({
      ...comparable(row),
      notes: defused(row.notes),
      road: row.road && { ...row.road, name: row.road.name && defused(row.road.name) },
    }));
    expect(back).toEqual(expected);
    // The formula is text now, and each dangerous start was caught.
    expect(records[1].notes).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(records[2].notes.startsWith("'+254")).toBe(true);
    expect(records[4].notes.startsWith("'-minus")).toBe(true);
    expect(records[5].notes).toBe("' =leading space");
    expect(records[2].notes).not.toContain('\0');
    // Numbers stay numbers: a negative latitude is not defused.
    expect(records[0].lat).toBe('-1.2921');
    expect(records[0].fix_quality).toBe('good');
    expect(records[2].fix_quality).toBe('poor');
    expect(records[4].fix_quality).toBe('unknown');
  });

  it('defuses every formula start, full-width ＝ ＋ － ＠ too', async () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r', '\n', ' ', '＝', '＋', '－', '＠']) {
      const row = { ...TRICKY_ROWS[0], notes: `${start}1+1` };
      const [record] = parseCsv(await text(csvChunks([row])), { columns: true }) as Record<
        string,
        string
      >[];
      expect(record.notes).toBe(`'${start}1+1`);
    }
  });
});

describe('KML export (KML 2.2)', () => {
  it('is well-formed XML and reads back equal to the rows (forbidden characters dropped)', async () => {
    const kml = await text(kmlChunks(TRICKY_ROWS));
    expect(XMLValidator.validate(kml)).toBe(true);
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      trimValues: false,
      // Numeric character references (&#13;) are XML; this parser decodes them under this name.
      htmlEntities: true,
      isArray: (name) => ['Placemark', 'SimpleData', 'SimpleField'].includes(name),
    });
    const doc = parser.parse(kml);
    expect(doc.kml['@xmlns']).toBe('http://www.opengis.net/kml/2.2');
    const schema = doc.kml.Document.Schema;
    const fieldNames = schema.SimpleField.map((f: Record<string, string>) => f['@name']);
    const placemarks = doc.kml.Document.Placemark as KmlPlacemark[];
    expect(placemarks).toHaveLength(TRICKY_ROWS.length);
    const back = placemarks.map((placemark) => {
      expect(placemark.ExtendedData.SchemaData['@schemaUrl']).toBe(`#${schema['@id']}`);
      const record: Record<string, string> = {};
      for (const data of placemark.ExtendedData.SchemaData.SimpleData) {
        expect(fieldNames).toContain(data['@name']);
        record[data['@name']] = data['#text'] ?? '';
      }
      let position = { lat: null as number | null, lon: null as number | null };
      if (placemark.Point) {
        const [lon, lat] = String(placemark.Point.coordinates).split(',').map(Number);
        position = { lat, lon };
      }
      expect(placemark.TimeStamp.when).toBe(record.time);
      return rowFromRecord(record, position);
    });
    // eslint-disable-next-line no-control-regex -- these are the characters XML 1.0 forbids
    const xmlSafe = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
    expect(back).toEqual(
      TRICKY_ROWS.map((row) => ({ ...comparable(row), notes: xmlSafe(row.notes) })),
    );
    expect(placemarks[1].name).toBe('crack, patch');
    expect(placemarks[4].name).toBe('not a road');
  });
});

describe('streaming', () => {
  for (const [name, writer] of [
    ['GeoJSON', geoJsonChunks],
    ['CSV', csvChunks],
    ['KML', kmlChunks],
  ] as const) {
    it(`${name}: chunks come out while rows are still being read`, async () => {
      const { rows, state } = rowStream(20_000);
      let chunks = 0;
      let takenAtFirstBodyChunk: number | null = null;
      let characters = 0;
      for await (const chunk of writer(rows, { chunkSize: 16 * 1024 })) {
        chunks++;
        characters += chunk.length;
        if (chunks === 2) takenAtFirstBodyChunk = state.taken;
        expect(chunk.length).toBeLessThan(16 * 1024 + 4096);
      }
      expect(state.taken).toBe(20_000);
      expect(takenAtFirstBodyChunk).toBeLessThan(1000);
      expect(chunks).toBeGreaterThan(100);
      expect(characters).toBeGreaterThan(20_000 * 200);
    });
  }
});
