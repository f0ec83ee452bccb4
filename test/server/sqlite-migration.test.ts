/**
 * The server's SQLite schema migrations on a real database file: a data directory written by
 * the first server version (records without `revision`) opens with the current one, keeps
 * every survey, photo state and token, and an old client's replay is still `unchanged`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { surveyRecordSchema } from '../../src/schema/survey';
import { canonicalJson, sha256Hex } from '../../server/canonical-json';
import { openSqliteDatabase } from '../../server/store/sqlite/sqlite-database';
import { SQLITE_MIGRATIONS } from '../../server/store/sqlite/sqlite-migrations';
import { SqliteSurveyStore } from '../../server/store/sqlite/sqlite-surveys';
import { SqliteTokenStore } from '../../server/store/sqlite/sqlite-tokens';
import type { PreparedSurvey } from '../../server/store/survey-store';
import { hashDeviceToken } from '../../server/tokens';
import { makeRecord, photoMetaFor } from './fixtures';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function prepared(raw: unknown): PreparedSurvey {
  const record = surveyRecordSchema.parse(raw);
  const text = canonicalJson(record);
  return { id: record.id, record, canonicalJson: text, contentSha256: sha256Hex(text) };
}

describe('SQLite store migrations', () => {
  it('upgrades a version-1 database: records read as revision 1, replays unchanged, edits updated', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-migration-'));
    dirs.push(dir);
    const file = path.join(dir, 'roadcam.sqlite');

    // Written as the first server version wrote it: canonical JSON without `revision`.
    const { revision: _r, ...oldRecord } = makeRecord(1, photoMetaFor(1));
    const oldJson = canonicalJson(oldRecord);
    const v1 = new Database(file);
    v1.exec(SQLITE_MIGRATIONS[0].up as string);
    v1.pragma('user_version = 1');
    v1.prepare(
      `INSERT INTO surveys (id, record_json, content_sha256, received_at, received_from,
         changed_at, photo_sha256, photo_bytes, photo_stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      oldRecord.id,
      oldJson,
      sha256Hex(oldJson),
      1000,
      'old-phone',
      2000,
      oldRecord.photo.sha256,
      oldRecord.photo.bytes,
      2000,
    );
    v1.prepare('INSERT INTO tokens (name, token_sha256, created_at) VALUES (?, ?, ?)').run(
      'old-phone',
      hashDeviceToken('rcd_old-token'),
      500,
    );
    v1.close();

    const db = openSqliteDatabase(file);
    const store = new SqliteSurveyStore(db);
    const tokens = new SqliteTokenStore(db);
    try {
      const stored = await store.getSurvey(oldRecord.id);
      expect(stored?.record).toEqual({ ...oldRecord, revision: 1 });
      expect(stored?.contentSha256).toBe(sha256Hex(canonicalJson({ ...oldRecord, revision: 1 })));
      expect(stored).toMatchObject({
        receivedAt: 1000,
        receivedFrom: 'old-phone',
        changedAt: 2000,
        photo: { storedAt: 2000 },
      });
      // A token from before roles existed is a phone's: a surveyor.
      expect(await tokens.findActiveToken(hashDeviceToken('rcd_old-token'))).toEqual({
        name: 'old-phone',
        role: 'surveyor',
      });

      const outcomes = await store.putSurveys(
        [
          prepared(oldRecord),
          prepared({ ...oldRecord, revision: 1 }),
          prepared({ ...oldRecord, revision: 2, notes: 'edited after the upgrade' }),
        ],
        'old-phone',
      );
      expect(outcomes.map((o) => o.status)).toEqual(['unchanged', 'unchanged', 'updated']);
      expect((await store.getSurvey(oldRecord.id))?.record.notes).toBe('edited after the upgrade');
    } finally {
      db.close();
    }
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    after.close();
  });
});
