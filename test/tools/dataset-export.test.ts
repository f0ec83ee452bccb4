/**
 * `npm run dataset`: reviewed surveys of a real SQLite data directory come out as a folder that
 * tools/data reads (the rdd2022 layout), with the office's labels rather than the model's, the
 * photos byte-identical, duplicates once, and the surveys nobody confirmed left out. Trains
 * nothing: it checks that the training tools read what the export writes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../server/store/storage';
import { typeLabel } from '../../tools/data/damage-labels';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import { exportDataset } from '../../tools/dataset/export-dataset';
import { projectRoot } from '../../tools/lib/paths';
import { makeJpeg, makeRecord, sha256 } from '../server/fixtures';
import { prepared } from '../server/store/store-backends';

const run = promisify(execFile);

let dataDir: string;
let outRoot: string;
let storage: Storage;
const ids: Record<string, string> = {};
const photos: Record<string, Buffer> = {};

async function addSurvey(name: string, index: number, jpeg?: Buffer) {
  const bytes = jpeg ?? (await makeJpeg(index));
  const record = makeRecord(index, bytes);
  await storage.surveys.putSurveys([prepared(record)], 'phone-1');
  await storage.photos.write(record.id, bytes);
  await storage.surveys.markPhotoStored(record.id);
  ids[name] = record.id;
  photos[name] = bytes;
  return record;
}

async function review(name: string, labels: string[], boxes: unknown[] = []) {
  const outcome = await storage.reviews.putReview({
    surveyId: ids[name],
    labels,
    boxes: boxes as never,
    accepted: false,
    reviewer: 'office-anna',
    basedOnRevision: 1,
    expectedVersion: 0,
  });
  expect(outcome.status).toBe('saved');
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-dataset-'));
  outRoot = mkdtempSync(path.join(os.tmpdir(), 'roadcam-dataset-out-'));
  storage = await openStorage({ dataDir, databaseUrl: null, photoStore: 'folder' });
  // The model said pothole (index 0: 'pothole'); the office says good road.
  await addSurvey('goodRoad', 0);
  await review('goodRoad', ['good_road']);
  // The model said normal; the office boxed a pothole.
  await addSurvey('pothole', 1);
  await review('pothole', ['pothole'], [{ type: 'pothole', box: [5, 6, 30, 40] }]);
  // A crack without a box: the whole photo.
  await addSurvey('crack', 2);
  await review('crack', ['longitudinal-crack']);
  await addSurvey('notRoad', 4);
  await review('notRoad', ['not_road']);
  // Nobody confirmed this one.
  await addSurvey('unreviewed', 5);
  // The same photo as `pothole`, reviewed the same: written once (whichever id comes first).
  await addSurvey('duplicate', 7, photos.pothole);
  await review('duplicate', ['pothole'], [{ type: 'pothole', box: [5, 6, 30, 40] }]);
  await storage.close();
  storage = await openStorage({ dataDir, databaseUrl: null, photoStore: 'folder' });
});

afterAll(async () => {
  await storage?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outRoot, { recursive: true, force: true });
});

describe('dataset export', () => {
  it('writes the reviewed surveys in a layout tools/data reads, with the office’s labels', async () => {
    const out = path.join(outRoot, 'direct');
    const report = await exportDataset(storage, out);
    expect(report.exported).toBe(3);
    expect(report.skipped).toMatchObject({ notConfirmed: 1, notRoad: 1, duplicatePhoto: 1 });

    const folder = readPhotoFolder(out);
    expect(folder.layout).toBe('rdd2022');
    const byFile = new Map(folder.photos.map((p) => [p.file, p]));
    const good = byFile.get(`images/${ids.goodRoad}.jpg`)!;
    expect(good.label).toBe('normal');
    expect(typeLabel(good, 'pothole')).toEqual({ present: 0, boxes: [] });

    const potholeName = byFile.has(`images/${ids.pothole}.jpg`) ? 'pothole' : 'duplicate';
    expect(
      byFile.has(`images/${ids[potholeName === 'pothole' ? 'duplicate' : 'pothole']}.jpg`),
    ).toBe(false);
    const pothole = byFile.get(`images/${ids[potholeName]}.jpg`)!;
    expect(pothole.label).toBe('pothole');
    expect(typeLabel(pothole, 'pothole')).toEqual({ present: 1, boxes: [[5, 6, 30, 40]] });
    expect(typeLabel(pothole, 'crack')).toEqual({ present: 0, boxes: [] });

    const crack = byFile.get(`images/${ids.crack}.jpg`)!;
    expect(typeLabel(crack, 'longitudinal-crack')).toEqual({ present: 1, boxes: [[0, 0, 64, 48]] });
    expect(typeLabel(crack, 'pothole').present).toBe(0);

    expect(byFile.has(`images/${ids.unreviewed}.jpg`)).toBe(false);
    expect(byFile.has(`images/${ids.notRoad}.jpg`)).toBe(false);
    expect(folder.photos).toHaveLength(3);
    for (const name of ['goodRoad', potholeName, 'crack']) {
      const bytes = readFileSync(path.join(out, `images/${ids[name]}.jpg`));
      expect(sha256(bytes)).toBe(sha256(photos[name]));
    }

    const provenance = readFileSync(path.join(out, 'provenance.csv'), 'utf8').trim().split('\n');
    expect(provenance).toHaveLength(4);
    const crackRow = provenance.find((line) => line.startsWith(ids.crack))!.split(',');
    expect(crackRow).toEqual([
      ids.crack,
      `images/${ids.crack}.jpg`,
      'phone-1',
      expect.stringMatching(/^2026-11-20T08:02:00/),
      '48.850',
      '2.350',
      'pothole-mobilenet@1.0.0',
      'longitudinal-crack',
      'office-anna',
      'review',
    ]);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toMatch(/Photos: 3 \(from office/);
  });

  it('runs as npm run dataset on the server’s data directory, and refuses a folder that is not empty', async () => {
    await storage.close();
    const out = path.join(outRoot, 'cli');
    const env = { ...process.env, ROADCAM_DATA_DIR: dataDir };
    const tsx = path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs');
    const args = [tsx, 'tools/dataset/main.ts', '--out', out, '--with-engineer-answers'];
    const first = await run(process.execPath, args, { cwd: projectRoot, env });
    expect(JSON.parse(first.stdout)).toMatchObject({ exported: 3 });
    expect(readPhotoFolder(out).photos).toHaveLength(3);
    const again = await run(process.execPath, args, { cwd: projectRoot, env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not empty/) });
    storage = await openStorage({ dataDir, databaseUrl: null, photoStore: 'folder' });
  });

  it('runs as npm run server -- dataset export, with --reviewed-only', async () => {
    await storage.close();
    const env = { ...process.env, ROADCAM_DATA_DIR: dataDir };
    const tsx = path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs');
    const server = (...args: string[]) =>
      run(process.execPath, [tsx, 'server/main.ts', 'dataset', ...args], { cwd: projectRoot, env });
    for (const form of [['--reviewed-only'], []]) {
      const out = path.join(outRoot, `server-cli${form.length}`);
      const done = await server('export', '--out', out, ...form);
      expect(JSON.parse(done.stdout)).toMatchObject({ exported: 3 });
      expect(
        readPhotoFolder(out)
          .photos.map((p) => p.file)
          .sort(),
      ).toEqual(
        readPhotoFolder(path.join(outRoot, 'cli'))
          .photos.map((p) => p.file)
          .sort(),
      );
    }
    const wrong = await server('import', '--out', path.join(outRoot, 'nope')).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/dataset export --out/) });
    storage = await openStorage({ dataDir, databaseUrl: null, photoStore: 'folder' });
  });
});
