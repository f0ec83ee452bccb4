/**
 * Drive runs in the embedded SQLite file. One process owns the file, so the change clock is the
 * surveys' clock idea again: the latest changed_at at start, raised by every write.
 */
import type Database from 'better-sqlite3';
import { planRunBatch, storedRunVersion, type StoredRunVersion } from '../run-batch-plan';
import {
  toStoredRun,
  type PreparedRun,
  type PutRunOutcome,
  type RunRow,
  type RunStore,
  type StoredRun,
} from '../run-store';
import type { RecordHolding } from '../survey-store';
import { toRecordHolding, type RevisionRow } from '../survey-row';
import { holdingsQuery } from './sqlite-surveys';

export class SqliteRunStore implements RunStore {
  private readonly sql: ReturnType<typeof prepareStatements>;
  private lastChange: number;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = prepareStatements(db);
    this.lastChange = this.sql.lastChange.get()?.last ?? 0;
  }

  private nextChange(): number {
    this.lastChange = Math.max(this.lastChange + 1, this.now());
    return this.lastChange;
  }

  async putRuns(runs: readonly PreparedRun[], receivedFrom: string): Promise<PutRunOutcome[]> {
    return this.db.transaction(() => {
      const stored = new Map<string, StoredRunVersion>();
      for (const { id } of runs) {
        const row = this.sql.findRecordJson.get(id);
        if (row) stored.set(id, storedRunVersion(row.record_json));
      }
      const plan = planRunBatch(runs, stored);
      if (plan.writes.size === 0) return plan.outcomes;
      const received = this.now();
      const changed = this.nextChange();
      for (const { run, created } of plan.writes.values()) {
        if (created) {
          this.sql.insert.run(
            run.id,
            run.canonicalJson,
            run.contentSha256,
            received,
            receivedFrom,
            changed,
          );
        } else {
          this.sql.update.run(run.canonicalJson, run.contentSha256, changed, run.id);
        }
      }
      return plan.outcomes;
    })();
  }

  async getRun(id: string): Promise<StoredRun | null> {
    const row = this.sql.get.get(id);
    return row ? toStoredRun(row) : null;
  }

  async listRunsById(afterId: string | null, limit: number): Promise<StoredRun[]> {
    return this.sql.listById.all(afterId ?? '', limit).map(toStoredRun);
  }

  async findHoldings(ids: readonly string[]): Promise<RecordHolding[]> {
    if (ids.length === 0) return [];
    return this.sql.findHoldings.all(JSON.stringify(ids)).map(toRecordHolding);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    lastChange: db.prepare<[], { last: number | null }>('SELECT MAX(changed_at) AS last FROM runs'),
    findRecordJson: db.prepare<[string], { record_json: string }>(
      'SELECT record_json FROM runs WHERE id = ?',
    ),
    insert: db.prepare<[string, string, string, number, string, number]>(
      `INSERT INTO runs (id, record_json, content_sha256, received_at, received_from, changed_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    update: db.prepare<[string, string, number, string]>(
      'UPDATE runs SET record_json = ?, content_sha256 = ?, changed_at = ? WHERE id = ?',
    ),
    get: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
    listById: db.prepare<[string, number], RunRow>(
      'SELECT * FROM runs WHERE id > ? ORDER BY id LIMIT ?',
    ),
    findHoldings: db.prepare<[string], RevisionRow>(holdingsQuery('runs')),
  };
}
