import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { SurveyRepository, StoreError, STORAGE_FULL_MESSAGE } from '../../src/store';
import { makeRecord, photoBlob, uniqueDbName } from './make-record';

const open: SurveyRepository[] = [];
async function repo(name = uniqueDbName()): Promise<SurveyRepository> {
  const r = await SurveyRepository.open({ name });
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

describe('SurveyRepository', () => {
  it('saves a survey with its photo and reads both back', async () => {
    const r = await repo();
    const record = makeRecord({ notes: 'kerb side' });
    await r.save(record, photoBlob(5000));
    const back = await r.get(record.id);
    expect(back?.notes).toBe('kerb side');
    expect(back?.cam?.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back!.cam!.data)).toEqual([0, 0.25, 0.5, 0.75, 1, 0.125]);
    expect(back?.thumbnail.size).toBe(4);
    const photo = await r.getPhoto(record.id);
    expect(photo?.size).toBe(5000);
  });

  it('lists newest first, filtered by verdict and by sync state', async () => {
    const r = await repo();
    const a = makeRecord({ createdAt: '2026-11-20T10:00:00.000Z' });
    const b = makeRecord({
      createdAt: '2026-11-21T10:00:00.000Z',
      verdict: { label: 'normal', potholeProbability: 0.2, lowConfidence: false },
      verdictKey: 'normal',
      sync: { state: 'synced', attempts: 1 },
    });
    const c = makeRecord({ createdAt: '2026-11-22T10:00:00.000Z' });
    const d = makeRecord({
      createdAt: '2026-11-19T10:00:00.000Z',
      verdict: null,
      verdictKey: 'unanalysed',
      cam: null,
      model: null,
      probabilities: null,
      analysisError: 'Model failed to load',
    });
    for (const rec of [a, b, c, d]) await r.save(rec, photoBlob());

    const ids = (list: { id: string }[]) => list.map((x) => x.id);
    expect(ids(await r.list())).toEqual([c.id, b.id, a.id, d.id]);
    expect(ids(await r.list({ verdict: 'pothole' }))).toEqual([c.id, a.id]);
    expect(ids(await r.list({ verdict: 'normal' }))).toEqual([b.id]);
    expect(ids(await r.list({ verdict: 'unanalysed' }))).toEqual([d.id]);
    expect(ids(await r.list({ syncState: 'local' }))).toEqual([c.id, a.id, d.id]);
    expect(ids(await r.list({ syncState: 'synced' }))).toEqual([b.id]);
    expect(ids(await r.list({ verdict: 'pothole', syncState: 'synced' }))).toEqual([]);
    expect(ids(await r.list({ verdict: 'normal', syncState: 'synced' }))).toEqual([b.id]);
    expect(ids(await r.list({ limit: 2 }))).toEqual([c.id, b.id]);
    expect(await r.count()).toBe(4);
  });

  it('edits notes and severity, and sends a synced record back to local', async () => {
    const r = await repo();
    const record = makeRecord({ sync: { state: 'synced', attempts: 1 } });
    await r.save(record, photoBlob());
    const now = new Date('2026-11-26T09:00:00.000Z');
    const edited = await r.update(record.id, { notes: '<b>deep</b>', severity: 4 }, now);
    expect(edited.notes).toBe('<b>deep</b>');
    expect(edited.severity).toBe(4);
    expect(edited.updatedAt).toBe(now.toISOString());
    expect(edited.sync.state).toBe('local');
    expect(edited.revision).toBe(2);
    expect((await r.get(record.id))?.severity).toBe(4);
    await r.update(record.id, { severity: null });
    expect((await r.get(record.id))?.severity).toBeNull();
    expect((await r.get(record.id))?.notes).toBe('<b>deep</b>');
    expect((await r.get(record.id))?.revision).toBe(3);
  });

  it('raises the revision when a new analysis replaces the old one', async () => {
    const r = await repo();
    const record = makeRecord({ verdict: null, verdictKey: 'unanalysed', cam: null });
    await r.save(record, photoBlob());
    const analysed = await r.replaceAnalysis(record.id, {
      verdict: { label: 'normal', potholeProbability: 0.2, lowConfidence: false },
      verdictKey: 'normal',
      probabilities: { normal: 0.8, pothole: 0.2 },
      cam: null,
      model: { id: 'pothole-cnn', version: '1.0.1' },
      analysisError: null,
    });
    expect(analysed.revision).toBe(2);
    expect((await r.get(record.id))?.revision).toBe(2);
  });

  it('refuses a severity outside 1..5 and notes that are too long, changing nothing', async () => {
    const r = await repo();
    const record = makeRecord({ severity: 2 });
    await r.save(record, photoBlob());
    await expect(r.update(record.id, { severity: 6 as never })).rejects.toThrow(
      'Severity is 1 to 5',
    );
    await expect(r.update(record.id, { notes: 'x'.repeat(5001) })).rejects.toThrow(/too long/);
    expect((await r.get(record.id))?.severity).toBe(2);
    expect((await r.get(record.id))?.revision).toBe(1);
  });

  it('deletes a survey and its photo', async () => {
    const r = await repo();
    const keep = makeRecord();
    const gone = makeRecord();
    await r.save(keep, photoBlob());
    await r.save(gone, photoBlob());
    await r.delete(gone.id);
    expect(await r.get(gone.id)).toBeUndefined();
    expect(await r.getPhoto(gone.id)).toBeUndefined();
    expect(await r.get(keep.id)).toBeDefined();
    expect(await r.getPhoto(keep.id)).toBeDefined();
  });

  it('never overwrites a saved survey with the same id', async () => {
    const r = await repo();
    const record = makeRecord({ notes: 'first' });
    await r.save(record, photoBlob(10));
    const err = await r.save({ ...record, notes: 'second' }, photoBlob(20)).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('duplicate');
    expect((await r.get(record.id))?.notes).toBe('first');
    expect((await r.getPhoto(record.id))?.size).toBe(10);
  });

  it('reports an edit of a deleted survey as not found', async () => {
    const r = await repo();
    const err = await r.update(crypto.randomUUID(), { notes: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('not-found');
  });

  it('turns a quota error into "Storage full" and keeps every survey saved before', async () => {
    const r = await repo();
    const earlier = [makeRecord({ notes: 'one' }), makeRecord({ notes: 'two' })];
    for (const rec of earlier) await r.save(rec, photoBlob(100));

    // The photo put fails the way a full disk fails in a browser, after the metadata put
    // of the same transaction succeeded: the metadata must be rolled back with it.
    const originalAdd = IDBObjectStore.prototype.add;
    IDBObjectStore.prototype.add = function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['add']>
    ) {
      if (this.name === 'photos') {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return originalAdd.apply(this, args);
    };
    const newer = makeRecord({ notes: 'three' });
    let err: unknown;
    try {
      err = await r.save(newer, photoBlob(100)).catch((e) => e);
    } finally {
      IDBObjectStore.prototype.add = originalAdd;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('storage-full');
    expect((err as StoreError).message).toBe(STORAGE_FULL_MESSAGE);
    expect((err as StoreError).detail).toMatch(/QuotaExceededError/);

    expect(await r.get(newer.id)).toBeUndefined();
    expect(await r.getPhoto(newer.id)).toBeUndefined();
    const left = await r.list();
    expect(left.map((x) => x.notes).sort()).toEqual(['one', 'two']);
    for (const rec of earlier) expect((await r.getPhoto(rec.id))?.size).toBe(100);
    // The store still works after the failure.
    await r.save(newer, photoBlob(100));
    expect(await r.count()).toBe(3);
  });

  it('turns a quota error at commit (transaction abort) into "Storage full" too', async () => {
    const r = await repo();
    const earlier = makeRecord({ notes: 'kept' });
    await r.save(earlier, photoBlob(100));
    // Browsers often report a full disk only when the transaction commits: the put requests
    // succeed and the transaction aborts with a QuotaExceededError.
    const originalTransaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      const tx = originalTransaction.apply(this, args);
      if (args[1] === 'readwrite') {
        Object.defineProperty(tx, 'error', {
          get: () => new DOMException('The quota has been exceeded.', 'QuotaExceededError'),
        });
        const photos = tx.objectStore('photos');
        const originalAdd = photos.add.bind(photos);
        photos.add = (...a: Parameters<IDBObjectStore['add']>) => {
          const request = originalAdd(...a);
          request.addEventListener('success', () => tx.abort());
          return request;
        };
      }
      return tx;
    } as IDBDatabase['transaction'];
    const newer = makeRecord({ notes: 'lost' });
    let err: unknown;
    try {
      err = await r.save(newer, photoBlob(100)).catch((e) => e);
    } finally {
      IDBDatabase.prototype.transaction = originalTransaction;
    }
    expect((err as StoreError).code).toBe('storage-full');
    expect(await r.get(newer.id)).toBeUndefined();
    expect((await r.list()).map((x) => x.notes)).toEqual(['kept']);
  });
});
