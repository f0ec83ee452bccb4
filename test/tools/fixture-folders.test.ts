/**
 * The fixtures in test/fixtures: every photo listed with its source in NOTICE.md, the whole
 * folder small, and each data folder read by the tools as its full copy in ../shared is (same
 * layout, boxes, masks, labels). `npm run test:data` compares them with ../shared itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import { FIXTURES_DIR, fieldPhotos, goodRoadPhotos, potholePhotos } from '../helpers/fixtures';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'));
}

const dataDir = (name: string) => path.join(FIXTURES_DIR, 'data', name);
const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('test/fixtures', () => {
  it('lists every photo in NOTICE.md, and lists no photo that is not there', () => {
    const notice = readFileSync(path.join(FIXTURES_DIR, 'NOTICE.md'), 'utf8');
    const listed = [...notice.matchAll(/^- `(data\/[^`]+\.jpg)`/gm)].map((m) => m[1]).sort();
    const photos = filesUnder(FIXTURES_DIR)
      .filter((f) => f.endsWith('.jpg') && f.startsWith('data/'))
      .sort();
    expect(photos.length).toBeGreaterThan(20);
    expect(listed).toEqual(photos);
    // The unlicensed sets are named only to say they must never be copied.
    expect(filesUnder(FIXTURES_DIR).filter((f) => /potholes-kaggle|not-road/.test(f))).toEqual([]);
  });

  it('stays under 8 MB in all', () => {
    const bytes = filesUnder(FIXTURES_DIR).reduce(
      (sum, f) => sum + statSync(path.join(FIXTURES_DIR, f)).size,
      0,
    );
    expect(bytes).toBeLessThan(8 * 2 ** 20);
  });

  it('names, in test/helpers/fixtures.ts, only photos of the kind it says', () => {
    const rel = (p: string) => path.relative(FIXTURES_DIR, p).split(path.sep).join('/');
    for (const f of potholePhotos().map(rel)) {
      expect(f).toMatch(/^data\/(potholes-annotated\/images|potholes-closeup\/potholes)\//);
    }
    for (const f of goodRoadPhotos().map(rel))
      expect(f).toMatch(/^data\/potholes-closeup\/normal\//);
    const labels = readJson<Record<string, { class: string }[]>>(
      path.join(dataDir('rdd2022-china-motorbike'), 'labels.json'),
    );
    const classes = (p: string) =>
      new Set(labels[rel(p).replace('data/rdd2022-china-motorbike/', '')].map((b) => b.class));
    const { potholeAndCrack, cracksOrPatchOnly } = fieldPhotos();
    for (const p of potholeAndCrack) {
      expect(classes(p).has('D40'), p).toBe(true);
      expect(
        ['D00', 'D10', 'D20'].some((c) => classes(p).has(c)),
        p,
      ).toBe(true);
    }
    for (const p of cracksOrPatchOnly) expect(classes(p).has('D40'), p).toBe(false);
  });
});

describe('fixture data folders, read by the tools', () => {
  it('potholes-annotated: pothole photos, each with its boxes and size', async () => {
    const folder = readPhotoFolder(dataDir('potholes-annotated'));
    expect(folder.layout).toBe('annotated');
    expect(folder.source).toBe('potholes-annotated');
    expect(folder.ignored).toEqual([]);
    const sizes = readJson<Record<string, [number, number]>>(path.join(folder.dir, 'sizes.json'));
    for (const photo of folder.photos) {
      expect(photo.label).toBe('pothole');
      expect(photo.boxes?.length, photo.file).toBeGreaterThan(0);
      const meta = await sharp(photo.path).metadata();
      expect([meta.width, meta.height], photo.file).toEqual(sizes[photo.file]);
      for (const [x0, y0, x1, y1] of photo.boxes!) {
        expect(x0 >= 0 && y0 >= 0 && x1 <= meta.width! && y1 <= meta.height!).toBe(true);
      }
    }
    expect(Object.keys(sizes).sort()).toEqual(folder.photos.map((p) => p.file).sort());
  });

  it('potholes-closeup: pothole squares with boxes and masks, intact squares, frames', async () => {
    const folder = readPhotoFolder(dataDir('potholes-closeup'));
    expect(folder.layout).toBe('labelled-folders');
    const potholes = folder.photos.filter((p) => p.label === 'pothole');
    const normal = folder.photos.filter((p) => p.label === 'normal');
    expect(potholes.length).toBeGreaterThanOrEqual(5);
    expect(normal.length).toBeGreaterThanOrEqual(8);
    // Masks and frames live beside the photo folders, as in ../shared; the reader passes them by.
    expect(folder.ignored).toEqual([]);
    for (const photo of potholes) {
      expect(photo.boxes?.length, photo.file).toBeGreaterThan(0);
      const mask = path.join(folder.dir, 'masks', path.basename(photo.file, '.jpg') + '.png');
      const [p, m] = await Promise.all([sharp(photo.path).metadata(), sharp(mask).metadata()]);
      expect([m.width, m.height]).toEqual([p.width, p.height]);
      // The mask marks the pothole: some pixels, not all.
      const { data } = await sharp(mask).greyscale().raw().toBuffer({ resolveWithObject: true });
      const marked = data.filter((v) => v > 127).length / data.length;
      expect(marked, mask).toBeGreaterThan(0.01);
      expect(marked, mask).toBeLessThan(0.99);
    }
    expect(normal.every((p) => p.boxes === undefined)).toBe(true);
    const boxes = readJson<Record<string, unknown>>(path.join(folder.dir, 'boxes.json'));
    for (const frame of filesUnder(path.join(folder.dir, 'frames')).filter((f) =>
      f.endsWith('.jpg'),
    )) {
      expect(boxes[`frames/${frame}`], frame).toBeDefined();
      const mask = path.join(folder.dir, 'frames', frame.replace(/\.jpg$/, '.png'));
      expect((await sharp(mask).metadata()).format).toBe('png');
    }
  });

  it('rdd2022-china-motorbike: labels for every photo, pothole boxes and counts that agree', () => {
    const dir = dataDir('rdd2022-china-motorbike');
    const labels = readJson<Record<string, { class: string; box: number[] }[]>>(
      path.join(dir, 'labels.json'),
    );
    const images = filesUnder(path.join(dir, 'images')).map((f) => `images/${f}`);
    expect(Object.keys(labels).sort()).toEqual(images.sort());
    const classes = ['D00', 'D10', 'D20', 'D40', 'Repair'];
    for (const boxes of Object.values(labels)) {
      for (const b of boxes) expect(classes).toContain(b.class);
    }
    const potholeBoxes = readJson<Record<string, number[][]>>(path.join(dir, 'pothole-boxes.json'));
    for (const [file, boxes] of Object.entries(labels)) {
      expect(potholeBoxes[file], file).toEqual(
        boxes.filter((b) => b.class === 'D40').map((b) => b.box),
      );
    }
    const counts = readJson<{
      images: number;
      with_pothole: number;
      boxes: Record<string, number>;
      images_with: Record<string, number>;
    }>(path.join(dir, 'counts.json'));
    expect(counts.images).toBe(images.length);
    const all = Object.values(labels);
    for (const c of classes) {
      expect(counts.boxes[c], c).toBe(all.flat().filter((b) => b.class === c).length);
      expect(counts.images_with[c], c).toBe(
        all.filter((bs) => bs.some((b) => b.class === c)).length,
      );
    }
    expect(counts.with_pothole).toBe(counts.images_with.D40);
    // The pothole boxes read as the annotated layout's, through --boxes.
    const folder = readPhotoFolder(dir, { boxesFile: path.join(dir, 'pothole-boxes.json') });
    expect(folder.photos.filter((p) => p.boxes?.length).length).toBe(counts.with_pothole);
  });
});
