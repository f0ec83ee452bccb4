/**
 * The phone's exports of its stored surveys (src/app/services/survey-export.ts): a survey made by
 * a drive run carries the run's id in every text format, read back with its own reader; one taken
 * by hand leaves run_id empty. (The GeoPackage is made with sql.js in the browser:
 * test/browser/phone-export.test.ts.)
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { exportFile, exportRows } from '../../../src/app/services/survey-export';
import { makeRecord } from '../../store/make-record';

const RUN = '5f0c8d2e-1b3a-4c5d-9e6f-7a8b9c0d1e2f';

describe('phone exports carry the drive run', () => {
  it('writes run_id for a survey a run made, empty for one taken by hand', async () => {
    const driven = makeRecord({ runId: RUN });
    const byHand = makeRecord();
    const rows = await exportRows([driven, byHand], async () => null);

    const csv = await (await exportFile(rows, 'csv')).blob.text();
    const records = parseCsv(csv, { columns: true, bom: true }) as Record<string, string>[];
    expect(records.map((r) => [r.id, r.run_id])).toEqual([
      [driven.id, RUN],
      [byHand.id, ''],
    ]);

    const geojson = JSON.parse(await (await exportFile(rows, 'geojson')).blob.text()) as {
      features: { id: string; properties: { run_id: string | null } }[];
    };
    expect(geojson.features.map((f) => [f.id, f.properties.run_id])).toEqual([
      [driven.id, RUN],
      [byHand.id, null],
    ]);

    const kml = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      isArray: (name) => ['Placemark', 'SimpleData'].includes(name),
    }).parse(await (await exportFile(rows, 'kml')).blob.text()) as {
      kml: {
        Document: {
          Placemark: { ExtendedData: { SchemaData: { SimpleData: Record<string, string>[] } } }[];
        };
      };
    };
    const runIds = kml.kml.Document.Placemark.map(
      (p) => p.ExtendedData.SchemaData.SimpleData.find((d) => d['@name'] === 'run_id')?.['#text'],
    );
    expect(runIds).toEqual([RUN, undefined]);
  });
});
