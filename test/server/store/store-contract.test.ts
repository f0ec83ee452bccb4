/**
 * One contract, two databases: the survey, token and photo stores behave the same on SQLite
 * and on a real PostgreSQL server. Idempotent batches (created / unchanged / updated /
 * conflict), revisions, paging without gaps while others write, several servers on one
 * database, photos, tokens. Durable acknowledgements: store-durability.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../../server/store/storage';
import { TokenNameInUseError } from '../../../server/store/survey-store';
import { makeJpeg, makeRecord, photoMetaFor, sha256 } from '../fixtures';
import { prepared, useBothBackends } from './store-backends';

const both = useBothBackends();
const backends = both.backends;

/** All surveys through the list, page by page, as a client pulls them. */
async function pullAll(storage: Storage, limit: number, since: number | null = null) {
  const seen: { id: string; changedAt: number }[] = [];
  let after: { changedAt: number; id: string } | null = null;
  for (;;) {
    const page = await storage.surveys.listSurveys({ since, after, limit });
    seen.push(...page.surveys.map((s) => ({ id: s.id, changedAt: s.changedAt })));
    if (page.surveys.length < limit) return seen;
    const last = page.surveys.at(-1)!;
    after = { changedAt: last.changedAt, id: last.id };
  }
}

describe.each(['SQLite', 'PostgreSQL'])('%s store', (name) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backends[name].open();
  });

  it('answers created, unchanged, updated and conflict, in order, and keeps the first version on a conflict', async () => {
    const [a, b, c] = [0, 1, 2].map((i) => makeRecord(i, photoMetaFor(i)));
    expect(
      (await storage.surveys.putSurveys([a, b, c].map(prepared), 'phone-1')).map((o) => o.status),
    ).toEqual(['created', 'created', 'created']);

    const outcomes = await storage.surveys.putSurveys(
      [
        prepared(a), // replay
        prepared({ ...b, revision: 2, notes: 'deeper than it looked' }), // an edit
        prepared({ ...c, notes: 'another phone, same revision' }), // another version
        prepared({ ...c, revision: 9, createdAt: '2020-01-01T00:00:00.000Z' }), // immutable
      ],
      'phone-2',
    );
    expect(outcomes).toEqual([
      { status: 'unchanged' },
      { status: 'updated' },
      { status: 'conflict', why: 'stale-revision', storedRevision: 1, fields: [] },
      { status: 'conflict', why: 'immutable-changed', storedRevision: 1, fields: ['createdAt'] },
    ]);
    expect((await storage.surveys.getSurvey(b.id))?.record.notes).toBe('deeper than it looked');
    expect((await storage.surveys.getSurvey(c.id))?.record).toEqual(c);
  });

  it('decides a repeated id in one batch against the earlier one', async () => {
    const v1 = makeRecord(10, photoMetaFor(10));
    const v2 = { ...v1, revision: 2, notes: 'edited before the first upload went out' };
    const outcomes = await storage.surveys.putSurveys(
      [prepared(v1), prepared(v1), prepared(v2), prepared({ ...v1, notes: 'stale' })],
      'phone-1',
    );
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'unchanged', 'updated', 'conflict']);
    const stored = await storage.surveys.getSurvey(v1.id);
    expect(stored?.record).toEqual(v2);
    expect(stored?.receivedFrom).toBe('phone-1');
  });

  it('an update keeps receivedAt, the uploader and the photo, and moves changedAt', async () => {
    const photo = await makeJpeg(20);
    const v1 = makeRecord(20, photo);
    await storage.surveys.putSurveys([prepared(v1)], 'phone-1');
    await storage.photos.write(v1.id, photo);
    expect(await storage.surveys.markPhotoStored(v1.id)).toBe(true);
    const before = (await storage.surveys.getSurvey(v1.id))!;

    const v2 = { ...v1, revision: 2, severity: 5 };
    expect(await storage.surveys.putSurveys([prepared(v2)], 'phone-2')).toEqual([
      { status: 'updated' },
    ]);
    const after = (await storage.surveys.getSurvey(v1.id))!;
    expect(after.record).toEqual(v2);
    expect(after.receivedAt).toBe(before.receivedAt);
    expect(after.receivedFrom).toBe('phone-1');
    expect(after.photo).toEqual(before.photo);
    expect(after.changedAt).toBeGreaterThan(before.changedAt);
    expect(sha256((await storage.photos.read(v1.id))!)).toBe(sha256(photo));
  });

  it('marks a photo stored once, however many uploads race for it, and keeps the first bytes', async () => {
    const photo = await makeJpeg(30);
    const record = makeRecord(30, photo);
    await storage.surveys.putSurveys([prepared(record)], 'phone-1');
    expect(await storage.photos.read(record.id)).toBeNull();
    await Promise.all([
      storage.photos.write(record.id, photo),
      storage.photos.write(record.id, photo),
    ]);
    const marks = await Promise.all(
      Array.from({ length: 6 }, () => storage.surveys.markPhotoStored(record.id)),
    );
    expect(marks.filter(Boolean)).toHaveLength(1);
    expect(await storage.surveys.markPhotoStored(randomUUID())).toBe(false);
    expect(sha256((await storage.photos.read(record.id))!)).toBe(sha256(photo));
  });

  it('finds the revision and photo state of many surveys at once, leaving out unknown ids', async () => {
    const photo = await makeJpeg(40);
    const withPhoto = makeRecord(40, photo);
    const edited = makeRecord(41, photoMetaFor(41));
    const others = Array.from({ length: 998 }, (_, i) => makeRecord(1000 + i, photoMetaFor(i)));
    await storage.surveys.putSurveys([withPhoto, edited].map(prepared), 'phone-1');
    await storage.surveys.putSurveys(others.slice(0, 100).map(prepared), 'phone-1');
    await storage.surveys.putSurveys([prepared({ ...edited, revision: 7, notes: 'x' })], 'phone-1');
    await storage.photos.write(withPhoto.id, photo);
    await storage.surveys.markPhotoStored(withPhoto.id);

    const unknown = randomUUID();
    const asked = [withPhoto.id, edited.id, unknown, ...others.map((o) => o.id)];
    const holdings = await storage.surveys.findHoldings(asked);
    const byId = new Map(holdings.map((h) => [h.id, h]));
    expect(byId.get(withPhoto.id)).toEqual({ id: withPhoto.id, revision: 1, photoStored: true });
    expect(byId.get(edited.id)).toEqual({ id: edited.id, revision: 7, photoStored: false });
    expect(byId.has(unknown)).toBe(false);
    // The first 100 of the others are stored, the rest are not.
    expect(holdings).toHaveLength(2 + 100);
    expect(others.slice(0, 100).every((o) => byId.get(o.id)?.revision === 1)).toBe(true);
    expect(await storage.surveys.findHoldings([])).toEqual([]);
  });

  it('pages by (changedAt, id) and by id, and readAt is a safe since for the next pull', async () => {
    const records = Array.from({ length: 25 }, (_, i) => makeRecord(100 + i, photoMetaFor(i)));
    for (let i = 0; i < records.length; i += 5) {
      await storage.surveys.putSurveys(records.slice(i, i + 5).map(prepared), 'phone-1');
    }
    const first = await storage.surveys.listSurveys({ since: null, after: null, limit: 1000 });
    const all = await pullAll(storage, 4);
    expect(all.map((s) => s.id)).toEqual(first.surveys.map((s) => s.id));
    const sorted = [...all].sort((x, y) => x.changedAt - y.changedAt || (x.id < y.id ? -1 : 1));
    expect(all).toEqual(sorted);

    const byId: string[] = [];
    for (let after: string | null = null; ;) {
      const page = await storage.surveys.listSurveysById(after, 7);
      byId.push(...page.map((s) => s.id));
      if (page.length < 7) break;
      after = page.at(-1)!.id;
    }
    expect(byId).toEqual([...byId].sort());
    expect(new Set(byId)).toEqual(new Set(all.map((s) => s.id)));

    // Everything changed after the read comes with since = readAt, nothing from before it.
    const edited = { ...records[3], revision: 2, notes: 'after the pull' };
    const fresh = makeRecord(200, photoMetaFor(200));
    await storage.surveys.putSurveys([prepared(edited), prepared(fresh)], 'phone-1');
    const next = await pullAll(storage, 1000, first.readAt);
    expect(next.map((s) => s.id).sort()).toEqual([edited.id, fresh.id].sort());
  });

  it('pages without a gap while 12 writers store batches at the same time', async () => {
    // PostgreSQL: three stores on one database, as three servers; SQLite: one store.
    const stores =
      name === 'PostgreSQL'
        ? [storage, await backends[name].open(), await backends[name].open()]
        : [storage];
    const start = await storage.surveys.listSurveys({ since: null, after: null, limit: 1 });
    const written: string[] = [];
    let writing = true;

    const writers = Array.from({ length: 12 }, async (_, w) => {
      for (let round = 0; round < 8; round++) {
        const batch = Array.from({ length: 5 }, (_, i) =>
          makeRecord(1000 + w * 100 + round * 5 + i, photoMetaFor(i)),
        );
        await stores[w % stores.length].surveys.putSurveys(batch.map(prepared), `writer-${w}`);
        written.push(...batch.map((r) => r.id));
      }
    });
    // A puller that keeps following the cursor while the writers run, close behind them, then
    // once more after they are done: it must have seen every record written. (Checked: with
    // changedAt taken from the clock before the commit instead of the shared change clock,
    // PostgreSQL misses dozens here.)
    const seen = new Set<string>();
    const puller = (async () => {
      let after: { changedAt: number; id: string } | null = null;
      for (;;) {
        const done = !writing;
        const page = await stores[stores.length - 1].surveys.listSurveys({
          since: start.readAt,
          after,
          limit: 50,
        });
        for (const s of page.surveys) seen.add(s.id);
        if (page.surveys.length > 0) {
          const last = page.surveys.at(-1)!;
          after = { changedAt: last.changedAt, id: last.id };
        } else if (done) {
          return;
        } else {
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    })();
    await Promise.all(writers);
    writing = false;
    await puller;
    expect(written).toHaveLength(12 * 8 * 5);
    expect(written.filter((id) => !seen.has(id))).toEqual([]);
  });

  it('several stores on one database store each record once: created once, unchanged for the rest, never a conflict', async () => {
    const stores =
      name === 'PostgreSQL'
        ? [storage, await backends[name].open(), await backends[name].open()]
        : [storage];
    const records = Array.from({ length: 60 }, (_, i) => makeRecord(3000 + i, photoMetaFor(i)));
    // Every client sends an overlapping window of the records, in its own order.
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, c) => {
        const window = records.slice((c * 7) % 40, ((c * 7) % 40) + 20);
        const batch = c % 2 ? window.reverse() : window;
        return stores[c % stores.length].surveys
          .putSurveys(batch.map(prepared), `client-${c}`)
          .then((outcomes) => outcomes.map((o, i) => ({ id: batch[i].id, status: o.status })));
      }),
    );
    const flat = results.flat();
    expect(flat.filter((r) => r.status !== 'created' && r.status !== 'unchanged')).toEqual([]);
    const created = flat.filter((r) => r.status === 'created').map((r) => r.id);
    expect(created.length).toBe(new Set(created).size);
    expect(new Set(created)).toEqual(new Set(flat.map((r) => r.id)));
    for (const id of new Set(created)) {
      expect((await storage.surveys.getSurvey(id))?.id).toBe(id);
    }
  });

  it('keeps tokens with their role: one live token per name, revocation, listing without secrets', async () => {
    const hash = sha256(`token-${name}`);
    await storage.tokens.createToken('tablet', hash, 'surveyor');
    await expect(
      storage.tokens.createToken('tablet', sha256('other'), 'reviewer'),
    ).rejects.toBeInstanceOf(TokenNameInUseError);
    expect(await storage.tokens.findActiveToken(hash)).toEqual({
      name: 'tablet',
      role: 'surveyor',
    });
    await storage.tokens.touchToken(hash);
    const listed = await storage.tokens.listTokens();
    expect(listed.find((t) => t.name === 'tablet')).toMatchObject({
      revokedAt: null,
      role: 'surveyor',
    });
    expect(listed.find((t) => t.name === 'tablet')?.lastUsedAt).toEqual(expect.any(Number));
    expect(await storage.tokens.revokeToken('tablet')).toBe(true);
    expect(await storage.tokens.revokeToken('tablet')).toBe(false);
    expect(await storage.tokens.findActiveToken(hash)).toBeNull();
    await storage.tokens.createToken('tablet', sha256('reissued'), 'reviewer');
    expect(await storage.tokens.findActiveToken(sha256('reissued'))).toEqual({
      name: 'tablet',
      role: 'reviewer',
    });
    await storage.tokens.createToken('lead', sha256('lead'), 'admin');
    expect(await storage.tokens.findActiveToken(sha256('lead'))).toEqual({
      name: 'lead',
      role: 'admin',
    });
  });
});
