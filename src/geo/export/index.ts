/**
 * Exports of surveys for GIS and spreadsheets, on the phone and on the server. The text formats
 * are async generators: rows in (an async iterable, e.g. database pages), string chunks out,
 * never all rows held. Node: `Readable.from(csvChunks(rows))`; browser: `new Blob(chunks)` or a
 * ReadableStream. GeoPackage is a database file: writeGeoPackage fills one through an
 * SqlExecutor (better-sqlite3 on the server, sql.js in the browser via geoPackageBytes, loaded
 * lazily from browser-geopackage.ts).
 */
export * from './columns';
export { csvChunks, csvField } from './csv';
export { geoJsonChunks, type StreamOptions } from './geojson';
export { kmlChunks, xmlText } from './kml';
export { betterSqlite3Executor } from './gpkg/better-sqlite3-executor';
export { geoPackagePoint } from './gpkg/geopackage-binary';
export * from './gpkg/geopackage-writer';
export type { SqlExecutor, SqlStatement, SqlValue } from './gpkg/sql-executor';
export { sqlJsExecutor } from './gpkg/sqljs-executor';

/** Media types and file extensions of the four formats. */
export const EXPORT_FORMATS = {
  geojson: { mime: 'application/geo+json', extension: '.geojson' },
  csv: { mime: 'text/csv; charset=utf-8; header=present', extension: '.csv' },
  kml: { mime: 'application/vnd.google-earth.kml+xml', extension: '.kml' },
  gpkg: { mime: 'application/geopackage+sqlite3', extension: '.gpkg' },
} as const;
export { segmentReportCsv, SEGMENT_REPORT_COLUMNS } from './segment-report-csv';
