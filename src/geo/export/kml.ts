/**
 * KML 2.2 (OGC 07-147r2), streamed: one Placemark per survey with its time, a Point (longitude,
 * latitude) and every export column as typed ExtendedData under a Schema, so Google Earth and
 * QGIS show the same attributes as the other formats. Text is escaped, and characters XML 1.0
 * forbids (control characters, lone surrogates) are dropped, so the file always parses.
 */
import { GOOD_ROAD, NOT_ROAD } from '../damage-types';
import type { ExportRow } from '../export-row';
import {
  attributeColumns,
  ChunkBuffer,
  type ColumnKind,
  type ColumnValue,
  type RowSource,
} from './columns';
import type { StreamOptions } from './geojson';

const SCHEMA_ID = 'roadcam_survey';

/** Everything outside XML 1.0's Char production (with the u flag a lone surrogate is a code
 * point of its own, outside every allowed range). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

export function xmlText(text: string): string {
  return (
    text
      .replace(NOT_XML_CHAR, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // A raw CR would be read back as LF (XML end-of-line handling); as a reference it stays.
      .replace(/\r/g, '&#13;')
  );
}

const KML_TYPE: Record<ColumnKind, string> = {
  text: 'string',
  datetime: 'string',
  real: 'double',
  integer: 'int',
  boolean: 'bool',
};

function kmlValue(value: ColumnValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return xmlText(String(value));
}

function placemarkName(row: ExportRow): string {
  if (row.found.length === 0) return 'not analysed';
  return row.found
    .map((t) => (t === GOOD_ROAD ? 'good road' : t === NOT_ROAD ? 'not a road' : t))
    .join(', ');
}

export async function* kmlChunks(
  rows: RowSource,
  options: StreamOptions & { documentName?: string } = {},
): AsyncGenerator<string> {
  const columns = attributeColumns(options);
  const buffer = new ChunkBuffer(options.chunkSize);
  const fields = columns
    .map((c) => `<SimpleField type="${KML_TYPE[c.kind]}" name="${c.name}"/>`)
    .join('');
  yield (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>' +
    `<name>${xmlText(options.documentName ?? 'RoadCAM surveys')}</name>` +
    `<Schema name="${SCHEMA_ID}" id="${SCHEMA_ID}">${fields}</Schema>\n`
  );
  for await (const row of rows) {
    // Null values are left out: KML has no null, and an empty double is not a number.
    const data = columns
      .map((c) => [c.name, c.value(row)] as const)
      .filter(([, value]) => value !== null)
      .map(([name, value]) => `<SimpleData name="${name}">${kmlValue(value)}</SimpleData>`)
      .join('');
    const point =
      row.lat === null || row.lon === null
        ? ''
        : `<Point><coordinates>${row.lon},${row.lat}</coordinates></Point>`;
    // Element order as the KML 2.2 schema wants it: name, description, time, data, geometry.
    const placemark =
      `<Placemark><name>${xmlText(placemarkName(row))}</name>` +
      (row.notes ? `<description>${xmlText(row.notes)}</description>` : '') +
      `<TimeStamp><when>${xmlText(row.time)}</when></TimeStamp>` +
      `<ExtendedData><SchemaData schemaUrl="#${SCHEMA_ID}">${data}</SchemaData></ExtendedData>` +
      `${point}</Placemark>\n`;
    const chunk = buffer.add(placemark);
    if (chunk) yield chunk;
  }
  const rest = buffer.flush();
  if (rest) yield rest;
  yield '</Document></kml>\n';
}
