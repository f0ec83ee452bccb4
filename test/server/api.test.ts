/**
 * Every route of the sync API against the real server process and its SQLite database:
 * success and error codes, idempotent replays, conflicts, a malformed record failing alone,
 * tokens (CLI), path-like ids, size limits, exports.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  PhotoUploadResponse,
  SurveyBatchResponse,
  SurveyCheckResponse,
  SurveyDetailResponse,
  SurveyListResponse,
  SyncApiErrorBody,
} from '../../src/schema/survey';
import { canonicalJson } from '../../server/canonical-json';
import { ServerProcess } from '../../tools/lib/server-process';
import {
  apiClient,
  expectCheckLimits,
  makeJpeg,
  makeRecord,
  photoMetaFor,
  rawRequest,
  revisionsToAsk,
  sha256,
} from './fixtures';

let server: ServerProcess;
let token: string;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await ServerProcess.start();
  token = await server.createToken('phone-1');
  api = apiClient(server.url, token);
});

afterAll(async () => {
  await server?.dispose();
});

describe('health and authentication', () => {
  it('answers health without a token', async () => {
    const answer = await apiClient(server.url, null).get('/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true });
  });

  const protectedRoutes: [string, string][] = [
    ['GET', '/api/v1/surveys'],
    ['POST', '/api/v1/surveys'],
    ['POST', '/api/v1/surveys/check'],
    ['GET', `/api/v1/surveys/${randomUUID()}`],
    ['PUT', `/api/v1/surveys/${randomUUID()}/photo`],
    ['GET', `/api/v1/surveys/${randomUUID()}/photo`],
    ['GET', '/api/v1/export.geojson'],
    ['GET', '/api/v1/export.csv'],
  ];

  it('answers 401 on every other route without a token, with a malformed header or a wrong token', async () => {
    const wrong = `rcd_${'A'.repeat(43)}`;
    for (const [method, path] of protectedRoutes) {
      for (const authorization of [undefined, `Basic ${token}`, `Bearer ${wrong}`, 'Bearer']) {
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.authorization = authorization;
        const response = await fetch(server.url + path, { method, headers });
        const body = (await response.json()) as SyncApiErrorBody;
        expect(response.status, `${method} ${path} with ${authorization}`).toBe(401);
        expect(['unauthorized', 'invalid_token']).toContain(body.error);
        expect(body.message).toMatch(/token/);
      }
    }
  });

  it('makes, lists and revokes tokens through the CLI; a revoked token gets 401 at once', async () => {
    const tabletToken = await server.createToken('tablet-2');
    const tablet = apiClient(server.url, tabletToken);
    expect((await tablet.get('/surveys')).status).toBe(200);

    const [list, duplicate, unknown, badName] = await Promise.all([
      server.cli(['token', 'list']),
      server.cli(['token', 'create', '--name', 'tablet-2']),
      server.cli(['token', 'revoke', 'no-such-device']),
      server.cli(['token', 'create', '--name', '../etc']),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^tablet-2\t/m);
    expect(list.stdout).not.toContain(tabletToken); // only hashes are stored
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No unrevoked device token/);
    expect(badName.code).toBe(2);

    await server.revokeToken('tablet-2');
    for (const [method, path] of protectedRoutes) {
      const response = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${tabletToken}` },
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(((await response.json()) as SyncApiErrorBody).error).toBe('invalid_token');
    }
    // The name is free again once revoked; the old token stays dead.
    const reissued = await server.createToken('tablet-2');
    expect((await apiClient(server.url, reissued).get('/surveys')).status).toBe(200);
    expect((await tablet.get('/surveys')).status).toBe(401);
  });
});

describe('POST /api/v1/surveys', () => {
  it('creates records, answers unchanged on replay and conflict on other content, keeping the first', async () => {
    const records = [0, 1, 2].map((i) => makeRecord(i, photoMetaFor(i)));
    const first = await api.postSurveys<SurveyBatchResponse>(records);
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual(records.map((r) => ({ id: r.id, status: 'created' })));

    // A replay with the keys in another order and an unknown field is the same content.
    const reordered = records.map((r) => ({
      ...Object.fromEntries(Object.entries(r).reverse()),
      localState: 'queued',
    }));
    const replay = await api.postSurveys<SurveyBatchResponse>(reordered);
    expect(replay.body.results).toEqual(records.map((r) => ({ id: r.id, status: 'unchanged' })));

    const edited = { ...records[1], notes: 'edited on the phone after upload' };
    const conflict = await api.postSurveys<SurveyBatchResponse>([edited, records[2]]);
    expect(conflict.status).toBe(200);
    // Other content with the same revision: another version, not an update.
    expect(conflict.body.results[0]).toMatchObject({
      id: edited.id,
      status: 'conflict',
      serverRevision: 1,
    });
    expect(conflict.body.results[0].reason).toMatch(/different version .*revision 1/);
    expect(conflict.body.results[1]).toEqual({ id: records[2].id, status: 'unchanged' });

    const stored = await api.get<SurveyDetailResponse>(`/surveys/${edited.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.survey).toEqual(records[1]);
    expect(stored.body.survey.notes).toBe('Survey 1');
    expect(stored.body.contentSha256).toBe(sha256(canonicalJson(records[1])));
  });

  it('takes a higher revision with the same id, createdAt and photo as updated; refuses the rest as conflicts', async () => {
    const photo = await makeJpeg(40);
    const v1 = makeRecord(40, photo);
    expect((await api.postSurveys<SurveyBatchResponse>([v1])).body.results[0].status).toBe(
      'created',
    );
    expect((await api.putPhoto(v1.id, photo)).status).toBe(201);
    const before = await api.get<SurveyDetailResponse>(`/surveys/${v1.id}`);

    const v2 = {
      ...v1,
      revision: 2,
      notes: 'Edited in the evening: deeper than it looked',
      severity: 5,
      updatedAt: new Date(Date.parse(v1.updatedAt) + 3600_000).toISOString(),
    };
    const update = await api.postSurveys<SurveyBatchResponse>([v2]);
    expect(update.body.results).toEqual([{ id: v1.id, status: 'updated' }]);
    const after = await api.get<SurveyDetailResponse>(`/surveys/${v1.id}`);
    expect(after.body.survey).toEqual(v2);
    expect(after.body.revision).toBe(2);
    expect(after.body.contentSha256).toBe(sha256(canonicalJson(v2)));
    expect(after.body.receivedAt).toBe(before.body.receivedAt);
    expect(Date.parse(after.body.changedAt)).toBeGreaterThanOrEqual(
      Date.parse(before.body.changedAt),
    );
    // The photo stays: same bytes, still present, a repeat is 200.
    expect(after.body.photo).toEqual(before.body.photo);
    expect((await api.putPhoto(v1.id, photo)).status).toBe(200);

    // Replays of the new revision are unchanged; the old revision or another version of the
    // same revision is a conflict; a changed createdAt or photo is refused whatever the revision.
    const answers = await api.postSurveys<SurveyBatchResponse>([
      v2,
      v1,
      { ...v2, notes: 'another phone, same revision' },
      { ...v2, revision: 3, createdAt: new Date(Date.parse(v1.createdAt) + 1000).toISOString() },
      { ...v2, revision: 3, photo: { ...v2.photo, ...photoMetaFor(41) } },
    ]);
    expect(answers.body.results.map((r) => r.status)).toEqual([
      'unchanged',
      'conflict',
      'conflict',
      'conflict',
      'conflict',
    ]);
    expect(answers.body.results[1].reason).toMatch(/revision 2 .*revision 1/);
    expect(answers.body.results[3].reason).toMatch(/createdAt differ/);
    expect(answers.body.results[4].reason).toMatch(/photo differ/);
    expect(answers.body.results.slice(1).every((r) => r.serverRevision === 2)).toBe(true);
    expect((await api.get<SurveyDetailResponse>(`/surveys/${v1.id}`)).body.survey).toEqual(v2);

    // The exports and the list show the latest revision.
    const list = await api.get<SurveyListResponse>('/surveys?limit=1000');
    const listed = list.body.surveys.filter((x) => x.id === v1.id);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ revision: 2, contentSha256: sha256(canonicalJson(v2)) });
    const geojson = await api.get<{ features: { properties: { id: string; notes: string } }[] }>(
      '/export.geojson',
    );
    const feature = geojson.body.features.find((f) => f.properties.id === v1.id);
    expect(feature?.properties.notes).toBe(v2.notes);
  });

  it('reads a record without a revision (an older client) as revision 1', async () => {
    const { revision: _r, ...old } = makeRecord(42, photoMetaFor(42));
    const first = await api.postSurveys<SurveyBatchResponse>([old]);
    expect(first.body.results[0].status).toBe('created');
    const stored = await api.get<SurveyDetailResponse>(`/surveys/${old.id}`);
    expect(stored.body.revision).toBe(1);
    expect(stored.body.survey).toEqual({ ...old, revision: 1 });
    // The old client's replay and a new client's identical record are the same content.
    const replays = await api.postSurveys<SurveyBatchResponse>([old, { ...old, revision: 1 }]);
    expect(replays.body.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    const edit = await api.postSurveys<SurveyBatchResponse>([
      { ...old, revision: 2, notes: 'now with a revision' },
    ]);
    expect(edit.body.results[0].status).toBe('updated');
  });

  it('lets a malformed record fail alone, with a reason, and stores the others', async () => {
    const good1 = makeRecord(10, photoMetaFor(10));
    const good2 = makeRecord(11, photoMetaFor(11));
    const noPhoto: Record<string, unknown> = { ...makeRecord(12, photoMetaFor(12)) };
    delete noPhoto.photo;
    const pathLikeId = { ...makeRecord(13, photoMetaFor(13)), id: '../x' };
    const upperCaseId = { ...makeRecord(14, photoMetaFor(14)), id: randomUUID().toUpperCase() };
    const badLat = makeRecord(15, photoMetaFor(15), {
      position: { lat: 123, lon: 2, accuracyM: 5, source: 'gps' },
    });
    const answer = await api.postSurveys<SurveyBatchResponse>([
      good1,
      noPhoto,
      pathLikeId,
      'not a record',
      upperCaseId,
      badLat,
      good2,
    ]);
    expect(answer.status).toBe(200);
    const results = answer.body.results;
    expect(results.map((r) => r.status)).toEqual([
      'created',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'created',
    ]);
    expect(results[1]).toMatchObject({ id: noPhoto.id, reason: expect.stringMatching(/^photo:/) });
    expect(results[2]).toMatchObject({ id: '../x', reason: expect.stringMatching(/^id:/) });
    expect(results[3]).toMatchObject({ id: null, reason: expect.any(String) });
    expect(results[4].reason).toMatch(/lowercase/);
    expect(results[5].reason).toMatch(/^position\.lat:/);
    for (const good of [good1, good2]) {
      expect((await api.get(`/surveys/${good.id}`)).status).toBe(200);
    }
    expect((await api.get(`/surveys/${noPhoto.id as string}`)).status).toBe(404);
  });

  it('answers a repeated id inside one batch as unchanged or conflict', async () => {
    const record = makeRecord(20, photoMetaFor(20));
    const answer = await api.postSurveys<SurveyBatchResponse>([
      record,
      record,
      { ...record, severity: 1 + (record.severity! % 5) },
    ]);
    expect(answer.body.results.map((r) => r.status)).toEqual(['created', 'unchanged', 'conflict']);
  });

  it('refuses bodies that are not a batch of 1 to 100 records', async () => {
    const invalidJson = await api.postRaw<SyncApiErrorBody>('{"surveys": [');
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.body.error).toBe('invalid_json');

    for (const body of ['{}', '{"surveys": {}}', '{"surveys": []}', '[]', 'null']) {
      const answer = await api.postRaw<SyncApiErrorBody>(body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error, body).toBe('invalid_batch');
    }

    const tooMany = Array.from({ length: 101 }, (_, i) => makeRecord(i, photoMetaFor(i)));
    const answer = await api.postSurveys<SyncApiErrorBody>(tooMany);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('batch_too_large');
    const stored = await Promise.all(tooMany.slice(0, 3).map((r) => api.get(`/surveys/${r.id}`)));
    expect(stored.map((s) => s.status)).toEqual([404, 404, 404]);

    // Refused on the declared length, before the body is read.
    const oversize = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/v1/surveys',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': 9 * 1024 * 1024,
      },
      body: Buffer.from('{"surveys": [{"notes": "'),
      complete: false,
    });
    expect(oversize.status).toBe(413);
    expect(JSON.parse(oversize.body).error).toBe('body_too_large');

    const proto = await api.postRaw<SyncApiErrorBody>(
      '{"surveys": [1], "__proto__": {"polluted": true}}',
    );
    expect(proto.status).toBe(400);
  });
});

describe('POST /api/v1/surveys/check', () => {
  const check = <T>(body: unknown) =>
    api.postRawTo<T>('/surveys/check', typeof body === 'string' ? body : JSON.stringify(body));

  it('says per survey whether the server holds it at that revision or higher, and its photo', async () => {
    const photo = await makeJpeg(700);
    const withPhoto = makeRecord(700, photo);
    const edited = makeRecord(701, photoMetaFor(701));
    const unknown = makeRecord(702, photoMetaFor(702));
    await api.postSurveys([withPhoto, edited, { ...edited, revision: 3, notes: 'edited' }]);
    expect((await api.putPhoto(withPhoto.id, photo)).status).toBe(201);

    const asked = revisionsToAsk({ held: withPhoto.id, edited: edited.id, unknown: unknown.id });
    const answer = await check<SurveyCheckResponse>({ surveys: asked.items });
    expect(answer.status).toBe(200);
    const photoPresent = [true, false, false, false];
    expect(answer.body).toEqual({
      results: asked.answers.map((a, i) => ({ ...a, photoPresent: photoPresent[i] })),
    });
    // A read: nothing was stored.
    expect((await api.get(`/surveys/${unknown.id}`)).status).toBe(404);
  });

  it('answers 1000 surveys in one request, refuses a bad id, revision or shape with 400 and more than 1000 surveys with 413', async () => {
    await expectCheckLimits('surveys', check);
  });
});

describe('photos', () => {
  it('stores a photo once: 201, 200 for the same bytes, 409 for others; returns the same bytes', async () => {
    const photo = await makeJpeg(1);
    const record = makeRecord(30, photo);
    await api.postSurveys([record]);

    const missing = await api.get<SyncApiErrorBody>(`/surveys/${record.id}/photo`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('photo_not_found');

    const first = await api.putPhoto<PhotoUploadResponse>(record.id, photo);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: record.id,
      status: 'created',
      sha256: sha256(photo),
      bytes: photo.length,
    });
    const again = await api.putPhoto<PhotoUploadResponse>(record.id, photo);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('unchanged');
    const other = await api.putPhoto<SyncApiErrorBody>(record.id, await makeJpeg(2));
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('photo_conflict');

    const download = await api.get<Buffer>(`/surveys/${record.id}/photo`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(download.body)).toBe(sha256(photo));
    const notModified = await api.get(`/surveys/${record.id}/photo`, {
      'if-none-match': `"${sha256(photo)}"`,
    });
    expect(notModified.status).toBe(304);
  });

  it('refuses a photo for an unknown survey, a non-JPEG, wrong bytes and an oversize body', async () => {
    const photo = await makeJpeg(3);
    const unknown = await api.putPhoto<SyncApiErrorBody>(randomUUID(), photo);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('survey_not_found');

    const record = makeRecord(31, photo);
    await api.postSurveys([record]);

    // A PNG header of the record's length: only the JPEG check can refuse it.
    const png = Buffer.alloc(photo.length);
    png.set(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const notJpeg = await api.putPhoto<SyncApiErrorBody>(record.id, png);
    expect(notJpeg.status).toBe(415);
    expect(notJpeg.body.error).toBe('not_jpeg');

    const wrongType = await api.putPhoto<SyncApiErrorBody>(
      record.id,
      photo,
      'application/octet-stream',
    );
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error).toBe('unsupported_media_type');

    // Another JPEG of the same length (one byte of the image data changed).
    const other = Buffer.from(photo);
    other[other.length - 10] ^= 0xff;
    const wrongBytes = await api.putPhoto<SyncApiErrorBody>(record.id, other);
    expect(wrongBytes.status).toBe(422);
    expect(wrongBytes.body.error).toBe('photo_sha256_mismatch');

    // 413 on the declared length, and on the bytes counted when no length is declared.
    const huge = Buffer.alloc(15 * 1024 * 1024 + 1, 0x20);
    huge.set([0xff, 0xd8, 0xff, 0xe0]);
    const photoHeaders = { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' };
    const declared = await rawRequest(server.url, {
      method: 'PUT',
      path: `/api/v1/surveys/${record.id}/photo`,
      headers: { ...photoHeaders, 'content-length': huge.length },
      body: huge.subarray(0, 1024),
      complete: false,
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error).toBe('body_too_large');
    const chunked = await rawRequest(server.url, {
      method: 'PUT',
      path: `/api/v1/surveys/${record.id}/photo`,
      headers: { ...photoHeaders, 'transfer-encoding': 'chunked' },
      body: huge,
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error).toBe('body_too_large');

    const state = await api.get<SurveyDetailResponse>(`/surveys/${record.id}`);
    expect(state.body.photo.present).toBe(false);
    // Still storable afterwards.
    expect((await api.putPhoto(record.id, photo)).status).toBe(201);
  });

  it('rejects path-like ids with 400, however they are written', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' };
    const body = await makeJpeg(5);
    for (const path of [
      '/api/v1/surveys/..%2Fx/photo',
      '/api/v1/surveys/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/photo',
      '/api/v1/surveys/../photo',
      '/api/v1/surveys/..',
      '/api/v1/surveys/not-a-uuid',
    ]) {
      for (const method of ['GET', 'PUT']) {
        if (method === 'PUT' && !path.endsWith('/photo')) continue;
        const answer = await rawRequest(server.url, {
          method,
          path,
          headers,
          body: method === 'PUT' ? body : undefined,
        });
        expect(answer.status, `${method} ${path}`).toBe(400);
        expect(JSON.parse(answer.body).error).toBe('invalid_id');
      }
    }
  });
});

describe('GET /api/v1/surveys', () => {
  it('lists what the server holds with the photo presence and SHA-256, filtered by since and paged', async () => {
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const photo = await makeJpeg(6);
    const records = [
      makeRecord(40, photo),
      makeRecord(41, photoMetaFor(41)),
      makeRecord(42, photoMetaFor(42)),
    ];
    await api.postSurveys(records);
    await api.putPhoto(records[0].id, photo);

    const recent = await api.get<SurveyListResponse>(
      `/surveys?since=${encodeURIComponent(before)}`,
    );
    expect(recent.status).toBe(200);
    expect(recent.body.surveys.map((s) => s.id).sort()).toEqual(records.map((r) => r.id).sort());
    const withPhoto = recent.body.surveys.find((s) => s.id === records[0].id)!;
    expect(withPhoto.photo).toMatchObject({
      present: true,
      sha256: sha256(photo),
      bytes: photo.length,
    });
    const withoutPhoto = recent.body.surveys.find((s) => s.id === records[1].id)!;
    expect(withoutPhoto.photo).toMatchObject({
      present: false,
      storedAt: null,
      sha256: records[1].photo.sha256,
    });
    expect(withoutPhoto.contentSha256).toBe(sha256(canonicalJson(records[1])));
    expect(withoutPhoto.createdAt).toBe(records[1].createdAt);

    const later = await api.get<SurveyListResponse>(
      `/surveys?since=${encodeURIComponent(recent.body.serverTime)}`,
    );
    expect(later.body.surveys.filter((s) => records.some((r) => r.id === s.id))).toEqual([]);

    // Paging two at a time visits everything once.
    const all = await api.get<SurveyListResponse>('/surveys?limit=1000');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: SurveyListResponse } = await api.get<SurveyListResponse>(
        `/surveys?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.surveys.map((s) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.surveys.map((s) => s.id));
    expect(new Set(seen).size).toBe(seen.length);

    for (const query of [
      'since=yesterday',
      'since=2026-11-26',
      'limit=0',
      'limit=5000',
      'cursor=garbage',
    ]) {
      const bad = await api.get<SyncApiErrorBody>(`/surveys?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error).toBe('invalid_query');
    }
    expect((await api.get<SyncApiErrorBody>(`/surveys/${randomUUID()}`)).status).toBe(404);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const answer = await api.get<SyncApiErrorBody>('/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('not_found');
  });
});

/** RFC 4180 parser for the checks (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('exports', () => {
  it('exports GeoJSON (lon, lat) with a photo URL that downloads, and a quoted CSV, in the columns of docs/MAP.md', async () => {
    const photo = await makeJpeg(7);
    const placed = makeRecord(50, photo, {
      position: { lat: -33.9, lon: 18.4, accuracyM: 4.5, source: 'gps' },
      notes: 'Deep hole, "dangerous", near km 12\nsecond line',
    });
    const formula = makeRecord(51, photoMetaFor(51), { notes: '=HYPERLINK("http://evil")' });
    const nowhere = makeRecord(52, photoMetaFor(52), {
      position: null,
      verdict: null,
      model: null,
      severity: null,
    });
    await api.postSurveys([placed, formula, nowhere]);
    await api.putPhoto(placed.id, photo);

    const geo = await api.get<{
      type: string;
      features: {
        id: string;
        geometry: { type: string; coordinates: number[] } | null;
        properties: Record<string, unknown>;
      }[];
    }>('/export.geojson');
    expect(geo.status).toBe(200);
    expect(geo.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(geo.body.type).toBe('FeatureCollection');
    const feature = geo.body.features.find((f) => f.properties.id === placed.id)!;
    expect(feature.geometry).toEqual({ type: 'Point', coordinates: [18.4, -33.9] });
    expect(feature.id).toBe(placed.id);
    expect(feature.properties).toMatchObject({
      time: placed.createdAt,
      found: placed.verdict!.label === 'pothole' ? 'pothole' : 'good_road',
      p_pothole: placed.verdict!.potholeProbability,
      low_confidence: false,
      accuracy_m: 4.5,
      position_source: 'gps',
      fix_quality: 'good',
      severity: placed.severity,
      notes: placed.notes,
      model: 'pothole-mobilenet@1.0.0',
    });
    expect(Date.parse(feature.properties.received_at as string)).not.toBeNaN();
    // A survey without a position is exported too, with no geometry (RFC 7946 section 3.2).
    const nowhereFeature = geo.body.features.find((f) => f.properties.id === nowhere.id)!;
    expect(nowhereFeature.geometry).toBeNull();
    expect(nowhereFeature.properties.found).toBe('');
    // Relative: no public URL is configured, and the Host header is never copied into links.
    const photoUrl = feature.properties.photo_url as string;
    expect(photoUrl).toBe(`/api/v1/surveys/${placed.id}/photo`);
    const download = await fetch(server.url + photoUrl, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(photo));
    expect(
      geo.body.features.find((f) => f.properties.id === formula.id)!.properties.photo_url,
    ).toBeNull();

    const csv = await api.get<Buffer>('/export.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parseCsv(csv.body.toString('utf8'));
    const header = rows[0];
    expect(header).toEqual(
      expect.arrayContaining([
        'id',
        'time',
        'lat',
        'lon',
        'found',
        'p_pothole',
        'severity',
        'notes',
        'model',
        'photo_url',
      ]),
    );
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const column = (row: string[], name: string) => row[header.indexOf(name)];
    const placedRow = rows.find((r) => r[0] === placed.id)!;
    expect(column(placedRow, 'notes')).toBe(placed.notes);
    expect(Number(column(placedRow, 'lat'))).toBe(-33.9);
    expect(Number(column(placedRow, 'lon'))).toBe(18.4);
    expect(column(placedRow, 'photo_url')).toBe(photoUrl);
    const formulaRow = rows.find((r) => r[0] === formula.id)!;
    expect(column(formulaRow, 'notes')).toBe(`'${formula.notes}`);
    const nowhereRow = rows.find((r) => r[0] === nowhere.id)!;
    expect(column(nowhereRow, 'lat')).toBe('');
    expect(column(nowhereRow, 'found')).toBe('');
  });
});
