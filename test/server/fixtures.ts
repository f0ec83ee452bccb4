/**
 * Survey records, real JPEG bytes and a small authenticated client for the server tests.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import type {
  RecordCheckResult,
  SurveyListResponse,
  SurveyServerState,
  SyncApiErrorBody,
} from '../../src/schema/survey';
import { sha256 } from '../../tools/lib/sample-survey';

export { makeRecord, sha256 } from '../../tools/lib/sample-survey';

/** A real JPEG of `width` x `height` noise: different `seed`, different bytes. */
export async function makeJpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = state & 0xff;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** Fake photo metadata for tests that never upload the photo. */
export function photoMetaFor(index: number): { sha256: string; bytes: number } {
  return { sha256: sha256(`photo ${index}`), bytes: 1000 + index };
}

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch with the device token; JSON answers parsed, other bodies as bytes. */
export function apiClient(baseUrl: string, token: string | null) {
  async function call<T>(
    method: string,
    path: string,
    init: { body?: BodyInit; type?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (init.type) headers['content-type'] = init.type;
    const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: init.body });
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('json')
      ? await response.json()
      : Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body: body as T };
  }
  return {
    get: <T = unknown>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, { headers }),
    postSurveys: <T = unknown>(surveys: unknown[]) =>
      call<T>('POST', '/surveys', { body: JSON.stringify({ surveys }), type: 'application/json' }),
    postRaw: <T = unknown>(body: string, type = 'application/json') =>
      call<T>('POST', '/surveys', { body, type }),
    postRawTo: <T = unknown>(path: string, body: string, type = 'application/json') =>
      call<T>('POST', path, { body, type }),
    /** A JSON body, or a string sent as `type`. */
    put: <T = unknown>(path: string, body: unknown, type = 'application/json') =>
      call<T>('PUT', path, {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        type,
      }),
    putPhoto: <T = unknown>(id: string, bytes: Uint8Array, type = 'image/jpeg') =>
      call<T>('PUT', `/surveys/${id}/photo`, {
        // Node's Buffers here sit on plain ArrayBuffers, never shared ones.
        body: bytes as Uint8Array<ArrayBuffer>,
        type,
      }),
  };
}

/**
 * A request sent exactly as written: the path untouched (fetch and URL would resolve `..`), and
 * optionally only the start of a body (`complete: false`) after headers that announce more,
 * to see what the server answers before the body is in. The answer counts even when the server
 * closes the connection while the body is still being written.
 */
export function rawRequest(
  baseUrl: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: Buffer;
    complete?: boolean;
  },
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (response) => {
        answered = true;
        let body = '';
        response.setEncoding('utf8').on('data', (t: string) => (body += t));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
          request.destroy();
        });
        response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.complete === false) request.write(options.body ?? Buffer.alloc(0));
    else request.end(options.body);
  });
}

/** Everything the server lists, following nextCursor with pages of `limit`. */
export async function listAllSurveys(
  api: ReturnType<typeof apiClient>,
  limit: number,
): Promise<SurveyServerState[]> {
  const all: SurveyServerState[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/surveys?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await api.get<SurveyListResponse>(query);
    if (page.status !== 200) throw new Error(`GET ${query} answered ${page.status}`);
    all.push(...page.body.surveys);
    cursor = page.body.nextCursor;
  } while (cursor);
  return all;
}

/**
 * What both checks are asked about three records: `held` stored at revision 1, `edited` stored
 * at revision 3 (asked at 2: the server holds a later edit; at 4: the phone does) and `unknown`
 * not stored. `answers` are the results expected, in order, without the photo.
 */
export function revisionsToAsk(ids: { held: string; edited: string; unknown: string }) {
  const { held, edited, unknown } = ids;
  return {
    items: [
      { id: held, revision: 1 },
      { id: edited, revision: 2 },
      { id: edited, revision: 4 },
      { id: unknown, revision: 1 },
    ],
    answers: [
      { id: held, held: true, serverRevision: 1 },
      { id: edited, held: true, serverRevision: 3 },
      { id: edited, held: false, serverRevision: 3 },
      { id: unknown, held: false, serverRevision: null },
    ] satisfies RecordCheckResult[],
  };
}

/**
 * The limits both checks (POST /surveys/check, /runs/check) share, through `check` (a raw JSON
 * body to that route): 1000 items answered in one request, in order; 400 for a bad id, a bad
 * revision or a bad shape (the message names the list); 413 above 1000 items.
 */
export async function expectCheckLimits(
  list: 'surveys' | 'runs',
  check: (body: string) => Promise<ApiAnswer>,
): Promise<void> {
  const unknown = Array.from({ length: 1000 }, () => ({ id: randomUUID(), revision: 1 }));
  const answer = await check(JSON.stringify({ [list]: unknown }));
  expect(answer.status).toBe(200);
  const results = (answer.body as { results: RecordCheckResult[] }).results;
  expect(results.map((r) => r.id)).toEqual(unknown.map((s) => s.id));
  expect(results.every((r) => !r.held && r.serverRevision === null)).toBe(true);

  const id = randomUUID();
  const bad: [string, unknown][] = [
    ['uppercase id', { [list]: [{ id: id.toUpperCase(), revision: 1 }] }],
    ['path-like id', { [list]: [{ id: '../x', revision: 1 }] }],
    ['revision 0', { [list]: [{ id, revision: 0 }] }],
    ['fractional revision', { [list]: [{ id, revision: 1.5 }] }],
    ['revision as text', { [list]: [{ id, revision: '1' }] }],
    ['no revision', { [list]: [{ id }] }],
    ['empty list', { [list]: [] }],
    ['no list', {}],
    ['the other list', { [list === 'surveys' ? 'runs' : 'surveys']: [{ id, revision: 1 }] }],
    ['a list of ids', { [list]: [id] }],
  ];
  for (const [what, body] of bad) {
    const refused = await check(JSON.stringify(body));
    const error = refused.body as SyncApiErrorBody;
    expect(refused.status, what).toBe(400);
    expect(error.error, what).toBe('invalid_batch');
    expect(error.message, what).toContain(list);
  }
  const invalidJson = await check(`{"${list}": [`);
  expect((invalidJson.body as SyncApiErrorBody).error).toBe('invalid_json');

  const tooMany = Array.from({ length: 1001 }, () => ({ id: randomUUID(), revision: 1 }));
  const tooLarge = await check(JSON.stringify({ [list]: tooMany }));
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body).toEqual({
    error: 'batch_too_large',
    message: expect.stringMatching(new RegExp(`1000 ${list}`)),
  });
}

/**
 * A model folder in `parent`: a manifest, a model.json with one 2x3 float32 weight, its 24-byte
 * shard.
 */
export function modelFolder(
  parent: string,
  name: string,
  options: { version?: string; metrics?: boolean; shardBytes?: number; seed?: number } = {},
) {
  const dir = path.join(parent, name);
  const { version = '1.1.0', metrics = true, shardBytes = 24, seed = 1 } = options;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const manifest = {
    id: 'roadcam-test-model',
    version,
    name: 'Test model',
    format: 'layers',
    labels: ['normal', 'pothole'],
    input: { width: 8, height: 8, channels: 3, normalization: { mean: [0], std: [1] } },
    cam: { layer: 'conv' },
    task: 'classification',
    ...(metrics ? { metrics: { evaluatedOn: 'fixture', accuracy: 0.5 } } : {}),
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(
    path.join(dir, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      modelTopology: {},
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [{ name: 'w', shape: [2, 3], dtype: 'float32' }],
        },
      ],
    }),
  );
  writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.alloc(shardBytes, seed));
  return dir;
}

/** The text of a road network of one road, D907, along `line` ([lon, lat] points). */
export function oneRoadNetwork(line: [number, number][]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { road_id: 'D907', name: 'Route de Paris' },
        geometry: { type: 'LineString', coordinates: line },
      },
    ],
  });
}

/** A drive run (issue 13) as a phone sends it: ten minutes, 1.1 km; `overrides` replace fields. */
export function makeRun(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    revision: 1,
    startedAt: '2026-12-02T08:00:00.000Z',
    endedAt: '2026-12-02T08:10:00.000Z',
    endReason: 'stopped',
    track: [
      [116.3, 39.9, 0],
      [116.3, 39.91, 600000],
    ],
    trackToleranceM: 2,
    distanceM: 1110,
    framesAnalysed: 1200,
    framesDropped: 30,
    surveyIds: [randomUUID()],
    settings: { maxFps: 2, sameDamageM: 10 },
    model: { id: 'pothole-cnn', version: '1.0.0' },
    ...overrides,
  };
}
