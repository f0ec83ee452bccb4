import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  DB_VERSION,
  MIGRATIONS,
  openSurveyDb,
  SurveyRepository,
  StoreError,
} from '../../src/store';
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
      'by-verdict',
    ]);
    db.close();
  });

  // Every starting version from 1 upgrades to the current one keeping what it held.
  for (let from = 1; from < DB_VERSION; from++) {
    it(`upgrades a store written at version ${from} and keeps every survey and photo`, async () => {
      const name = uniqueDbName();
      const old = await openSurveyDb({ name, version: from });
      // Records as version 1 wrote them: no verdictKey, no sync status.
      const v1 = [makeRecord(), makeRecord({ verdict: null, cam: null })];
      for (const rec of v1) {
        const { verdictKey: _k, sync: _s, ...legacy } = rec;
        await old.put('surveys', legacy as never);
        await old.put('photos', { id: rec.id, blob: photoBlob(321) });
      }
      old.close();

      const repo = await SurveyRepository.open({ name });
      const listed = await repo.list();
      expect(listed.map((r) => r.id).sort()).toEqual(v1.map((r) => r.id).sort());
      for (const rec of listed) {
        expect(rec.sync).toEqual({ state: 'local', attempts: 0 });
        expect((await repo.getPhoto(rec.id))?.size).toBe(321);
      }
      expect((await repo.list({ verdict: 'pothole' })).map((r) => r.id)).toEqual([v1[0].id]);
      expect((await repo.list({ verdict: 'unanalysed' })).map((r) => r.id)).toEqual([v1[1].id]);
      expect((await repo.list({ syncState: 'local' })).length).toBe(2);
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
