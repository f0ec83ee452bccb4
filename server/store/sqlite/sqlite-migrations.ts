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
    // Issue 11: tokens get a role (existing ones are surveyors, the phones); the office's reviews with their
    // append-only audit trail; model releases.
    version: 4,
    name: 'token roles, reviews, model releases',
    up: `
      ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'surveyor'
        CHECK (role IN ('surveyor', 'reviewer', 'admin'));

      -- The review page lists surveys newest first.
      CREATE INDEX surveys_by_received ON surveys (received_at, id);

      CREATE TABLE reviews (
        survey_id TEXT PRIMARY KEY REFERENCES surveys (id),
        labels_json TEXT NOT NULL,
        boxes_json TEXT NOT NULL,
        accepted INTEGER NOT NULL,
        reviewer TEXT NOT NULL,          -- token name
        reviewed_at INTEGER NOT NULL,
        based_on_revision INTEGER NOT NULL,
        version INTEGER NOT NULL,
        changed_at INTEGER NOT NULL      -- the surveys' change clock
      ) STRICT;
      CREATE INDEX reviews_by_change ON reviews (changed_at, survey_id);

      CREATE TABLE review_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        survey_id TEXT NOT NULL REFERENCES surveys (id),
        reviewer TEXT NOT NULL,
        at INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('accepted', 'set')),
        previous_json TEXT,
        next_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX review_events_by_survey ON review_events (survey_id, seq);
      CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events
        BEGIN SELECT RAISE(ABORT, 'review_events is append-only: the audit trail never changes'); END;
      CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events
        BEGIN SELECT RAISE(ABORT, 'review_events is append-only: the audit trail never changes'); END;

      CREATE TABLE model_releases (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        version TEXT NOT NULL UNIQUE,
        model_id TEXT NOT NULL,
        manifest_json TEXT NOT NULL,
        files_json TEXT NOT NULL,        -- [{"path", "sha256", "bytes"}]
        notes TEXT NOT NULL,
        published_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE model_current (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        version TEXT NOT NULL REFERENCES model_releases (version),
        changed_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    // Issue 13: the drive runs, a record type of their own with the surveys' idempotent rules.
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
  {
    version: 6,
    // Issue 12: the office's road network, so the exports carry road and chainage.
    name: 'road network',
    up: `
      CREATE TABLE road_network (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        road_count INTEGER NOT NULL,
        loaded_at INTEGER NOT NULL,
        loaded_by TEXT NOT NULL,
        geojson TEXT NOT NULL             -- the file as loaded, validated
      ) STRICT;
    `,
  },
];
