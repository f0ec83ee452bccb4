import { describe, expect, it } from 'vitest';
import { verdictText } from '../../../src/features/lab/page/lab-reanalysis';

describe('a re-analysis row’s verdict', () => {
  it('gives a pothole model’s label with its probability', () => {
    expect(verdictText({ label: 'pothole', probability: 0.91 })).toBe('Pothole 91%');
    expect(verdictText({ label: 'normal', probability: 0.8 })).toBe('Good road 80%');
    expect(verdictText(null)).toBe('—');
  });

  it('names the types a road-damage model found, or what it said instead', () => {
    const v = (label: string, types: string[], notSure = false) => ({
      label,
      probability: 0.5,
      types,
      notSure,
    });
    expect(verdictText(v('pothole', ['pothole', 'crack']))).toBe('Pothole, Crack');
    expect(verdictText(v('damage', ['patch']))).toBe('Patch');
    expect(verdictText(v('normal', []))).toBe('Good road');
    expect(verdictText(v('normal', [], true))).toBe('Not sure');
    expect(verdictText(v('not-a-road', []))).toBe('Not a road');
    // Saved before the types were kept: never "Good road" for damage.
    expect(verdictText({ label: 'damage', probability: 0.2 })).toBe('Damage');
  });
});
