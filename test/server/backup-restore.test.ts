/**
 * docs/DEPLOY.md's backup and restore, done: a server on PostgreSQL (photos in the database)
 * takes surveys and photos; `pg_dump --format=custom` while it runs; `pg_restore --no-owner`
 * into a fresh database; a server on the restored database serves the same exports, byte for
 * byte, and the same photos.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, makeJpeg, makeRecord, sha256 } from './fixtures';

let cluster: PostgresCluster;
const servers: ServerProcess[] = [];
let dumpDir: string;

beforeAll(async () => {
  cluster = await PostgresCluster.start();
  dumpDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-backup-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  await cluster?.dispose();
  if (dumpDir) rmSync(dumpDir, { recursive: true, force: true });
});

describe('backup and restore of a PostgreSQL deployment', () => {
  it('restores a pg_dump into a fresh database that serves the same exports and photos', async () => {
    const original = await ServerProcess.start({
      env: {
        DATABASE_URL: await cluster.createDatabase('roadcam'),
        ROADCAM_PUBLIC_URL: 'https://roadcam.example.org',
      },
    });
    servers.push(original);
    const token = await original.createToken('phone-1');
    const api = apiClient(original.url, token);
    const photos = await Promise.all([0, 1, 2, 3, 4].map((i) => makeJpeg(700 + i)));
    const records = photos.map((photo, i) => makeRecord(700 + i, photo));
    expect((await api.postSurveys(records)).status).toBe(200);
    for (const [i, record] of records.entries()) {
      if (i !== 4) expect((await api.putPhoto(record.id, photos[i])).status).toBe(201);
    }
    await api.postSurveys([{ ...records[0], revision: 2, notes: 'edited before the backup' }]);
    const exports = async (server: ServerProcess) => {
      const client = apiClient(server.url, token);
      const [csv, geojson] = await Promise.all([
        client.get<Buffer>('/export.csv'),
        client.get<unknown>('/export.geojson'),
      ]);
      expect([csv.status, geojson.status]).toEqual([200, 200]);
      return { csv: csv.body.toString('utf8'), geojson: geojson.body };
    };
    const before = await exports(original);

    const dump = path.join(dumpDir, 'roadcam.dump');
    await cluster.clientTool('pg_dump', [
      ...cluster.clientArgs('roadcam'),
      '--format=custom',
      '--file',
      dump,
    ]);
    await cluster.createDatabase('roadcam_restored');
    await cluster.clientTool('pg_restore', [
      ...cluster.clientArgs('roadcam_restored'),
      '--no-owner',
      '--exit-on-error',
      dump,
    ]);

    const restored = await ServerProcess.start({
      env: {
        DATABASE_URL: cluster.url('roadcam_restored'),
        ROADCAM_PUBLIC_URL: 'https://roadcam.example.org',
      },
    });
    servers.push(restored);
    const after = await exports(restored);
    expect(after.csv).toBe(before.csv);
    expect(after.geojson).toEqual(before.geojson);
    expect(after.csv).toContain('edited before the backup');

    const restoredApi = apiClient(restored.url, token); // tokens come back too
    for (const [i, record] of records.entries()) {
      const download = await restoredApi.get<Buffer>(`/surveys/${record.id}/photo`);
      if (i === 4) expect(download.status).toBe(404);
      else expect(sha256(download.body)).toBe(sha256(photos[i]));
    }
    // The restored database goes on taking uploads where the original stopped.
    const next = makeRecord(799, photos[0]);
    const answer = await restoredApi.postSurveys<{ results: { status: string }[] }>([
      next,
      records[1],
    ]);
    expect(answer.body.results.map((r) => r.status)).toEqual(['created', 'unchanged']);
  });
});
