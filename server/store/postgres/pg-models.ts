/** Model releases in PostgreSQL, shared by every server of a deployment (see ../model-store.ts). */
import {
  toModelRelease,
  type ModelRelease,
  type ModelReleaseRow,
  type ModelReleaseStore,
} from '../model-store';
import { DB_NOW_MS, type PgDatabase } from './pg-database';

export class PgModelReleaseStore implements ModelReleaseStore {
  constructor(private readonly db: PgDatabase) {}

  async addRelease(
    release: Omit<ModelRelease, 'publishedAt'>,
    makeCurrent: boolean,
  ): Promise<{ status: 'added' } | { status: 'exists'; release: ModelRelease }> {
    return this.db.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO model_releases (version, model_id, manifest_json, files_json, notes,
           published_at) VALUES ($1, $2, $3, $4, $5, ${DB_NOW_MS})
         ON CONFLICT (version) DO NOTHING`,
        [
          release.version,
          release.modelId,
          release.manifestJson,
          JSON.stringify(release.files),
          release.notes,
        ],
      );
      if (inserted.rowCount === 0) {
        const existing = await client.query<ModelReleaseRow>(
          'SELECT * FROM model_releases WHERE version = $1',
          [release.version],
        );
        return { status: 'exists' as const, release: toModelRelease(existing.rows[0]) };
      }
      if (makeCurrent) {
        await client.query(
          `INSERT INTO model_current (only_row, version, changed_at) VALUES (true, $1, ${DB_NOW_MS})
           ON CONFLICT (only_row) DO UPDATE SET version = excluded.version,
             changed_at = excluded.changed_at`,
          [release.version],
        );
      }
      return { status: 'added' as const };
    });
  }

  async getRelease(version: string): Promise<ModelRelease | null> {
    const result = await this.db.query<ModelReleaseRow>(
      'SELECT * FROM model_releases WHERE version = $1',
      [version],
    );
    return result.rows[0] ? toModelRelease(result.rows[0]) : null;
  }

  async listReleases(): Promise<ModelRelease[]> {
    const result = await this.db.query<ModelReleaseRow>(
      'SELECT * FROM model_releases ORDER BY seq',
    );
    return result.rows.map(toModelRelease);
  }

  async currentVersion(): Promise<string | null> {
    const result = await this.db.query<{ version: string }>(
      'SELECT version FROM model_current WHERE only_row',
    );
    return result.rows[0]?.version ?? null;
  }

  async setCurrent(version: string): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO model_current (only_row, version, changed_at)
       SELECT true, version, ${DB_NOW_MS} FROM model_releases WHERE version = $1
       ON CONFLICT (only_row) DO UPDATE SET version = excluded.version,
         changed_at = excluded.changed_at`,
      [version],
    );
    return result.rowCount === 1;
  }
}
