/**
 * The SQLite schema, step by step. The version is kept in `PRAGMA user_version`. Same versions
 * and names as postgres/pg-migrations.ts (see ../migration.ts).
 */
import type Database from 'better-sqlite3';
import { surveyRecordSchema } from '../../../src/schema/survey';
import { canonicalJson, sha256Hex } from '../../canonical-json';
import type { Migration } from '../migration';

export const SQLITE_MIGRATIONS: readonly Migration<Database.Database>[] = [
  {
    version: 1,
    name: 'surveys and device tokens',
    up: `
      CREATE TABLE surveys (
        id TEXT PRIMARY KEY,
        record_json TEXT NOT NULL,       -- canonical JSON of the validated record
        content_sha256 TEXT NOT NULL,
        received_at INTEGER NOT NULL,    -- ms since the epoch, server clock
        received_from TEXT NOT NULL,     -- token name
        changed_at INTEGER NOT NULL,
        photo_sha256 TEXT NOT NULL,
        photo_bytes INTEGER NOT NULL,
        photo_stored_at INTEGER          -- null until the photo is durable
      ) STRICT;
      CREATE INDEX surveys_by_change ON surveys (changed_at, id);

      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      -- One live token per name; revoked ones stay for the record.
      CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;
    `,
  },
  {
    // Records gained `revision` (default 1). Stored records are rewritten as the schema now
    // reads them, so that an old client's replay (no revision: read as 1) stays `unchanged`.
    version: 2,
    name: 'survey revisions',
    up: (db) => {
      const rows = db
        .prepare<[], { id: string; record_json: string }>('SELECT id, record_json FROM surveys')
        .all();
      const update = db.prepare<[string, string, string]>(
        'UPDATE surveys SET record_json = ?, content_sha256 = ? WHERE id = ?',
      );
      for (const row of rows) {
        const record = surveyRecordSchema.parse(JSON.parse(row.record_json));
        const text = canonicalJson(record);
        if (text !== row.record_json) update.run(text, sha256Hex(text), row.id);
      }
    },
  },
  {
    // Nothing to do here: one server process owns a SQLite file, so its change clock is kept
    // in memory (the latest changed_at at start). PostgreSQL needs a shared clock row.
    version: 3,
    name: 'several servers on one database',
    up: '',
  },
  {
    // Planned as version 6 (4 and 5 are taken by features landing at the same time); the list
    // has no gaps, so it takes the next free number when merged (same in pg-migrations.ts).
    version: 4,
    name: 'drive runs',
    up: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        record_json TEXT NOT NULL,       -- canonical JSON of the validated run
        content_sha256 TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        received_from TEXT NOT NULL,
        changed_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX runs_by_change ON runs (changed_at, id);
    `,
  },
];
