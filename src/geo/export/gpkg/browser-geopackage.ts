/**
 * A GeoPackage made in the browser (or a worker), offline: sql.js and its wasm binary load
 * from the app's own files, only when a GeoPackage is asked for (dynamic imports: neither is in
 * the app's first download), once per page.
 */
import type { SqlJsStatic } from 'sql.js';
import type { RowSource } from '../columns';
import { sqlJsExecutor } from './sqljs-executor';
import { writeGeoPackage, type GeoPackageOptions } from './geopackage-writer';

let sqlJs: Promise<SqlJsStatic> | null = null;

function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= Promise.all([import('sql.js'), import('sql.js/dist/sql-wasm-browser.wasm?url')]).then(
    ([module, wasm]) => module.default({ locateFile: () => wasm.default }),
  );
  // A failed load (a missing file) may succeed later: do not keep the failure.
  sqlJs.catch(() => (sqlJs = null));
  return sqlJs;
}

export const GEOPACKAGE_MIME = 'application/geopackage+sqlite3';

/** The surveys as a GeoPackage file's bytes. */
export async function geoPackageBytes(
  rows: RowSource,
  options: GeoPackageOptions = {},
): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  try {
    await writeGeoPackage(rows, sqlJsExecutor(db), options);
    return db.export();
  } finally {
    db.close();
  }
}
