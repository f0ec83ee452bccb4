/**
 * What an outside test of the server asked for (issue 14), each checked on the real server
 * process: slow bodies cut off and unauthenticated ones refused before they are read; the API's
 * headers on percent-encoded paths; a photo's size checked against its record; the error
 * contract (415 for text/plain, other charsets and compressed bodies; the server's own JSON
 * error with its headers for a too-long id); tokens in a query string refused and never logged;
 * owner-only files; CSV defused; cam.data checked; no Host header in export links.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SurveyBatchResponse,
  SurveyRecordWire,
  SyncApiErrorBody,
} from '../../src/schema/survey';
import { encodeFloat32Base64 } from '../../src/schema/survey';
import { csvField } from '../../src/geo/export/csv';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, makeJpeg, makeRecord, photoMetaFor, rawRequest, sha256 } from './fixtures';
import { slowRequest } from './slow-request';

let server: ServerProcess;
let token: string;
let api: ReturnType<typeof apiClient>;
let dataDir: string;

beforeAll(async () => {
  // A data directory that exists with the usual 0755: the server makes it owner-only.
  dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'roadcam-hardening-')), 'data');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  server = await ServerProcess.start({
    dataDir,
    env: {
      LOG_LEVEL: 'info',
      // Short limits, so that the slow clients below are cut off in seconds.
      ROADCAM_BODY_IDLE_MS: '1500',
      ROADCAM_BODY_GRACE_MS: '2500',
      ROADCAM_BODY_MIN_RATE: '1000000',
    },
  });
  token = await server.createToken('hardening');
  api = apiClient(server.url, token);
});

afterAll(async () => {
  await server?.dispose();
  if (dataDir) rmSync(path.dirname(dataDir), { recursive: true, force: true });
});

/** The head of a batch upload announcing `length` bytes, with or without the token. */
function batchHead(length: number, withToken: boolean): string {
  return [
    'POST /api/v1/surveys HTTP/1.1',
    'Host: 127.0.0.1',
    ...(withToken ? [`Authorization: Bearer ${token}`] : []),
    'Content-Type: application/json',
    `Content-Length: ${length}`,
  ].join('\r\n');
}

describe('1. slow bodies', () => {
  it('refuses an unauthenticated body before reading it and closes the connection', async () => {
    const result = await slowRequest(server.url, {
      head: batchHead(100_000, false),
      firstBytes: '{"surveys":[',
      chunk: ' ',
      everyMs: 100,
      giveUpMs: 60_000,
    });
    expect(result.closedByServer).toBe(true);
    expect(result.status).toBe(401);
    expect(result.answer).toMatch(/connection: close/i);
    expect(result.bytesSent).toBeLessThan(100_000);
  });

  it('refuses a body outside the API before reading it', async () => {
    const result = await slowRequest(server.url, {
      head: [
        'POST /some/page HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/x-www-form-urlencoded',
        'Content-Length: 100000',
      ].join('\r\n'),
      chunk: 'a',
      everyMs: 100,
      giveUpMs: 60_000,
    });
    expect(result.closedByServer).toBe(true);
    expect(result.status).toBe(404);
    expect(result.bytesSent).toBeLessThan(100_000);
  });

  it('cuts off an authenticated body that trickles (408 body_timeout) and closes the connection', async () => {
    const result = await slowRequest(server.url, {
      head: batchHead(100_000, true),
      firstBytes: '{"surveys":[',
      chunk: '          ', // 10 bytes every 100 ms: never idle, never done
      everyMs: 100,
      giveUpMs: 90_000,
    });
    expect(result.closedByServer).toBe(true);
    expect(result.status).toBe(408);
    expect(result.answer).toContain('"error":"body_timeout"');
    expect(result.bytesSent).toBeLessThan(100_000);
  });

  it('cuts off an authenticated body that stops coming (408 body_timeout)', async () => {
    const result = await slowRequest(server.url, {
      head: batchHead(5000, true),
      firstBytes: '{"surveys":[',
      stopAfterBytes: 12,
      giveUpMs: 90_000,
    });
    expect(result.closedByServer).toBe(true);
    expect(result.status).toBe(408);
    expect(result.answer).toContain('"error":"body_timeout"');
  });
});

describe('3. percent-encoded paths', () => {
  it('gives /%61pi/... the API headers, with or without a token', async () => {
    for (const pathname of ['/%61pi/v1/surveys', '/api/v1/%73urveys', '/%61pi/v1/health']) {
      for (const authorization of [`Bearer ${token}`, undefined]) {
        const response = await fetch(server.url + pathname, {
          headers: authorization ? { authorization } : {},
        });
        const label = `${pathname} ${authorization ? 'with' : 'without'} a token`;
        expect(response.headers.get('cache-control'), label).toBe('no-store');
        expect(response.headers.get('content-security-policy'), label).toMatch(
          /^default-src 'none'/,
        );
        expect(response.status, label).toBe(
          authorization || pathname.endsWith('health') ? 200 : 401,
        );
      }
    }
  });
});

describe('4. photo size', () => {
  it('refuses bytes whose length is not the record’s photo.bytes, declared or counted', async () => {
    const photo = await makeJpeg(4, 80, 60);
    expect(photo.length).toBeGreaterThan(1000);
    const record = makeRecord(4, { sha256: sha256(photo), bytes: 1 });
    await api.postSurveys([record]);

    const declared = await api.putPhoto<SyncApiErrorBody>(record.id, photo);
    expect(declared.status).toBe(422);
    expect(declared.body.error).toBe('photo_size_mismatch');
    const chunked = await rawRequest(server.url, {
      method: 'PUT',
      path: `/api/v1/surveys/${record.id}/photo`,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'image/jpeg',
        'transfer-encoding': 'chunked',
      },
      body: photo,
    });
    expect(chunked.status).toBe(422);
    expect(JSON.parse(chunked.body).error).toBe('photo_size_mismatch');
    const state = await api.get<{ photo: { present: boolean } }>(`/surveys/${record.id}`);
    expect(state.body.photo.present).toBe(false);
  });
});

describe('5. HSTS', () => {
  it('is not sent over plain HTTP (tls.test.ts checks it over HTTPS)', async () => {
    const response = await fetch(`${server.url}/api/v1/health`);
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('6. the error contract', () => {
  const batch = JSON.stringify({ surveys: [makeRecord(6, photoMetaFor(6))] });

  it('answers 415 to text/plain, another charset or a compressed body on the batch route', async () => {
    const cases: Record<string, string>[] = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain; charset=utf-8' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json; charset="utf-16"' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'deflate, br' },
    ];
    for (const headers of cases) {
      const response = await fetch(`${server.url}/api/v1/surveys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...headers },
        body: batch,
      });
      const body = (await response.json()) as SyncApiErrorBody;
      expect(response.status, JSON.stringify(headers)).toBe(415);
      expect(body.error).toBe('unsupported_media_type');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // UTF-8 spelled either way is fine.
    for (const charset of ['utf-8', 'UTF8']) {
      const ok = await fetch(`${server.url}/api/v1/surveys`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `application/json; charset=${charset}`,
        },
        body: batch,
      });
      expect(ok.status).toBe(200);
    }
  });

  it('answers a too-long or undecodable id with its own JSON error and the API headers', async () => {
    for (const [pathname, code] of [
      [`/api/v1/surveys/${'a'.repeat(300)}`, 'invalid_id'],
      [`/api/v1/surveys/${'a'.repeat(300)}/photo`, 'invalid_id'],
      ['/api/v1/surveys/%zz', 'bad_request'],
    ]) {
      const response = await fetch(server.url + pathname, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, pathname).toBe(400);
      expect(((await response.json()) as SyncApiErrorBody).error).toBe(code);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

describe('7. tokens in the query string', () => {
  it('refuses them on every route and never writes them to the log', async () => {
    const secret = `rcd_${'Q'.repeat(43)}`;
    for (const query of [
      `access_token=${secret}`,
      `token=${secret}`,
      `x=${secret}`,
      `Authorization=Bearer%20${secret}`,
    ]) {
      for (const pathname of ['/api/v1/surveys', '/api/v1/health', '/api/v1/export.csv']) {
        const response = await fetch(`${server.url}${pathname}?${query}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status, `${pathname}?${query}`).toBe(400);
        expect(((await response.json()) as SyncApiErrorBody).error).toBe('token_in_query');
      }
    }
    // On the app's pages too, a token's value is refused; their own parameters are not.
    const page = await fetch(`${server.url}/?t=${secret}`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
    const model = await fetch(`${server.url}/?model=/models/x.json&backend=cpu`, {
      headers: { accept: 'text/html' },
    });
    expect(model.status).not.toBe(400);
    // Requests are logged, with the query left out. The server's log reaches the test through a
    // pipe: under load the last lines come a moment after the answers.
    await expect.poll(() => server.output()).toContain('/api/v1/health?[query not logged]');
    expect(server.output()).not.toContain('QQQQQQQQ');
    expect(server.output()).not.toContain(token);
  });
});

describe('8. owner-only files', () => {
  it('keeps the data directory 0700 and the database and photos 0600', async () => {
    const photo = await makeJpeg(8);
    const record = makeRecord(8, photo);
    await api.postSurveys([record]);
    expect((await api.putPhoto(record.id, photo)).status).toBe(201);

    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(dataDir)).toBe(0o700);
    for (const dir of ['photos', 'tmp']) expect(mode(path.join(dataDir, dir)), dir).toBe(0o700);
    for (const file of readdirSync(dataDir).filter((f) => f.startsWith('roadcam.sqlite'))) {
      expect(mode(path.join(dataDir, file)), file).toBe(0o600);
    }
    expect(readdirSync(dataDir)).toEqual(
      expect.arrayContaining(['roadcam.sqlite', 'roadcam.sqlite-wal', 'roadcam.sqlite-shm']),
    );
    expect(mode(path.join(dataDir, 'photos', `${record.id}.jpg`))).toBe(0o600);
  });
});

describe('9. exports and records', () => {
  it('defuses CSV cells a spreadsheet would run, and drops NUL', () => {
    for (const text of [
      '=1+2',
      '+1',
      '-1',
      '@SUM(A1)',
      '\t=1',
      '\r=1',
      '\n=1',
      ' =1',
      '＝1+2',
      '＋1',
      '－1',
      '＠A',
    ]) {
      expect(csvField(text).replace(/^"/, '').startsWith("'"), JSON.stringify(text)).toBe(true);
    }
    expect(csvField('a\0b\0')).toBe('ab');
    expect(csvField('\0=1')).toBe("'=1");
    expect(csvField('plain notes, with a comma')).toBe('"plain notes, with a comma"');
    expect(csvField(-33.9)).toBe('-33.9');
  });

  it('exports defused notes and relative photo links whatever the Host header says', async () => {
    const photo = await makeJpeg(9);
    const notes = ['\n=HYPERLINK("http://x")', ' =1+2', '＝SUM(A1:A9)', 'no\0nul'];
    const records = notes.map((n, i) => makeRecord(90 + i, photo, { notes: n }));
    await api.postSurveys(records);
    await api.putPhoto(records[0].id, photo);

    const csv = await rawRequest(server.url, {
      method: 'GET',
      path: '/api/v1/export.csv',
      headers: { authorization: `Bearer ${token}`, host: 'evil.example' },
    });
    expect(csv.status).toBe(200);
    expect(csv.body).not.toContain('evil.example');
    expect(csv.body).not.toContain('\0');
    for (const record of records) {
      const line = csv.body.split('\r\n').find((l) => l.startsWith(record.id))!;
      expect(line).toBeDefined();
      if (record.notes !== 'no\0nul') expect(line).toMatch(/,"?'/);
    }
    expect(csv.body).toContain(`,/api/v1/surveys/${records[0].id}/photo,`);

    const geo = await rawRequest(server.url, {
      method: 'GET',
      path: '/api/v1/export.geojson',
      headers: {
        authorization: `Bearer ${token}`,
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
      },
    });
    expect(geo.status).toBe(200);
    expect(geo.body).not.toContain('evil.example');
    expect(geo.body).toContain(`"photo_url":"/api/v1/surveys/${records[0].id}/photo"`);
  });

  it('refuses cam.data that is not base64 of width x height float32 values', async () => {
    const good = makeRecord(95, photoMetaFor(95));
    const cam = good.cam!;
    const wrong: SurveyRecordWire[] = [
      {
        ...good,
        id: randomUUID(),
        cam: { ...cam, data: encodeFloat32Base64(new Float32Array(48)) },
      },
      { ...good, id: randomUUID(), cam: { ...cam, width: 8 } },
      { ...good, id: randomUUID(), cam: { ...cam, data: cam.data.replace(/^./, '*') } },
      { ...good, id: randomUUID(), cam: { ...cam, data: cam.data + '====' } },
    ];
    const answer = await api.postSurveys<SurveyBatchResponse>([good, ...wrong]);
    expect(answer.body.results.map((r) => r.status)).toEqual([
      'created',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    for (const result of answer.body.results.slice(1)) expect(result.reason).toMatch(/cam\.data/);
  });
});
