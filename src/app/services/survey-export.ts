/**
 * The phone's surveys as a file in one of the four export formats, made on the phone, offline,
 * with the same writers and columns as the server's exports (src/geo/export): GeoJSON, CSV, KML,
 * or a GeoPackage (sql.js, loaded only when one is asked for). Each survey gets its road and
 * chainage when a road network is loaded on the Map page.
 */
import { exportRowFromSurvey, type ExportRow } from '../../geo/export-row';
import { csvChunks, EXPORT_FORMATS, geoJsonChunks, kmlChunks } from '../../geo/export';
import type { RoadMatch } from '../../geo/road-matcher';
import type { SurveyRecord } from '../../store/survey-record';

export type ExportFormat = keyof typeof EXPORT_FORMATS;

export async function exportRows(
  records: readonly SurveyRecord[],
  roadOf: (position: SurveyRecord['position']) => Promise<RoadMatch | null>,
): Promise<ExportRow[]> {
  return Promise.all(
    records.map(async (record) =>
      exportRowFromSurvey(record, { road: await roadOf(record.position) }),
    ),
  );
}

async function textOf(chunks: AsyncIterable<string>): Promise<string[]> {
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts;
}

/** The file: its bytes with the format's media type, and a name with the date. */
export async function exportFile(
  rows: readonly ExportRow[],
  format: ExportFormat,
  now = new Date(),
): Promise<{ blob: Blob; name: string }> {
  const { mime, extension } = EXPORT_FORMATS[format];
  const name = `roadcam-surveys-${now.toISOString().slice(0, 10)}${extension}`;
  if (format === 'gpkg') {
    const { geoPackageBytes } = await import('../../geo/export/gpkg/browser-geopackage');
    const bytes = await geoPackageBytes(rows);
    return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), name };
  }
  const chunks =
    format === 'csv' ? csvChunks(rows) : format === 'kml' ? kmlChunks(rows) : geoJsonChunks(rows);
  return { blob: new Blob(await textOf(chunks), { type: mime }), name };
}
