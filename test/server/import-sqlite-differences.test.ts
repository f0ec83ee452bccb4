/**
 * `import-sqlite` into a database that already holds other versions of what the SQLite data
 * directory holds (say, two offices merging, or a pilot imported, then edited on both sides): a
 * survey, a drive run, a review, a model release (and another current release) and the road
 * network. The command says what differs and exits with 1; the database's versions stay as they
 * were, row for row and byte for byte (photos and model files too), nothing is added twice, and
 * the rest is copied. A second run says the same and adds nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app';
import { publishModel } from '../../server/models/publish-model';
import { openStorage, type Storage, type StorageOptions } from '../../server/store/storage';
import { hashDeviceToken } from '../../server/tokens';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import { runServerCli } from '../../tools/lib/server-process';
import { makeJpeg, makeRecord, makeRun, modelFolder, oneRoadNetwork } from './fixtures';

const PHONE_TOKEN = `rcd_${'p'.repeat(43)}`;
const OFFICE_TOKEN = `rcd_${'o'.repeat(43)}`;

let cluster: PostgresCluster;
let folders: string;

beforeAll(async () => {
  cluster = await PostgresCluster.start();
  folders = mkdtempSync(path.join(os.tmpdir(), 'roadcam-import-differences-'));
});

afterAll(async () => {
  await cluster?.dispose();
  if (folders) rmSync(folders, { recursive: true, force: true });
});

/** A server in this process on `options`' storage, called with a phone's or an office's token. */
async function openServer(options: StorageOptions) {
  const storage = await openStorage(options);
  await storage.tokens.createToken('phone-1', hashDeviceToken(PHONE_TOKEN), 'surveyor');
  await storage.tokens.createToken('office-anna', hashDeviceToken(OFFICE_TOKEN), 'reviewer');
  const app = await buildServer({ ...storage, appDir: null });
  const as =
    (token: string) =>
    async (method: 'POST' | 'PUT', url: string, payload: object | string, type?: string) => {
      const answer = await app.inject({
        method,
        url: `/api/v1${url}`,
        payload,
        headers: { authorization: `Bearer ${token}`, 'content-type': type ?? 'application/json' },
      });
      expect(answer.statusCode, `${method} ${url}: ${answer.body}`).toBeLessThan(300);
    };
  return { storage, app, phone: as(PHONE_TOKEN), office: as(OFFICE_TOKEN) };
}

async function close(server: { storage: Storage; app: FastifyInstance }) {
  await server.app.close();
  await server.storage.close();
}

/** Every row of the office's tables, by key (the change clock aside: the import raises it). */
const TABLES = {
  surveys: 'id',
  photos: 'survey_id',
  runs: 'id',
  reviews: 'survey_id',
  review_events: 'seq',
  model_releases: 'version',
  model_files: 'version, path',
  model_current: 'only_row',
  road_network: 'only_row',
  tokens: 'id',
} as const;
type Table = keyof typeof TABLES;
type Rows = Record<Table, Record<string, unknown>[]>;

async function readTables(url: string): Promise<Rows> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = {} as Rows;
    for (const [table, key] of Object.entries(TABLES)) {
      rows[table as Table] = (await client.query(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;
    }
    return rows;
  } finally {
    await client.end();
  }
}

describe('import-sqlite into a database that holds other versions', () => {
  it('names what differs, exits with 1, keeps the database’s versions as they are and copies the rest', async () => {
    // The SQLite pilot and the database each hold their own version of survey 1, run 1, the
    // review of survey 0, model release 1.1.0 and the road network; survey 0 and run 0 are
    // the same on both; survey 2, run 2, release 1.2.0 only on the pilot.
    const photos = await Promise.all([0, 1, 2].map((i) => makeJpeg(700 + i)));
    const surveys = photos.map((photo, i) => makeRecord(700 + i, photo));
    const runs = [makeRun(), makeRun(), makeRun()];
    const sourceDir = path.join(folders, 'pilot');
    const pilot = await openServer({ dataDir: sourceDir, databaseUrl: null, photoStore: 'folder' });
    const databaseUrl = await cluster.createDatabase();
    const target = await openServer({
      dataDir: path.join(folders, 'target'),
      databaseUrl,
      photoStore: 'postgres',
    });

    const edited = { ...surveys[1], revision: 2, notes: 'edited on the pilot' };
    await pilot.phone('POST', '/surveys', { surveys: [surveys[0], edited, surveys[2]] });
    await target.phone('POST', '/surveys', { surveys: [surveys[0], surveys[1]] });
    for (const [i, photo] of photos.entries()) {
      await pilot.phone('PUT', `/surveys/${surveys[i].id}/photo`, photo, 'image/jpeg');
    }
    // The database has survey 0's photo, and not survey 1's: it stays without.
    await target.phone('PUT', `/surveys/${surveys[0].id}/photo`, photos[0], 'image/jpeg');

    await pilot.phone('POST', '/runs', { runs: [runs[0], runs[1], runs[2]] });
    await target.phone('POST', '/runs', { runs: [runs[0], { ...runs[1], distanceM: 5 }] });

    const decide = (server: typeof pilot, id: string, body: object) =>
      server.office('PUT', `/reviews/${id}`, body);
    await decide(pilot, surveys[0].id, { basedOnRevision: 1, expectedVersion: 0, accept: true });
    await decide(pilot, surveys[0].id, {
      basedOnRevision: 1,
      expectedVersion: 1,
      labels: ['crack'],
    });
    await decide(pilot, surveys[1].id, { basedOnRevision: 2, expectedVersion: 0, accept: true });
    await decide(pilot, surveys[2].id, {
      basedOnRevision: 1,
      expectedVersion: 0,
      labels: ['patch'],
    });
    await decide(target, surveys[0].id, {
      basedOnRevision: 1,
      expectedVersion: 0,
      labels: ['pothole'],
    });

    // Release 1.1.0 with other files on each side; each makes its last publish current.
    const publish = (server: typeof pilot, version: string, seed: number) =>
      publishModel(modelFolder(folders, `${seed}-${version}`, { version, seed }), '', {
        models: server.storage.models,
        modelFiles: server.storage.modelFiles,
      });
    await publish(pilot, '1.1.0', 1);
    await publish(pilot, '1.2.0', 3);
    await publish(target, '1.1.0', 2);

    await pilot.office(
      'PUT',
      '/roads?name=pilot.geojson',
      oneRoadNetwork([
        [2.2602, 48.9398],
        [2.2595, 48.9405],
      ]),
      'application/geo+json',
    );
    await target.office(
      'PUT',
      '/roads?name=county.geojson',
      oneRoadNetwork([
        [2.25, 48.94],
        [2.2493, 48.9407],
      ]),
      'application/geo+json',
    );
    await close(pilot);
    await close(target);

    const before = await readTables(databaseUrl);
    const env = {
      DATABASE_URL: databaseUrl,
      ROADCAM_PHOTO_STORE: 'postgres',
      ROADCAM_DATA_DIR: path.join(folders, 'target'),
    };
    const first = await runServerCli(['import-sqlite', sourceDir], env);
    expect(first.stderr).toBe('');
    const kept = 'held with other content by the database (kept as they are)';
    expect(first.stdout).toContain(
      `surveys: 1 new, 1 already there, 1 ${kept}: ${surveys[1].id}\n`,
    );
    // Survey 2's photo; survey 0's was there, survey 1's is another survey's.
    expect(first.stdout).toContain('photos: 1 copied\n');
    expect(first.stdout).toContain('device tokens: 0 new\n');
    expect(first.stdout).toContain(
      `drive runs: 1 new, 1 already there, 1 ${kept}: ${runs[1].id}\n`,
    );
    expect(first.stdout).toContain(
      `reviews: 1 new, 0 already there, 1 ${kept}: ${surveys[0].id}; 1 trail events copied; ` +
        `not imported (the database holds their surveys with other content): ${surveys[1].id}\n`,
    );
    expect(first.stdout).toContain(
      `model releases: 1 new, 0 already there, 1 ${kept}: 1.1.0; the database's current release ` +
        '1.1.0 is kept (choose with `model current VERSION`)\n',
    );
    expect(first.stdout).toContain(
      'road network: the database holds another network (kept; load the right one with ' +
        '`roads load FILE`)\n',
    );
    expect(first.code).toBe(1);

    // Every row the database held is there as it was; the new ones are only the pilot's own.
    const after = await readTables(databaseUrl);
    const added: Record<Table, number> = {
      surveys: 1, // survey 2
      photos: 1,
      runs: 1, // run 2
      reviews: 1, // of survey 2
      review_events: 1,
      model_releases: 1, // 1.2.0
      model_files: before.model_files.length, // 1.2.0's, as many files as 1.1.0
      model_current: 0,
      road_network: 0,
      tokens: 0,
    };
    for (const table of Object.keys(TABLES) as Table[]) {
      const keyOf = (row: Record<string, unknown>) =>
        TABLES[table]
          .split(', ')
          .map((column) => String(row[column]))
          .join('/');
      const held = new Set(before[table].map(keyOf));
      expect(
        after[table].filter((row) => held.has(keyOf(row))),
        table,
      ).toEqual(before[table]);
      expect(after[table].length, table).toBe(before[table].length + added[table]);
    }
    const byId = (rows: Record<string, unknown>[], key: string, value: unknown) =>
      rows.find((row) => row[key] === value);
    expect(byId(after.surveys, 'id', surveys[1].id)).toMatchObject({ photo_stored_at: null });
    expect(JSON.parse(byId(after.surveys, 'id', surveys[1].id)!.record_json as string)).toEqual(
      expect.objectContaining({ revision: 1, notes: surveys[1].notes }),
    );
    expect(byId(after.reviews, 'survey_id', surveys[1].id)).toBeUndefined();
    expect(after.model_current[0].version).toBe('1.1.0');
    expect(after.road_network[0].name).toBe('county.geojson');

    // Again: the same differences, nothing new.
    const second = await runServerCli(['import-sqlite', sourceDir], env);
    expect(second.stdout).toContain(
      `surveys: 0 new, 2 already there, 1 ${kept}: ${surveys[1].id}\n`,
    );
    expect(second.stdout).toContain('photos: 0 copied\n');
    expect(second.stdout).toContain(
      `drive runs: 0 new, 2 already there, 1 ${kept}: ${runs[1].id}\n`,
    );
    expect(second.stdout).toContain(
      `reviews: 0 new, 1 already there, 1 ${kept}: ${surveys[0].id}; 0 trail events`,
    );
    expect(second.stdout).toContain(`model releases: 0 new, 1 already there, 1 ${kept}: 1.1.0;`);
    expect(second.code).toBe(1);
    expect(await readTables(databaseUrl)).toEqual(after);
  });
});
