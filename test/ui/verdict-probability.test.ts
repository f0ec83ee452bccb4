import { describe, expect, it } from 'vitest';
import { verdictProbability } from '../../src/ui/verdict-probability';

describe('verdictProbability', () => {
  it('is the probability of the label the verdict says', () => {
    expect(verdictProbability({ label: 'pothole', potholeProbability: 0.9 })).toBeCloseTo(0.9);
    expect(verdictProbability({ label: 'normal', potholeProbability: 0.1 })).toBeCloseTo(0.9);
    expect(verdictProbability({ label: 'normal', potholeProbability: 0.45 })).toBeCloseTo(0.55);
  });

  it('is null without a verdict', () => {
    expect(verdictProbability(null)).toBeNull();
    expect(verdictProbability(undefined)).toBeNull();
  });
});
