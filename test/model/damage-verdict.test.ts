import { describe, expect, it } from 'vitest';
import type { DamageOutput } from '../../src/model/damage-manifest';
import { photoVerdict, typeState } from '../../src/model/damage-verdict';

function output(
  name: DamageOutput['name'],
  i: number,
  threshold: number,
  parent?: 'crack',
): DamageOutput {
  return {
    name,
    title: name,
    ...(parent ? { parent } : {}),
    output: i,
    threshold,
    thresholdRule: {
      targetSpecificity: 0.9,
      validationSpecificity: 0.9,
      validationRecall: 0.8,
      validationPhotos: 100,
    },
    notSure: { from: Math.min(threshold, 0.2), to: Math.max(threshold, 0.8), confidence: 0.8 },
    calibration: {
      method: 'temperature',
      temperature: 1,
      bias: 0,
      inWeights: true,
      validationEce: { before: 0.1, after: 0.05 },
    },
  };
}

const manifest = {
  types: [
    output('pothole', 0, 0.3),
    output('crack', 1, 0.5),
    output('patch', 2, 0.4),
    output('alligator-crack', 3, 0.5, 'crack'),
  ],
  notRoad: { threshold: 500 },
};

describe('the verdict on a photo from a road-damage model', () => {
  it('finds each type at its own threshold, and is not sure inside its band', () => {
    expect(typeState(0.85, manifest.types[0])).toBe('found');
    expect(typeState(0.5, manifest.types[0])).toBe('not-sure');
    expect(typeState(0.25, manifest.types[0])).toBe('not-sure');
    expect(typeState(0.1, manifest.types[0])).toBe('not-found');
  });

  it('says damage with every main type found, good road when none is found or unsure', () => {
    const v = photoVerdict([0.9, 0.95, 0.05, 0.97], manifest, 120);
    expect(v.kind).toBe('damage');
    expect(v.found.map((t) => t.name)).toEqual(['pothole', 'crack']);
    // A subtype is reported with its parent, not as a damage of its own.
    expect(v.types[3]).toMatchObject({ name: 'alligator-crack', parent: 'crack', state: 'found' });
    expect(photoVerdict([0.01, 0.05, 0.1, 0.02], manifest, 120).kind).toBe('good-road');
    expect(photoVerdict([0.5, 0.05, 0.1, 0.02], manifest).kind).toBe('not-sure');
  });

  it('says "not a road" first when the score is above the threshold, keeping the types', () => {
    const v = photoVerdict([0.9, 0.1, 0.1, 0.1], manifest, 900);
    expect(v.kind).toBe('not-a-road');
    expect(v.notRoadScore).toBe(900);
    expect(v.types[0].state).toBe('found');
  });

  it('refuses outputs that do not match the manifest', () => {
    expect(() => photoVerdict([0.9, 0.1], manifest)).toThrow(/do not belong together/);
  });
});
