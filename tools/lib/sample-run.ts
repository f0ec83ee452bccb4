/**
 * A valid drive run (the wire form) made from a number, like sample-survey.ts's surveys: the
 * server's run tests and the sync tests build their runs from it. A 10-minute run along a
 * 1.1 km straight track, one survey.
 */
import { randomUUID } from 'node:crypto';
import type { RunRecordWire } from '../../src/schema/run';

export function makeRun(index: number, overrides: Partial<RunRecordWire> = {}): RunRecordWire {
  const start = Date.UTC(2026, 11, 2, 8, 0, 0) + index * 60_000;
  return {
    id: randomUUID(),
    revision: 1,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 600_000).toISOString(),
    endReason: 'stopped',
    track: [
      [116.3, 39.9, 0],
      [116.3, 39.91, 600_000],
    ],
    trackToleranceM: 2,
    distanceM: 1110.5,
    framesAnalysed: 600 + index,
    framesDropped: 12,
    surveyIds: [randomUUID()],
    settings: { maxFps: 2, sameDamageM: 10 },
    model: { id: 'pothole-cnn', version: '1.0.0' },
    ...overrides,
  };
}
