import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  DB_VERSION,
  MIGRATIONS,
  openSurveyDb,
  SurveyRepository,
  StoreError,
  type SurveyRecord,
} from '../../src/store';
import { toWire } from '../../src/store/wire';
import { makeRecord, photoBlob, uniqueDbName } from './make-record';

describe('survey store migrations', () => {
  it('numbers migrations 1, 2, ... with no gap, ending at the current version', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(DB_VERSION).toBe(MIGRATIONS.length);
  });

  it('creates the current schema on a fresh phone', async () => {
    const db = await openSurveyDb({ name: uniqueDbName() });
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['photos', 'surveys']);
    const tx = db.transaction('surveys');
    expect([...tx.objectStore('surveys').indexNames].sort()).toEqual([
      'by-created',
      'by-sync',
      'by-type',
      'by-verdict',
    ]);
    db.close();
  });

  /** A record as the app wrote it at `version`: v1 had no verdictKey and no sync status, v2
   * no revision. */
  function writtenAt(version: number, record: SurveyRecord): Partial<SurveyRecord> {
    const { verdictKey: _k, sync: _s, revision: _r, ...v1 } = record;
    if (version === 1) return v1;
    const { revision: _r2, ...v2 } = record;
    if (version === 2) return v2;
    return record;
  }

  // Every starting version from 1 upgrades to the current one keeping what it held.
  for (let from = 1; from < DB_VERSION; from++) {
    it(`upgrades a store written at version ${from} and keeps every survey and photo`, async () => {
      const name = uniqueDbName();
      const old = await openSurveyDb({ name, version: from });
      const written = [
        makeRecord({ notes: 'kerb' }),
        makeRecord({ verdict: null, verdictKey: 'unanalysed', cam: null }),
      ];
      for (const rec of written) {
        await old.put('surveys', writtenAt(from, rec) as never);
        await old.put('photos', { id: rec.id, blob: photoBlob(321) });
      }
      old.close();

      const repo = await SurveyRepository.open({ name });
      const listed = await repo.list();
      expect(listed.map((r) => r.id).sort()).toEqual(written.map((r) => r.id).sort());
      for (const rec of listed) {
        expect(rec.sync).toEqual({ state: 'local', attempts: 0 });
        expect(rec.revision).toBe(1);
        expect((await repo.getPhoto(rec.id))?.size).toBe(321);
        // What the engineer typed is kept, and the record is valid on the wire.
        expect(rec.notes).toBe(written.find((w) => w.id === rec.id)!.notes);
        expect(toWire(rec).revision).toBe(1);
      }
      expect((await repo.list({ verdict: 'pothole' })).map((r) => r.id)).toEqual([written[0].id]);
      expect((await repo.list({ verdict: 'unanalysed' })).map((r) => r.id)).toEqual([
        written[1].id,
      ]);
      expect((await repo.list({ syncState: 'local' })).length).toBe(2);
      // Version 4: the pothole verdict is found by the damage-type filter too.
      expect((await repo.list({ type: 'pothole' })).map((r) => r.id)).toEqual([written[0].id]);
      expect(await repo.list({ type: 'crack' })).toEqual([]);
      // An edit after the upgrade raises the revision from there.
      expect((await repo.update(written[0].id, { severity: 3 })).revision).toBe(2);
      repo.close();
    });
  }

  it('refuses to open a store written by a newer app, with a message', async () => {
    const name = uniqueDbName();
    const newer = await openDB(name, DB_VERSION + 1, {
      upgrade(db) {
        db.createObjectStore('surveys', { keyPath: 'id' });
      },
    });
    newer.close();
    const err = await openSurveyDb({ name }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.detail).toMatch(/VersionError/);
  });
});
