/**
 * GeoPackage 1.3 (OGC 12-128r18) of survey points, written through an SqlExecutor as rows
 * arrive: the required tables (gpkg_spatial_ref_sys with EPSG:4326 and the two undefined
 * systems, gpkg_contents, gpkg_geometry_columns), a features table with a POINT geometry
 * column and every export column, inserted in transactions of `batchSize` rows. A GeoPackage is
 * one SQLite file, so it cannot go out before it is finished: the server writes it to a
 * temporary file and streams that; the phone builds it in memory (sql.js) and shares the bytes.
 * No spatial index (the optional RTree extension): QGIS builds one when it needs it.
 */
import { ExportError } from '../../errors';
import { attributeColumns, type Column, type ExportOptions, type RowSource } from '../columns';
import { geoPackagePoint } from './geopackage-binary';
import type { SqlExecutor, SqlValue } from './sql-executor';

/** 'GPKG' as a big-endian 32-bit integer: SQLite's application_id of a GeoPackage. */
export const GEOPACKAGE_APPLICATION_ID = 0x47504b47;
/** Version 1.3.0 as the standard writes it in user_version. */
export const GEOPACKAGE_USER_VERSION = 10300;
export const WGS84_SRS_ID = 4326;

/** EPSG:4326 as OGC WKT 1, the definition GDAL writes for it. */
export const WGS84_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],' +
  'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],' +
  'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],' +
  'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

export interface GeoPackageOptions extends ExportOptions {
  /** The features table (default `roadcam_surveys`). */
  tableName?: string;
  /** Shown by QGIS as the layer's title. */
  identifier?: string;
  /** Rows per transaction (default 1,000). */
  batchSize?: number;
}

const SQL_TYPE: Record<Column['kind'], string> = {
  text: 'TEXT',
  datetime: 'DATETIME',
  real: 'DOUBLE',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
};

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** GeoPackage DATETIME is ISO 8601 in UTC with a Z (clause 1.1.1.1.1). */
function utc(time: string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? time : date.toISOString();
}

function sqlValue(column: Column, value: ReturnType<Column['value']>): SqlValue {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (column.kind === 'datetime' && typeof value === 'string') return utc(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function createTables(db: SqlExecutor, table: string, identifier: string, columns: Column[]): void {
  db.exec(`
    PRAGMA application_id = ${GEOPACKAGE_APPLICATION_ID};
    PRAGMA user_version = ${GEOPACKAGE_USER_VERSION};
    CREATE TABLE gpkg_spatial_ref_sys (
      srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
      organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
    CREATE TABLE gpkg_contents (
      table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
      description TEXT DEFAULT '',
      last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
      CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
    CREATE TABLE gpkg_geometry_columns (
      table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
      srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
      CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
      CONSTRAINT uk_gc_table_name UNIQUE (table_name),
      CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
      CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
  `);
  const srs = db.prepare(
    'INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)',
  );
  srs.run([
    'Undefined cartesian SRS',
    -1,
    'NONE',
    -1,
    'undefined',
    'undefined cartesian coordinate reference system',
  ]);
  srs.run([
    'Undefined geographic SRS',
    0,
    'NONE',
    0,
    'undefined',
    'undefined geographic coordinate reference system',
  ]);
  srs.run([
    'WGS 84 geodetic',
    WGS84_SRS_ID,
    'EPSG',
    4326,
    WGS84_WKT,
    'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid',
  ]);
  srs.finalize();
  const attributes = columns.map((c) => `${quoteName(c.name)} ${SQL_TYPE[c.kind]}`).join(', ');
  db.exec(
    `CREATE TABLE ${quoteName(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, ${attributes});`,
  );
  const contents = db.prepare(
    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ?)",
  );
  contents.run([table, identifier, 'RoadCAM road surveys', WGS84_SRS_ID]);
  contents.finalize();
  const geometry = db.prepare(
    "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?, 'geom', 'POINT', ?, 0, 0)",
  );
  geometry.run([table, WGS84_SRS_ID]);
  geometry.finalize();
}

/** Writes the rows into an empty database; returns how many were written. */
export async function writeGeoPackage(
  rows: RowSource,
  db: SqlExecutor,
  options: GeoPackageOptions = {},
): Promise<{ rows: number }> {
  const table = options.tableName ?? 'roadcam_surveys';
  const batchSize = options.batchSize ?? 1000;
  const columns = attributeColumns(options);
  try {
    createTables(db, table, options.identifier ?? 'RoadCAM surveys', columns);
  } catch (error) {
    throw new ExportError(
      'The GeoPackage could not be started: the database given to it is not empty or not writable.',
      String(error),
    );
  }
  const insert = db.prepare(
    `INSERT INTO ${quoteName(table)} (geom, ${columns.map((c) => quoteName(c.name)).join(', ')}) VALUES (?${', ?'.repeat(columns.length)})`,
  );
  let count = 0;
  let inBatch = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  try {
    for await (const row of rows) {
      if (inBatch === 0) db.exec('BEGIN');
      let geom: Uint8Array | null = null;
      if (row.lat !== null && row.lon !== null) {
        geom = geoPackagePoint(row.lon, row.lat, WGS84_SRS_ID);
        minX = Math.min(minX, row.lon);
        maxX = Math.max(maxX, row.lon);
        minY = Math.min(minY, row.lat);
        maxY = Math.max(maxY, row.lat);
      }
      insert.run([geom, ...columns.map((c) => sqlValue(c, c.value(row)))]);
      count++;
      if (++inBatch >= batchSize) {
        db.exec('COMMIT');
        inBatch = 0;
      }
    }
    if (inBatch > 0) db.exec('COMMIT');
  } catch (error) {
    if (inBatch > 0) db.exec('ROLLBACK');
    throw error;
  } finally {
    insert.finalize();
  }
  const bounds = db.prepare(
    "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
  );
  bounds.run(
    Number.isFinite(minX) ? [minX, minY, maxX, maxY, table] : [null, null, null, null, table],
  );
  bounds.finalize();
  return { rows: count };
}
