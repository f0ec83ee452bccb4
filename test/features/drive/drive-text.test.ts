import { describe, expect, it } from 'vitest';
import {
  distanceText,
  summaryLines,
  verdictText,
} from '../../../src/features/drive/shared/drive-text';

describe('drive page texts', () => {
  it('says what the last frame found', () => {
    expect(verdictText(null)).toMatch(/Waiting/);
    expect(verdictText({ damage: false, found: [], score: 0, lowConfidence: false })).toBe(
      'Road looks good',
    );
    expect(
      verdictText({
        damage: true,
        found: [{ type: 'pothole', probability: 0.874 }],
        score: 0.874,
        lowConfidence: true,
      }),
    ).toBe('Damage: pothole 87% (not sure)');
  });

  it('gives distances in m under 1 km and km above, and the summary lines', () => {
    expect(distanceText(999.4)).toBe('999 m');
    expect(distanceText(1234)).toBe('1.23 km');
    expect(
      summaryLines({
        distanceKm: 2,
        durationS: 600,
        framesAnalysed: 1200,
        surveys: 3,
        byType: [
          { type: 'pothole', count: 2, perKm: 1 },
          { type: 'crack', count: 1, perKm: null },
        ],
        toCheck: ['a', 'b', 'c'],
      }),
    ).toEqual([
      '2.00 km in 10 min; 1200 frames analysed; 3 damages recorded.',
      'pothole: 2 (1.0 per km)',
      'crack: 1 (too short a run for a rate per km)',
    ]);
  });
});
