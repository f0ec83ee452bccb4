/**
 * SurveyRepository.updateSync: the outbox's one way to change sync states. It decides from the
 * record as it is inside the transaction, so an edit saved meanwhile is neither lost nor
 * hidden, and it never touches anything but `sync`.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { SurveyRepository } from '../../src/store';
import { makeRecord, photoBlob, uniqueDbName } from './make-record';

const open: SurveyRepository[] = [];
async function repo(): Promise<SurveyRepository> {
  const r = await SurveyRepository.open({ name: uniqueDbName() });
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

describe('SurveyRepository.updateSync', () => {
  it('sets the sync status of several surveys at once and leaves everything else alone', async () => {
    const r = await repo();
    const a = makeRecord({ notes: 'a' });
    const b = makeRecord({ notes: 'b' });
    for (const rec of [a, b]) await r.save(rec, photoBlob());

    const out = await r.updateSync([a.id, b.id, 'not-on-the-phone'], (record) => ({
      state: 'uploading',
      attempts: record.sync.attempts + 1,
      lastAttempt: '2026-11-26T10:00:00.000Z',
    }));
    expect([...out.keys()].sort()).toEqual([a.id, b.id].sort());
    for (const rec of [a, b]) {
      const back = await r.get(rec.id);
      expect(back?.sync).toEqual({
        state: 'uploading',
        attempts: 1,
        lastAttempt: '2026-11-26T10:00:00.000Z',
      });
      expect(back?.notes).toBe(rec.notes);
      expect(back?.updatedAt).toBe(rec.updatedAt);
      expect(Array.from(back!.cam!.data)).toEqual(Array.from(rec.cam!.data));
    }
    expect((await r.list({ syncState: 'uploading' })).length).toBe(2);
    expect(await r.getPhoto(a.id)).toBeDefined();
  });

  it('decides from the record as it is now: an edit saved before is seen, and kept', async () => {
    const r = await repo();
    const rec = makeRecord({ sync: { state: 'uploading', attempts: 1 } });
    await r.save(rec, photoBlob());
    await r.update(rec.id, { notes: 'edited' }, new Date('2026-11-26T11:00:00Z'));

    const out = await r.updateSync([rec.id], (current) =>
      current.updatedAt === rec.updatedAt ? { state: 'synced', attempts: 1 } : null,
    );
    const back = await r.get(rec.id);
    expect(out.get(rec.id)?.notes).toBe('edited');
    expect(back?.notes).toBe('edited');
    expect(back?.sync.state).toBe('uploading'); // null: left as it was
  });
});
