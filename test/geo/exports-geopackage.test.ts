/**
 * GeoPackage export, written through both executors (better-sqlite3 on a file, as the server
 * will; sql.js in memory, as the phone will), read back by geopackage-reader.ts and compared
 * with the rows.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, it } from 'vitest';
import { betterSqlite3Executor, sqlJsExecutor, writeGeoPackage } from '../../src/geo/export';
import type { ExportRow } from '../../src/geo/export-row';
import { readGeoPackage } from './geopackage-reader';
import { rowStream, sortedProbabilities, TRICKY_ROWS } from './export-rows';

const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-gpkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
