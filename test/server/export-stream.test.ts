/**
 * Exports of 100,000 surveys, streamed: the answer is sent in chunks as the pages are read
 * (no Content-Length, bounded memory even for a client that reads slowly), /health answers
 * all along, at most two exports run at once (the third gets 429 with Retry-After), and with
 * ROADCAM_PUBLIC_URL the photo links start with it. The records are written straight into the
 * SQLite file before the server starts (uploading them would take minutes).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../server/canonical-json';
import { openSqliteDatabase } from '../../server/store/sqlite/sqlite-database';
import { DATABASE_FILE_NAME, prepareDataDir } from '../../server/store/storage';
import { ServerProcess } from '../../tools/lib/server-process';
import { makeRecord, photoMetaFor } from './fixtures';

const SURVEYS = 100_000;
let server: ServerProcess;
let token: string;
let dataDir: string;
let withPhoto: string;

/** 100,000 distinct records (ids differ, and so do their notes), in one transaction. */
function bulkLoad(dir: string): void {
  prepareDataDir(dir);
  const db = openSqliteDatabase(path.join(dir, DATABASE_FILE_NAME));
  const template = makeRecord(1, photoMetaFor(1), { notes: 'NOTES' });
  // Canonical JSON made once; each row swaps in its id and notes (as canonicalJson would).
  const [before, after] = canonicalJson({ ...template, id: 'ID' }).split('"ID"');
  const insert = db.prepare(
    `INSERT INTO surveys (id, record_json, content_sha256, received_at, received_from,
       changed_at, photo_sha256, photo_bytes, photo_stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < SURVEYS; i++) {
      const id = `${(i + 0x10000000).toString(16)}-0000-4000-8000-000000000000`;
      const json = `${before}"${id}"${after}`.replace('"NOTES"', `"Bulk survey ${i}"`);
      const storedAt = i === 0 ? 1_700_000_000_000 : null;
      insert.run(
        id,
        json,
        sha256Hex(json),
        1_700_000_000_000,
        'bulk',
        1_700_000_000_000 + i,
        template.photo.sha256,
        template.photo.bytes,
        storedAt,
      );
      if (i === 0) withPhoto = id;
    }
  })();
  db.close();
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-export-'));
  bulkLoad(dataDir);
  server = await ServerProcess.start({
    dataDir,
    env: { ROADCAM_PUBLIC_URL: 'https://roadcam.example.org/', ROADCAM_MAX_EXPORTS: '2' },
  });
  token = await server.createToken('office');
});

afterAll(async () => {
  await server?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Peak resident memory of the server process so far (VmHWM), MiB. */
function peakMemoryMiB(): number {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Starts an export and hands back its response without reading it. */
function startExport(name: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${server.url}/api/v1/${name}`,
      { headers: { authorization: `Bearer ${token}` } },
      resolve,
    );
    request.on('error', reject);
  });
}

async function readAll(response: http.IncomingMessage, pauseMs = 0): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) {
    chunks.push(chunk as Buffer);
    if (pauseMs > 0 && chunks.length % 50 === 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return Buffer.concat(chunks).toString('utf8');
}

describe('streamed exports', () => {
  it('streams 100,000 surveys as CSV while /health keeps answering, in bounded memory', async () => {
    const before = peakMemoryMiB();
    const response = await startExport('export.csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.headers['transfer-encoding']).toBe('chunked');

    let exporting = true;
    const reading = readAll(response, 20).finally(() => (exporting = false));
    const health: number[] = [];
    while (exporting) {
      const answer = await fetch(`${server.url}/api/v1/health`);
      if (exporting) health.push(answer.status);
      await new Promise((r) => setTimeout(r, 20));
    }
    const csv = await reading;

    const lines = csv.split('\r\n').filter((l) => l !== '');
    expect(lines).toHaveLength(SURVEYS + 1);
    expect(new Set(lines.slice(1).map((l) => l.slice(0, 36))).size).toBe(SURVEYS);
    // Answered during the export, every time (at least a few: the export takes seconds).
    expect(health.length).toBeGreaterThanOrEqual(5);
    expect(health.every((s) => s === 200)).toBe(true);
    // The whole CSV is ~18 MB, ~100 MB of records as objects; the server held a page at a time.
    expect(csv.length).toBeGreaterThan(15 * 2 ** 20);
    expect(peakMemoryMiB() - before).toBeLessThan(100);
    expect(csv).toContain(`,https://roadcam.example.org/api/v1/surveys/${withPhoto}/photo,`);
  });

  it('streams the GeoJSON, and refuses a third export while two run', async () => {
    const first = await startExport('export.geojson');
    const second = await startExport('export.csv');
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    // Neither is read yet: both are running.
    const third = await fetch(`${server.url}/api/v1/export.geojson`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('30');
    expect(((await third.json()) as { error: string }).error).toBe('too_many_exports');

    const geojson = JSON.parse(await readAll(first)) as {
      features: { properties: { id: string; photo_url: string | null } }[];
    };
    expect(geojson.features).toHaveLength(SURVEYS);
    expect(geojson.features.find((f) => f.properties.id === withPhoto)?.properties.photo_url).toBe(
      `https://roadcam.example.org/api/v1/surveys/${withPhoto}/photo`,
    );
    second.destroy(); // a client that gives up also frees its place
    await new Promise((r) => setTimeout(r, 200));
    const again = await startExport('export.csv');
    expect(again.statusCode).toBe(200);
    again.destroy();
  });
});
