/**
 * The embedded store: one SQLite file in the data directory, through better-sqlite3.
 *
 * Durability: WAL journal with synchronous=FULL, so every committed transaction's WAL frames
 * are fsynced before the commit returns; an acknowledged batch survives a killed process and a
 * power cut. (synchronous=NORMAL in WAL mode would survive a killed process but could lose the
 * last transactions on power loss: not good enough for "acknowledged means stored".) A batch
 * of up to 100 surveys is one transaction, so the cost is one fsync per request.
 */
import Database from 'better-sqlite3';
import { surveyRecordSchema, type SurveyRecordWire } from '../../src/schema/survey';
import { canonicalJson, sha256Hex } from '../canonical-json';
import { decideExistingSurvey } from '../survey-versions';
import {
  TokenNameInUseError,
  type PreparedSurvey,
  type PutSurveyOutcome,
  type StoredSurvey,
  type SurveyListQuery,
  type SurveyStore,
  type TokenInfo,
  type TokenStore,
} from './survey-store';

const SCHEMA_VERSION = 2;

/** Each step takes the database from version - 1 to version, inside one transaction. */
export const MIGRATIONS: Record<number, string | ((db: Database.Database) => void)> = {
  1: `
    CREATE TABLE surveys (
      id TEXT PRIMARY KEY,
      record_json TEXT NOT NULL,       -- canonical JSON of the validated record
      content_sha256 TEXT NOT NULL,
      received_at INTEGER NOT NULL,    -- ms since the epoch, server clock
      received_from TEXT NOT NULL,     -- token name
      changed_at INTEGER NOT NULL,
      photo_sha256 TEXT NOT NULL,
      photo_bytes INTEGER NOT NULL,
      photo_stored_at INTEGER          -- null until the photo file is durable
    ) STRICT;
    CREATE INDEX surveys_by_change ON surveys (changed_at, id);

    CREATE TABLE tokens (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      token_sha256 TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER
    ) STRICT;
    -- One live token per name; revoked ones stay for the record.
    CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;
  `,
  // Records gained `revision` (default 1). Stored records are rewritten as the schema now
  // reads them, so that an old client's replay (no revision: read as 1) stays `unchanged`.
  2: (db) => {
    const rows = db
      .prepare<[], { id: string; record_json: string }>('SELECT id, record_json FROM surveys')
      .all();
    const update = db.prepare<[string, string, string]>(
      'UPDATE surveys SET record_json = ?, content_sha256 = ? WHERE id = ?',
    );
    for (const row of rows) {
      const record = surveyRecordSchema.parse(JSON.parse(row.record_json));
      const text = canonicalJson(record);
      if (text !== row.record_json) update.run(text, sha256Hex(text), row.id);
    }
  },
};

interface SurveyRow {
  id: string;
  record_json: string;
  content_sha256: string;
  received_at: number;
  received_from: string;
  changed_at: number;
  photo_sha256: string;
  photo_bytes: number;
  photo_stored_at: number | null;
}

/** Writing last_used_at on every request would cost an fsync each; once a minute is plenty. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export class SqliteStore implements SurveyStore, TokenStore {
  private readonly db: Database.Database;
  private readonly lastTouch = new Map<string, number>();
  private readonly sql: ReturnType<typeof prepareStatements>;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // The token CLI may write while the server runs: wait for its lock instead of failing.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.sql = prepareStatements(this.db);
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `The database ${this.file} was written by a newer RoadCAM server (schema ` +
          `${current}, this one knows ${SCHEMA_VERSION}): upgrade the server.`,
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      this.db.transaction(() => {
        const step = MIGRATIONS[version];
        if (typeof step === 'string') this.db.exec(step);
        else step(this.db);
        this.db.pragma(`user_version = ${version}`);
      })();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- surveys ----

  async putSurveys(
    surveys: readonly PreparedSurvey[],
    receivedFrom: string,
    now: number,
  ): Promise<PutSurveyOutcome[]> {
    const { findRecordJson, insertSurvey, updateSurvey } = this.sql;
    return this.db.transaction(() =>
      surveys.map((survey): PutSurveyOutcome => {
        const existing = findRecordJson.get(survey.id);
        if (existing) {
          const decision = decideExistingSurvey(
            {
              record: JSON.parse(existing.record_json) as SurveyRecordWire,
              canonicalJson: existing.record_json,
            },
            survey,
          );
          if (decision.status === 'updated') {
            updateSurvey.run(survey.canonicalJson, survey.contentSha256, now, survey.id);
          }
          return decision;
        }
        insertSurvey.run(
          survey.id,
          survey.canonicalJson,
          survey.contentSha256,
          now,
          receivedFrom,
          now,
          survey.record.photo.sha256,
          survey.record.photo.bytes,
        );
        return { status: 'created' };
      }),
    )();
  }

  async getSurvey(id: string): Promise<StoredSurvey | null> {
    const row = this.sql.getSurvey.get(id);
    return row ? toStoredSurvey(row) : null;
  }

  async listSurveys(query: SurveyListQuery): Promise<StoredSurvey[]> {
    const rows = this.sql.listSurveys.all(
      query.since ?? Number.MIN_SAFE_INTEGER,
      query.after?.changedAt ?? Number.MIN_SAFE_INTEGER,
      query.after?.id ?? '',
      query.limit,
    );
    return rows.map(toStoredSurvey);
  }

  async markPhotoStored(id: string, now: number): Promise<boolean> {
    const result = this.sql.markPhotoStored.run(now, now, id);
    return result.changes === 1;
  }

  // ---- tokens ----

  async createToken(name: string, tokenSha256: string, now: number): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO tokens (name, token_sha256, created_at) VALUES (?, ?, ?)')
        .run(name, tokenSha256, now);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new TokenNameInUseError(name);
      }
      throw error;
    }
  }

  async findActiveToken(tokenSha256: string): Promise<{ name: string } | null> {
    const row = this.sql.findActiveToken.get(tokenSha256);
    return row ?? null;
  }

  async touchToken(tokenSha256: string, now: number): Promise<void> {
    const last = this.lastTouch.get(tokenSha256) ?? 0;
    if (now - last < TOKEN_TOUCH_INTERVAL_MS) return;
    this.lastTouch.set(tokenSha256, now);
    this.sql.touchToken.run(now, tokenSha256);
  }

  async listTokens(): Promise<TokenInfo[]> {
    return this.db
      .prepare<
        [],
        { name: string; created_at: number; last_used_at: number | null; revoked_at: number | null }
      >('SELECT name, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at, id')
      .all()
      .map((row) => ({
        name: row.name,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
        revokedAt: row.revoked_at,
      }));
  }

  async revokeToken(name: string, now: number): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
      .run(now, name);
    return result.changes > 0;
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
    markPhotoStored: db.prepare<[number, number, string]>(
      `UPDATE surveys SET photo_stored_at = ?, changed_at = ?
       WHERE id = ? AND photo_stored_at IS NULL`,
    ),
    findActiveToken: db.prepare<[string], { name: string }>(
      'SELECT name FROM tokens WHERE token_sha256 = ? AND revoked_at IS NULL',
    ),
    touchToken: db.prepare<[number, string]>(
      'UPDATE tokens SET last_used_at = ? WHERE token_sha256 = ?',
    ),
  };
}

function toStoredSurvey(row: SurveyRow): StoredSurvey {
  return {
    id: row.id,
    record: JSON.parse(row.record_json) as SurveyRecordWire,
    contentSha256: row.content_sha256,
    receivedAt: row.received_at,
    receivedFrom: row.received_from,
    changedAt: row.changed_at,
    photo: { sha256: row.photo_sha256, bytes: row.photo_bytes, storedAt: row.photo_stored_at },
  };
}
