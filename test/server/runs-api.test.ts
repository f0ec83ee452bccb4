/**
 * The runs routes (issue 13) against the real server process and its SQLite database: a batch
 * is created, a replay is unchanged, a higher revision updates, an invalid run fails alone with
 * its reason, a run is read back as stored; POST /runs/check says which runs the server holds
 * at a revision (the surveys check's rules); the routes need a token like every other.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCheckResponse } from '../../src/schema/run';
import type { SurveyBatchResponse, SyncApiErrorBody } from '../../src/schema/survey';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, expectCheckLimits, makeRun, revisionsToAsk } from './fixtures';

let server: ServerProcess;
let token: string;

beforeAll(async () => {
  server = await ServerProcess.start();
  token = await server.createToken('phone-1');
});

afterAll(async () => {
  await server?.dispose();
});

async function call(method: string, path: string, body?: unknown, withToken = true) {
  const headers: Record<string, string> = {};
  if (withToken) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('runs API', () => {
  it('stores a batch idempotently, with the surveys’ rules, and reads a run back', async () => {
    const a = makeRun();
    const b = makeRun({ endReason: 'hidden' });
    const bad = makeRun({ endedAt: '2026-12-02T07:00:00.000Z' });
    const first = await call('POST', '/runs', { runs: [a, b, bad] });
    expect(first.status).toBe(200);
    const results = (first.body as unknown as SurveyBatchResponse).results;
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'invalid']);
    expect(results[2].reason).toMatch(/endedAt: A run cannot end before it started/);

    const again = await call('POST', '/runs', {
      runs: [a, { ...b, revision: 2, distanceM: 2000 }, { ...a, distanceM: 1 }],
    });
    expect((again.body as unknown as SurveyBatchResponse).results.map((r) => r.status)).toEqual([
      'unchanged',
      'updated',
      'conflict',
    ]);

    const read = await call('GET', `/runs/${b.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: b.id,
      revision: 2,
      run: { distanceM: 2000, track: b.track },
    });
    const list = await call('GET', '/runs');
    expect((list.body.runs as { id: string }[]).map((r) => r.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
  });

  it('exports every run as a GeoJSON LineString of its track', async () => {
    const response = await fetch(`${server.url}/api/v1/export/runs.geojson`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/geo\+json/);
    const collection = (await response.json()) as {
      type: string;
      features: {
        geometry: { type: string; coordinates: number[][] };
        properties: { id: string; surveys: number };
      }[];
    };
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features.length).toBeGreaterThanOrEqual(2);
    for (const f of collection.features) {
      expect(f.geometry).toEqual({
        type: 'LineString',
        coordinates: [
          [116.3, 39.9],
          [116.3, 39.91],
        ],
      });
      expect(f.properties.surveys).toBe(1);
    }
    expect((await fetch(`${server.url}/api/v1/export/runs.geojson`)).status).toBe(401);
  });

  it('answers 401 without a token, 404 for an unknown run and 400 for a body that is not a batch', async () => {
    expect((await call('POST', '/runs', { runs: [makeRun()] }, false)).status).toBe(401);
    expect((await call('GET', '/runs', undefined, false)).status).toBe(401);
    const missing = await call('GET', `/runs/${randomUUID()}`);
    expect(missing).toMatchObject({ status: 404, body: { error: 'run_not_found' } });
    expect((await call('POST', '/runs', { surveys: [] })).status).toBe(400);
    expect((await call('POST', '/runs', { runs: [] })).status).toBe(400);
    expect(
      (await call('POST', '/runs', { runs: Array.from({ length: 21 }, () => makeRun()) })).status,
    ).toBe(413);
  });
});

describe('POST /api/v1/runs/check', () => {
  const check = (body: string, as: string | null = token) =>
    apiClient(server.url, as).postRawTo('/runs/check', body);

  it('says per run whether the server holds it at that revision or higher', async () => {
    const [held, edited, unknown] = [makeRun(), makeRun(), makeRun()];
    await call('POST', '/runs', { runs: [held, edited, { ...edited, revision: 3 }] });

    const asked = revisionsToAsk({ held: held.id, edited: edited.id, unknown: unknown.id });
    const answer = await check(JSON.stringify({ runs: asked.items }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ results: asked.answers } satisfies RunCheckResponse);
    // A read: nothing was stored.
    expect((await call('GET', `/runs/${unknown.id}`)).status).toBe(404);
  });

  it('answers 1000 runs in one request, refuses a bad id, revision or shape with 400 and more than 1000 runs with 413', async () => {
    await expectCheckLimits('runs', (body) => check(body));
  });

  it('takes runs from a phone’s token only: a reviewer’s gets 403 and nothing is stored', async () => {
    const run = makeRun();
    const reviewer = await server.createToken('office-2', 'reviewer');
    const refused = await fetch(`${server.url}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ runs: [run] }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as SyncApiErrorBody).error).toBe('forbidden');
    expect((await call('GET', `/runs/${run.id}`)).status).toBe(404);
    expect((await call('POST', '/runs', { runs: [run] })).status).toBe(200);
    expect((await call('GET', `/runs/${run.id}`)).status).toBe(200);
  });

  it('needs a surveyor’s token: 401 without one, 403 for a reviewer’s', async () => {
    const body = JSON.stringify({ runs: [{ id: randomUUID(), revision: 1 }] });
    expect((await check(body, null)).status).toBe(401);
    const reviewer = await server.createToken('office-1', 'reviewer');
    const refused = await check(body, reviewer);
    expect(refused.status).toBe(403);
    expect((refused.body as SyncApiErrorBody).error).toBe('forbidden');
  });
});
