/**
 * Drive runs in PostgreSQL, shared by several servers, with the surveys' batch rules
 * (pg-surveys.ts): new ids claimed by INSERT ... ON CONFLICT DO NOTHING in id order, existing
 * ones locked FOR UPDATE in id order, the shared plan decides, the change clock is raised last.
 */
import { planRunBatch, storedRunVersion, type StoredRunVersion } from '../run-batch-plan';
import {
  toStoredRun,
  type PreparedRun,
  type PutRunOutcome,
  type RunRow,
  type RunStore,
  type StoredRun,
} from '../run-store';
import { DB_NOW_MS, type PgDatabase } from './pg-database';
import type { RecordHolding } from '../survey-store';
import { toRecordHolding, type RevisionRow } from '../survey-row';
import { holdingsQuery, nextChange } from './pg-surveys';

const byId = (a: PreparedRun, b: PreparedRun) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class PgRunStore implements RunStore {
  constructor(private readonly db: PgDatabase) {}

  async putRuns(runs: readonly PreparedRun[], receivedFrom: string): Promise<PutRunOutcome[]> {
    const firstOf = new Map<string, PreparedRun>();
    for (const r of runs) if (!firstOf.has(r.id)) firstOf.set(r.id, r);
    const claims = [...firstOf.values()].sort(byId);
    return this.db.transaction(async (client) => {
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO runs (id, record_json, content_sha256, received_at, received_from, changed_at)
         SELECT u.id, u.record_json, u.content_sha256, ${DB_NOW_MS}, $4, 0
         FROM unnest($1::text[], $2::text[], $3::text[])
           WITH ORDINALITY AS u(id, record_json, content_sha256, n)
         ORDER BY u.n
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [
          claims.map((r) => r.id),
          claims.map((r) => r.canonicalJson),
          claims.map((r) => r.contentSha256),
          receivedFrom,
        ],
      );
      const created = new Set(inserted.rows.map((r) => r.id));
      const existingIds = claims.map((r) => r.id).filter((id) => !created.has(id));
      const stored = new Map<string, StoredRunVersion>();
      if (existingIds.length > 0) {
        const rows = await client.query<{ id: string; record_json: string }>(
          'SELECT id, record_json FROM runs WHERE id = ANY($1) ORDER BY id FOR UPDATE',
          [existingIds],
        );
        for (const row of rows.rows) stored.set(row.id, storedRunVersion(row.record_json));
      }
      const plan = planRunBatch(runs, stored);
      const rewrites = [...plan.writes.values()]
        .map((w) => w.run)
        .filter((r) => !(created.has(r.id) && firstOf.get(r.id) === r));
      if (rewrites.length > 0) {
        await client.query(
          `UPDATE runs SET record_json = u.record_json, content_sha256 = u.content_sha256
           FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, record_json, content_sha256)
           WHERE runs.id = u.id`,
          [
            rewrites.map((r) => r.id),
            rewrites.map((r) => r.canonicalJson),
            rewrites.map((r) => r.contentSha256),
          ],
        );
      }
      if (plan.writes.size > 0) {
        const changed = await nextChange(client);
        await client.query('UPDATE runs SET changed_at = $1 WHERE id = ANY($2)', [
          changed,
          [...plan.writes.keys()],
        ]);
      }
      return plan.outcomes;
    });
  }

  async getRun(id: string): Promise<StoredRun | null> {
    const result = await this.db.query<RunRow>('SELECT * FROM runs WHERE id = $1', [id]);
    return result.rows[0] ? toStoredRun(result.rows[0]) : null;
  }

  async listRunsById(afterId: string | null, limit: number): Promise<StoredRun[]> {
    const result = await this.db.query<RunRow>(
      'SELECT * FROM runs WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId ?? '', limit],
    );
    return result.rows.map(toStoredRun);
  }

  async findHoldings(ids: readonly string[]): Promise<RecordHolding[]> {
    if (ids.length === 0) return [];
    const result = await this.db.query<RevisionRow>(holdingsQuery('runs'), [ids]);
    return result.rows.map(toRecordHolding);
  }
}
