/**
 * Model release files as rows of the PostgreSQL database (when photos are there too), so that
 * every server of a deployment serves every release and one pg_dump holds them. A release's
 * files are written in one transaction (all or none); writing a version again replaces what a
 * publish that failed before recording the release left.
 */
import { sha256Hex } from '../../canonical-json';
import type { ModelFileStore } from '../model-store';
import type { PgDatabase } from './pg-database';

export class PgModelFileStore implements ModelFileStore {
  constructor(private readonly db: PgDatabase) {}

  get description(): string {
    return `PostgreSQL table model_files in ${this.db.where}`;
  }

  async writeRelease(version: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM model_files WHERE version = $1', [version]);
      for (const [filePath, bytes] of files) {
        await client.query(
          `INSERT INTO model_files (version, path, sha256, bytes, data) VALUES ($1, $2, $3, $4, $5)`,
          [version, filePath, sha256Hex(bytes), bytes.length, bytes],
        );
      }
    });
  }

  async readFile(version: string, filePath: string): Promise<Buffer | null> {
    const result = await this.db.query<{ data: Buffer }>(
      'SELECT data FROM model_files WHERE version = $1 AND path = $2',
      [version, filePath],
    );
    return result.rows[0]?.data ?? null;
  }
}
