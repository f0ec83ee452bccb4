/**
 * Brings a PostgreSQL database to the current schema at start. Several servers may start at
 * once: the first takes a session advisory lock and migrates, the others wait for the lock and
 * then find nothing to do. Each step runs in its own transaction with its row in
 * `roadcam_schema`, so a failed step leaves the database at the previous version.
 */
import type pg from 'pg';
import { SchemaTooNewError } from '../migration';
import type { PgDatabase } from './pg-database';
import { PG_MIGRATIONS } from './pg-migrations';

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.at(-1)!.version;
/** "RoadCAM" in ASCII: the advisory lock key of the migrations. */
const MIGRATION_LOCK_KEY = '23203412174913869';

export async function migratePostgres(db: PgDatabase): Promise<{ from: number; to: number }> {
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS roadcam_schema (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const from = await schemaVersion(client);
      if (from > PG_SCHEMA_VERSION) throw new SchemaTooNewError(db.where, from, PG_SCHEMA_VERSION);
      for (const step of PG_MIGRATIONS) {
        if (step.version <= from) continue;
        await client.query('BEGIN');
        try {
          if (typeof step.up === 'string') {
            if (step.up.trim()) await client.query(step.up);
          } else {
            await step.up(client);
          }
          await client.query('INSERT INTO roadcam_schema (version, name) VALUES ($1, $2)', [
            step.version,
            step.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return { from, to: Math.max(from, PG_SCHEMA_VERSION) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const result = await client.query<{ version: number | null }>(
    'SELECT MAX(version) AS version FROM roadcam_schema',
  );
  return result.rows[0]?.version ?? 0;
}
