/**
 * What the server promises about data, tested on the real process and its files: an
 * acknowledged write survives SIGKILL; a batch is stored whole or not at all; a photo cut off
 * mid-body (reset or crash) leaves nothing behind; a read-only data directory refuses writes
 * with a clear 5xx and loses nothing.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SurveyBatchResponse,
  SurveyDetailResponse,
  SurveyListResponse,
  SurveyRecordWire,
  SurveyServerState,
  SyncApiErrorBody,
} from '../../src/schema/survey';
import { canonicalJson } from '../../server/canonical-json';
import { FaultProxy } from '../helpers/fault-proxy';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, makeJpeg, makeRecord, photoMetaFor, sha256 } from './fixtures';

let server: ServerProcess;
let token: string;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await ServerProcess.start();
  token = await server.createToken('durability');
  api = apiClient(server.url, token);
});

afterAll(async () => {
  await server?.dispose();
});

async function listAll(): Promise<SurveyServerState[]> {
  const all: SurveyServerState[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: SurveyListResponse } = await api.get<SurveyListResponse>(
      `/surveys?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    all.push(...page.body.surveys);
    cursor = page.body.nextCursor;
  } while (cursor);
  return all;
}

/**
 * Sends one batch and SIGKILLs the server `delayMs` after the whole body is on the wire, so the
 * kill lands while the server reads, validates or commits it. Resolves with the answer if one
 * came back before the kill.
 */
async function postBatchThenKill(
  records: SurveyRecordWire[],
  delayMs: number,
): Promise<{ status: number | null }> {
  const body = Buffer.from(JSON.stringify({ surveys: records }));
  const answer = new Promise<{ status: number | null }>((resolve) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/api/v1/surveys',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? null }));
        response.on('error', () => resolve({ status: null }));
      },
    );
    request.on('error', () => resolve({ status: null }));
    request.end(body, () => {
      setTimeout(() => void server.kill('SIGKILL'), delayMs);
    });
  });
  const result = await answer;
  await server.kill('SIGKILL'); // in case the answer came first
  return result;
}

describe('a killed server keeps what it acknowledged', () => {
  it('1,000 records in batches of 100, SIGKILL mid-batch twice: every acknowledged record is there, batches whole, none twice', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => makeRecord(i, photoMetaFor(i)));
    const batches = Array.from({ length: 10 }, (_, b) => records.slice(b * 100, b * 100 + 100));
    const acknowledged = new Set<string>();
    // Each kill is checked right after the restart against everything acknowledged so far;
    // the last one comes right after batch 8's acknowledgement.
    const latencies: number[] = [];
    const killDelay = new Map<number, () => number>([
      [4, () => 0], // as soon as the body is sent
      // Half a typical batch's time: while the server validates, inserts or fsyncs.
      [9, () => [...latencies].sort((x, y) => x - y)[latencies.length >> 1] / 2],
    ]);

    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b];
      const delay = killDelay.get(b)?.();
      if (delay !== undefined) {
        const answer = await postBatchThenKill(batch, delay);
        if (answer.status === 200) batch.forEach((r) => acknowledged.add(r.id));
        await server.restart();

        const held = new Set((await listAll()).map((s) => s.id));
        for (const id of acknowledged) expect(held.has(id), `acknowledged ${id} lost`).toBe(true);
        // The batch in flight is all there or not there at all.
        const storedOfBatch = batch.filter((r) => held.has(r.id)).length;
        expect([0, 100]).toContain(storedOfBatch);
      }
      // The client replays the batch it had no answer for; sends the others once.
      const started = performance.now();
      const answer = await api.postSurveys<SurveyBatchResponse>(batch);
      latencies.push(performance.now() - started);
      expect(answer.status).toBe(200);
      const statuses = new Set(answer.body.results.map((r) => r.status));
      expect(statuses.size, `batch ${b}: ${[...statuses]}`).toBe(1);
      expect(['created', 'unchanged']).toContain([...statuses][0]);
      if (delay === undefined) expect([...statuses][0]).toBe('created');
      batch.forEach((r) => acknowledged.add(r.id));
    }

    const held = (await listAll()).filter((s) => acknowledged.has(s.id));
    expect(held).toHaveLength(1000);
    expect(new Set(held.map((s) => s.id)).size).toBe(1000);
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const state of held) {
      expect(state.contentSha256).toBe(sha256(canonicalJson(byId.get(state.id))));
    }
    const sample = await api.get<SurveyDetailResponse>(`/surveys/${records[777].id}`);
    expect(sample.body.survey).toEqual(records[777]);
  });
});

describe('photos cut off mid-body', () => {
  it('a SIGKILL mid-photo leaves no partial file: after restart the photo is absent, leftovers removed, and it uploads whole', async () => {
    const photo = await makeJpeg(11, 640, 480);
    const record = makeRecord(2000, photo);
    await api.postSurveys([record]);

    await new Promise<void>((resolve) => {
      const request = http.request({
        host: '127.0.0.1',
        port: server.port,
        method: 'PUT',
        path: `/api/v1/surveys/${record.id}/photo`,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'image/jpeg',
          'content-length': photo.length,
        },
      });
      request.on('error', () => resolve());
      request.write(photo.subarray(0, photo.length >> 1), () => {
        setTimeout(() => void server.kill('SIGKILL').then(resolve), 100);
      });
    });
    // What a crash between writing a temp file and renaming it leaves behind.
    const tmpDir = path.join(server.dataDir, 'tmp');
    writeFileSync(path.join(tmpDir, `${record.id}.${randomUUID()}.part`), photo.subarray(0, 1000));

    await server.restart();
    expect(readdirSync(tmpDir)).toEqual([]);
    expect(readdirSync(path.join(server.dataDir, 'photos'))).not.toContain(`${record.id}.jpg`);
    const state = await api.get<SurveyDetailResponse>(`/surveys/${record.id}`);
    expect(state.body.photo.present).toBe(false);

    expect((await api.putPhoto(record.id, photo)).status).toBe(201);
    const stored = readFileSync(path.join(server.dataDir, 'photos', `${record.id}.jpg`));
    expect(sha256(stored)).toBe(sha256(photo));
  });

  it('a connection reset mid-photo through the proxy stores nothing; the retry stores the right bytes', async () => {
    const proxy = await FaultProxy.start({ target: server.url });
    try {
      const viaProxy = apiClient(proxy.url, token);
      const photo = await makeJpeg(12, 800, 600);
      const record = makeRecord(2001, photo);
      expect((await viaProxy.postSurveys([record])).status).toBe(200);

      const half = Math.floor(photo.length / 2);
      proxy.resetMidBody({ afterBytes: half, match: { method: 'PUT', path: /\/photo$/ } });
      await expect(viaProxy.putPhoto(record.id, photo)).rejects.toThrow();
      expect(proxy.stats.bytesBeforeReset).toEqual([half]);

      // Give the server a moment to notice the reset, then look at the disk and the API.
      await new Promise((r) => setTimeout(r, 100));
      expect(readdirSync(path.join(server.dataDir, 'tmp'))).toEqual([]);
      expect(readdirSync(path.join(server.dataDir, 'photos'))).not.toContain(`${record.id}.jpg`);
      expect(
        (await viaProxy.get<SurveyDetailResponse>(`/surveys/${record.id}`)).body.photo.present,
      ).toBe(false);

      const retry = await viaProxy.putPhoto(record.id, photo);
      expect(retry.status).toBe(201);
      const download = await viaProxy.get<Buffer>(`/surveys/${record.id}/photo`);
      expect(sha256(download.body)).toBe(sha256(photo));
      expect(sha256(readFileSync(path.join(server.dataDir, 'photos', `${record.id}.jpg`)))).toBe(
        sha256(photo),
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('a read-only data directory', () => {
  it('refuses writes with 503 and a clear JSON error, keeps serving reads, loses nothing, and recovers', async () => {
    const photos = await Promise.all([21, 22, 23].map((seed) => makeJpeg(seed)));
    const stored = photos.map((photo, i) => makeRecord(3000 + i, photo));
    await api.postSurveys(stored);
    for (const [i, record] of stored.entries()) await api.putPhoto(record.id, photos[i]);
    const waitingPhoto = await makeJpeg(24);
    const waiting = makeRecord(3010, waitingPhoto);
    await api.postSurveys([waiting]);
    const before = await listAll();

    await server.makeDataDirReadOnly();
    try {
      const fresh = [makeRecord(3020, photoMetaFor(3020)), makeRecord(3021, photoMetaFor(3021))];
      const refused = await api.postSurveys<SyncApiErrorBody>(fresh);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('storage_unavailable');
      expect(refused.body.message).toMatch(/cannot write to its data directory/);

      const photoRefused = await api.putPhoto<SyncApiErrorBody>(waiting.id, waitingPhoto);
      expect(photoRefused.status).toBe(503);
      expect(photoRefused.body.error).toBe('storage_unavailable');

      // Reads, replays and repeated photos need no write: they still work.
      expect(await listAll()).toEqual(before);
      const replay = await api.postSurveys<SurveyBatchResponse>(stored);
      expect(replay.status).toBe(200);
      expect(replay.body.results.every((r) => r.status === 'unchanged')).toBe(true);
      expect((await api.putPhoto(stored[0].id, photos[0])).status).toBe(200);
      const download = await api.get<Buffer>(`/surveys/${stored[1].id}/photo`);
      expect(sha256(download.body)).toBe(sha256(photos[1]));

      await server.makeDataDirWritable();
      const accepted = await api.postSurveys<SurveyBatchResponse>(fresh);
      expect(accepted.body.results.map((r) => r.status)).toEqual(['created', 'created']);
      expect((await api.putPhoto(waiting.id, waitingPhoto)).status).toBe(201);
    } finally {
      await server.makeDataDirWritable();
    }

    await server.kill('SIGKILL');
    await server.restart();
    const after = new Map((await listAll()).map((s) => [s.id, s]));
    for (const [i, record] of stored.entries()) {
      expect(after.get(record.id)?.photo.present).toBe(true);
      const download = await api.get<Buffer>(`/surveys/${record.id}/photo`);
      expect(sha256(download.body)).toBe(sha256(photos[i]));
    }
    expect(after.get(waiting.id)?.photo.present).toBe(true);
    expect(readdirSync(path.join(server.dataDir, 'tmp'))).toEqual([]);

    // The database file itself is sound (read beside the running server, as WAL allows).
    const db = new Database(path.join(server.dataDir, 'roadcam.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const count = db.prepare('SELECT count(*) AS n FROM surveys').get() as { n: number };
      expect(count.n).toBe(after.size);
    } finally {
      db.close();
    }
  });
});
