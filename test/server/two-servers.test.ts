/**
 * Two server processes on one PostgreSQL database, no balancer in front: 50 clients spread
 * across both post overlapping batches of the same 400 surveys and upload their photos (the same
 * photo often from several clients at once, through different servers). Then: every survey is
 * on the server exactly once, created exactly once, never a conflict; every photo is present
 * and downloads with its SHA-256 through either server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  PhotoUploadResponse,
  SurveyBatchResponse,
  SurveyRecordWire,
  SurveyServerState,
} from '../../src/schema/survey';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, listAllSurveys, makeJpeg, makeRecord, sha256 } from './fixtures';

const SURVEYS = 400;
const CLIENTS = 50;
const BATCHES_PER_CLIENT = 2;
const BATCH = 20;

let cluster: PostgresCluster;
let servers: ServerProcess[] = [];
let token: string;

beforeAll(async () => {
  cluster = await PostgresCluster.start();
  const env = { DATABASE_URL: await cluster.createDatabase(), ROADCAM_PHOTO_STORE: 'postgres' };
  // Started together: both run the migrations at the same moment (one waits for the other).
  servers = await Promise.all([ServerProcess.start({ env }), ServerProcess.start({ env })]);
  token = await servers[0].createToken('fleet');
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  await cluster?.dispose();
});

function listAll(server: ServerProcess): Promise<SurveyServerState[]> {
  return listAllSurveys(apiClient(server.url, token), 150);
}

describe('two servers, one PostgreSQL database', () => {
  it('stores every survey once and every photo with its hash, with 50 clients across both servers', async () => {
    const photos = await Promise.all(
      Array.from({ length: SURVEYS }, (_, i) => makeJpeg(5000 + i, 24, 16)),
    );
    const records: SurveyRecordWire[] = photos.map((photo, i) => makeRecord(i, photo));
    const batchAnswers: { id: string; status: string }[] = [];
    const photoAnswers: { id: string; status: number; body: PhotoUploadResponse }[] = [];

    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        // Client c talks to one server; its windows overlap those of its neighbours.
        const api = apiClient(servers[c % 2].url, token);
        for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
          const start = ((c * BATCHES_PER_CLIENT + b) * BATCH * 2) / 5;
          const indexes = Array.from({ length: BATCH }, (_, i) => (start + i) % SURVEYS);
          const batch = indexes.map((i) => records[i]);
          const answer = await api.postSurveys<SurveyBatchResponse>(batch);
          expect(answer.status).toBe(200);
          batchAnswers.push(...answer.body.results.map((r) => ({ id: r.id!, status: r.status })));
          // Photos of the batch, in an order of its own.
          for (const i of c % 2 ? indexes.reverse() : indexes) {
            const put = await api.putPhoto<PhotoUploadResponse>(records[i].id, photos[i]);
            photoAnswers.push({ id: records[i].id, status: put.status, body: put.body });
          }
        }
      }),
    );

    expect(batchAnswers.filter((a) => a.status !== 'created' && a.status !== 'unchanged')).toEqual(
      [],
    );
    const created = batchAnswers.filter((a) => a.status === 'created').map((a) => a.id);
    expect(created).toHaveLength(SURVEYS);
    expect(new Set(created).size).toBe(SURVEYS);

    expect(photoAnswers.filter((a) => a.status !== 201 && a.status !== 200)).toEqual([]);
    const stored = photoAnswers.filter((a) => a.status === 201).map((a) => a.id);
    expect(stored).toHaveLength(SURVEYS);
    expect(new Set(stored).size).toBe(SURVEYS);
    // The same photo from several clients at once really happened.
    expect(photoAnswers.length).toBeGreaterThan(SURVEYS * 2);

    const byId = new Map(records.map((r, i) => [r.id, { record: r, photo: photos[i] }]));
    for (const server of servers) {
      const listed = await listAll(server);
      expect(listed).toHaveLength(SURVEYS);
      expect(new Set(listed.map((s) => s.id))).toEqual(new Set(byId.keys()));
      expect(listed.filter((s) => !s.photo.present)).toEqual([]);
    }
    // Every photo through the other server than the one that stored it: the same bytes.
    const [a, b] = servers.map((s) => apiClient(s.url, token));
    let i = 0;
    for (const [id, { photo }] of byId) {
      const download = await (i++ % 2 ? a : b).get<Buffer>(`/surveys/${id}/photo`);
      expect(download.status).toBe(200);
      expect(sha256(download.body)).toBe(sha256(photo));
    }
  });

  it('answers 503 while PostgreSQL is down, stores nothing, and carries on when it is back', async () => {
    const api = apiClient(servers[1].url, token);
    const record = makeRecord(9000, await makeJpeg(9000, 24, 16));
    await cluster.crash();
    try {
      const ready = await fetch(`${servers[1].url}/api/v1/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { error: string }).error).toBe('storage_unavailable');
      expect((await fetch(`${servers[1].url}/api/v1/health`)).status).toBe(200);
      // The token check needs the database too: the answer is a retryable 503, never a 401.
      const refused = await api.postSurveys<{ error: string }>([record]);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('storage_unavailable');
    } finally {
      await cluster.start();
    }
    // The pools reconnect by themselves.
    expect((await fetch(`${servers[1].url}/api/v1/ready`)).status).toBe(200);
    const stored = await api.postSurveys<SurveyBatchResponse>([record]);
    expect(stored.status).toBe(200);
    expect(stored.body.results[0].status).toBe('created');
  });
});
