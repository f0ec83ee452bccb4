/**
 * A server restored from a backup has lost what was uploaded since; the phones still show it
 * synced. The outbox asks the server (POST /surveys/check) about its synced surveys and sends
 * again what the server lacks. Against the real server process on SQLite (backed up as the
 * docs say: SQLite's online backup plus the photos folder) and on PostgreSQL (pg_dump,
 * pg_restore), through the fault proxy. Plus the pure rules of server-check.ts.
 */
import Database from 'better-sqlite3';
import { cpSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../../server/store/storage';
import type { SurveyDetailResponse } from '../../src/schema/survey';
import { realClock, type Clock } from '../../src/sync/backoff';
import {
  planResends,
  serverCheckDue,
  DEFAULT_SERVER_CHECK_INTERVAL_MS,
} from '../../src/sync/server-check';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import type { ServerProcessOptions } from '../../tools/lib/server-process';
import { saveNewSurveys, SyncRig, type Survey } from './fixtures';

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
    backup: async (rig) => {
      // What `sqlite3 roadcam.sqlite ".backup backup.sqlite"` does, while the server runs.
      const db = new Database(path.join(rig.server.dataDir, DATABASE_FILE_NAME));
      await db.backup(path.join(dir, DATABASE_FILE_NAME));
      db.close();
      rmSync(path.join(dir, 'photos'), { recursive: true, force: true });
      cpSync(path.join(rig.server.dataDir, 'photos'), path.join(dir, 'photos'), {
        recursive: true,
      });
    },
    restore: async (rig) => {
      await rig.server.kill('SIGTERM');
      const data = rig.server.dataDir;
      for (const suffix of ['', '-wal', '-shm']) {
        rmSync(path.join(data, DATABASE_FILE_NAME + suffix), { force: true });
      }
      copyFileSync(path.join(dir, DATABASE_FILE_NAME), path.join(data, DATABASE_FILE_NAME));
      rmSync(path.join(data, 'photos'), { recursive: true, force: true });
      cpSync(path.join(dir, 'photos'), path.join(data, 'photos'), { recursive: true });
      await rig.server.restart();
    },
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

  it('a check that fails changes nothing on the phone; the next sync asks again', async () => {
    const before = await rig.serverSurveys();
    await way.backup(rig);
    const lostLater = await surveys(3);
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', synced: 3 });
    await way.restore(rig);
    ahead += 7 * HOUR;

    const unchanged = async () => {
      expect(await phoneStates(lostLater)).toEqual(['synced', 'synced', 'synced']);
      expect(await rig.outbox.status()).toMatchObject({ waiting: 0, failures: [] });
      expect((await rig.serverSurveys()).length).toBe(before.length);
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

    rig.proxy.clearFaults();
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 3, synced: 3 });
    const held = await rig.serverSurveys();
    expect(held.length).toBe(before.length + 3);
    expect(new Set(held.map((s) => s.id)).size).toBe(held.length);
    expect(held.filter((s) => !s.photo.present)).toEqual([]);
  });

  it('new settings (another server or token) make the next sync check at once', async () => {
    await rig.outbox.flush(); // within the interval: no check
    await rig.outbox.saveSettings({ serverUrl: rig.proxy.url, token: rig.token });
    const mark = rig.sent.length;
    expect(await rig.outbox.flush()).toMatchObject({ outcome: 'done', resent: 0 });
    expect(sentSince(mark)).toEqual(['POST /api/v1/surveys/check 200']);
  });
});
