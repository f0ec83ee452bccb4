/** A run as the phone keeps it -> the wire form the sync server validates (src/schema/run.ts). */
import { runRecordSchema, type RunRecordWire } from '../schema/run';
import { StoreError } from './errors';
import type { RunRecord } from './run-record';

export function runToWire(run: RunRecord): RunRecordWire {
  if (run.state !== 'ended' || !run.endedAt || !run.endReason) {
    throw new StoreError(
      'failed',
      'This run has not ended yet, so it cannot be uploaded.',
      `run ${run.id} is ${run.state}`,
    );
  }
  return runRecordSchema.parse({
    id: run.id,
    revision: run.revision,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    endReason: run.endReason,
    track: run.track.map(([lon, lat, t]) => [lon, lat, Math.max(0, Math.round(t))]),
    trackToleranceM: run.trackToleranceM,
    distanceM: run.distanceM,
    framesAnalysed: run.framesAnalysed,
    framesDropped: run.framesDropped,
    surveyIds: run.surveyIds,
    settings: run.settings,
    model: run.model,
  });
}
