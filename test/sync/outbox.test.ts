/**
 * The outbox's rules, each checked against the real server process (through the fault proxy)
 * on fake-indexeddb: the states a survey goes through, freezing and re-queueing on edit,
 * conflicts, which errors are retried and which are not, one flush at a time, settings and
 * "test connection", and the flush triggers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/canonical-json';
import type { SurveyDetailResponse } from '../../src/schema/survey';
import { toWire } from '../../src/store/wire';
import {
  backoffDelay,
  createOutbox,
  type Clock,
  type OutboxEvent,
  type TriggerTarget,
} from '../../src/sync';
import {
  jpegBlob,
  makeSurvey,
  saveNewSurveys,
  saveSurveys,
  sha256,
  SyncRig,
  TEST_OUTBOX_OPTIONS,
  type Survey,
} from './fixtures';

let rig: SyncRig;
let n = 10_000;

beforeAll(async () => {
  rig = await SyncRig.start();
});
afterAll(async () => {
  await rig?.dispose();
});
beforeEach(async () => {
  await rig.freshPhone();
});

async function surveys(count: number): Promise<Survey[]> {
  n += count;
  return saveNewSurveys(rig.repository, n - count, count);
}

const sentSince = (mark: number) => rig.sentSince(mark);

/** Every survey of this phone on the server once, right photo, on the phone, synced (the
 * server is shared by the tests of this file, so it holds others too). */
function expectSynced(list: readonly Survey[], download: readonly Survey[] = list) {
  return rig.expectAllSynced(list, download, { serverHoldsOnlyThese: false });
}

async function postDirect(records: unknown[]): Promise<void> {
  const response = await fetch(`${rig.server.url}/api/v1/surveys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ surveys: records }),
  });
  expect(response.status).toBe(200);
}

/** A clock whose sleeps return at once and are recorded. */
function fakeClock(): Clock & { sleeps: number[]; time: number } {
  const clock = {
    time: Date.parse('2026-11-26T09:00:00Z'),
    sleeps: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.time += ms;
    },
  };
  return clock;
}

describe('states', () => {
  it('a saved survey goes local -> queued -> uploading -> synced, its photo after its record', async () => {
    const [survey] = await surveys(1);
    expect((await rig.repository.get(survey.record.id))?.sync.state).toBe('local');
    const events: OutboxEvent[] = [];
    rig.outbox.subscribe((e) => events.push(e));

    await rig.outbox.enqueue(survey.record.id);
    expect((await rig.repository.get(survey.record.id))?.sync.state).toBe('queued');
    const before = await rig.outbox.status();
    expect(before.waiting).toBe(1);
    expect(before.lastSyncAt).toBeNull();

    const mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', synced: 1, failed: 0, waiting: 0 });
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys 200',
      'PUT /api/v1/surveys/:id/photo 201',
    ]);
    const states = events.flatMap((e) => (e.type === 'records' ? [e.state] : [e.type]));
    expect(states).toEqual(['queued', 'flush-start', 'uploading', 'synced', 'flush-end']);

    const local = await rig.repository.get(survey.record.id);
    expect(local?.sync).toMatchObject({ state: 'synced', attempts: 1 });
    const after = await rig.outbox.status();
    expect(after.waiting).toBe(0);
    expect(Date.parse(after.lastSyncAt!)).toBeGreaterThan(Date.now() - 60_000);
    await expectSynced([survey]);
  });

  it('flush() queues surveys that were saved but never queued', async () => {
    const list = await surveys(3);
    expect((await rig.outbox.status()).waiting).toBe(3);
    expect((await rig.outbox.flush()).synced).toBe(3);
    await expectSynced(list);
  });

  it('sync never deletes a survey; one deleted on the phone while queued is not uploaded', async () => {
    const list = await surveys(3);
    await rig.outbox.enqueue(list.map((s) => s.record.id));
    await rig.repository.delete(list[1].record.id);
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', synced: 2, waiting: 0 });
    await expectSynced([list[0], list[2]]);
  });

  it('a survey that fails the record schema fails at once, with the reason, and nothing is sent', async () => {
    const [bad] = await Promise.all([makeSurvey(n++)]);
    bad.record.photo = { ...bad.record.photo, width: 4000 };
    await saveSurveys(rig.repository, [bad]);
    const mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', failed: 1, waiting: 0 });
    expect(sentSince(mark)).toEqual([]);
    const local = await rig.repository.get(bad.record.id);
    expect(local?.sync.state).toBe('failed');
    expect(local?.sync.reason).toMatch(/photo\.width/);
    expect((await rig.outbox.failureOf(bad.record.id))?.code).toBe('invalid');
  });
});

describe('frozen when queued', () => {
  it('an edit after queueing re-queues: the server gets the edited survey', async () => {
    const list = await surveys(2);
    await rig.outbox.enqueue(list.map((s) => s.record.id));
    // One edit through the app's path (update + enqueue), one without enqueue: both go up edited.
    const a = await rig.repository.update(list[0].record.id, { notes: 'deep pothole, edited' });
    await rig.outbox.enqueue(a.id);
    const b = await rig.repository.update(list[1].record.id, { severity: 5 });
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', synced: 2, failed: 0 });
    await expectSynced([
      { record: a, photo: list[0].photo },
      { record: b, photo: list[1].photo },
    ]);
  });

  for (const withEnqueue of [true, false]) {
    it(`an edit during the upload${withEnqueue ? ' (re-queued by the app)' : ''}: the edit follows as a newer revision (updated), the photo goes up once`, async () => {
      const [survey] = await surveys(1);
      await rig.outbox.enqueue(survey.record.id);
      let edited: Awaited<ReturnType<typeof rig.repository.update>> | null = null;
      rig.beforeRequest = async (method) => {
        if (method !== 'POST' || edited) return;
        edited = await rig.repository.update(survey.record.id, { notes: 'edited while uploading' });
        if (withEnqueue) await rig.outbox.enqueue(survey.record.id);
      };
      const mark = rig.sent.length;
      const result = await rig.outbox.flush();
      expect(result).toMatchObject({ outcome: 'done', failed: 0, updated: 1, waiting: 0 });
      const sent = sentSince(mark);
      expect(sent.filter((r) => r.startsWith('POST'))).toEqual([
        'POST /api/v1/surveys 200',
        'POST /api/v1/surveys 200',
      ]);
      expect(sent.filter((r) => r === 'PUT /api/v1/surveys/:id/photo 201')).toHaveLength(1);

      const held = await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`);
      expect(held.body.survey.notes).toBe('edited while uploading');
      expect(held.body.revision).toBe(2);
      const local = await rig.repository.get(survey.record.id);
      expect(local?.revision).toBe(2);
      await expectSynced([{ record: local!, photo: survey.photo }]);
    });
  }
});

describe('conflicts', () => {
  it('same id, other content already on the server: failed (conflict), the server untouched, not retried', async () => {
    const survey = await makeSurvey(n++);
    const other = await makeSurvey(n++);
    const serverVersion = toWire({
      ...other.record,
      id: survey.record.id,
      notes: 'the office version',
    });
    await postDirect([serverVersion]);
    const before = await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`);

    await saveSurveys(rig.repository, [survey]);
    const mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', synced: 0, failed: 1, waiting: 0 });
    // Its record and then a look at what the server holds (it names other photo bytes: no PUT).
    expect(sentSince(mark)).toEqual(['POST /api/v1/surveys 200', 'GET /api/v1/surveys/:id 200']);

    const after = await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`);
    expect(after.body.contentSha256).toBe(before.body.contentSha256);
    expect(after.body.contentSha256).toBe(sha256(canonicalJson(serverVersion)));
    expect(after.body.survey.notes).toBe('the office version');

    const local = await rig.repository.get(survey.record.id);
    expect(local?.notes).toBe(survey.record.notes);
    expect(local?.sync.state).toBe('failed');
    expect(local?.sync.reason).toMatch(/^Conflict/);
    const status = await rig.outbox.status();
    expect(status.failures).toEqual([
      expect.objectContaining({ id: survey.record.id, code: 'conflict' }),
    ]);

    const again = rig.sent.length;
    expect((await rig.outbox.flush()).outcome).toBe('done');
    expect(sentSince(again)).toEqual([]);
    expect(await rig.repository.count()).toBe(1);
  });

  it('an edit after sync is a newer revision: the server answers updated and keeps it; the photo is not sent twice', async () => {
    const [survey] = await surveys(1);
    await rig.outbox.flush();
    const firstHeld = await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`);
    expect(firstHeld.body.revision).toBe(1);

    const edited = await rig.repository.update(survey.record.id, { notes: 'added later' });
    expect(edited.sync.state).toBe('local');
    expect(edited.revision).toBe(2);
    const mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', synced: 1, updated: 1, failed: 0 });
    // The record goes up; the photo is already there (200, nothing stored again).
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys 200',
      'PUT /api/v1/surveys/:id/photo 200',
    ]);
    const held = await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`);
    expect(held.body.survey.notes).toBe('added later');
    expect(held.body.revision).toBe(2);
    expect(held.body.receivedAt).toBe(firstHeld.body.receivedAt);
    expect(Date.parse(held.body.changedAt)).toBeGreaterThanOrEqual(
      Date.parse(firstHeld.body.changedAt),
    );

    // A second edit (a new analysis, say, then severity) goes up the same way.
    const again = await rig.repository.update(survey.record.id, { severity: 5 });
    expect((await rig.outbox.flush()).updated).toBe(1);
    await expectSynced([{ record: again, photo: survey.photo }]);
    expect(
      (await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`)).body.revision,
    ).toBe(3);
  });

  it('a newer revision on the server (another phone) is a conflict: shown, not overwritten, the server version readable', async () => {
    const [survey] = await surveys(1);
    await rig.outbox.flush();
    const office = toWire({ ...survey.record, revision: 4, notes: 'the office corrected it' });
    await postDirect([office]);

    await rig.repository.update(survey.record.id, { notes: 'my own edit' });
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', failed: 1, updated: 0 });
    const local = await rig.repository.get(survey.record.id);
    expect(local?.notes).toBe('my own edit');
    expect(local?.sync.state).toBe('failed');
    expect(local?.sync.reason).toMatch(/^Conflict: .*revision 4/);
    const failure = await rig.outbox.failureOf(survey.record.id);
    expect(failure?.code).toBe('conflict');
    expect(failure?.detail).toMatch(/revision 4 .* revision 2/);

    const server = await rig.outbox.connection.serverVersion(survey.record.id);
    expect(server?.revision).toBe(4);
    expect(server?.survey.notes).toBe('the office corrected it');
    expect(await rig.outbox.connection.serverVersion(crypto.randomUUID())).toBeNull();

    // More edits push the phone's revision past the server's (5 > 4): still a conflict, nothing
    // sent, so the server's version is never replaced unseen.
    for (const severity of [2, 3, 4] as const) {
      await rig.repository.update(survey.record.id, { severity });
      await rig.outbox.enqueue(survey.record.id);
    }
    expect((await rig.repository.get(survey.record.id))?.revision).toBe(5);
    const mark = rig.sent.length;
    expect((await rig.outbox.flush()).outcome).toBe('done');
    expect(sentSince(mark)).toEqual([]);
    expect((await rig.repository.get(survey.record.id))?.sync.state).toBe('failed');
    expect((await rig.outbox.status()).waiting).toBe(0);

    // The engineer chooses to replace it: revision above the server's, sent, updated.
    await rig.outbox.replaceServerVersion(survey.record.id);
    const replaced = await rig.repository.get(survey.record.id);
    expect(replaced?.revision).toBe(6);
    expect(replaced?.sync.state).toBe('queued');
    const result2 = await rig.outbox.flush();
    expect(result2).toMatchObject({ outcome: 'done', updated: 1, failed: 0 });
    const now = await rig.api<SurveyDetailResponse>(`/surveys/${survey.record.id}`);
    expect(now.body.revision).toBe(6);
    expect(now.body.survey.notes).toBe('my own edit');
    await expectSynced([
      { record: (await rig.repository.get(survey.record.id))!, photo: survey.photo },
    ]);
  });
});

describe('what is retried', () => {
  it('4xx other than 408 and 429 are not retried (422: photo not the one recorded; 415: not a JPEG)', async () => {
    const [mismatch, notJpeg] = await Promise.all([makeSurvey(n++), makeSurvey(n++)]);
    const wrongBytes = (await makeSurvey(n++)).photo;
    await rig.repository.save(mismatch.record, jpegBlob(wrongBytes));
    const text = Buffer.from('this is not a photo at all');
    notJpeg.record.photo = { ...notJpeg.record.photo, sha256: sha256(text), bytes: text.length };
    await rig.repository.save(notJpeg.record, jpegBlob(text));

    const mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', failed: 2, retries: 0, waiting: 0 });
    expect(sentSince(mark).sort()).toEqual([
      'POST /api/v1/surveys 200',
      'PUT /api/v1/surveys/:id/photo 415',
      'PUT /api/v1/surveys/:id/photo 422',
    ]);
    for (const s of [mismatch, notJpeg]) {
      const local = await rig.repository.get(s.record.id);
      expect(local?.sync.state).toBe('failed');
      expect((await rig.outbox.failureOf(s.record.id))?.code).toBe('photo-rejected');
    }
    expect((await rig.repository.get(notJpeg.record.id))?.sync.reason).toMatch(/not a JPEG/);

    const again = rig.sent.length;
    await rig.outbox.flush();
    expect(sentSince(again)).toEqual([]);
    expect(await rig.repository.count()).toBe(2);
  });

  it('401 (revoked token): sync stops at once and asks for a new token; a new token resumes it', async () => {
    const lost = await rig.server.createToken(`lost-phone-${n++}`);
    await rig.outbox.saveSettings({ serverUrl: rig.proxy.url, token: lost });
    await rig.server.revokeToken(`lost-phone-${n - 1}`);
    const list = await surveys(3);
    const mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result.outcome).toBe('unauthorized');
    expect(result.error?.message).toMatch(/token/);
    expect(sentSince(mark)).toEqual(['POST /api/v1/surveys 401']);
    for (const s of list) {
      const local = await rig.repository.get(s.record.id);
      expect(local?.sync.state).toBe('queued');
      expect(local?.sync.reason).toMatch(/token/);
    }
    expect((await rig.outbox.status()).lastError?.code).toBe('unauthorized');

    await rig.outbox.saveSettings({ serverUrl: rig.proxy.url, token: rig.token });
    expect((await rig.outbox.flush()).outcome).toBe('done');
    await expectSynced(list);
  });

  it('429 and 408 are retried, and Retry-After is honoured', async () => {
    const clock = fakeClock();
    let calls = 0;
    await rig.freshPhone({
      clock,
      random: () => 0.5,
      maxWaitInFlushMs: 60_000,
      fetch: async (input, init) => {
        calls++;
        if (calls === 1) {
          return new Response(JSON.stringify({ error: 'rate_limited', message: 'Slow down.' }), {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': '7' },
          });
        }
        if (calls === 2) return new Response('Request Timeout', { status: 408 });
        if (calls === 3) {
          return new Response('{"error":"storage_busy","message":"Busy."}', {
            status: 503,
            headers: {
              'content-type': 'application/json',
              'retry-after': new Date(clock.time + 3000).toUTCString(),
            },
          });
        }
        return fetch(input, init);
      },
    });
    const list = await surveys(2);
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', retries: 3, synced: 2 });
    // 7 s as asked; then the backoff step after two failures in a row (20 ms * 2, half fixed,
    // half random: 30 ms at random 0.5); then the HTTP date, 3 s ahead (to the second).
    expect(clock.sleeps[0]).toBe(7000);
    expect(clock.sleeps[1]).toBe(30);
    expect(clock.sleeps[2]).toBeGreaterThan(1900);
    expect(clock.sleeps[2]).toBeLessThanOrEqual(3000);
    await expectSynced(list);
  });

  it('backoff grows with every failure, with jitter, then the flush stops and says when to retry', async () => {
    const clock = fakeClock();
    const randoms = [0.9, 0.1, 0.6, 0.3, 0.8, 0.0, 0.5, 0.7];
    let r = 0;
    const policy = { baseMs: 1000, factor: 2, maxMs: 60_000 };
    await rig.freshPhone({
      clock,
      random: () => randoms[r++ % randoms.length],
      backoff: policy,
      maxRetriesPerFlush: 6,
      maxWaitInFlushMs: 120_000,
    });
    const list = await surveys(2);
    rig.proxy.setOffline(true);
    const result = await rig.outbox.flush();
    rig.proxy.setOffline(false);

    expect(result.outcome).toBe('retry-later');
    expect(result.error?.code).toBe('network');
    expect(clock.sleeps).toHaveLength(6);
    clock.sleeps.forEach((ms, i) => {
      const step = Math.min(policy.maxMs, policy.baseMs * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(step / 2);
      expect(ms).toBeLessThanOrEqual(step);
      expect(ms).toBe(step / 2 + (randoms[i] * step) / 2);
      if (i > 0) expect(ms).toBeGreaterThan(clock.sleeps[i - 1]);
    });
    // The 7th wait (its step capped at maxMs) is not slept inside the flush: it is when the
    // next attempt is due.
    const seventh = 30_000 + randoms[6] * 30_000;
    expect(Date.parse(result.nextRetryAt!)).toBe(clock.time + seventh);
    for (const s of list) {
      const local = await rig.repository.get(s.record.id);
      expect(local?.sync.state).toBe('queued');
      expect(local?.sync.reason).toMatch(/No connection/);
    }
    expect((await rig.outbox.flush()).outcome).toBe('done');
    await expectSynced(list);
  });

  it('backoffDelay: equal jitter between half the step and the step, capped', () => {
    const policy = { baseMs: 500, factor: 2, maxMs: 8000 };
    for (let failures = 1; failures <= 10; failures++) {
      const step = Math.min(8000, 500 * 2 ** (failures - 1));
      const samples = Array.from({ length: 200 }, () => backoffDelay(failures, policy));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(step / 2);
      expect(Math.max(...samples)).toBeLessThanOrEqual(step);
      expect(new Set(samples).size).toBeGreaterThan(150); // jittered, not one value
    }
  });
});

describe('one flush at a time', () => {
  it('concurrent flushes in one app and in a second tab upload each survey once', async () => {
    // A long timeout: a slow answer on this loaded machine must not look like a replay.
    await rig.freshPhone({ requestTimeoutMs: 60_000 });
    const list = await surveys(120);
    const secondTab = await rig.openOutbox({ requestTimeoutMs: 60_000 });
    const mark = rig.sent.length;
    const results = await Promise.all([
      rig.outbox.flush(),
      rig.outbox.flush(),
      secondTab.flush(),
      rig.outbox.flush(),
    ]);
    await secondTab.close();
    expect(results.every((x) => x.outcome === 'done')).toBe(true);
    const sent = rig.sent.slice(mark);
    expect(sent.filter((x) => x.method === 'POST').reduce((sum, x) => sum + x.records!, 0)).toBe(
      120,
    );
    expect(sent.filter((x) => x.method === 'PUT')).toHaveLength(120);
    expect(sent.every((x) => x.status === 200 || x.status === 201)).toBe(true);
    await expectSynced(list, []);
  });
});

describe('settings and triggers', () => {
  it('with no settings, nothing is sent and the surveys wait', async () => {
    const outbox = await createOutbox({
      ...TEST_OUTBOX_OPTIONS,
      repository: rig.repository,
      outboxDbName: `${rig.outboxDbName}-unset`,
    });
    try {
      await surveys(1);
      const result = await outbox.flush();
      expect(result.outcome).toBe('not-configured');
      expect(result.error?.message).toMatch(/Settings/);
      expect((await outbox.status()).configured).toBe(false);
      expect((await rig.repository.list())[0].sync.state).toBe('queued');
    } finally {
      await outbox.close();
    }
  });

  it('test connection tells a working setup from a bad token, a wrong address and no server', async () => {
    expect(await rig.outbox.connection.test()).toMatchObject({ ok: true });
    expect(
      await rig.outbox.connection.test({ serverUrl: rig.proxy.url, token: 'rcd_not-a-real-token' }),
    ).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(
      await rig.outbox.connection.test({
        serverUrl: `${rig.proxy.url}/elsewhere/`,
        token: rig.token,
      }),
    ).toMatchObject({ ok: false, code: 'protocol' });
    rig.proxy.setOffline(true);
    expect(await rig.outbox.connection.test()).toMatchObject({ ok: false, code: 'network' });
    rig.proxy.setOffline(false);
    expect(
      await rig.outbox.connection.test({ serverUrl: 'ftp://example.org', token: rig.token }),
    ).toMatchObject({ ok: false, code: 'bad-settings' });
    await expect(rig.outbox.saveSettings({ serverUrl: rig.proxy.url, token: ' ' })).rejects.toThrow(
      /token/,
    );
  });

  it('flushes at start, when back online, when the page becomes visible, and after enqueue', async () => {
    const win = new EventTarget() as EventTarget & TriggerTarget;
    const doc = new EventTarget() as EventTarget & NonNullable<TriggerTarget['document']>;
    doc.visibilityState = 'visible';
    win.document = doc;
    const ends: string[] = [];
    let onEnd: () => void = () => undefined;
    rig.outbox.subscribe((e) => {
      if (e.type === 'flush-end') {
        ends.push(e.result.outcome);
        onEnd();
      }
    });
    const nextEnd = () => new Promise<void>((resolve) => (onEnd = resolve));

    const list = await surveys(2);
    let ended = nextEnd();
    const detach = rig.outbox.triggers.attach(win);
    await ended; // app start
    await expectSynced(list);

    ended = nextEnd();
    win.dispatchEvent(new Event('online'));
    await ended;
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    ended = nextEnd();
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await ended;
    expect(ends).toEqual(['done', 'done', 'done']);

    const [more] = await surveys(1);
    ended = nextEnd();
    await rig.outbox.enqueue(more.record.id);
    await ended;
    await expectSynced([...list, more]);

    detach();
    win.dispatchEvent(new Event('online'));
    await new Promise((r) => setTimeout(r, 50));
    expect(ends).toHaveLength(4);
  });
});
