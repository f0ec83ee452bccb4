/**
 * Drive runs (issue 13): what the routes need from storage for them. SQLite (sqlite/) and
 * PostgreSQL (postgres/) implement it; test/server/store/run-store-contract.test.ts runs one
 * contract on both. Invariants, the same as surveys' (survey-store.ts):
 * - A run id is stored once; a later upload replaces it only when it is a higher revision with
 *   the same id and startedAt (decideExistingVersion); anything else is a conflict, not stored.
 * - When a method resolves, its writes are durable; `changedAt` comes from the store's change
 *   clock (the same clock as surveys on PostgreSQL).
 */
import type { RunRecordWire } from '../../src/schema/run';
import type { PutSurveyOutcome, RecordHolding } from './survey-store';

export interface PreparedRun {
  id: string;
  record: RunRecordWire;
  canonicalJson: string;
  contentSha256: string;
}

export type PutRunOutcome = PutSurveyOutcome;

export interface StoredRun {
  id: string;
  record: RunRecordWire;
  contentSha256: string;
  receivedAt: number;
  receivedFrom: string;
  changedAt: number;
}

export interface RunStore {
  /** One transaction; one outcome per run, in order (a repeated id: decided against the earlier). */
  putRuns(runs: readonly PreparedRun[], receivedFrom: string): Promise<PutRunOutcome[]>;
  getRun(id: string): Promise<StoredRun | null>;
  /** Up to `limit` runs with id > afterId, by id (the export's and the list's pages). */
  listRunsById(afterId: string | null, limit: number): Promise<StoredRun[]>;
  /**
   * The stored revision of each of these runs the store holds (unknown ids are left out), in no
   * particular order: a phone's check (POST /runs/check), one read without the records.
   */
  findHoldings(ids: readonly string[]): Promise<RecordHolding[]>;
}

export interface RunRow {
  id: string;
  record_json: string;
  content_sha256: string;
  received_at: number | string;
  received_from: string;
  changed_at: number | string;
}

export function toStoredRun(row: RunRow): StoredRun {
  return {
    id: row.id,
    record: JSON.parse(row.record_json) as RunRecordWire,
    contentSha256: row.content_sha256,
    receivedAt: Number(row.received_at),
    receivedFrom: row.received_from,
    changedAt: Number(row.changed_at),
  };
}
