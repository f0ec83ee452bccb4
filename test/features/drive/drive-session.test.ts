/**
 * The drive run's page-side logic against a real (fake-indexeddb) store: frames found with
 * damage become one survey per stretch, the best frame, saved with the run; the run ends with a
 * thinned track; a run left running by a reload is ended with what it had. The worker's answers
 * are made here (the browser test runs the real worker on a fake camera).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DriveSession, type DriveFix } from '../../../src/features/drive/client/drive-session';
import {
  endAbandonedRuns,
  endLeftoverRun,
  settleLeftoverRuns,
  STALE_RUN_MS,
} from '../../../src/features/drive/client/leftover-runs';
import { localScale } from '../../../src/geo/ruler';
import { runRecordSchema } from '../../../src/schema/run';
import { surveyRecordSchema } from '../../../src/schema/survey';
import { RunRepository } from '../../../src/store/run-repository';
import { runToWire } from '../../../src/store/run-wire';
import { SurveyRepository } from '../../../src/store';
import { toWire } from '../../../src/store/wire';
import type { FrameAnalysis } from '../../../src/workers/protocol';
import { uniqueDbName } from '../../store/make-record';

const START = { lon: 116.3, lat: 39.9 };
const { ky } = localScale(START.lat);
const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);

function fixAt(metresNorth: number, at: number): DriveFix {
  return {
    lon: START.lon,
    lat: START.lat + metresNorth / ky,
    accuracyM: 5,
    speedMps: 10,
    headingDeg: 0,
    at,
  };
}

/** What the worker answers for a frame with this pothole probability. */
function frameAnswer(p: number, tag: string): FrameAnalysis {
  const damage = p >= 0.5;
  return {
    explanation: {
      verdict: {
        label: damage ? 'pothole' : 'normal',
        potholeProbability: p,
        lowConfidence: false,
      },
      probabilities: { pothole: p, normal: 1 - p },
      cam: {
        method: 'gradcam',
        layer: 'conv',
        width: 2,
        height: 2,
        data: new Float32Array([0, 0.5, 1, 0.25]),
      },
      camEmpty: false,
      region: { x: 0, y: 0, width: 1, height: 1 },
      model: { id: 'pothole-cnn', version: '1.0.0' },
      heatmap: null,
      timings: { inferenceMs: 30, renderMs: 0 },
    },
    damage,
    photo: damage
      ? {
          jpeg: new Blob([tag], { type: 'image/jpeg' }),
          thumbnail: new Blob(['t'], { type: 'image/jpeg' }),
          meta: {
            sha256: tag.padEnd(64, '0'),
            bytes: 1000,
            width: 640,
            height: 480,
            type: 'image/jpeg',
          },
        }
      : null,
    timings: { totalMs: 40, inferenceMs: 30, encodeMs: 10 },
  };
}

/** 10 m/s north; one frame per second with the given probabilities. */
async function drive(session: DriveSession, probabilities: number[], tags: string[] = []) {
  for (let i = 0; i < probabilities.length; i++) {
    const at = T0 + i * 1000;
    session.fix(fixAt(i * 10, at));
    expect(session.offerFrame(at)).toBe(true);
    await session.frameAnalysed(frameAnswer(probabilities[i], tags[i] ?? `f${i}`), at, 40);
  }
}

describe('DriveSession', () => {
  it('keeps one survey per damage stretch (the best frame) and ends with a thinned track', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    let now = T0;
    const session = await DriveSession.start(runs, {
      model: { id: 'pothole-cnn', version: '1.0.0' },
      settings: { maxFps: 1, sameDamageM: 15 },
      clock: () => now,
    });
    // Frames every 10 m: damage at 0-20 m (best at 10 m), none, then damage at 60 m.
    await drive(session, [0.7, 0.95, 0.8, 0.1, 0.2, 0.1, 0.9, 0.1, 0.1], ['a', 'best', 'c']);
    expect(session.state.damages).toBe(2);
    now = T0 + 9000;
    const run = await session.end('stopped');
    expect(run.state).toBe('ended');
    expect(run.surveyIds).toHaveLength(2);
    expect(run.framesAnalysed).toBe(9);
    expect(run.distanceM).toBeCloseTo(80, 3);
    // A straight line north: thinned to its two ends.
    expect(run.track).toHaveLength(2);
    expect(run.track[1][2]).toBe(8000);

    const surveys = await SurveyRepository.open({ name });
    const first = await surveys.get(run.surveyIds[0]);
    expect(first?.photo.sha256.startsWith('best')).toBe(true);
    expect(first?.runId).toBe(run.id);
    expect(first?.motion).toEqual({ speedMps: 10, headingDeg: 0 });
    expect(await (await surveys.getPhoto(run.surveyIds[0]))?.text()).toBe('best');
    const second = await surveys.get(run.surveyIds[1]);
    expect(second?.position?.lat).toBeCloseTo(START.lat + 60 / ky, 9);
    // Both are valid on the wire, with the run's id.
    expect(surveyRecordSchema.parse(toWire(second!)).runId).toBe(run.id);
    const wire = runToWire(run);
    expect(runRecordSchema.parse(wire).surveyIds).toEqual(run.surveyIds);
    surveys.close();
    runs.close();
  });

  it('drops frames while one is in the worker, and ends only once', async () => {
    const runs = await RunRepository.open({ name: uniqueDbName() });
    const session = await DriveSession.start(runs, { model: null });
    expect(session.offerFrame(T0)).toBe(true);
    expect(session.offerFrame(T0 + 10)).toBe(false);
    expect(session.state.framesDropped).toBe(1);
    await session.frameAnalysed(frameAnswer(0.1, 'x'), T0, 20);
    const [a, b] = await Promise.all([session.end('hidden'), session.end('stopped')]);
    expect(a).toBe(b);
    expect(a.endReason).toBe('hidden');
    expect(session.offerFrame(T0 + 5000)).toBe(false);
    runs.close();
  });

  it('a run left running by a reload is ended with the track and surveys it had saved', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    let now = T0;
    const session = await DriveSession.start(runs, { model: null, clock: () => now });
    await drive(session, [0.9, 0.1, 0.1, 0.1]); // the stretch closes at 20 m: one survey saved
    now = T0 + 6000;
    await session.checkpoint();
    // The tab dies here: no end(). The next page load ends the run.
    const reopened = await RunRepository.open({ name });
    const ended = await endAbandonedRuns(reopened, new Date(T0 + 60_000));
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({
      state: 'ended',
      endReason: 'reloaded',
      surveyIds: [expect.any(String)],
    });
    expect(ended[0].distanceM).toBeCloseTo(30, 3);
    expect(ended[0].endedAt).toBe(new Date(T0 + 6000).toISOString());
    expect(await endAbandonedRuns(reopened)).toEqual([]);
    runs.close();
    reopened.close();
  });

  it('a run that has not ended cannot be uploaded', async () => {
    const runs = await RunRepository.open({ name: uniqueDbName() });
    const session = await DriveSession.start(runs, { model: null });
    expect(() => runToWire(session.record)).toThrow(/not ended/);
    runs.close();
  });
});
