import { describe, expect, it } from 'vitest';
import { summariseRun } from '../../../src/features/drive/shared/run-summary';

describe('summariseRun', () => {
  const surveys = [
    { id: 'a', types: ['pothole'], score: 0.9, lowConfidence: false },
    { id: 'b', types: ['pothole', 'crack'], score: 0.7, lowConfidence: false },
    { id: 'c', types: ['crack'], score: 0.55, lowConfidence: true },
    { id: 'd', types: ['pothole'], score: 0.95, lowConfidence: false },
  ];

  it('gives distance, damages per km by type and the surveys to check, unsure first', () => {
    const s = summariseRun({
      distanceM: 2000,
      startedAt: '2026-12-02T08:00:00.000Z',
      endedAt: '2026-12-02T08:05:00.000Z',
      framesAnalysed: 600,
      surveys,
    });
    expect(s.distanceKm).toBe(2);
    expect(s.durationS).toBe(300);
    expect(s.surveys).toBe(4);
    expect(s.byType).toEqual([
      { type: 'pothole', count: 3, perKm: 1.5 },
      { type: 'crack', count: 2, perKm: 1 },
    ]);
    expect(s.toCheck).toEqual(['c', 'd', 'a', 'b']);
  });

  it('gives no rate per km for a run under 100 m', () => {
    const s = summariseRun({
      distanceM: 40,
      startedAt: '2026-12-02T08:00:00.000Z',
      endedAt: '2026-12-02T08:00:10.000Z',
      framesAnalysed: 20,
      surveys: surveys.slice(0, 1),
    });
    expect(s.byType).toEqual([{ type: 'pothole', count: 1, perKm: null }]);
  });

  it('an empty run has nothing to check', () => {
    const s = summariseRun({
      distanceM: 0,
      startedAt: '2026-12-02T08:00:00.000Z',
      endedAt: '2026-12-02T08:00:00.000Z',
      framesAnalysed: 0,
      surveys: [],
    });
    expect(s).toMatchObject({ surveys: 0, byType: [], toCheck: [], distanceKm: 0 });
  });
});
