/**
 * The review store's contract on SQLite and on a real PostgreSQL server: a decision is saved
 * only against what the reviewer saw, a repeat writes nothing, the audit trail is append-only
 * (the database itself refuses to change it), the phone's record is never touched, and the
 * phones' pull pages by the change clock without gaps, each phone seeing its own surveys only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../../server/store/storage';
import type { ReviewWrite } from '../../../server/store/review-store';
import { makeRecord, photoMetaFor } from '../fixtures';
import { prepared, useBothBackends } from './store-backends';

const both = useBothBackends();

function decision(surveyId: string, overrides: Partial<ReviewWrite> = {}): ReviewWrite {
  return {
    surveyId,
    labels: ['pothole'],
    boxes: [{ type: 'pothole', box: [4, 4, 30, 20] }],
    accepted: false,
    reviewer: 'office-anna',
    basedOnRevision: 1,
    expectedVersion: 0,
    ...overrides,
  };
}

/** Reviews visible to a pull, page by page. */
async function pullAll(storage: Storage, receivedFrom: string | null, since: number | null) {
  const seen: string[] = [];
  let after: { changedAt: number; surveyId: string } | null = null;
  for (;;) {
    const page = await storage.reviews.listReviewChanges({ since, after, limit: 2, receivedFrom });
    seen.push(...page.reviews.map((r) => r.surveyId));
    if (page.reviews.length < 2) return { seen, readAt: page.readAt };
    const last = page.reviews.at(-1)!;
    after = { changedAt: last.changedAt, surveyId: last.surveyId };
  }
}

describe.each(['SQLite', 'PostgreSQL'])('%s review store', (name) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await both.backends[name].open();
  });

  it('saves a decision against the revision seen, keeps the record as uploaded, and keeps every change in the trail', async () => {
    const record = makeRecord(1, photoMetaFor(1));
    await storage.surveys.putSurveys([prepared(record)], 'phone-a');
    const before = await storage.surveys.getSurvey(record.id);

    const first = await storage.reviews.putReview(decision(record.id));
    expect(first.status).toBe('saved');
    if (first.status !== 'saved') return;
    expect(first.review).toMatchObject({
      version: 1,
      labels: ['pothole'],
      reviewer: 'office-anna',
    });

    // A retry of the same decision (a lost answer) writes nothing.
    const again = await storage.reviews.putReview(decision(record.id));
    expect(again.status).toBe('unchanged');

    // A second reviewer who saw version 1 changes it to good road.
    const second = await storage.reviews.putReview(
      decision(record.id, {
        reviewer: 'office-ben',
        labels: ['good_road'],
        boxes: [],
        expectedVersion: 1,
      }),
    );
    expect(second).toMatchObject({
      status: 'saved',
      review: { version: 2, labels: ['good_road'] },
    });

    // Someone who still saw version 1 is refused, and nothing changes.
    const late = await storage.reviews.putReview(
      decision(record.id, { labels: ['crack'], boxes: [], expectedVersion: 1 }),
    );
    expect(late).toMatchObject({ status: 'review-changed', current: { version: 2 } });

    const events = await storage.reviews.listReviewEvents(record.id);
    expect(events.map((e) => [e.reviewer, e.next.labels, e.previous?.labels ?? null])).toEqual([
      ['office-anna', ['pothole'], null],
      ['office-ben', ['good_road'], ['pothole']],
    ]);
    expect(events[1].at).toBeGreaterThanOrEqual(events[0].at);

    // The phone's record (its verdict, its content hash) is exactly as uploaded.
    const after = await storage.surveys.getSurvey(record.id);
    expect(after?.contentSha256).toBe(before?.contentSha256);
    expect(after?.record.verdict).toEqual(record.verdict);
    expect(after?.changedAt).toBe(before?.changedAt);
  });

  it('refuses a decision on a survey the engineer changed since, and on an unknown survey', async () => {
    const record = makeRecord(2, photoMetaFor(2));
    await storage.surveys.putSurveys([prepared(record)], 'phone-a');
    await storage.surveys.putSurveys(
      [prepared({ ...record, revision: 2, notes: 'deeper than it looks' })],
      'phone-a',
    );
    expect(await storage.reviews.putReview(decision(record.id))).toEqual({
      status: 'survey-changed',
      surveyRevision: 2,
    });
    expect(await storage.reviews.listReviewEvents(record.id)).toEqual([]);
    expect(
      (await storage.reviews.putReview(decision(record.id, { basedOnRevision: 2 }))).status,
    ).toBe('saved');
    expect(
      await storage.reviews.putReview(decision('0b3c1f9e-8a0c-4d5e-9f00-000000000000')),
    ).toEqual({ status: 'survey-not-found' });
  });

  it('keeps the audit trail append-only in the database itself', async () => {
    const record = makeRecord(3, photoMetaFor(3));
    await storage.surveys.putSurveys([prepared(record)], 'phone-a');
    await storage.reviews.putReview(decision(record.id));
    const db = both.backends[name];
    if (name === 'SQLite') {
      const Database = (await import('better-sqlite3')).default;
      const file = new Database(`${db.options.dataDir}/roadcam.sqlite`);
      try {
        expect(() => file.prepare("UPDATE review_events SET reviewer = 'x'").run()).toThrow(
          /append-only/,
        );
        expect(() => file.prepare('DELETE FROM review_events').run()).toThrow(/append-only/);
      } finally {
        file.close();
      }
    } else {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: db.options.databaseUrl! });
      await client.connect();
      try {
        await expect(client.query("UPDATE review_events SET reviewer = 'x'")).rejects.toThrow(
          /append-only/,
        );
        await expect(client.query('DELETE FROM review_events')).rejects.toThrow(/append-only/);
        await expect(client.query('TRUNCATE review_events')).rejects.toThrow(/append-only/);
      } finally {
        await client.end();
      }
    }
    expect((await storage.reviews.listReviewEvents(record.id)).length).toBe(1);
  });

  it('gives each phone the reviews of its own surveys, changed since its last pull, in pages without gaps', async () => {
    const mine = [10, 11, 12].map((i) => makeRecord(i, photoMetaFor(i)));
    const theirs = makeRecord(13, photoMetaFor(13));
    await storage.surveys.putSurveys(mine.map(prepared), 'phone-pull');
    await storage.surveys.putSurveys([prepared(theirs)], 'phone-other');
    const start = (await pullAll(storage, 'phone-pull', null)).readAt;

    for (const r of [...mine, theirs]) {
      expect((await storage.reviews.putReview(decision(r.id))).status).toBe('saved');
    }
    const pulled = await pullAll(storage, 'phone-pull', start);
    expect(pulled.seen).toEqual(expect.arrayContaining(mine.map((r) => r.id)));
    expect(pulled.seen).toHaveLength(3);

    // Nothing changed since: an empty pull. A change: only that survey.
    expect((await pullAll(storage, 'phone-pull', pulled.readAt)).seen).toEqual([]);
    await storage.reviews.putReview(
      decision(mine[1].id, { labels: ['crack'], boxes: [], expectedVersion: 1 }),
    );
    const next = await pullAll(storage, 'phone-pull', pulled.readAt);
    expect(next.seen).toEqual([mine[1].id]);

    // The office (no device filter) sees every review.
    const all = await pullAll(storage, null, start);
    expect(all.seen).toEqual(expect.arrayContaining([...mine, theirs].map((r) => r.id)));
  });

  it('shares one change clock with the surveys: a review is never older than what it reviewed', async () => {
    const record = makeRecord(20, photoMetaFor(20));
    await storage.surveys.putSurveys([prepared(record)], 'phone-a');
    const stored = await storage.surveys.getSurvey(record.id);
    const saved = await storage.reviews.putReview(decision(record.id));
    expect(saved.status).toBe('saved');
    if (saved.status === 'saved') expect(saved.review.changedAt).toBeGreaterThan(stored!.changedAt);
  });
});
