/**
 * The outbox against the real sync server process (127.0.0.1, temp data directory, real
 * SQLite) through the fault proxy, over one run of 1,000 surveys on fake-indexeddb. Each step
 * saves its share of the 1,000, breaks something while they upload, and then checks what a
 * user would: every survey on the server exactly once, with the phone's content and the right
 * photo bytes (SHA-256 of the photo downloaded through the API), every survey still on the
 * phone, all `synced`. The checks cover everything uploaded so far, not only the new share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SurveyRepository } from '../../src/store';
import type { Outbox } from '../../src/sync';
import { makeSurvey, saveSurveys, SyncRig, type Survey } from './fixtures';

let rig: SyncRig;
const all: Survey[] = [];
let made = 0;

/** The next `count` surveys of the run, saved on the phone (state 'local'). */
async function saveNext(count: number): Promise<Survey[]> {
  const surveys = await Promise.all(Array.from({ length: count }, () => makeSurvey(made++)));
  await saveSurveys(rig.repository, surveys);
  all.push(...surveys);
  return surveys;
}

function sentSince(mark: number) {
  return rig.sent.slice(mark);
}

beforeAll(async () => {
  rig = await SyncRig.start();
});

afterAll(async () => {
  await rig?.dispose();
});

describe('1,000 surveys through faults', () => {
  it('500s on every third request: retried until everything is up', async () => {
    const surveys = await saveNext(150);
    const mark = rig.sent.length;
    rig.proxy.failEveryNth(3);
    const result = await rig.outbox.flush();
    rig.proxy.clearFaults();

    expect(result.outcome, result.error?.detail).toBe('done');
    expect(rig.proxy.stats.failed).toBeGreaterThanOrEqual(50);
    expect(sentSince(mark).filter((r) => r.status === 500).length).toBe(rig.proxy.stats.failed);
    expect(result.retries).toBeGreaterThanOrEqual(rig.proxy.stats.failed);
    // Batches of at most 100 records.
    const batches = sentSince(mark).filter((r) => r.records !== undefined);
    expect(Math.max(...batches.map((r) => r.records!))).toBeLessThanOrEqual(100);
    await rig.expectAllSynced(all, surveys);
  });

  it('the same batch replayed: lost answers, then the whole batch sent again', async () => {
    const surveys = await saveNext(150);
    // Every other request is handled by the server but its answer replaced by a 500: the
    // outbox cannot know the upload was stored and sends it again.
    let mark = rig.sent.length;
    rig.proxy.failEveryNth(2, { afterUpstream: true });
    const lost = await rig.outbox.flush();
    rig.proxy.clearFaults();
    expect(lost.outcome, lost.error?.detail).toBe('done');
    // Every batch whose answer was lost came back 'unchanged' when sent again; so did the
    // photos (200).
    const lostAnswers = sentSince(mark).filter((r) => r.status === 500);
    const lostRecords = lostAnswers
      .filter((r) => r.method === 'POST')
      .reduce((sum, r) => sum + r.records!, 0);
    expect(lost.replayed).toBeGreaterThanOrEqual(lostRecords);
    expect(lostAnswers.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(50);
    expect(
      sentSince(mark).filter((r) => r.method === 'PUT' && r.status === 200).length,
    ).toBeGreaterThanOrEqual(lostAnswers.filter((r) => r.method === 'PUT').length);
    await rig.expectAllSynced(all, surveys);

    // The same 150 queued again (as after a reinstall that lost the sync state): the identical
    // batch goes up, the server answers 'unchanged', nothing is stored twice.
    mark = rig.sent.length;
    await rig.outbox.enqueue(surveys.map((s) => s.record.id));
    const replay = await rig.outbox.flush();
    expect(replay.outcome).toBe('done');
    expect(replay.replayed).toBe(150);
    expect(replay.synced).toBe(150);
    expect(
      sentSince(mark)
        .filter((r) => r.method === 'POST')
        .map((r) => r.records),
    ).toEqual([100, 50]);
    await rig.expectAllSynced(all, []);
  });

  it('the server killed (SIGKILL) mid-batch and restarted: nothing lost, nothing twice', async () => {
    const surveys = await saveNext(150);
    let posts = 0;
    let restarted: Promise<void> | null = null;
    rig.beforeRequest = (method) => {
      if (method !== 'POST' || ++posts !== 2) return;
      // The second batch is on its way: kill the server while it reads, validates or commits
      // it, then bring it back on the same data directory.
      restarted = (async () => {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
        await rig.server.kill('SIGKILL');
        await rig.server.restart();
      })();
    };
    const result = await rig.outbox.flush();
    rig.beforeRequest = null;
    await restarted;

    expect(restarted).not.toBeNull();
    expect(rig.server.output()).toMatch(/signal SIGKILL/);
    expect(result.outcome, result.error?.detail).toBe('done');
    expect(result.retries).toBeGreaterThan(0); // connection refused while it restarted
    await rig.expectAllSynced(all, surveys);
  });

  it('a 30-second stall ends in a timeout and a retry, not a hang', async () => {
    const surveys = await saveNext(100);
    const mark = rig.sent.length;
    // The proxy holds the batch for 30 s (as a dead mobile link would); the client's timeout
    // in these tests is 3 s, so the flush must end long before the stall does.
    rig.proxy.stall({ ms: 30_000, count: 1, match: { method: 'POST' } });
    const started = performance.now();
    const result = await rig.outbox.flush();
    const seconds = (performance.now() - started) / 1000;

    expect(result.outcome, result.error?.detail).toBe('done');
    expect(rig.proxy.stats.stalled).toBe(1);
    expect(sentSince(mark)[0]).toMatchObject({ method: 'POST', status: 'error' });
    expect(seconds).toBeGreaterThanOrEqual(3);
    expect(seconds).toBeLessThan(30);
    await rig.expectAllSynced(all, surveys);
  });

  it('connections reset in the middle of photos: the photos go up again, whole', async () => {
    const surveys = await saveNext(100);
    const resetsBefore = rig.proxy.stats.resets;
    rig.proxy.resetMidBody({
      afterBytes: 4000,
      count: 3,
      match: { method: 'PUT', path: /\/photo$/ },
    });
    const result = await rig.outbox.flush();
    rig.proxy.clearFaults();

    expect(result.outcome, result.error?.detail).toBe('done');
    expect(rig.proxy.stats.resets - resetsBefore).toBe(3);
    expect(rig.proxy.stats.bytesBeforeReset.slice(-3)).toEqual([4000, 4000, 4000]);
    await rig.expectAllSynced(all, surveys);
  });

  it('the network toggled off and on repeatedly during the upload', async () => {
    const surveys = await saveNext(150);
    const droppedBefore = rig.proxy.stats.dropped;
    let toggles = 0;
    let flushing = true;
    const toggler = (async () => {
      while (flushing && toggles < 16) {
        await new Promise((r) => setTimeout(r, 250));
        rig.proxy.setOffline(true);
        toggles++;
        await new Promise((r) => setTimeout(r, 150));
        rig.proxy.setOffline(false);
      }
    })();
    const result = await rig.outbox.flush();
    flushing = false;
    await toggler;
    rig.proxy.setOffline(false);

    expect(result.outcome, result.error?.detail).toBe('done');
    expect(toggles).toBeGreaterThanOrEqual(2);
    expect(rig.proxy.stats.dropped - droppedBefore).toBeGreaterThan(0);
    await rig.expectAllSynced(all, surveys);
  });

  it("the server's data directory made read-only: 503s retried until it is writable", async () => {
    const surveys = await saveNext(100);
    const mark = rig.sent.length;
    await rig.server.makeDataDirReadOnly();
    let madeWritable = false;
    rig.beforeRequest = async () => {
      const refused = sentSince(mark).filter((r) => r.status === 503).length;
      if (refused >= 4 && !madeWritable) {
        madeWritable = true;
        await rig.server.makeDataDirWritable();
      }
    };
    try {
      const result = await rig.outbox.flush();
      expect(result.outcome, result.error?.detail).toBe('done');
    } finally {
      rig.beforeRequest = null;
      await rig.server.makeDataDirWritable();
    }
    expect(madeWritable).toBe(true);
    expect(sentSince(mark).filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(4);
    await rig.expectAllSynced(all, surveys);
  });

  it('the page closed mid-upload: the next start takes up what was uploading', async () => {
    const surveys = await saveNext(100);
    // A first app instance whose batch reaches the server but whose answer never comes back
    // before the page is closed.
    let hung: () => void = () => undefined;
    const hangStarted = new Promise<void>((resolve) => (hung = resolve));
    const crashing: Outbox = await rig.openOutbox({
      requestTimeoutMs: 60_000,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (init.method === 'POST') {
          await response.arrayBuffer();
          hung();
          await new Promise((_, reject) =>
            init.signal!.addEventListener('abort', () =>
              reject(new DOMException('The page was closed', 'AbortError')),
            ),
          );
        }
        return response;
      },
    });
    await rig.outbox.close();
    const flushing = crashing.flush();
    await hangStarted;
    await crashing.close(); // the page is gone: nothing more is written
    expect((await flushing).outcome).toBe('closed');

    const onPhone = await rig.repository.list();
    expect(onPhone.length).toBe(all.length);
    expect(onPhone.filter((r) => r.sync.state === 'uploading').length).toBe(100);
    const held = await rig.serverSurveys();
    expect(held.length).toBe(all.length); // the batch is on the server, its photos are not
    expect(held.filter((s) => !s.photo.present).length).toBe(100);

    // Next start: a fresh connection to the phone's databases and a new outbox.
    rig.repository.close();
    rig.repository = await SurveyRepository.open({ name: rig.dbName });
    rig.outbox = await rig.openOutbox();
    const result = await rig.outbox.flush();
    expect(result.outcome, result.error?.detail).toBe('done');
    expect(result.replayed).toBe(100);
    expect(result.synced).toBe(100);
    await rig.expectAllSynced(all, surveys);
    expect(all.length).toBe(1000); // the whole run, each survey checked after every step
  });
});
