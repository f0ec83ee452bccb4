/**
 * test/fixtures against the shared material it was cut from: every file a true copy, every
 * JSON entry the shared one, no photo a copy of an unlicensed one, and none of them a photo the
 * shipped pothole and road-damage models was trained or validated on (so tests keep running on
 * unseen photos).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hammingDistance,
  NEAR_DUPLICATE_MAX_DISTANCE,
  perceptualHashes,
} from '../../tools/data/perceptual-hash';
import { readSplitPlan } from '../../tools/eval/split-file';
import { projectRoot, sharedPath } from '../../tools/lib/paths';
import { FIXTURES_DIR } from '../helpers/fixtures';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'));
}

const fixtureFiles = filesUnder(FIXTURES_DIR).filter((f) => f !== 'NOTICE.md');
const photos = fixtureFiles.filter((f) => f.startsWith('data/') && f.endsWith('.jpg'));
const readJson = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('test/fixtures, against ../shared', () => {
  it('holds true copies of the shared models, images, photos and masks', () => {
    const copies = fixtureFiles.filter((f) => !(f.startsWith('data/') && f.endsWith('.json')));
    expect(copies.length).toBeGreaterThan(60);
    for (const f of copies) {
      expect(readFileSync(path.join(FIXTURES_DIR, f)).equals(readFileSync(sharedPath(f))), f).toBe(
        true,
      );
    }
    // Both MobileNet folders whole: a missing shard would only show when a test loads it.
    for (const dir of ['models/mobilenet_v1_0.25_224', 'models/mobilenet_v1_0.25_224_graph']) {
      expect(filesUnder(path.join(FIXTURES_DIR, dir)).sort()).toEqual(
        filesUnder(sharedPath(dir)).sort(),
      );
    }
  });

  it('cuts the shared box, size and label files down to its photos, entries unchanged', () => {
    const jsons = fixtureFiles.filter(
      (f) => f.startsWith('data/') && f.endsWith('.json') && !f.endsWith('counts.json'),
    );
    expect(jsons.length).toBe(5); // boxes and sizes, boxes, labels and pothole boxes
    for (const f of jsons) {
      const mine = readJson(path.join(FIXTURES_DIR, f));
      const theirs = readJson(sharedPath(f));
      const folder = path.dirname(f);
      const here = new Set(
        photos.filter((p) => p.startsWith(folder + '/')).map((p) => p.slice(folder.length + 1)),
      );
      expect(Object.keys(mine).length, f).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(mine)) {
        expect(here.has(key), `${f}: ${key} is not a fixture photo`).toBe(true);
        expect(value, `${f}: ${key}`).toEqual(theirs[key]);
      }
      // Every fixture photo the shared file describes is described here too.
      for (const key of here) expect(key in mine, `${f}: ${key}`).toBe(key in theirs);
    }
  });

  it('has no photo that is a copy of a potholes-kaggle or not-road photo', async () => {
    const unlicensed = [
      'data/potholes-kaggle/normal',
      'data/potholes-kaggle/potholes',
      'data/not-road',
    ]
      .map((d) => sharedPath(d))
      .flatMap((d) => filesUnder(d).map((f) => path.join(d, f)));
    expect(unlicensed.length).toBeGreaterThan(1000);
    const [mine, theirs] = await Promise.all([
      perceptualHashes(photos.map((p) => path.join(FIXTURES_DIR, p))),
      perceptualHashes(unlicensed),
    ]);
    const copies: string[] = [];
    mine.forEach((h, i) => {
      const j = theirs.findIndex((t) => hammingDistance(h, t) <= NEAR_DUPLICATE_MAX_DISTANCE);
      if (j >= 0) copies.push(`${photos[i]} looks like ${unlicensed[j]}`);
    });
    expect(copies).toEqual([]);
  });

  it.each([
    ['pothole', /potholes-(annotated|closeup)\/(images|potholes|normal)\//],
    [
      'road-damage',
      /(potholes-(annotated|closeup)\/(images|potholes|normal)|rdd2022-china-motorbike\/images)\//,
    ],
  ])(
    'has no photo the shipped %s model was trained or validated on',
    async (model, trainedSets) => {
      const split = readSplitPlan(path.join(projectRoot, 'public', 'models', model, 'split.json'));
      const seen = [...split.train, ...split.validation];
      const ids = new Set(seen.map((e) => e.id));
      const mine = await perceptualHashes(photos.map((p) => path.join(FIXTURES_DIR, p)));
      const leaks: string[] = [];
      photos.forEach((p, i) => {
        if (ids.has(p.replace(/^data\//, ''))) leaks.push(`${p} is a training photo`);
        const like = seen.find(
          (e) => hammingDistance(mine[i], e.hash) <= NEAR_DUPLICATE_MAX_DISTANCE,
        );
        if (like) leaks.push(`${p} looks like the training photo ${like.id}`);
      });
      expect(leaks).toEqual([]);
      // The photos of the sets it was trained on are in its test split, by name.
      const test = new Set(split.test.map((e) => e.id));
      for (const p of photos.filter((f) => trainedSets.test(f))) {
        expect(test.has(p.replace(/^data\//, '')), p).toBe(true);
      }
    },
  );
});
