/** A surveys table row, as both databases return it, and the StoredSurvey it stands for. */
import type { SurveyRecordWire } from '../../src/schema/survey';
import type { RecordHolding, StoredSurvey, SurveyHolding } from './survey-store';

/** Integers may come as strings (PostgreSQL bigint through node-postgres). */
export interface SurveyRow {
  id: string;
  record_json: string;
  content_sha256: string;
  received_at: number | string;
  received_from: string;
  changed_at: number | string;
  photo_sha256: string;
  photo_bytes: number | string;
  photo_stored_at: number | string | null;
}

export function toStoredSurvey(row: SurveyRow): StoredSurvey {
  return {
    id: row.id,
    record: JSON.parse(row.record_json) as SurveyRecordWire,
    contentSha256: row.content_sha256,
    receivedAt: Number(row.received_at),
    receivedFrom: row.received_from,
    changedAt: Number(row.changed_at),
    photo: {
      sha256: row.photo_sha256,
      bytes: Number(row.photo_bytes),
      storedAt: row.photo_stored_at === null ? null : Number(row.photo_stored_at),
    },
  };
}

/** A row of a holdings query (surveys or runs): the revision read from record_json in the database. */
export interface RevisionRow {
  id: string;
  revision: number | string | null;
}

export function toRecordHolding(row: RevisionRow): RecordHolding {
  return { id: row.id, revision: row.revision === null ? 1 : Number(row.revision) };
}

/** A row of the surveys' holdings query: the revision and whether the photo is stored. */
export interface HoldingRow extends RevisionRow {
  /** SQLite answers 0/1, PostgreSQL a boolean. */
  photo_stored: number | boolean;
}

export function toHolding(row: HoldingRow): SurveyHolding {
  return {
    ...toRecordHolding(row),
    photoStored: row.photo_stored === true || row.photo_stored === 1,
  };
}
