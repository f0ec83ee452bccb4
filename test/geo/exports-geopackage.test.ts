/**
 * GeoPackage export, written through both executors (better-sqlite3 on a file, as the server
 * will; sql.js in memory, as the phone will) and opened with better-sqlite3: the SQLite header
 * fields, gpkg_spatial_ref_sys, gpkg_contents, gpkg_geometry_columns, and every geometry blob
 * decoded here (GeoPackageBinary header, then the WKB point) compared with the rows.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, it } from 'vitest';
import { betterSqlite3Executor, sqlJsExecutor, writeGeoPackage } from '../../src/geo/export';
import type { ExportRow } from '../../src/geo/export-row';
import { rowFromRecord } from './export-readback';
import { rowStream, sortedProbabilities, TRICKY_ROWS } from './export-rows';

const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-gpkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GeoPackageBinary (OGC 12-128r18 clause 2.1.3) to its SRS id and point, read by hand. */
export function decodeGeoPackagePoint(blob: Uint8Array): {
  srsId: number;
  lon: number;
  lat: number;
} {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  expect(String.fromCharCode(blob[0], blob[1])).toBe('GP');
  expect(blob[2]).toBe(0); // version 1
  const flags = blob[3];
  expect(flags & 0b0010_0000).toBe(0); // standard, not extended
  expect(flags & 0b0001_0000).toBe(0); // not empty
  const littleEndian = (flags & 1) === 1;
  const envelope = (flags >> 1) & 0b111;
  const envelopeBytes = [0, 32, 48, 48, 64][envelope];
  const srsId = view.getInt32(4, littleEndian);
  const wkb = 8 + envelopeBytes;
  const wkbLittle = blob[wkb] === 1;
  expect(view.getUint32(wkb + 1, wkbLittle)).toBe(1); // Point, 2-D
  expect(blob.byteLength).toBe(wkb + 21);
  return {
    srsId,
    lon: view.getFloat64(wkb + 5, wkbLittle),
    lat: view.getFloat64(wkb + 13, wkbLittle),
  };
}

/** Everything a GIS would check in the file, then the rows as read back. */
export function readGeoPackage(file: string): ExportRow[] {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('application_id', { simple: true })).toBe(0x47504b47);
    expect(db.pragma('user_version', { simple: true })).toBe(10300);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const srs = db.prepare('SELECT * FROM gpkg_spatial_ref_sys ORDER BY srs_id').all() as Record<
      string,
      unknown
    >[];
    expect(srs.map((s) => [s.srs_id, s.organization, s.organization_coordsys_id])).toEqual([
      [-1, 'NONE', -1],
      [0, 'NONE', 0],
      [4326, 'EPSG', 4326],
    ]);
    expect(srs[2].definition).toMatch(/^GEOGCS\["WGS 84".*AUTHORITY\["EPSG","4326"\]\]$/);
    const contents = db.prepare('SELECT * FROM gpkg_contents').all() as Record<string, unknown>[];
    expect(contents).toHaveLength(1);
    const table = contents[0].table_name as string;
    expect(contents[0]).toMatchObject({ data_type: 'features', srs_id: 4326 });
    expect(contents[0].last_change).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const columns = db.prepare('SELECT * FROM gpkg_geometry_columns').all();
    expect(columns).toEqual([
      {
        table_name: table,
        column_name: 'geom',
        geometry_type_name: 'POINT',
        srs_id: 4326,
        z: 0,
        m: 0,
      },
    ]);
    const info = db.prepare(`PRAGMA table_info("${table}")`).all() as {
      name: string;
      type: string;
      pk: number;
    }[];
    expect(info[0]).toMatchObject({ name: 'fid', type: 'INTEGER', pk: 1 });
    expect(info[1]).toMatchObject({ name: 'geom', type: 'POINT' });
    const records = db.prepare(`SELECT * FROM "${table}" ORDER BY fid`).all() as (Record<
      string,
      unknown
    > & { geom: Uint8Array | null })[];
    const located = records
      .filter((r) => r.geom !== null)
      .map((r) => decodeGeoPackagePoint(r.geom!));
    if (located.length > 0) {
      expect(contents[0].min_x).toBe(Math.min(...located.map((p) => p.lon)));
      expect(contents[0].max_x).toBe(Math.max(...located.map((p) => p.lon)));
      expect(contents[0].min_y).toBe(Math.min(...located.map((p) => p.lat)));
      expect(contents[0].max_y).toBe(Math.max(...located.map((p) => p.lat)));
    }
    return records.map((record) => {
      const point = record.geom === null ? null : decodeGeoPackagePoint(record.geom);
      if (point) expect(point.srsId).toBe(4326);
      return rowFromRecord(record, { lat: point?.lat ?? null, lon: point?.lon ?? null });
    });
  } finally {
    db.close();
  }
}

/** What a GeoPackage keeps: times in UTC (its DATETIME rule), probabilities in one order. */
const expected = (rows: ExportRow[]) =>
  rows.map((row) => ({
    ...row,
    time: new Date(row.time).toISOString(),
    probabilities: sortedProbabilities(row),
  }));

describe('GeoPackage export (OGC GeoPackage 1.3)', () => {
  it('through better-sqlite3 (the server): a valid GeoPackage that reads back equal to the rows', async () => {
    const file = path.join(dir, 'server.gpkg');
    const db = new Database(file);
    const result = await writeGeoPackage(TRICKY_ROWS, betterSqlite3Executor(db), { batchSize: 2 });
    db.close();
    expect(result.rows).toBe(TRICKY_ROWS.length);
    expect(readGeoPackage(file)).toEqual(expected(TRICKY_ROWS));
  });

  it('through sql.js (the phone, wasm SQLite): the same file content', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    await writeGeoPackage(TRICKY_ROWS, sqlJsExecutor(db));
    const file = path.join(dir, 'phone.gpkg');
    writeFileSync(file, db.export());
    db.close();
    expect(readGeoPackage(file)).toEqual(expected(TRICKY_ROWS));
  });

  it('takes rows as a stream, in transactions, and keeps nothing but the database', async () => {
    const file = path.join(dir, 'stream.gpkg');
    const db = new Database(file);
    const { rows, state } = rowStream(5_000);
    const result = await writeGeoPackage(rows, betterSqlite3Executor(db), { batchSize: 1000 });
    db.close();
    expect(result.rows).toBe(5_000);
    expect(state.taken).toBe(5_000);
    const back = readGeoPackage(file);
    expect(back).toHaveLength(5_000);
    expect(back[7].id).toBe(`${TRICKY_ROWS[1].id.slice(0, 24)}000000000007`);
  });

  it('says what is wrong when the database is not empty, and rolls back a failed batch', async () => {
    const file = path.join(dir, 'twice.gpkg');
    const db = new Database(file);
    await writeGeoPackage(TRICKY_ROWS.slice(0, 1), betterSqlite3Executor(db));
    await expect(writeGeoPackage(TRICKY_ROWS, betterSqlite3Executor(db))).rejects.toThrow(
      /not empty or not writable/,
    );
    db.close();

    const failing = new Database(path.join(dir, 'failing.gpkg'));
    async function* rowsThenFailure() {
      yield TRICKY_ROWS[0];
      yield TRICKY_ROWS[1];
      throw new Error('the database page could not be read');
    }
    await expect(
      writeGeoPackage(rowsThenFailure(), betterSqlite3Executor(failing), { batchSize: 1000 }),
    ).rejects.toThrow(/page could not be read/);
    expect(failing.inTransaction).toBe(false);
    failing.close();
  });
});
