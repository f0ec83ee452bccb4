import { describe, expect, it } from 'vitest';
import {
  classificationSummary,
  groupBootstrapAuc,
  rocAuc,
} from '../../tools/eval/classification-metrics';
import { mapOntoPhoto, summarize, type PhotoResult } from '../../tools/eval/evaluate';
import { placeFigures } from '../../tools/eval/report';
import { modelManifestSchema } from '../../src/model/manifest';

describe('classification figures', () => {
  it('ROC AUC is 1 for a perfect ranking, 0 for a reversed one, 0.5 for ties', () => {
    const labels = [0, 0, 1, 1, 0, 1] as const;
    expect(rocAuc([...labels], [0.1, 0.2, 0.8, 0.9, 0.3, 0.7])).toBe(1);
    expect(rocAuc([...labels], [0.9, 0.8, 0.2, 0.1, 0.7, 0.3])).toBe(0);
    expect(rocAuc([...labels], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    // The one pothole (0.5) outranks two of the three good roads.
    expect(rocAuc([0, 0, 0, 1], [0.1, 0.2, 0.9, 0.5])).toBeCloseTo(2 / 3, 12);
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNull();
  });

  it('counts the confusion matrix and derives accuracy, recall and specificity from it', () => {
    // 3 good roads (one called pothole), 4 potholes (one missed).
    const s = classificationSummary([0, 0, 0, 1, 1, 1, 1], [0.1, 0.4, 0.6, 0.9, 0.8, 0.2, 0.51]);
    expect(s.confusion).toEqual([
      [2, 1],
      [1, 3],
    ]);
    expect(s.n).toBe(7);
    expect(s.accuracy).toBeCloseTo(5 / 7, 12);
    expect(s.pothole_recall).toBeCloseTo(3 / 4, 12);
    expect(s.normal_specificity).toBeCloseTo(2 / 3, 12);
    // Exactly 0.5 is not "above the threshold": a good road.
    expect(classificationSummary([0], [0.5]).confusion).toEqual([
      [1, 0],
      [0, 0],
    ]);
  });

  it('gives null, not a number, for figures a folder cannot support', () => {
    const allPotholes = classificationSummary([1, 1, 1], [0.9, 0.7, 0.2]);
    expect(allPotholes.normal_specificity).toBeNull();
    expect(allPotholes.roc_auc).toBeNull();
    expect(allPotholes.pothole_recall).toBeCloseTo(2 / 3, 12);
  });
});

describe('ROC AUC interval by place', () => {
  // 40 photos: 20 with a pothole, 20 without; the positives of the first places rank low.
  const labels = Array.from({ length: 40 }, (_, i) => (i < 20 ? 1 : 0) as 0 | 1);
  const scores = labels.map((l, i) =>
    l ? (i < 8 ? 0.2 + i / 100 : 0.7 + i / 100) : 0.3 + i / 100,
  );
  const auc = rocAuc(labels, scores)!;

  it('holds the AUC, and is the same for the same photos', () => {
    const groups = labels.map((_, i) => `place ${i % 10}`);
    const a = groupBootstrapAuc(labels, scores, groups)!;
    expect(a.low).toBeLessThanOrEqual(auc);
    expect(a.high).toBeGreaterThanOrEqual(auc);
    expect(a).toEqual(groupBootstrapAuc(labels, scores, groups));
    expect(a).toMatchObject({ groups: 10, positive_groups: 10 });
  });

  it('is wider when the same photos come from fewer places', () => {
    const width = (groups: string[]) => {
      const a = groupBootstrapAuc(labels, scores, groups)!;
      return a.high - a.low;
    };
    const everyPhoto = labels.map((_, i) => `photo ${i}`);
    // The positives from 3 places (8, 6, 6 photos), the negatives from 3.
    const threePlaces = labels.map((l, i) => `${l} ${i < 8 ? 0 : i < 14 ? 1 : i < 20 ? 2 : i % 3}`);
    expect(width(threePlaces)).toBeGreaterThan(width(everyPhoto));
  });

  it('says nothing when every positive comes from one place', () => {
    const groups = labels.map((l, i) => (l ? 'the one place' : `place ${i}`));
    expect(groupBootstrapAuc(labels, scores, groups)).toBeNull();
  });
});

describe('a type by place', () => {
  it("gives each place's photos with the type, how many are found and their median", () => {
    const r = (id: string, group: string, probability: number, present: 0 | 1 | null = 1) => ({
      id,
      group,
      probability,
      present,
    });
    const places = placeFigures(
      [
        r('b/2.jpg', 'park', 0.01),
        r('b/1.jpg', 'park', 0.2),
        r('b/3.jpg', 'park', 0.9),
        r('a/1.jpg', 'street', 0.8),
        r('a/2.jpg', 'street', 0.6),
        // A place of one photo is left out (every web photo is its own place).
        r('d/1.jpg', 'one photo', 0.9),
        // Without the type, or not known: not counted.
        r('a/3.jpg', 'street', 0.99, 0),
        r('c/1.jpg', 'lane', 0.99, null),
      ],
      0.5,
    );
    expect(places).toEqual([
      { first_photo: 'b/1.jpg', photos: 3, found: 1, median_probability: 0.2 },
      { first_photo: 'a/1.jpg', photos: 2, found: 2, median_probability: 0.7 },
    ]);
  });
});

describe('evaluation report', () => {
  const box = (hit: boolean, energy: number, centreHit: boolean, extra = {}) => ({
    pointingHit: hit,
    pointingHitTol15: true,
    energyInBox: energy,
    emptyMap: false,
    centreHit,
    centreHitTol15: true,
    centreEnergyInBox: 0.3,
    uniformEnergyInBox: 0.2,
    ...extra,
  });

  it('averages the box figures over the boxed pothole photos only', () => {
    const results: PhotoResult[] = [
      {
        id: 'a',
        source: 's',
        label: 1,
        potholeProbability: 0.9,
        box: box(true, 0.6, true, { deletionAuc: 0.2, insertionAuc: 0.8 }),
      },
      {
        id: 'b',
        source: 's',
        label: 1,
        potholeProbability: 0.8,
        box: box(false, 0.2, true, { deletionAuc: 0.4, insertionAuc: 0.6 }),
      },
      { id: 'c', source: 's', label: 1, potholeProbability: 0.3 },
      { id: 'd', source: 's', label: 0, potholeProbability: 0.1 },
    ];
    const r = summarize(results, 5, 1);
    expect(r.n).toBe(4);
    expect(r.accuracy).toBe(0.75);
    expect(r.boxed_photos).toBe(2);
    expect(r.pointing_game).toBe(0.5);
    expect(r.pointing_game_tol15).toBe(1);
    expect(r.centre_pointing_game).toBe(1);
    expect(r.centre_pointing_game_tol15).toBe(1);
    expect(r.energy_in_box).toBeCloseTo(0.4, 12);
    expect(r.centre_energy_in_box).toBeCloseTo(0.3, 12);
    expect(r.uniform_energy_in_box).toBeCloseTo(0.2, 12);
    expect(r.deletion_auc).toBeCloseTo(0.3, 12);
    expect(r.insertion_auc).toBeCloseTo(0.7, 12);
    expect(r.excluded_seen).toBe(5);
    expect(r.excluded_duplicates).toBe(1);

    const noBoxes = summarize([results[2], results[3]], 0, 0);
    expect(noBoxes.pointing_game).toBeNull();
    expect(noBoxes.energy_in_box).toBeNull();
    expect(noBoxes.boxed_photos).toBe(0);
  });

  it('lays a heatmap over the part of the photo the model saw', () => {
    const manifest = (resize: 'stretch' | 'center-crop') =>
      modelManifestSchema.parse({
        id: 'm',
        version: '1',
        name: 'm',
        task: 'pothole',
        format: 'layers',
        labels: ['normal', 'pothole'],
        input: { width: 4, height: 4, channels: 3, normalization: { mean: [0], std: [1] }, resize },
        cam: { layer: 'conv' },
      });
    const grid = { width: 2, height: 2, data: Float32Array.from([1, 1, 1, 1]) };
    const stretched = mapOntoPhoto(grid, 12, 6, manifest('stretch'));
    expect([stretched.width, stretched.height]).toEqual([12, 6]);
    expect(Array.from(stretched.data).every((v) => v === 1)).toBe(true);
    // A 12x6 photo centre-cropped to a square: the model saw columns 3..8.
    const cropped = mapOntoPhoto(grid, 12, 6, manifest('center-crop'));
    const row = Array.from(cropped.data.subarray(0, 12));
    expect(row).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  });
});

describe('shortcut audit', () => {
  it('marks green pixels as vegetation, and grey, red or sky-blue ones not', async () => {
    const { vegetationMask } = await import('../../tools/eval/audit');
    const colours = [
      [60, 140, 50], // grass
      [30, 90, 40], // dark foliage
      [120, 120, 120], // asphalt
      [200, 60, 50], // red sign
      [120, 170, 230], // sky
      [90, 110, 90], // greyish green, below the threshold
    ];
    const data = new Uint8ClampedArray(colours.flatMap((c) => [...c, 255]));
    const mask = vegetationMask({ width: 6, height: 1, data });
    expect(Array.from(mask.data)).toEqual([1, 1, 0, 0, 0, 0]);
  });
});
