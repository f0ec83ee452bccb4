/**
 * GeoJSON (RFC 7946), streamed: a FeatureCollection of Point features in WGS 84, longitude
 * first (section 3.1.1); no `crs` member (section 4). A survey without a position is still
 * written, with `"geometry": null` (section 3.2), so an export loses no survey.
 */
import type { ExportRow } from '../export-row';
import { attributeColumns, ChunkBuffer, type ExportOptions, type RowSource } from './columns';

export interface StreamOptions extends ExportOptions {
  /** About how many characters each chunk holds (default 64 KiB). */
  chunkSize?: number;
}

function pointOf(row: ExportRow) {
  if (row.lat === null || row.lon === null) return null;
  return { type: 'Point', coordinates: [row.lon, row.lat] };
}

export async function* geoJsonChunks(
  rows: RowSource,
  options: StreamOptions = {},
): AsyncGenerator<string> {
  const columns = attributeColumns(options);
  const buffer = new ChunkBuffer(options.chunkSize);
  let first = true;
  yield '{"type":"FeatureCollection","features":[\n';
  for await (const row of rows) {
    const properties: Record<string, unknown> = {};
    for (const column of columns) properties[column.name] = column.value(row);
    const feature = { type: 'Feature', id: row.id, geometry: pointOf(row), properties };
    const chunk = buffer.add((first ? '' : ',\n') + JSON.stringify(feature));
    first = false;
    if (chunk) yield chunk;
  }
  const rest = buffer.flush();
  if (rest) yield rest;
  yield '\n]}\n';
}
