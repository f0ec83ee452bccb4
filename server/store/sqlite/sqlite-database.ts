/**
 * Opens the embedded database: one SQLite file, owner-only (0600; its -wal and -shm files get
 * the same mode from SQLite), in WAL mode with synchronous=FULL, migrated to the current schema.
 *
 * Durability: every committed transaction's WAL frames are fsynced before the commit returns,
 * so an acknowledged batch survives a killed process and a power cut. (synchronous=NORMAL in
 * WAL mode would survive a killed process but could lose the last transactions on power loss:
 * not good enough for "acknowledged means stored".) A batch is one transaction: one fsync.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { SchemaTooNewError } from '../migration';
import { SQLITE_MIGRATIONS } from './sqlite-migrations';

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.at(-1)!.version;

export function openSqliteDatabase(file: string): Database.Database {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // The token CLI may write while the server runs: wait for its lock instead of failing.
    db.pragma('busy_timeout = 5000');
    migrateSqlite(db, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Runs the missing steps, each in one transaction with its version bump. */
export function migrateSqlite(db: Database.Database, where: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new SchemaTooNewError(where, current, SQLITE_SCHEMA_VERSION);
  }
  for (const step of SQLITE_MIGRATIONS) {
    if (step.version <= current) continue;
    db.transaction(() => {
      if (typeof step.up === 'string') db.exec(step.up);
      else void step.up(db);
      db.pragma(`user_version = ${step.version}`);
    })();
  }
}
