/**
 * Schema migrations on both databases: the same versions and names in both lists; PostgreSQL
 * migrated by several servers starting at once (the advisory lock lets one work, the others
 * find nothing to do); a database from a newer server is refused with what to do.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaTooNewError } from '../../../server/store/migration';
import { PgDatabase } from '../../../server/store/postgres/pg-database';
import { migratePostgres, PG_SCHEMA_VERSION } from '../../../server/store/postgres/pg-migrate';
import { PG_MIGRATIONS } from '../../../server/store/postgres/pg-migrations';
import { SQLITE_MIGRATIONS } from '../../../server/store/sqlite/sqlite-migrations';
import { openStorage } from '../../../server/store/storage';
import { PostgresCluster } from '../../../tools/lib/postgres-cluster';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await PostgresCluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

describe('schema migrations', () => {
  it('has the same versions, in order, with the same names, on SQLite and PostgreSQL', () => {
    const list = (steps: readonly { version: number; name: string }[]) =>
      steps.map((s) => `${s.version} ${s.name}`);
    expect(list(PG_MIGRATIONS)).toEqual(list(SQLITE_MIGRATIONS));
    expect(PG_MIGRATIONS.map((s) => s.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
  });

  it('migrates a new PostgreSQL database once when eight servers start at the same moment', async () => {
    const url = await cluster.createDatabase();
    const databases = Array.from({ length: 8 }, () => new PgDatabase({ url }));
    try {
      const results = await Promise.all(databases.map((db) => migratePostgres(db)));
      expect(results.filter((r) => r.from === 0)).toHaveLength(1);
      expect(results.every((r) => r.to === PG_SCHEMA_VERSION)).toBe(true);
      const applied = await databases[0].query<{ version: number; name: string }>(
        'SELECT version, name FROM roadcam_schema ORDER BY version',
      );
      expect(applied.rows).toEqual(
        PG_MIGRATIONS.map((s) => ({ version: s.version, name: s.name })),
      );
    } finally {
      await Promise.all(databases.map((db) => db.close()));
    }
  });

  it('refuses a database written by a newer server, and says what to do', async () => {
    const url = await cluster.createDatabase();
    const storage = await openStorage({
      dataDir: '/nonexistent',
      databaseUrl: url,
      photoStore: 'postgres',
    });
    await storage.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      `INSERT INTO roadcam_schema (version, name) VALUES (${PG_SCHEMA_VERSION + 1}, 'from the future')`,
    );
    await client.end();
    const opening = openStorage({
      dataDir: '/nonexistent',
      databaseUrl: url,
      photoStore: 'postgres',
    });
    await expect(opening).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(opening).rejects.toThrow(/newer RoadCAM server .* upgrade this server/);
  });
});
