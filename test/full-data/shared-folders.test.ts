/**
 * The shared data sets read by the tools as ../shared/README.md describes them: the counts the
 * shipped pothole model's card records, every box inside its photo, a mask for every close-up
 * pothole, and RDD2022 labels that agree with their counts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { modelManifestSchema } from '../../src/model/manifest';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import { projectRoot, sharedPath } from '../../tools/lib/paths';

const manifest = modelManifestSchema.parse(
  JSON.parse(
    readFileSync(path.join(projectRoot, 'public', 'models', 'pothole', 'manifest.json'), 'utf8'),
  ),
);

describe('the shared data sets', () => {
  it('read with the photo counts the pothole model card records', () => {
    const recorded = (manifest.training as { data: Record<string, unknown>[] }).data;
    expect(recorded.map((d) => d.source)).toEqual([
      'potholes-kaggle',
      'potholes-annotated',
      'potholes-closeup',
    ]);
    for (const d of recorded) {
      const folder = readPhotoFolder(sharedPath('data', String(d.source)));
      const count = (label: string) => folder.photos.filter((p) => p.label === label).length;
      expect(
        {
          photos: folder.photos.length,
          normal: count('normal'),
          pothole: count('pothole'),
          ignoredFiles: folder.ignored.length,
        },
        String(d.source),
      ).toEqual({
        photos: d.photos,
        normal: d.normal,
        pothole: d.pothole,
        ignoredFiles: d.ignoredFiles,
      });
    }
  });

  it('potholes-annotated: 1,440 boxes, each inside its photo', async () => {
    const folder = readPhotoFolder(sharedPath('data', 'potholes-annotated'));
    const sizes = JSON.parse(readFileSync(path.join(folder.dir, 'sizes.json'), 'utf8')) as Record<
      string,
      [number, number]
    >;
    expect(folder.photos.flatMap((p) => p.boxes ?? [])).toHaveLength(1440);
    for (const p of folder.photos) {
      const [w, h] = sizes[p.file];
      for (const [x0, y0, x1, y1] of p.boxes ?? []) {
        expect(x0 >= 0 && y0 >= 0 && x1 <= w + 0.5 && y1 <= h + 0.5, p.file).toBe(true);
      }
    }
    // sizes.json tells the truth about the photos (a sample: decoding all 532 adds little).
    for (const p of folder.photos.filter((_, i) => i % 25 === 0)) {
      const meta = await sharp(p.path).metadata();
      expect([meta.width, meta.height], p.file).toEqual(sizes[p.file]);
    }
  });

  it('potholes-closeup: a box and a same-size mask for every pothole square, boxes for frames', async () => {
    const folder = readPhotoFolder(sharedPath('data', 'potholes-closeup'));
    const potholes = folder.photos.filter((p) => p.label === 'pothole');
    expect(potholes).toHaveLength(74);
    for (const p of potholes) {
      expect(p.boxes?.length, p.file).toBeGreaterThan(0);
      const mask = path.join(folder.dir, 'masks', path.basename(p.file, '.jpg') + '.png');
      const [a, b] = await Promise.all([sharp(p.path).metadata(), sharp(mask).metadata()]);
      expect([b.width, b.height], mask).toEqual([a.width, a.height]);
    }
    const boxes = JSON.parse(readFileSync(path.join(folder.dir, 'boxes.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const frames = readdirSync(path.join(folder.dir, 'frames')).filter((f) => f.endsWith('.jpg'));
    expect(frames).toHaveLength(62);
    for (const f of frames) expect(boxes[`frames/${f}`], f).toBeDefined();
  });

  it('rdd2022-china-motorbike: labels for all 1,381 photos, agreeing with counts.json', () => {
    const dir = sharedPath('data', 'rdd2022-china-motorbike');
    const labels = JSON.parse(readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Record<
      string,
      { class: string; box: number[] }[]
    >;
    const counts = JSON.parse(readFileSync(path.join(dir, 'counts.json'), 'utf8')) as {
      images: number;
      with_pothole: number;
      boxes: Record<string, number>;
      images_with: Record<string, number>;
    };
    const images = readdirSync(path.join(dir, 'images')).map((f) => `images/${f}`);
    expect(Object.keys(labels).sort()).toEqual(images.sort());
    expect([counts.images, counts.with_pothole]).toEqual([1381, 108]);
    const all = Object.values(labels);
    for (const c of ['D00', 'D10', 'D20', 'D40', 'Repair']) {
      expect(all.flat().filter((b) => b.class === c).length, c).toBe(counts.boxes[c]);
      expect(all.filter((bs) => bs.some((b) => b.class === c)).length, c).toBe(
        counts.images_with[c],
      );
    }
    const folder = readPhotoFolder(dir, { boxesFile: path.join(dir, 'pothole-boxes.json') });
    expect(folder.photos.filter((p) => p.boxes?.length)).toHaveLength(108);
  });
});
