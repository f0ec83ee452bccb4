/**
 * Surveys in the embedded SQLite file. better-sqlite3 is synchronous and one process owns the
 * file, so transactions never interleave: the change clock is a number in memory
 * (sqlite-change-clock.ts), raised by every write.
 */
import type Database from 'better-sqlite3';
import { SqliteChangeClock } from './sqlite-change-clock';
import { planSurveyBatch, storedVersion, type StoredVersion } from '../survey-batch-plan';
import { toHolding, toStoredSurvey, type HoldingRow, type SurveyRow } from '../survey-row';
import type {
  PreparedSurvey,
  PutSurveyOutcome,
  StoredSurvey,
  SurveyHolding,
  SurveyListQuery,
  SurveyPage,
  SurveyStore,
} from '../survey-store';

export class SqliteSurveyStore implements SurveyStore {
  private readonly sql: ReturnType<typeof prepareStatements>;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
    private readonly clock: SqliteChangeClock = new SqliteChangeClock(db, now),
  ) {
    this.sql = prepareStatements(db);
  }

  private nextChange(): number {
    return this.clock.next();
  }

  async putSurveys(
    surveys: readonly PreparedSurvey[],
    receivedFrom: string,
  ): Promise<PutSurveyOutcome[]> {
    const { findRecordJson, insertSurvey, updateSurvey } = this.sql;
    return this.db.transaction(() => {
      const stored = new Map<string, StoredVersion>();
      for (const { id } of surveys) {
        const row = findRecordJson.get(id);
        if (row) stored.set(id, storedVersion(row.record_json));
      }
      const plan = planSurveyBatch(surveys, stored);
      if (plan.writes.size === 0) return plan.outcomes;
      const received = this.now();
      const changed = this.nextChange();
      for (const { survey, created } of plan.writes.values()) {
        if (!created) {
          updateSurvey.run(survey.canonicalJson, survey.contentSha256, changed, survey.id);
          continue;
        }
        insertSurvey.run(
          survey.id,
          survey.canonicalJson,
          survey.contentSha256,
          received,
          receivedFrom,
          changed,
          survey.record.photo.sha256,
          survey.record.photo.bytes,
        );
      }
      return plan.outcomes;
    })();
  }

  async getSurvey(id: string): Promise<StoredSurvey | null> {
    const row = this.sql.getSurvey.get(id);
    return row ? toStoredSurvey(row) : null;
  }

  async listSurveys(query: SurveyListQuery): Promise<SurveyPage> {
    // Read before the page: a write after this read gets a changedAt above both.
    const readAt = this.clock.readAt();
    const rows = this.sql.listSurveys.all(
      query.since ?? Number.MIN_SAFE_INTEGER,
      query.after?.changedAt ?? Number.MIN_SAFE_INTEGER,
      query.after?.id ?? '',
      query.limit,
    );
    return { surveys: rows.map(toStoredSurvey), readAt };
  }

  async listSurveysById(afterId: string | null, limit: number): Promise<StoredSurvey[]> {
    return this.sql.listById.all(afterId ?? '', limit).map(toStoredSurvey);
  }

  async listSurveysByReceived(
    before: { receivedAt: number; id: string } | null,
    limit: number,
  ): Promise<StoredSurvey[]> {
    return this.sql.listByReceived
      .all(before?.receivedAt ?? Number.MAX_SAFE_INTEGER, before?.id ?? '', limit)
      .map(toStoredSurvey);
  }

  async findHoldings(ids: readonly string[]): Promise<SurveyHolding[]> {
    if (ids.length === 0) return [];
    // One statement for the whole list: json_each takes the ids as one JSON array parameter.
    return this.sql.findHoldings.all(JSON.stringify(ids)).map(toHolding);
  }

  async markPhotoStored(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.sql.photoStoredAt.get(id);
      if (!row || row.photo_stored_at !== null) return false;
      const changed = this.nextChange();
      this.sql.markPhotoStored.run(changed, changed, id);
      return true;
    })();
  }
}

function prepareStatements(db: Database.Database) {
  return {
    findRecordJson: db.prepare<[string], { record_json: string }>(
      'SELECT record_json FROM surveys WHERE id = ?',
    ),
    insertSurvey: db.prepare<[string, string, string, number, string, number, string, number]>(
      `INSERT INTO surveys (id, record_json, content_sha256, received_at, received_from,
         changed_at, photo_sha256, photo_bytes, photo_stored_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    ),
    // The photo columns stay: an update never changes the photo (decideExistingSurvey).
    updateSurvey: db.prepare<[string, string, number, string]>(
      'UPDATE surveys SET record_json = ?, content_sha256 = ?, changed_at = ? WHERE id = ?',
    ),
    getSurvey: db.prepare<[string], SurveyRow>('SELECT * FROM surveys WHERE id = ?'),
    listSurveys: db.prepare<[number, number, string, number], SurveyRow>(
      `SELECT * FROM surveys
       WHERE changed_at >= ? AND (changed_at, id) > (?, ?)
       ORDER BY changed_at, id LIMIT ?`,
    ),
    listById: db.prepare<[string, number], SurveyRow>(
      'SELECT * FROM surveys WHERE id > ? ORDER BY id LIMIT ?',
    ),
    // Without a cursor the caller passes (MAX_SAFE_INTEGER, ''): every row is before it.
    listByReceived: db.prepare<[number, string, number], SurveyRow>(
      `SELECT * FROM surveys WHERE (received_at, id) < (?, ?)
       ORDER BY received_at DESC, id DESC LIMIT ?`,
    ),
    findHoldings: db.prepare<[string], HoldingRow>(
      holdingsQuery('surveys', 'photo_stored_at IS NOT NULL AS photo_stored'),
    ),
    photoStoredAt: db.prepare<[string], { photo_stored_at: number | null }>(
      'SELECT photo_stored_at FROM surveys WHERE id = ?',
    ),
    markPhotoStored: db.prepare<[number, number, string]>(
      'UPDATE surveys SET photo_stored_at = ?, changed_at = ? WHERE id = ?',
    ),
  };
}

/**
 * The check's one read of a table (surveys, runs) for the ids given as one JSON array
 * parameter (json_each): the revision is read inside SQLite (json_extract), so the records
 * never reach JavaScript.
 */
export function holdingsQuery(table: 'surveys' | 'runs', moreColumns?: string): string {
  return `SELECT id, json_extract(record_json, '$.revision') AS revision
    ${moreColumns ? `, ${moreColumns}` : ''}
    FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`;
}
