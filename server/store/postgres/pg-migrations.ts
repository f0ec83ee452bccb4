/**
 * The PostgreSQL schema, step by step; applied versions are rows of `roadcam_schema`. Same
 * versions and names as sqlite/sqlite-migrations.ts (see ../migration.ts). Times are bigint ms
 * since the epoch, as in SQLite, so both stores hand the routes the same numbers.
 */
import type pg from 'pg';
import type { Migration } from '../migration';

export const PG_MIGRATIONS: readonly Migration<pg.ClientBase>[] = [
  {
    version: 1,
    name: 'surveys and device tokens',
    up: `
      CREATE TABLE surveys (
        id text PRIMARY KEY,
        record_json text NOT NULL,       -- canonical JSON, kept as text: jsonb would reorder keys
        content_sha256 text NOT NULL,
        received_at bigint NOT NULL,
        received_from text NOT NULL,
        changed_at bigint NOT NULL,
        photo_sha256 text NOT NULL,
        photo_bytes bigint NOT NULL,
        photo_stored_at bigint
      );
      CREATE INDEX surveys_by_change ON surveys (changed_at, id);

      CREATE TABLE tokens (
        id bigserial PRIMARY KEY,
        name text NOT NULL,
        token_sha256 text NOT NULL UNIQUE,
        created_at bigint NOT NULL,
        last_used_at bigint,
        revoked_at bigint
      );
      CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;
    `,
  },
  {
    // SQLite rewrote records stored before `revision` existed; no PostgreSQL database predates it.
    version: 2,
    name: 'survey revisions',
    up: '',
  },
  {
    version: 3,
    name: 'several servers on one database',
    up: `
      -- The change clock every server shares: each writing transaction raises it last, and
      -- holds its row lock until commit, so changed_at grows in commit order (no gaps when
      -- paging by changed_at while others write).
      CREATE TABLE change_clock (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        last_ms bigint NOT NULL
      );
      INSERT INTO change_clock (last_ms) SELECT COALESCE(MAX(changed_at), 0) FROM surveys;

      -- Photos for deployments with several servers (ROADCAM_PHOTO_STORE=postgres).
      CREATE TABLE photos (
        survey_id text PRIMARY KEY REFERENCES surveys (id),
        sha256 text NOT NULL,
        bytes integer NOT NULL,
        data bytea NOT NULL
      );
      -- JPEG does not compress: store it out of line without trying.
      ALTER TABLE photos ALTER COLUMN data SET STORAGE EXTERNAL;
    `,
  },
  {
    // See sqlite-migrations.ts: planned as version 6, numbered after main's steps when merged.
    version: 4,
    name: 'drive runs',
    up: `
      CREATE TABLE runs (
        id text PRIMARY KEY,
        record_json text NOT NULL,
        content_sha256 text NOT NULL,
        received_at bigint NOT NULL,
        received_from text NOT NULL,
        changed_at bigint NOT NULL
      );
      CREATE INDEX runs_by_change ON runs (changed_at, id);
    `,
  },
];
