/** Model releases in the embedded SQLite file (see ../model-store.ts). */
import type Database from 'better-sqlite3';
import {
  toModelRelease,
  type ModelRelease,
  type ModelReleaseRow,
  type ModelReleaseStore,
} from '../model-store';

export class SqliteModelReleaseStore implements ModelReleaseStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  async addRelease(
    release: Omit<ModelRelease, 'publishedAt'>,
    makeCurrent: boolean,
  ): Promise<{ status: 'added' } | { status: 'exists'; release: ModelRelease }> {
    return this.db.transaction(() => {
      const existing = this.db
        .prepare<[string], ModelReleaseRow>('SELECT * FROM model_releases WHERE version = ?')
        .get(release.version);
      if (existing) return { status: 'exists' as const, release: toModelRelease(existing) };
      const at = this.now();
      this.db
        .prepare(
          `INSERT INTO model_releases (version, model_id, manifest_json, files_json, notes,
             published_at) VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          release.version,
          release.modelId,
          release.manifestJson,
          JSON.stringify(release.files),
          release.notes,
          at,
        );
      if (makeCurrent) this.setCurrentNow(release.version, at);
      return { status: 'added' as const };
    })();
  }

  async getRelease(version: string): Promise<ModelRelease | null> {
    const row = this.db
      .prepare<[string], ModelReleaseRow>('SELECT * FROM model_releases WHERE version = ?')
      .get(version);
    return row ? toModelRelease(row) : null;
  }

  async listReleases(): Promise<ModelRelease[]> {
    return this.db
      .prepare<[], ModelReleaseRow>('SELECT * FROM model_releases ORDER BY seq')
      .all()
      .map(toModelRelease);
  }

  async currentVersion(): Promise<string | null> {
    const row = this.db
      .prepare<[], { version: string }>('SELECT version FROM model_current WHERE only_row = 1')
      .get();
    return row?.version ?? null;
  }

  async setCurrent(version: string): Promise<boolean> {
    return this.db.transaction(() => {
      const found = this.db
        .prepare<[string], { version: string }>(
          'SELECT version FROM model_releases WHERE version = ?',
        )
        .get(version);
      if (!found) return false;
      this.setCurrentNow(version, this.now());
      return true;
    })();
  }

  private setCurrentNow(version: string, at: number): void {
    this.db
      .prepare(
        `INSERT INTO model_current (only_row, version, changed_at) VALUES (1, ?, ?)
         ON CONFLICT (only_row) DO UPDATE SET version = excluded.version,
           changed_at = excluded.changed_at`,
      )
      .run(version, at);
  }
}
