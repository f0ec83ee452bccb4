import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SurveyCorrection } from '../../src/schema/survey';
import { SurveyRepository, StoreError } from '../../src/store';
import { fromWire, toWire } from '../../src/store/wire';
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

const WRONG: SurveyCorrection = {
  verdict: 'wrong',
  labels: ['crack'],
  boxes: [{ type: 'crack', box: [100, 200, 600, 500] }],
  at: '2026-12-02T10:00:00.000Z',
};
const RIGHT: SurveyCorrection = {
  verdict: 'right',
  labels: [],
  boxes: [],
  at: '2026-12-02T10:05:00.000Z',
};

describe('the engineer’s Right / Wrong through the edit path', () => {
  it('is a new revision; a synced survey goes back to local so the outbox sends it', async () => {
    const r = await repo();
    const record = makeRecord({ notes: 'kerb', sync: { state: 'synced', attempts: 1 } });
    await r.save(record, photoBlob());
    const first = await r.update(record.id, { correction: WRONG });
    expect(first.revision).toBe(2);
    expect(first.sync.state).toBe('local');
    expect(first.notes).toBe('kerb');
    // Edited twice: the second answer replaces the first, one revision more; both reach the wire.
    const second = await r.update(record.id, { correction: RIGHT });
    expect(second.revision).toBe(3);
    const stored = await r.get(record.id);
    expect(stored?.correction).toEqual(RIGHT);
    expect(toWire(stored!).correction).toEqual(RIGHT);
  });

  it('notes edited after the answer keep it; null takes the answer back', async () => {
    const r = await repo();
    const record = makeRecord();
    await r.save(record, photoBlob());
    await r.update(record.id, { correction: WRONG });
    const noted = await r.update(record.id, { notes: 'deeper than it looks' });
    expect(noted.correction).toEqual(WRONG);
    const back = await r.update(record.id, { correction: null });
    expect(back).not.toHaveProperty('correction');
    expect(back.revision).toBe(4);
    expect(toWire(back)).not.toHaveProperty('correction');
  });

  it('refuses a box that is not one, saving nothing', async () => {
    const r = await repo();
    const record = makeRecord();
    await r.save(record, photoBlob());
    const bad = { ...WRONG, boxes: [{ type: 'crack', box: [500, 200, 100, 500] }] };
    await expect(
      r.update(record.id, { correction: bad as SurveyCorrection }),
    ).rejects.toBeInstanceOf(StoreError);
    expect((await r.get(record.id))?.revision).toBe(1);
  });

  it('comes back from the server’s copy of the record', () => {
    const record = makeRecord({ correction: WRONG, revision: 2 });
    const back = fromWire(toWire(record), record.thumbnail);
    expect(back.correction).toEqual(WRONG);
  });
});
