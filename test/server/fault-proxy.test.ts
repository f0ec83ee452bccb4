/**
 * The fault proxy (test/helpers/fault-proxy.ts) does what the sync fault tests rely on, with
 * the real server behind it: pass-through, a 500 on every Nth request (before or after the
 * server did the work), a stall that a client timeout cuts, a reset mid-body, offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyBatchResponse, SurveyDetailResponse } from '../../src/schema/survey';
import { FaultProxy } from '../helpers/fault-proxy';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, makeJpeg, makeRecord, photoMetaFor } from './fixtures';

let server: ServerProcess;
let proxy: FaultProxy;
let token: string;

beforeAll(async () => {
  server = await ServerProcess.start();
  token = await server.createToken('proxy-test');
  proxy = await FaultProxy.start({ target: server.url });
});

afterAll(async () => {
  await proxy?.close();
  await server?.dispose();
});

describe('FaultProxy', () => {
  it('passes requests and answers through unchanged', async () => {
    proxy.clearFaults();
    const viaProxy = apiClient(proxy.url, token);
    const record = makeRecord(0, photoMetaFor(0));
    const answer = await viaProxy.postSurveys<SurveyBatchResponse>([record]);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ id: record.id, status: 'created' }]);
    expect(answer.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await apiClient(proxy.url, null).get('/surveys')).status).toBe(401);
  });

  it('answers 500 to every Nth request; before the server, or after it stored the batch', async () => {
    proxy.clearFaults();
    const viaProxy = apiClient(proxy.url, token);
    const direct = apiClient(server.url, token);
    proxy.failEveryNth(3);
    const failedBefore = proxy.stats.failed;
    const statuses: number[] = [];
    const records = Array.from({ length: 6 }, (_, i) => makeRecord(10 + i, photoMetaFor(10 + i)));
    for (const record of records) statuses.push((await viaProxy.postSurveys([record])).status);
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500]);
    expect(proxy.stats.failed - failedBefore).toBe(2);
    // Refused before the server: the 3rd and 6th records are not stored.
    expect((await direct.get(`/surveys/${records[2].id}`)).status).toBe(404);
    expect((await direct.get(`/surveys/${records[3].id}`)).status).toBe(200);

    proxy.failEveryNth(1, { afterUpstream: true, match: { method: 'POST' } });
    const lost = makeRecord(20, photoMetaFor(20));
    expect((await viaProxy.postSurveys([lost])).status).toBe(500);
    // The server did store it: the answer only was lost, and a replay says so.
    expect((await direct.get(`/surveys/${lost.id}`)).status).toBe(200);
    proxy.clearFaults();
    const replay = await viaProxy.postSurveys<SurveyBatchResponse>([lost]);
    expect(replay.body.results).toEqual([{ id: lost.id, status: 'unchanged' }]);
  });

  it('stalls a request until the client gives up', async () => {
    proxy.clearFaults();
    proxy.stall({ ms: 2000 });
    const started = Date.now();
    const attempt = fetch(`${proxy.url}/api/v1/health`, { signal: AbortSignal.timeout(300) });
    await expect(attempt).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(proxy.stats.stalled).toBeGreaterThanOrEqual(1);
    // Only one request was to stall: the next goes through.
    expect((await fetch(`${proxy.url}/api/v1/health`)).status).toBe(200);
  });

  it('resets the connection after K bytes of a photo body; the server keeps nothing', async () => {
    proxy.clearFaults();
    const photo = await makeJpeg(1, 400, 300);
    expect(photo.length).toBeGreaterThan(20_000);
    const record = makeRecord(30, photo);
    const direct = apiClient(server.url, token);
    await direct.postSurveys([record]);
    proxy.resetMidBody({ afterBytes: 10_000, match: { method: 'PUT', path: /\/photo$/ } });
    await expect(apiClient(proxy.url, token).putPhoto(record.id, photo)).rejects.toThrow();
    expect(proxy.stats.resets).toBe(1);
    expect(proxy.stats.bytesBeforeReset).toEqual([10_000]);
    const state = await direct.get<SurveyDetailResponse>(`/surveys/${record.id}`);
    expect(state.body.photo.present).toBe(false);
  });

  it('goes offline (connections dropped) and back', async () => {
    proxy.clearFaults();
    proxy.setOffline(true);
    await expect(fetch(`${proxy.url}/api/v1/health`)).rejects.toThrow();
    expect(proxy.stats.dropped).toBeGreaterThanOrEqual(1);
    proxy.setOffline(false);
    expect((await fetch(`${proxy.url}/api/v1/health`)).status).toBe(200);
  });
});
