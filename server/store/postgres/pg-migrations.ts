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
    version: 4,
    name: 'token roles, reviews, model releases',
    up: `
      ALTER TABLE tokens ADD COLUMN role text NOT NULL DEFAULT 'surveyor'
        CHECK (role IN ('surveyor', 'reviewer', 'admin'));

      CREATE INDEX surveys_by_received ON surveys (received_at, id);

      CREATE TABLE reviews (
        survey_id text PRIMARY KEY REFERENCES surveys (id),
        labels_json text NOT NULL,
        boxes_json text NOT NULL,
        accepted boolean NOT NULL,
        reviewer text NOT NULL,
        reviewed_at bigint NOT NULL,
        based_on_revision integer NOT NULL,
        version integer NOT NULL,
        changed_at bigint NOT NULL
      );
      CREATE INDEX reviews_by_change ON reviews (changed_at, survey_id);

      CREATE TABLE review_events (
        seq bigserial PRIMARY KEY,
        survey_id text NOT NULL REFERENCES surveys (id),
        reviewer text NOT NULL,
        at bigint NOT NULL,
        action text NOT NULL CHECK (action IN ('accepted', 'set')),
        previous_json text,
        next_json text NOT NULL
      );
      CREATE INDEX review_events_by_survey ON review_events (survey_id, seq);
      CREATE FUNCTION review_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'review_events is append-only: the audit trail never changes';
        END
      $$;
      CREATE TRIGGER review_events_no_change BEFORE UPDATE OR DELETE ON review_events
        FOR EACH ROW EXECUTE FUNCTION review_events_append_only();
      CREATE TRIGGER review_events_no_truncate BEFORE TRUNCATE ON review_events
        FOR EACH STATEMENT EXECUTE FUNCTION review_events_append_only();

      CREATE TABLE model_releases (
        seq bigserial PRIMARY KEY,
        version text NOT NULL UNIQUE,
        model_id text NOT NULL,
        manifest_json text NOT NULL,
        files_json text NOT NULL,
        notes text NOT NULL,
        published_at bigint NOT NULL
      );
      CREATE TABLE model_current (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        version text NOT NULL REFERENCES model_releases (version),
        changed_at bigint NOT NULL
      );
      -- Release files when the photos are in the database too (ROADCAM_PHOTO_STORE=postgres).
      CREATE TABLE model_files (
        version text NOT NULL,
        path text NOT NULL,
        sha256 text NOT NULL,
        bytes integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (version, path)
      );
      ALTER TABLE model_files ALTER COLUMN data SET STORAGE EXTERNAL;
    `,
  },
  {
    version: 5,
    // Issue 13: the drive runs, a record type of their own with the surveys' idempotent rules.
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
  {
    version: 6,
    // Issue 12: the office's road network, so the exports carry road and chainage.
    name: 'road network',
    up: `
      CREATE TABLE road_network (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        name text NOT NULL,
        sha256 text NOT NULL,
        road_count integer NOT NULL,
        loaded_at bigint NOT NULL,
        loaded_by text NOT NULL,
        geojson text NOT NULL
      );
    `,
  },
];
