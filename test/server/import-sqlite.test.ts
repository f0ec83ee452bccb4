/**
 * A team moves from the embedded database to PostgreSQL: `npm run server -- import-sqlite DIR`
 * copies a SQLite data directory into the database of DATABASE_URL: surveys with their times
 * and revisions, photos, tokens, and the office's data: reviews with their audit trail, model
 * releases with their files and the current one, the road network, drive runs. A server on it
 * serves the same exports (road and chainage too), list, review queue and trail, current model
 * (byte for byte) and runs; the phones' tokens work, a damaged photo is reported and not
 * copied, a second run adds nothing, and the office carries on where it stopped.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelReleaseResponse } from '../../src/schema/model-release';
import type {
  ReviewDetailResponse,
  ReviewPullResponse,
  ReviewQueueResponse,
  ReviewSaveResponse,
} from '../../src/schema/review';
import type { SurveyServerState } from '../../src/schema/survey';
import { PostgresCluster } from '../../tools/lib/postgres-cluster';
import { ServerProcess } from '../../tools/lib/server-process';
import {
  apiClient,
  listAllSurveys,
  makeJpeg,
  makeRecord,
  makeRun,
  modelFolder,
  oneRoadNetwork,
} from './fixtures';

let cluster: PostgresCluster;
let folders: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  cluster = await PostgresCluster.start();
  folders = mkdtempSync(path.join(os.tmpdir(), 'roadcam-import-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  await cluster?.dispose();
  if (folders) rmSync(folders, { recursive: true, force: true });
});

describe('import-sqlite', () => {
  it('moves a SQLite data directory into PostgreSQL: same exports, photos and tokens; twice is harmless', async () => {
    const pilot = await ServerProcess.start();
    servers.push(pilot);
    const token = await pilot.createToken('phone-1');
    await pilot.createToken('tablet');
    await pilot.revokeToken('tablet');
    const api = apiClient(pilot.url, token);
    const photos = await Promise.all([0, 1, 2, 3].map((i) => makeJpeg(800 + i)));
    const records = photos.map((photo, i) => makeRecord(800 + i, photo));
    await api.postSurveys(records);
    for (const [i, record] of records.entries()) await api.putPhoto(record.id, photos[i]);
    await api.postSurveys([{ ...records[1], revision: 2, notes: 'edited on the pilot' }]);
    const exports = async (server: ServerProcess) => {
      const client = apiClient(server.url, token);
      const csv = await client.get<Buffer>('/export.csv');
      const geojson = await client.get<unknown>('/export.geojson');
      const listed = await listAllSurveys(client, 2);
      return { csv: csv.body.toString('utf8'), geojson: geojson.body, listed };
    };
    const before = await exports(pilot);
    await pilot.kill('SIGTERM');
    // One photo file damaged on the pilot's disk: reported, not copied.
    writeFileSync(path.join(pilot.dataDir, 'photos', `${records[3].id}.jpg`), photos[2]);

    const env = { DATABASE_URL: await cluster.createDatabase() };
    const importer = await ServerProcess.start({ env });
    servers.push(importer);
    const first = await importer.cli(['import-sqlite', pilot.dataDir]);
    expect(first.stdout).toContain('surveys: 4 new, 0 already there');
    expect(first.stdout).toContain('photos: 3 copied, 1 missing or damaged');
    expect(first.stdout).toContain(records[3].id);
    expect(first.stdout).toContain('device tokens: 2 new');
    expect(first.code).toBe(1); // something needs a look: the damaged photo
    const second = await importer.cli(['import-sqlite', pilot.dataDir]);
    expect(second.stdout).toContain('surveys: 0 new, 4 already there');
    expect(second.stdout).toContain('photos: 0 copied, 1 missing or damaged');
    expect(second.stdout).toContain('device tokens: 0 new');

    const after = await exports(importer);
    const withoutPhoto = (list: SurveyServerState[]) =>
      list.map((s) =>
        s.id === records[3].id
          ? { ...s, photo: { ...s.photo, present: false, storedAt: null } }
          : s,
      );
    // Same list (times, revisions, hashes), but for the photo that was not copied.
    expect(after.listed).toEqual(withoutPhoto(before.listed));
    const photoLine = (csv: string) =>
      csv
        .split('\r\n')
        .map((line) =>
          line.startsWith(records[3].id) ? line.replace(/,\/api[^,]*,/, ',,') : line,
        );
    expect(photoLine(after.csv)).toEqual(photoLine(before.csv));
    expect(after.csv).toContain('edited on the pilot');

    const client = apiClient(importer.url, token);
    for (const i of [0, 1, 2]) {
      const download = await client.get<Buffer>(`/surveys/${records[i].id}/photo`);
      expect(download.body.equals(photos[i])).toBe(true);
    }
    expect((await client.get(`/surveys/${records[3].id}/photo`)).status).toBe(404);
    // The phone's token works; the revoked one stays revoked; uploads go on.
    expect((await client.postSurveys([records[0]])).status).toBe(200);
    const list = await importer.cli(['token', 'list']);
    expect(list.stdout).toMatch(/^tablet\t.*\t\d{4}-/m);
  });

  it.each(['folder', 'postgres'])(
    "copies the office's reviews with their trail, model releases (files in the %s store), road network and runs",
    async (photoStore) => {
      const pilot = await ServerProcess.start();
      servers.push(pilot);
      const phoneToken = await pilot.createToken('phone-1');
      const officeToken = await pilot.createToken('office-anna', 'reviewer');
      const phone = apiClient(pilot.url, phoneToken);
      const office = apiClient(pilot.url, officeToken);
      const photos = await Promise.all([0, 1, 2].map((i) => makeJpeg(900 + i)));
      const records = photos.map((photo, i) => makeRecord(900 + i, photo));
      await phone.postSurveys(records);
      for (const [i, record] of records.entries()) await phone.putPhoto(record.id, photos[i]);

      // Reviews: three decisions on one survey (a trail of three), one on another.
      const decide = async (id: string, expectedVersion: number, decision: object) => {
        const saved = await office.put<ReviewSaveResponse>(`/reviews/${id}`, {
          basedOnRevision: 1,
          expectedVersion,
          ...decision,
        });
        expect(saved.status).toBe(200);
      };
      await decide(records[0].id, 0, { labels: ['pothole'] });
      await decide(records[0].id, 1, { accept: true });
      await decide(records[0].id, 2, {
        labels: ['crack'],
        boxes: [{ type: 'crack', box: [4, 4, 20, 12] }],
      });
      await decide(records[1].id, 0, { labels: ['patch'] });

      // Two releases, the older one current (a roll-back): the current one is what moves.
      for (const [version, seed] of [
        ['1.1.0', 1],
        ['1.2.0', 3],
      ] as const) {
        const dir = modelFolder(folders, `${photoStore}-${version}`, { version, seed });
        expect((await pilot.cli(['model', 'publish', dir])).code).toBe(0);
      }
      expect((await pilot.cli(['model', 'current', '1.1.0'])).code).toBe(0);

      // A road along the surveys (each 1e-4° north and west of the one before).
      const roads = oneRoadNetwork([
        [2.2602, 48.9398],
        [2.2595, 48.9405],
      ]);
      const loaded = await office.put('/roads?name=county.geojson', roads, 'application/geo+json');
      expect(loaded.status).toBe(200);

      const run = (overrides: object = {}) =>
        makeRun({
          track: [
            [2.2602, 48.9398, 0],
            [2.2595, 48.9405, 600000],
          ],
          distanceM: 95,
          surveyIds: records.map((r) => r.id),
          ...overrides,
        });
      const runs = [run(), run({ endReason: 'hidden' })];
      const postRuns = (batch: object[]) =>
        phone.postRawTo('/runs', JSON.stringify({ runs: batch }));
      expect((await postRuns(runs)).status).toBe(200);
      expect((await postRuns([{ ...runs[1], revision: 2, distanceM: 96 }])).status).toBe(200);

      // The pilot's clock ran ahead for a decision (two hours) and a run (one): later changes
      // on PostgreSQL must still come after them (the shared change clock is raised past them).
      await pilot.kill('SIGTERM');
      const file = new Database(path.join(pilot.dataDir, 'roadcam.sqlite'));
      file
        .prepare('UPDATE reviews SET changed_at = changed_at + 7200000 WHERE survey_id = ?')
        .run(records[0].id);
      file
        .prepare('UPDATE runs SET changed_at = changed_at + 3600000 WHERE id = ?')
        .run(runs[0].id);
      file.close();
      await pilot.restart();

      /** What the office and the phones see, read through a server's API. */
      const served = async (server: ServerProcess) => {
        const asOffice = apiClient(server.url, officeToken);
        const asPhone = apiClient(server.url, phoneToken);
        const current = await asPhone.get<ModelReleaseResponse>('/models/current');
        const files = await Promise.all(
          current.body.files.map(async (file) => {
            const response = await fetch(server.url + file.url, {
              headers: { authorization: `Bearer ${phoneToken}` },
            });
            const bytes = Buffer.from(await response.arrayBuffer());
            return { ...file, downloaded: createHash('sha256').update(bytes).digest('hex') };
          }),
        );
        const pull = await asPhone.get<ReviewPullResponse>('/reviews');
        return {
          queue: (await asOffice.get<ReviewQueueResponse>('/review/surveys')).body,
          trails: await Promise.all(
            records.map(
              async (r) => (await asOffice.get<ReviewDetailResponse>(`/reviews/${r.id}`)).body,
            ),
          ),
          pull: pull.body.reviews,
          model: { ...current.body, files },
          models: (await server.cli(['model', 'list'])).stdout,
          roads: (await asOffice.get<Buffer>('/roads')).body.toString('utf8'),
          roadsInfo: (await asOffice.get('/roads/info')).body,
          csv: (await asOffice.get<Buffer>('/export.csv')).body.toString('utf8'),
          runs: (await asPhone.get('/runs')).body,
          runsExport: (await asPhone.get('/export/runs.geojson')).body,
        };
      };
      const before = await served(pilot);
      expect(before.trails[0].events).toHaveLength(3);
      expect(before.csv).toContain('D907');
      expect(before.pull).toHaveLength(2);
      expect((before.runs as { runs: unknown[] }).runs).toHaveLength(2);
      await pilot.kill('SIGTERM');

      const env = { DATABASE_URL: await cluster.createDatabase(), ROADCAM_PHOTO_STORE: photoStore };
      const importer = await ServerProcess.start({ env });
      servers.push(importer);
      // What the command says for the office's data, first time and again (nothing to add).
      for (const [n, events, roadNetwork] of [
        [2, 4, 'copied'],
        [0, 0, 'already there'],
      ] as const) {
        const imported = await importer.cli(['import-sqlite', pilot.dataDir]);
        const there = 2 - n;
        expect(imported.stdout).toContain(`drive runs: ${n} new, ${there} already there\n`);
        expect(imported.stdout).toContain(
          `reviews: ${n} new, ${there} already there; ${events} trail events copied\n`,
        );
        expect(imported.stdout).toContain(`model releases: ${n} new, ${there} already there\n`);
        expect(imported.stdout).toContain(`road network: ${roadNetwork}\n`);
        expect(imported.code).toBe(0);
      }

      const after = await served(importer);
      // Same ids, versions, times and change-clock values; the same files byte for byte.
      expect(after).toEqual(before);
      for (const file of after.model.files) expect(file.downloaded).toBe(file.sha256);
      expect(after.model.version).toBe('1.1.0');

      // The office carries on: the next decision is version 4, and it and the next run come
      // after every imported change.
      const afterImport = (token: string) => apiClient(importer.url, token);
      const next = await afterImport(officeToken).put<ReviewSaveResponse>(
        `/reviews/${records[0].id}`,
        { basedOnRevision: 1, expectedVersion: 3, labels: ['pothole'] },
      );
      expect(next.body.review).toMatchObject({ version: 4 });
      const latest = (list: { changedAt: string }[]) =>
        list
          .map((r) => r.changedAt)
          .sort()
          .at(-1)!;
      expect(next.body.review.changedAt > latest(before.pull)).toBe(true);
      const newRun = run();
      expect(
        (await afterImport(phoneToken).postRawTo('/runs', JSON.stringify({ runs: [newRun] })))
          .status,
      ).toBe(200);
      const stored = await afterImport(phoneToken).get<{ changedAt: string }>(`/runs/${newRun.id}`);
      expect(
        stored.body.changedAt > latest((before.runs as { runs: { changedAt: string }[] }).runs),
      ).toBe(true);
    },
  );
});
