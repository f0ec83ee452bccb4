import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeLabel } from '../../tools/data/damage-labels';
import { ToolError } from '../../tools/lib/tool-error';
import { hammingDistance, perceptualHash } from '../../tools/data/perceptual-hash';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import { DEFAULT_SPLIT_OPTIONS, planSplit, SPLIT_NAMES } from '../../tools/data/split';
import { SeenPhotos } from '../../tools/eval/split-file';
import { writeFieldFolder } from './field-photos';
import { tempDir, writeLabelledFolder } from './synthetic-photos';

describe('field photos in the rdd2022 layout', () => {
  it('reads images/ with labels.json: every damage with its class and box', async () => {
    const dir = path.join(tempDir('rdd'), 'rdd-field');
    const labels = await writeFieldFolder(dir, [
      { damage: ['D40', 'D00'] },
      { damage: ['D10', 'Repair'] },
      { damage: [] },
    ]);
    const folder = readPhotoFolder(dir);
    expect(folder.layout).toBe('rdd2022');
    const [a, b, c] = folder.photos;
    expect(a.file).toBe('images/scene-1-shot-1.jpg');
    // A photo with a D40 box is a pothole photo, its D40 boxes are its pothole boxes.
    expect(a.label).toBe('pothole');
    expect(a.boxes).toEqual(labels[a.file].filter((l) => l.class === 'D40').map((l) => l.box));
    expect(a.annotations?.map((x) => x.class)).toEqual(['D40', 'D00']);
    expect(b.label).toBe('normal');
    expect(b.boxes).toBeUndefined();
    expect(c.annotations).toEqual([]);

    expect(typeLabel(a, 'pothole')).toEqual({ present: 1, boxes: a.boxes });
    expect(typeLabel(a, 'crack').present).toBe(1);
    expect(typeLabel(a, 'longitudinal-crack').present).toBe(1);
    expect(typeLabel(a, 'transverse-crack')).toEqual({ present: 0, boxes: [] });
    expect(typeLabel(b, 'crack').boxes).toEqual([labels[b.file][0].box]);
    expect(typeLabel(b, 'patch').present).toBe(1);
    expect(typeLabel(c, 'crack').present).toBe(0);
  });

  it('knows only what the other layouts say: good roads show nothing, pothole photos only a pothole', async () => {
    const dir = path.join(tempDir('layouts'), 'web');
    await writeLabelledFolder(dir, 1);
    const [normal, pothole] = readPhotoFolder(dir).photos;
    expect(typeLabel(normal, 'crack')).toEqual({ present: 0, boxes: [] });
    expect(typeLabel(normal, 'pothole')).toEqual({ present: 0, boxes: [] });
    expect(typeLabel(pothole, 'pothole').present).toBe(1);
    // Cracks on a web photo of a pothole are not labelled: unknown, never "absent".
    expect(typeLabel(pothole, 'crack')).toEqual({ present: null, boxes: [] });
  });

  it('says which photo lacks a label, and what a label must look like', async () => {
    const dir = path.join(tempDir('rdd-bad'), 'rdd-field');
    await writeFieldFolder(dir, [{ damage: ['D40'] }, { damage: [] }]);
    writeFileSync(
      path.join(dir, 'labels.json'),
      JSON.stringify({ 'images/scene-1-shot-1.jpg': [] }),
    );
    expect(() => readPhotoFolder(dir)).toThrow(
      /no entry for 1 photo\(s\) in images\/ \(images\/scene-2-shot-1\.jpg\)/,
    );
    writeFileSync(
      path.join(dir, 'labels.json'),
      JSON.stringify({
        'images/scene-1-shot-1.jpg': [{ class: 'D40', box: [5, 5, 1, 9] }],
        'images/scene-2-shot-1.jpg': [],
      }),
    );
    try {
      readPhotoFolder(dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ToolError);
      expect((e as ToolError).code).toBe('bad-boxes');
      expect((e as Error).message).toMatch(/malformed entry for images\/scene-1-shot-1\.jpg/);
    }
  });
});

describe('splitting field photos', () => {
  it('keeps look-alike shots of one place together and all of them, drops only a true copy, and holds out given photos', async () => {
    const root = tempDir('field-split');
    const field = path.join(root, 'rdd-field');
    // 12 places, each photographed three times from a few pixels apart; some show a pothole.
    const scenes = Array.from({ length: 12 }, (_, i) => ({
      damage: (i % 3 === 0 ? ['D40', 'D00'] : ['D00']) as ('D40' | 'D00')[],
      shots: 3,
    }));
    await writeFieldFolder(field, scenes, 7);
    copyFileSync(
      path.join(field, 'images', 'scene-2-shot-1.jpg'),
      path.join(field, 'images', 'copy-of-2.jpg'),
    );
    const labels = JSON.parse(
      (await import('node:fs')).readFileSync(path.join(field, 'labels.json'), 'utf8'),
    ) as Record<string, unknown>;
    labels['images/copy-of-2.jpg'] = labels['images/scene-2-shot-1.jpg'];
    writeFileSync(path.join(field, 'labels.json'), JSON.stringify(labels));
    const web = path.join(root, 'web');
    await writeLabelledFolder(web, 6, 3);

    // The shots of one place are alike (their pHashes close) but none is a copy of another.
    const shots = await Promise.all(
      [1, 2, 3].map((k) => perceptualHash(path.join(field, 'images', `scene-5-shot-${k}.jpg`))),
    );
    expect(hammingDistance(shots[0], shots[1])).toBeLessThanOrEqual(16);

    const heldOut = [
      {
        id: 'fixtures/scene-7.jpg',
        hash: await perceptualHash(path.join(field, 'images', 'scene-7-shot-2.jpg')),
      },
    ];
    const folders = [readPhotoFolder(web), readPhotoFolder(field)];
    const { plan } = await planSplit(
      folders,
      { ...DEFAULT_SPLIT_OPTIONS, seed: 5 },
      undefined,
      heldOut,
    );
    // Only the byte-for-byte copy is dropped (one of the pair; the other is kept).
    expect(plan.duplicates.map((d) => [d.dropped, d.keptAs].sort())).toEqual([
      ['rdd-field/images/copy-of-2.jpg', 'rdd-field/images/scene-2-shot-1.jpg'],
    ]);
    const placed = new Map(SPLIT_NAMES.flatMap((s) => plan[s].map((e) => [e.id, s] as const)));
    // Every shot is kept (36 photos), and the three shots of a place share a split.
    expect([...placed.keys()].filter((id) => id.startsWith('rdd-field/'))).toHaveLength(36);
    const kept = (i: number, k: number) =>
      placed.get(`rdd-field/images/scene-${i}-shot-${k}.jpg`) ??
      placed.get('rdd-field/images/copy-of-2.jpg');
    for (let i = 1; i <= 12; i++) {
      const where = [1, 2, 3].map((k) => kept(i, k));
      expect(new Set(where).size, `scene ${i}: ${where}`).toBe(1);
    }
    expect(placed.get('rdd-field/images/scene-7-shot-1.jpg')).toBe('test');
    // Matching is generous (anything as close as a resized copy): other shots of place 7 too.
    expect(plan.heldOut?.photos).toEqual(['fixtures/scene-7.jpg']);
    expect(plan.heldOut?.matched).toContain('rdd-field/images/scene-7-shot-2.jpg');
    expect(plan.heldOut?.matched.every((id) => id.includes('/scene-7-'))).toBe(true);
    expect(plan.fieldSources).toEqual(['rdd-field']);

    // Evaluation treats a look-alike of a training shot as unseen (it is a different photo) but
    // the training shot itself, by name, as seen.
    const seen = new SeenPhotos(plan);
    const train = plan.train.find((e) => e.source === 'rdd-field')!;
    expect(seen.match({ hash: train.hash, id: train.id, field: true })).toBe(train);
    const other = plan.test.find((e) => e.source === 'rdd-field')!;
    expect(seen.match({ hash: other.hash, id: other.id, field: true })).toBeUndefined();
  });
});
