/**
 * Reads a GeoPackage back as a GIS would check it, with better-sqlite3: the SQLite header
 * fields, gpkg_spatial_ref_sys, gpkg_contents, gpkg_geometry_columns, and every geometry blob
 * decoded here (GeoPackageBinary header, then the WKB point), then the rows.
 */
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { ExportRow } from '../../src/geo/export-row';
import { rowFromRecord } from './export-readback';

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
