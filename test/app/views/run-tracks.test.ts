import { describe, expect, it } from 'vitest';
import { runLabel, runTracks } from '../../../src/app/views/run-tracks';

const run = (id: string, points: number, state: 'running' | 'ended' = 'ended') => ({
  id,
  startedAt: '2026-11-30T07:05:09.000Z',
  state,
  track: Array.from({ length: points }, (_, i): [number, number, number] => [
    [36.8, 36.801, 36.802][i] ?? 36.9,
    -1.29,
    i * 1000,
  ]),
  distanceM: 3250,
  surveyIds: ['a', 'b'],
});

describe('drive runs on the map', () => {
  it('draws each run with two points or more as its [lon, lat] line, labelled', () => {
    const tracks = runTracks([run('r1', 3), run('r2', 1), run('r3', 2, 'running')]);
    expect(tracks.map((t) => t.id)).toEqual(['r1', 'r3']);
    expect(tracks[0].line).toEqual([
      [36.8, -1.29],
      [36.801, -1.29],
      [36.802, -1.29],
    ]);
    expect(tracks[0].label).toBe('Drive run 2026-11-30 07:05 UTC, 3.3 km, 2 surveys');
    expect(tracks[1].label).toMatch(/\(running\)$/);
    expect(runLabel({ ...run('x', 2), surveyIds: ['only'] })).toMatch(/, 1 survey$/);
  });
});
