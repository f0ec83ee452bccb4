/**
 * A server restored from a backup has lost what was uploaded since; the phones still show it
 * synced. The outbox asks the server (POST /surveys/check, /runs/check) about its synced
 * surveys and drive runs and sends again what the server lacks. Against the real server process on SQLite (backed up as the
 * docs say: SQLite's online backup plus the photos folder) and on PostgreSQL (pg_dump,
 * pg_restore), through the fault proxy. Plus the pure rules of server-check.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyDetailResponse } from '../../src/schema/survey';
import { realClock, type Clock } from '../../src/sync/backoff';
import {
  planResends,
  planRunResends,
  serverCheckDue,
  DEFAULT_SERVER_CHECK_INTERVAL_MS,
} from '../../src/sync/server-check';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import type { ServerProcessOptions } from '../../tools/lib/server-process';
import type { FetchLike } from '../../src/sync/sync-api';
import { backUpSqliteServer, restoreSqliteServer } from '../helpers/sqlite-backup';
import { recordingFetch, saveEndedRun, saveNewSurveys, SyncRig, type Survey } from './fixtures';

const HOUR = 3600_000;

/** How a deployment is backed up and restored, as docs/SYNC.md and docs/DEPLOY.md say. */
interface BackupWay {
  server(): Promise<ServerProcessOptions>;
  backup(rig: SyncRig): Promise<void>;
  /** Stops the server, puts the backup in place of its data, starts it again. */
  restore(rig: SyncRig): Promise<void>;
  dispose(): Promise<void>;
}

function sqliteBackups(): BackupWay {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-backup-'));
  return {
    server: async () => ({}),
    backup: (rig) => backUpSqliteServer(rig.server, dir),
    restore: (rig) => restoreSqliteServer(rig.server, dir),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackups(): BackupWay {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-backup-'));
  const dump = path.join(dir, 'roadcam.dump');
  let cluster: PostgresCluster | null = null;
  return {
    server: async () => {
      cluster = await PostgresCluster.start();
      return { env: { DATABASE_URL: await cluster.createDatabase('roadcam') } };
    },
    backup: async () => {
      await cluster!.clientTool('pg_dump', [
        ...cluster!.clientArgs('roadcam'),
        '--format=custom',
        '--file',
        dump,
      ]);
    },
    restore: async (rig) => {
      await rig.server.kill('SIGTERM');
      await cluster!.dropDatabase('roadcam');
      await cluster!.createDatabase('roadcam');
      await cluster!.clientTool('pg_restore', [
        ...cluster!.clientArgs('roadcam'),
        '--no-owner',
        '--exit-on-error',
        dump,
      ]);
      await rig.server.restart();
    },
    dispose: async () => {
      await cluster?.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the rules', () => {
  it('checks when never done, after the interval, and when the clock went back', () => {
    const interval = DEFAULT_SERVER_CHECK_INTERVAL_MS;
    expect(serverCheckDue(undefined, 1000, interval)).toBe(true);
    expect(serverCheckDue(1000, 1000 + interval - 1, interval)).toBe(false);
    expect(serverCheckDue(1000, 1000 + interval, interval)).toBe(true);
    expect(serverCheckDue(1000, 999, interval)).toBe(true);
  });

  it('sends the record of a survey not held at the phone’s revision, only the photo when just that is missing', () => {
    const plan = planResends([
      { id: 'held', held: true, serverRevision: 2, photoPresent: true },
      { id: 'absent', held: false, serverRevision: null, photoPresent: false },
      { id: 'older', held: false, serverRevision: 1, photoPresent: true },
      { id: 'no-photo', held: true, serverRevision: 3, photoPresent: false },
    ]);
    expect(plan).toEqual({ records: ['absent', 'older'], photos: ['no-photo'] });
  });

  it('sends again a run not held at the phone’s revision', () => {
    const runs = planRunResends([
      { id: 'held', held: true, serverRevision: 2 },
      { id: 'absent', held: false, serverRevision: null },
      { id: 'older', held: false, serverRevision: 1 },
    ]);
    expect(runs).toEqual(['absent', 'older']);
  });
});

describe.each([
  ['SQLite', sqliteBackups],
  ['PostgreSQL', postgresBackups],
])('after a restore from a backup (%s)', (_name, backupWay) => {
  const way = backupWay();
  let rig: SyncRig;
  let n = 20_000;
  /** The phone's clock runs ahead by this much: "the next day" without waiting for it. */
  let ahead = 0;
  const clock: Clock = { now: () => Date.now() + ahead, sleep: realClock.sleep };

  beforeAll(async () => {
    rig = await SyncRig.start({ checkServerHolds: true, clock }, await way.server());
  });
  afterAll(async () => {
    await rig?.dispose();
    await way.dispose();
  });

  async function surveys(count: number): Promise<Survey[]> {
    n += count;
    return saveNewSurveys(rig.repository, n - count, count);
  }

  const sentSince = (mark: number) => rig.sentSince(mark);

  async function phoneStates(list: readonly Survey[]) {
    return Promise.all(list.map(async (s) => (await rig.repository.get(s.record.id))?.sync.state));
  }

  it('the phone sends again what the server lost, each survey and photo once, at the phone’s revision', async () => {
    const inBackup = await surveys(6);
    // Its record is in the backup, its photo is not: the backup is taken while it goes up.
    const [photoAfterBackup] = await surveys(1);
    rig.beforeRequest = async (method, requestPath) => {
      if (method === 'PUT' && requestPath.includes(photoAfterBackup.record.id)) {
        rig.beforeRequest = null;
        await way.backup(rig);
      }
    };
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', synced: 7, resent: 0 });
    expect(rig.beforeRequest).toBeNull(); // the backup was taken

    const afterBackup = await surveys(4);
    const edited = await rig.repository.update(inBackup[1].record.id, { notes: 'edited later' });
    expect(edited.revision).toBe(2);
    let mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', synced: 5, updated: 1 });
    // Checked at the first sync of the day: not again within the interval.
    expect(sentSince(mark).filter((r) => r.includes('check'))).toEqual([]);
    const all = [
      inBackup[0],
      { record: edited, photo: inBackup[1].photo },
      ...inBackup.slice(2),
      photoAfterBackup,
      ...afterBackup,
    ];
    await rig.expectAllSynced(all);

    await way.restore(rig);
    const lost = await rig.serverSurveys();
    expect(lost).toHaveLength(7);
    expect(lost.find((s) => s.id === edited.id)?.revision).toBe(1);
    expect(lost.find((s) => s.id === photoAfterBackup.record.id)?.photo.present).toBe(false);
    // Within the interval the phone does not ask: nothing sent, nothing changed.
    mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0 });
    expect(sentSince(mark)).toEqual([]);

    ahead += 7 * HOUR; // the next morning
    mark = rig.sent.length;
    const result = await rig.outbox.flush();
    expect(result).toMatchObject({ outcome: 'done', resent: 6, synced: 6, failed: 0 });
    const sent = rig.sent.slice(mark);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/api/v1/surveys/check', status: 200 });
    // The four new surveys and the edit go up as records; the other only as a photo.
    const posted = sent.filter((r) => r.path === '/api/v1/surveys');
    expect(posted.reduce((sum, r) => sum + (r.records ?? 0), 0)).toBe(5);
    expect(sent.filter((r) => r.method === 'PUT' && r.status === 201)).toHaveLength(5);
    await rig.expectAllSynced(all);
    const held = await rig.api<SurveyDetailResponse>(`/surveys/${edited.id}`);
    expect(held.body.revision).toBe(2);
    expect(held.body.survey.notes).toBe('edited later');

    // Everything is there now: the next check (next day) sends nothing else.
    ahead += 7 * HOUR;
    mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0, synced: 0 });
    expect(sentSince(mark)).toEqual(['POST /api/v1/surveys/check 200']);
  });

  it('the phone sends again the drive runs the server lost, each once, at the phone’s revision', async () => {
    const runStates = async () =>
      Object.fromEntries((await rig.runs.list()).map((r) => [r.id, r.sync.state]));
    // Flush, then the runs (as the app does after each flush); within the interval: no check.
    const sync = async () => {
      expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0 });
      return rig.syncRuns();
    };
    n += 10;
    const inBackup = await saveEndedRun(rig.runs, n);
    const editedLater = await saveEndedRun(rig.runs, n + 1);
    expect(await sync()).toEqual({ synced: 2, failed: 0 });
    await way.backup(rig);

    const afterBackup = await saveEndedRun(rig.runs, n + 2);
    // A higher revision of a run uploaded before the backup: the restore takes the server back
    // to revision 1.
    await rig.runs.update(editedLater.id, (r) => ({
      ...r,
      revision: 2,
      distanceM: 812,
      sync: { ...r.sync, state: 'local' },
    }));
    expect(await sync()).toEqual({ synced: 2, failed: 0 });
    const onServer = new Map((await rig.serverRuns()).map((r) => [r.id, r]));
    expect(onServer.get(afterBackup.id)?.revision).toBe(1);
    expect(onServer.get(editedLater.id)?.revision).toBe(2);
    const heldBefore = await rig.serverRuns();

    await way.restore(rig);
    const lost = new Map((await rig.serverRuns()).map((r) => [r.id, r]));
    expect(lost.has(afterBackup.id)).toBe(false);
    expect(lost.get(editedLater.id)?.revision).toBe(1);
    expect(lost.has(inBackup.id)).toBe(true);

    ahead += 7 * HOUR; // the next morning
    let mark = rig.sent.length;
    // The run's survey, lost too, goes up with the surveys; the two runs are marked for the
    // run upload that follows the flush.
    expect(await rig.outbox.flush()).toMatchObject({
      outcome: 'done',
      resent: 1,
      resentRuns: 2,
      synced: 1,
    });
    expect(await runStates()).toMatchObject({
      [inBackup.id]: 'synced',
      [editedLater.id]: 'queued',
      [afterBackup.id]: 'queued',
    });
    expect(await rig.syncRuns()).toEqual({ synced: 2, failed: 0 });
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys/check 200',
      'POST /api/v1/runs/check 200',
      'POST /api/v1/surveys 200',
      'PUT /api/v1/surveys/:id/photo 201',
      'POST /api/v1/runs 200',
    ]);
    // Each run once, as the phone holds it; the surveys of the runs are there too.
    const held = await rig.serverRuns();
    expect(held.map((r) => r.id).sort()).toEqual(heldBefore.map((r) => r.id).sort());
    expect(held.map((r) => [r.id, r.revision, r.contentSha256]).sort()).toEqual(
      heldBefore.map((r) => [r.id, r.revision, r.contentSha256]).sort(),
    );
    const surveyIds = new Set((await rig.serverSurveys()).map((s) => s.id));
    for (const run of [inBackup, editedLater, afterBackup]) {
      expect(surveyIds.has(run.surveyIds[0]), `survey of run ${run.id}`).toBe(true);
    }

    // Everything is there now: the next check (next day) sends nothing else.
    ahead += 7 * HOUR;
    mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0, resentRuns: 0 });
    expect(await rig.syncRuns()).toEqual({ synced: 0, failed: 0 });
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys/check 200',
      'POST /api/v1/runs/check 200',
    ]);
  });

  it('a check that fails changes nothing on the phone; the next sync asks again', async () => {
    const before = await rig.serverSurveys();
    const runsBefore = await rig.serverRuns();
    await way.backup(rig);
    const lostLater = await surveys(3);
    n += 1;
    const runLost = await saveEndedRun(rig.runs, n);
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', synced: 4 });
    expect(await rig.syncRuns()).toEqual({ synced: 1, failed: 0 });
    await way.restore(rig);
    ahead += 7 * HOUR;

    const unchanged = async () => {
      expect(await phoneStates(lostLater)).toEqual(['synced', 'synced', 'synced']);
      expect((await rig.repository.get(runLost.surveyIds[0]))?.sync.state).toBe('synced');
      expect((await rig.runs.get(runLost.id))?.sync.state).toBe('synced');
      expect(await rig.outbox.status()).toMatchObject({ waiting: 0, failures: [] });
      expect((await rig.serverSurveys()).length).toBe(before.length);
      expect((await rig.serverRuns()).length).toBe(runsBefore.length);
    };
    rig.proxy.setOffline(true);
    let mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0, waiting: 0 });
    expect(sentSince(mark)).toEqual(['POST /api/v1/surveys/check error']);
    await unchanged();

    rig.proxy.setOffline(false);
    rig.proxy.failEveryNth(1, { match: { path: /surveys\/check/ } });
    mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0 });
    expect(sentSince(mark)).toEqual(['POST /api/v1/surveys/check 500']);
    await unchanged();

    // The surveys' answer is in, the runs' fails: nothing of either is queued.
    rig.proxy.clearFaults();
    rig.proxy.failEveryNth(1, { match: { path: /runs\/check/ } });
    mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0, resentRuns: 0 });
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys/check 200',
      'POST /api/v1/runs/check 500',
    ]);
    await unchanged();

    rig.proxy.clearFaults();
    expect(await rig.outbox.flush()).toMatchObject({
      outcome: 'done',
      resent: 4,
      resentRuns: 1,
      synced: 4,
    });
    expect(await rig.syncRuns()).toEqual({ synced: 1, failed: 0 });
    const held = await rig.serverSurveys();
    expect(held.length).toBe(before.length + 4);
    expect(new Set(held.map((s) => s.id)).size).toBe(held.length);
    expect(held.filter((s) => !s.photo.present)).toEqual([]);
    const heldRuns = (await rig.serverRuns()).map((r) => r.id);
    expect(heldRuns.sort()).toEqual([...runsBefore.map((r) => r.id), runLost.id].sort());
  });

  it('new settings (another server or token) make the next sync check at once', async () => {
    await rig.outbox.flush(); // within the interval: no check
    await rig.outbox.saveSettings({ serverUrl: rig.proxy.url, token: rig.token });
    const mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0, resentRuns: 0 });
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys/check 200',
      'POST /api/v1/runs/check 200',
    ]);
  });

  it('a server without the runs check (older, 404) is asked about the surveys, and again only after the interval', async () => {
    // What such a server answers for a route it lacks (server/app.ts's not-found handler).
    const olderServer: FetchLike = async (input, init) =>
      new URL(input).pathname === '/api/v1/runs/check'
        ? Response.json(
            { error: 'not_found', message: 'Nothing at POST /api/v1/runs/check.' },
            { status: 404 },
          )
        : fetch(input, init);
    await rig.outbox.close();
    rig.outbox = await rig.openOutbox({
      checkServerHolds: true,
      clock,
      fetch: recordingFetch(rig.sent, undefined, olderServer),
    });
    const syncedRuns = (await rig.runs.list()).filter((r) => r.sync.state === 'synced');
    expect(syncedRuns.length).toBeGreaterThan(0);

    ahead += 7 * HOUR;
    let mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0, resentRuns: 0 });
    expect(sentSince(mark)).toEqual([
      'POST /api/v1/surveys/check 200',
      'POST /api/v1/runs/check 404',
    ]);
    expect((await rig.runs.list()).filter((r) => r.sync.state === 'synced')).toHaveLength(
      syncedRuns.length,
    );
    mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done' });
    expect(sentSince(mark)).toEqual([]);
  });
});
