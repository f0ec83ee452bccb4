/**
 * Surveys in PostgreSQL, shared by several server processes.
 *
 * A batch: the first version of each new id is inserted (ON CONFLICT DO NOTHING), in id order,
 * which claims it: a concurrent batch with the same id waits for this one's commit and then
 * finds the row. The ids that already existed are locked (FOR UPDATE, in id order, so two
 * batches never wait for each other in a circle), the shared plan decides every record, the
 * changes are written, and the change clock is raised last, so it is held only for the end of
 * the transaction.
 */
import type pg from 'pg';
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
import { DB_NOW_MS, type PgDatabase } from './pg-database';

/** Raises the shared clock: after every change committed before, and not before now. */
export async function nextChange(client: pg.ClientBase): Promise<number> {
  const result = await client.query<{ last_ms: string }>(
    `UPDATE change_clock SET last_ms = GREATEST(last_ms + 1, ${DB_NOW_MS}) RETURNING last_ms`,
  );
  return Number(result.rows[0].last_ms);
}

const byId = (a: PreparedSurvey, b: PreparedSurvey) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class PgSurveyStore implements SurveyStore {
  constructor(private readonly db: PgDatabase) {}

  async putSurveys(
    surveys: readonly PreparedSurvey[],
    receivedFrom: string,
  ): Promise<PutSurveyOutcome[]> {
    // The first version of each id is what the insert claims.
    const firstOf = new Map<string, PreparedSurvey>();
    for (const s of surveys) if (!firstOf.has(s.id)) firstOf.set(s.id, s);
    const claims = [...firstOf.values()].sort(byId);

    return this.db.transaction(async (client) => {
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO surveys (id, record_json, content_sha256, received_at, received_from,
           changed_at, photo_sha256, photo_bytes, photo_stored_at)
         SELECT u.id, u.record_json, u.content_sha256, ${DB_NOW_MS}, $6, 0, u.photo_sha256,
           u.photo_bytes, NULL
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
           WITH ORDINALITY AS u(id, record_json, content_sha256, photo_sha256, photo_bytes, n)
         ORDER BY u.n
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [
          claims.map((s) => s.id),
          claims.map((s) => s.canonicalJson),
          claims.map((s) => s.contentSha256),
          claims.map((s) => s.record.photo.sha256),
          claims.map((s) => s.record.photo.bytes),
          receivedFrom,
        ],
      );
      const created = new Set(inserted.rows.map((r) => r.id));
      const existingIds = claims.map((s) => s.id).filter((id) => !created.has(id));
      const stored = new Map<string, StoredVersion>();
      if (existingIds.length > 0) {
        const rows = await client.query<{ id: string; record_json: string }>(
          'SELECT id, record_json FROM surveys WHERE id = ANY($1) ORDER BY id FOR UPDATE',
          [existingIds],
        );
        for (const row of rows.rows) stored.set(row.id, storedVersion(row.record_json));
      }

      const plan = planSurveyBatch(surveys, stored);
      // A new id whose final version is the one inserted needs no rewrite, only its clock.
      const rewrites = [...plan.writes.values()]
        .map((w) => w.survey)
        .filter((s) => !(created.has(s.id) && firstOf.get(s.id) === s));
      if (rewrites.length > 0) {
        await client.query(
          `UPDATE surveys SET record_json = u.record_json, content_sha256 = u.content_sha256
           FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, record_json, content_sha256)
           WHERE surveys.id = u.id`,
          [
            rewrites.map((s) => s.id),
            rewrites.map((s) => s.canonicalJson),
            rewrites.map((s) => s.contentSha256),
          ],
        );
      }
      if (plan.writes.size > 0) {
        const changed = await nextChange(client);
        await client.query('UPDATE surveys SET changed_at = $1 WHERE id = ANY($2)', [
          changed,
          [...plan.writes.keys()],
        ]);
      }
      return plan.outcomes;
    });
  }

  async getSurvey(id: string): Promise<StoredSurvey | null> {
    const result = await this.db.query<SurveyRow>('SELECT * FROM surveys WHERE id = $1', [id]);
    return result.rows[0] ? toStoredSurvey(result.rows[0]) : null;
  }

  async listSurveys(query: SurveyListQuery): Promise<SurveyPage> {
    return this.db.transaction(async (client) => {
      // FOR SHARE waits for a writer that holds the clock, and keeps the next one out until
      // this page is read: every later change gets a changedAt of at least readAt.
      const clock = await client.query<{ last_ms: string; now_ms: string }>(
        `SELECT last_ms, ${DB_NOW_MS} AS now_ms FROM change_clock FOR SHARE`,
      );
      const readAt = Math.max(Number(clock.rows[0].last_ms) + 1, Number(clock.rows[0].now_ms));
      const rows = await client.query<SurveyRow>(
        `SELECT * FROM surveys
         WHERE changed_at >= $1 AND (changed_at, id) > ($2, $3)
         ORDER BY changed_at, id LIMIT $4`,
        [
          query.since ?? Number.MIN_SAFE_INTEGER,
          query.after?.changedAt ?? Number.MIN_SAFE_INTEGER,
          query.after?.id ?? '',
          query.limit,
        ],
      );
      return { surveys: rows.rows.map(toStoredSurvey), readAt };
    });
  }

  async listSurveysById(afterId: string | null, limit: number): Promise<StoredSurvey[]> {
    const result = await this.db.query<SurveyRow>(
      'SELECT * FROM surveys WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId ?? '', limit],
    );
    return result.rows.map(toStoredSurvey);
  }

  async listSurveysByReceived(
    before: { receivedAt: number; id: string } | null,
    limit: number,
  ): Promise<StoredSurvey[]> {
    const result = await this.db.query<SurveyRow>(
      `SELECT * FROM surveys WHERE (received_at, id) < ($1, $2)
       ORDER BY received_at DESC, id DESC LIMIT $3`,
      [before?.receivedAt ?? Number.MAX_SAFE_INTEGER, before?.id ?? '', limit],
    );
    return result.rows.map(toStoredSurvey);
  }

  async findHoldings(ids: readonly string[]): Promise<SurveyHolding[]> {
    if (ids.length === 0) return [];
    const result = await this.db.query<HoldingRow>(
      holdingsQuery('surveys', 'photo_stored_at IS NOT NULL AS photo_stored'),
      [ids],
    );
    return result.rows.map(toHolding);
  }

  async markPhotoStored(id: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const row = await client.query<{ photo_stored_at: string | null }>(
        'SELECT photo_stored_at FROM surveys WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (row.rowCount === 0 || row.rows[0].photo_stored_at !== null) return false;
      const changed = await nextChange(client);
      await client.query('UPDATE surveys SET photo_stored_at = $1, changed_at = $1 WHERE id = $2', [
        changed,
        id,
      ]);
      return true;
    });
  }
}

/**
 * The check's one read of a table (surveys, runs) for the ids in $1. record_json is text (jsonb
 * would reorder keys): read as json, only the revision leaves the database.
 */
export function holdingsQuery(table: 'surveys' | 'runs', moreColumns?: string): string {
  return `SELECT id, (record_json::json ->> 'revision')::bigint AS revision
    ${moreColumns ? `, ${moreColumns}` : ''}
    FROM ${table} WHERE id = ANY($1)`;
}
