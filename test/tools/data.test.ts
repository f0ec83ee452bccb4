import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../tools/lib/tool-error';
import {
  DUPLICATE_MAX_DISTANCE,
  hammingDistance,
  perceptualHash,
} from '../../tools/data/perceptual-hash';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import {
  DEFAULT_SPLIT_OPTIONS,
  dropDuplicates,
  planSplit,
  splitGroups,
  stratifiedGroupSplit,
  videoFrameOf,
  type HashedPhoto,
} from '../../tools/data/split';
import { tempDir, writeLabelledFolder, writeRoadPhoto } from './synthetic-photos';

describe('photo folders', () => {
  it('reads the public layout and the annotated layout with its boxes', async () => {
    const root = tempDir('folders');
    const labelled = path.join(root, 'my-roads');
    await writeLabelledFolder(labelled, 2);
    writeFileSync(path.join(labelled, 'normal', 'notes.txt'), 'not a photo');
    const folder = readPhotoFolder(labelled);
    expect(folder.layout).toBe('labelled-folders');
    expect(folder.source).toBe('my-roads');
    expect(folder.photos.map((p) => [p.file, p.label])).toEqual([
      ['normal/1.jpg', 'normal'],
      ['normal/2.jpg', 'normal'],
      ['potholes/1.jpg', 'pothole'],
      ['potholes/2.jpg', 'pothole'],
    ]);
    expect(folder.ignored).toEqual(['normal/notes.txt']);

    const annotated = path.join(root, 'annotated');
    const box = await writeRoadPhoto(path.join(annotated, 'images', 'img-1.jpg'), 5, true);
    await writeRoadPhoto(path.join(annotated, 'images', 'img-2.jpg'), 6, true);
    writeFileSync(
      path.join(annotated, 'boxes.json'),
      JSON.stringify({ 'images/img-1.jpg': [box] }),
    );
    const a = readPhotoFolder(annotated);
    expect(a.layout).toBe('annotated');
    expect(a.photos.every((p) => p.label === 'pothole')).toBe(true);
    expect(a.photos[0].boxes).toEqual([box]);
    expect(a.photos[1].boxes).toBeUndefined();
  });

  it('says clearly when a folder is missing, empty or has a broken box file', () => {
    const root = tempDir('bad-folders');
    expect(() => readPhotoFolder(path.join(root, 'nope'))).toThrow(/does not exist/);
    expect(() => readPhotoFolder(root)).toThrow(/no photos in a layout RoadCAM reads/);
    mkdirSync(path.join(root, 'normal'));
    expect(() => readPhotoFolder(root)).toThrow(/has no photos/);
    writeFileSync(path.join(root, 'boxes.json'), '{"a.jpg": [[1, 2, 0, 4]]}');
    try {
      readPhotoFolder(root);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ToolError);
      expect((e as ToolError).code).toBe('bad-boxes');
    }
  });
});

describe('de-duplication by perceptual hash', () => {
  it('catches an exact copy and a resized copy, and keeps different photos apart', async () => {
    const dir = tempDir('dups');
    const original = path.join(dir, 'original.jpg');
    await writeRoadPhoto(original, 42, true, 200, 150);
    copyFileSync(original, path.join(dir, 'copy.jpg'));
    await sharp(original).resize(120, 90).jpeg({ quality: 75 }).toFile(path.join(dir, 'small.jpg'));
    await writeRoadPhoto(path.join(dir, 'other.jpg'), 43, true, 200, 150);
    const [h, copy, small, other] = await Promise.all(
      ['original', 'copy', 'small', 'other'].map((n) => perceptualHash(path.join(dir, `${n}.jpg`))),
    );
    expect(hammingDistance(h, copy)).toBe(0);
    expect(hammingDistance(h, small)).toBeLessThanOrEqual(DUPLICATE_MAX_DISTANCE);
    expect(hammingDistance(h, other)).toBeGreaterThan(DUPLICATE_MAX_DISTANCE);

    const photo = (file: string, hash: string, boxes = false): HashedPhoto => ({
      source: 's',
      file,
      path: file,
      label: 'pothole',
      hash,
      ...(boxes ? { boxes: [[0, 0, 1, 1]] } : {}),
    });
    // The copy with boxes is the one kept (it serves the explanation metrics).
    const { kept, duplicates } = dropDuplicates(
      [
        photo('original.jpg', h),
        photo('copy.jpg', copy, true),
        photo('small.jpg', small),
        photo('other.jpg', other),
      ],
      DUPLICATE_MAX_DISTANCE,
    );
    expect(kept.map((p) => p.file)).toEqual(['copy.jpg', 'other.jpg']);
    expect(duplicates.map((d) => [d.dropped, d.keptAs])).toEqual([
      ['s/original.jpg', 's/copy.jpg'],
      ['s/small.jpg', 's/copy.jpg'],
    ]);
  });

  it('drops a photo filed under both labels instead of training on a contradiction', () => {
    const p = (file: string, label: 'normal' | 'pothole'): HashedPhoto => ({
      source: 's',
      file,
      path: file,
      label,
      hash: '0123456789abcdef',
    });
    const { kept, conflicts } = dropDuplicates([p('a.jpg', 'normal'), p('b.jpg', 'pothole')], 4);
    expect(kept).toEqual([]);
    expect(conflicts).toEqual([['s/a.jpg', 's/b.jpg']]);
  });
});

describe('split', () => {
  /** Photos with distinct, far-apart hashes (no near-duplicates). */
  function photos(
    source: string,
    label: 'normal' | 'pothole',
    n: number,
    name = (i: number) => `${i}.jpg`,
  ): HashedPhoto[] {
    return Array.from({ length: n }, (_, i) => {
      const bits = (i * 2654435761) >>> 0;
      return {
        source,
        file: `${label === 'normal' ? 'normal' : 'potholes'}/${name(i)}`,
        path: '',
        label,
        hash: bits.toString(16).padStart(8, '0') + (~bits >>> 0).toString(16).padStart(8, '0'),
      };
    });
  }

  it('recognises crops of one video frame', () => {
    expect(videoFrameOf('normal/d2_19_x0_y512.jpg')).toEqual({ sequence: 'd2', frame: 19 });
    expect(videoFrameOf('potholes/d2_19_0.jpg')).toEqual({ sequence: 'd2', frame: 19 });
    expect(videoFrameOf('normal/12.jpg')).toBeUndefined();
    expect(videoFrameOf('images/img-7.jpg')).toBeUndefined();
  });

  it('is stratified by data set and label, and the same for the same seed', () => {
    const all = [
      ...photos('web', 'normal', 200),
      ...photos('web', 'pothole', 100),
      ...photos('boxes', 'pothole', 60),
    ];
    const groups = all.map((p) => `${p.source}/${p.file}`);
    const options = { seed: 3, fractions: { train: 0.7, validation: 0.15, test: 0.15 } };
    const split = stratifiedGroupSplit(all, groups, options);
    const count = (s: 'train' | 'validation' | 'test', source: string, label: string) =>
      split[s].filter((e) => e.source === source && e.label === label).length;
    expect([
      count('train', 'web', 'normal'),
      count('validation', 'web', 'normal'),
      count('test', 'web', 'normal'),
    ]).toEqual([140, 30, 30]);
    expect([
      count('train', 'web', 'pothole'),
      count('validation', 'web', 'pothole'),
      count('test', 'web', 'pothole'),
    ]).toEqual([70, 15, 15]);
    expect([
      count('train', 'boxes', 'pothole'),
      count('validation', 'boxes', 'pothole'),
      count('test', 'boxes', 'pothole'),
    ]).toEqual([42, 9, 9]);

    expect(stratifiedGroupSplit(all, groups, options)).toEqual(split);
    const other = stratifiedGroupSplit(all, groups, { ...options, seed: 4 });
    expect(other.test.map((e) => e.id)).not.toEqual(split.test.map((e) => e.id));
  });

  it('keeps crops of neighbouring frames together, never split across train and test', () => {
    // 20 frames of sequence d2, each with two intact crops and one pothole crop.
    const all: HashedPhoto[] = [];
    let k = 0;
    for (let frame = 1; frame <= 20; frame++) {
      const f = String(frame).padStart(2, '0');
      for (const [label, name] of [
        ['normal', `d2_${f}_x0_y0.jpg`],
        ['normal', `d2_${f}_x512_y0.jpg`],
        ['pothole', `d2_${f}_0.jpg`],
      ] as const) {
        const bits = (++k * 2654435761) >>> 0;
        all.push({
          source: 'closeup',
          file: `${label === 'normal' ? 'normal' : 'potholes'}/${name}`,
          path: '',
          label,
          hash: bits.toString(16).padStart(8, '0') + (~bits >>> 0).toString(16).padStart(8, '0'),
        });
      }
    }
    const groups = splitGroups(all, { frameBlock: 5, nearDuplicateMaxDistance: 12 });
    expect(new Set(groups).size).toBe(4);
    const split = stratifiedGroupSplit(all, groups, {
      seed: 1,
      fractions: { train: 0.5, validation: 0.25, test: 0.25 },
    });
    const splitOfFrame = new Map<number, string>();
    for (const s of ['train', 'validation', 'test'] as const) {
      for (const e of split[s]) {
        const frame = videoFrameOf(e.file)!.frame;
        expect(splitOfFrame.get(frame) ?? s).toBe(s);
        splitOfFrame.set(frame, s);
      }
    }
    // Frames 19 and 20 are neighbours: the same split.
    expect(splitOfFrame.get(19)).toBe(splitOfFrame.get(20));
    expect(split.test.length).toBeGreaterThan(0);
  });

  it('plans a split of real folders: copies dropped first, reproducible, reusable', async () => {
    const root = tempDir('plan');
    const a = path.join(root, 'set-a');
    const b = path.join(root, 'set-b');
    await writeLabelledFolder(a, 10, 1);
    // set-b holds a resized copy of one of set-a's pothole photos, under another name.
    await writeLabelledFolder(b, 4, 2);
    await sharp(path.join(a, 'potholes', '3.jpg'))
      .resize(80, 60)
      .toFile(path.join(b, 'potholes', 'copy.jpg'));
    const folders = [readPhotoFolder(a), readPhotoFolder(b)];
    const first = await planSplit(folders, { ...DEFAULT_SPLIT_OPTIONS, seed: 9 });
    expect(first.plan.duplicates).toEqual([
      expect.objectContaining({
        dropped: 'set-b/potholes/copy.jpg',
        keptAs: 'set-a/potholes/3.jpg',
      }),
    ]);
    const ids = (p: typeof first.plan) =>
      ['train', 'validation', 'test'].map((s) => p[s as 'train'].map((e) => e.id));
    expect(ids(first.plan).flat()).toHaveLength(20 + 8 + 1 - 1);
    const again = await planSplit(folders, { ...DEFAULT_SPLIT_OPTIONS, seed: 9 });
    expect(ids(again.plan)).toEqual(ids(first.plan));

    // Reusing the plan for set-a alone keeps each of its photos where it was.
    const reused = await planSplit(
      [folders[0]],
      { ...DEFAULT_SPLIT_OPTIONS, seed: 123 },
      first.plan,
    );
    for (const s of ['train', 'validation', 'test'] as const) {
      expect(reused.plan[s].map((e) => e.id)).toEqual(
        first.plan[s].filter((e) => e.source === 'set-a').map((e) => e.id),
      );
    }
  });
});
