/**
 * Model releases through the real server process: `model publish DIR` checks the folder
 * (manifest, evaluation figures, every weight byte) and makes the model current; the phones
 * read GET /api/v1/models/current and fetch each file with the SHA-256 it lists; a release
 * never changes; an earlier one can be made current again. On SQLite (files in the data
 * directory) and on PostgreSQL (files in the database).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelReleaseResponse } from '../../src/schema/model-release';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, modelFolder } from './fixtures';

let folders: string;
let cluster: PostgresCluster;

beforeAll(async () => {
  folders = mkdtempSync(path.join(os.tmpdir(), 'roadcam-models-'));
  cluster = await PostgresCluster.start();
});

afterAll(async () => {
  await cluster?.dispose();
  rmSync(folders, { recursive: true, force: true });
});

describe.each(['SQLite', 'PostgreSQL'])('model releases on %s', (backend) => {
  let server: ServerProcess;
  let phone: ReturnType<typeof apiClient>;
  let phoneToken: string;

  beforeAll(async () => {
    const env =
      backend === 'PostgreSQL'
        ? { DATABASE_URL: await cluster.createDatabase(), ROADCAM_PHOTO_STORE: 'postgres' }
        : undefined;
    server = await ServerProcess.start(env ? { env } : {});
    phoneToken = await server.createToken('phone-1');
    phone = apiClient(server.url, phoneToken);
  });

  afterAll(async () => {
    await server?.dispose();
  });

  it('answers 204 before any publish, and refuses a folder without evaluation figures or with a short shard', async () => {
    const none = await phone.get<unknown>('/models/current');
    expect(none.status).toBe(204);

    const noMetrics = await server.cli([
      'model',
      'publish',
      modelFolder(folders, 'no-metrics', { metrics: false }),
    ]);
    expect(noMetrics.code).toBe(1);
    expect(noMetrics.stderr).toMatch(/no evaluation figures/);
    const short = await server.cli([
      'model',
      'publish',
      modelFolder(folders, 'short', { shardBytes: 20 }),
    ]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/hold 20 bytes where the model needs 24/);
    expect((await phone.get('/models/current')).status).toBe(204);
  });

  it('publishes a model the phones can fetch file by file with the listed SHA-256', async () => {
    const dir = modelFolder(folders, 'v110');
    const published = await server.cli(['model', 'publish', dir, '--notes', 'Sees cracks too']);
    expect(published.code).toBe(0);
    expect(published.stdout.trim()).toBe('1.1.0');

    const current = await phone.get<ModelReleaseResponse>('/models/current');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({
      version: '1.1.0',
      modelId: 'roadcam-test-model',
      notes: 'Sees cracks too',
    });
    expect(current.body.files.map((f) => f.path).sort()).toEqual([
      'group1-shard1of1.bin',
      'manifest.json',
      'model.json',
    ]);
    for (const file of current.body.files) {
      const response = await fetch(server.url + file.url, {
        headers: { authorization: `Bearer ${phoneToken}` },
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(response.status).toBe(200);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      expect(bytes.length).toBe(file.bytes);
    }
    expect((await phone.get('/models/1.1.0/../manifest.json')).status).toBe(404);
    expect((await phone.get('/models/1.1.0/other.bin')).status).toBe(404);
  });

  it('never changes a release, and makes an earlier one current again', async () => {
    const changed = await server.cli([
      'model',
      'publish',
      modelFolder(folders, 'v110b', { seed: 7 }),
    ]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/already published with other files/);
    expect(
      (
        await server.cli([
          'model',
          'publish',
          modelFolder(folders, 'v120', { version: '1.2.0', seed: 3 }),
        ])
      ).code,
    ).toBe(0);
    expect((await phone.get<ModelReleaseResponse>('/models/current')).body.version).toBe('1.2.0');
    expect((await server.cli(['model', 'current', '1.1.0'])).code).toBe(0);
    expect((await phone.get<ModelReleaseResponse>('/models/current')).body.version).toBe('1.1.0');
    const list = await server.cli(['model', 'list']);
    expect(list.stdout).toMatch(/^\*\t1\.1\.0\t/m);
    expect(list.stdout).toMatch(/^ \t1\.2\.0\t/m);
  });
});
