/**
 * Photos as rows of the PostgreSQL database (bytea, stored out of line): every server of a
 * deployment reaches every photo, and one pg_dump holds records and photos together. A write is
 * one committed INSERT (durable when it returns); a second write of the same survey keeps the
 * first bytes (the route only writes bytes whose SHA-256 is the record's).
 */
import { sha256Hex } from '../../canonical-json';
import type { PhotoStore } from '../photo-store';
import type { PgDatabase } from './pg-database';

export class PgPhotoStore implements PhotoStore {
  constructor(private readonly db: PgDatabase) {}

  get description(): string {
    return `PostgreSQL table photos in ${this.db.where}`;
  }

  async write(surveyId: string, bytes: Buffer): Promise<void> {
    await this.db.query(
      `INSERT INTO photos (survey_id, sha256, bytes, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (survey_id) DO NOTHING`,
      [surveyId, sha256Hex(bytes), bytes.length, bytes],
    );
  }

  async read(surveyId: string): Promise<Buffer | null> {
    const result = await this.db.query<{ data: Buffer }>(
      'SELECT data FROM photos WHERE survey_id = $1',
      [surveyId],
    );
    return result.rows[0]?.data ?? null;
  }

  /** Nothing half-written can stay: an INSERT commits whole or not at all. */
  async removeLeftovers(): Promise<number> {
    return 0;
  }
}
