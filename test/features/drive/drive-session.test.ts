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

/** What a road-damage model's worker answers for a frame that found these types. */
function typedAnswer(found: Record<string, number>, tag: string): FrameAnalysis {
  const base = frameAnswer(Math.max(0, ...Object.values(found)), tag);
  const names = ['pothole', 'crack', 'patch', 'alligator-crack'];
  const types = names.map((name) => ({
    name: name as 'pothole',
    title: name,
    probability: found[name] ?? 0.05,
    state: (name in found ? 'found' : 'not-found') as 'found',
  }));
  const damage = Object.keys(found).length > 0;
  return {
    ...base,
    explanation: {
      ...base.explanation,
      verdict: {
        label: damage ? 'damage' : 'normal',
        potholeProbability: found.pothole ?? 0.05,
        lowConfidence: false,
      },
      damage: {
        outcome: damage ? 'damage' : 'good-road',
        types,
        found: Object.keys(found),
        notSure: [],
        notRoad: null,
        heatmaps: [],
      },
    },
  };
}

/** 10 m/s north; one frame per second with the given probabilities. */
async function drive(
  session: DriveSession,
  probabilities: number[],
  tags: string[] = [],
  from = { m: 0, at: T0 },
) {
  for (let i = 0; i < probabilities.length; i++) {
    const at = from.at + i * 1000;
    session.fix(fixAt(from.m + i * 10, at));
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

  it('a run reloaded mid-stretch resumes: same run, its track, the open stretch, no duplicates', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    let now = T0;
    const session = await DriveSession.start(runs, {
      model: null,
      settings: { maxFps: 1, sameDamageM: 15 },
      clock: () => now,
    });
    // A pothole at 0 m (closed, saved), then one at 50-60 m still open when the tab dies.
    await drive(
      session,
      [0.9, 0.1, 0.1, 0.1, 0.1, 0.8, 0.97],
      ['a', '', '', '', '', 'b', 'b-best'],
    );
    expect(session.state.damages).toBe(2);
    // No end(), no pause(): the tab is killed. What the store has is what the writes had.
    const reopened = await RunRepository.open({ name });
    now = T0 + 60_000;
    const { resumable, ended } = await settleLeftoverRuns(reopened, { now: new Date(now) });
    expect(ended).toEqual([]);
    expect(resumable?.id).toBe(session.record.id);
    expect(resumable?.surveyIds).toHaveLength(1);

    const resumed = await DriveSession.resume(reopened, resumable!.id, { clock: () => now });
    expect(resumed.state).toMatchObject({ framesAnalysed: 7, damages: 2 });
    // Carries on from 70 m: the open stretch closes with its best frame from before the reload;
    // the road is then driven back over the first pothole (not recorded again).
    await drive(resumed, [0.1, 0.1, 0.1], [], { m: 70, at: now });
    resumed.fix(fixAt(5, now + 10_000));
    expect(resumed.offerFrame(now + 10_000)).toBe(true);
    await resumed.frameAnalysed(frameAnswer(0.99, 'a-again'), now + 10_000, 40);
    const run = await resumed.end('stopped');

    expect(run.id).toBe(session.record.id);
    expect(run.framesAnalysed).toBe(11);
    expect(run.surveyIds).toHaveLength(2);
    expect(new Set(run.surveyIds).size).toBe(2);
    // The track goes on from where it was (0..90 m, then back to 5 m).
    expect(run.distanceM).toBeCloseTo(90 + 85, 3);
    const surveys = await SurveyRepository.open({ name });
    const photos = await Promise.all(
      run.surveyIds.map(async (id) => (await surveys.getPhoto(id))?.text()),
    );
    expect(photos).toEqual(['a', 'b-best']);
    const all = (await surveys.list()).filter((r) => r.runId === run.id);
    expect(all).toHaveLength(2);
    expect(await settleLeftoverRuns(reopened)).toEqual({ resumable: null, ended: [] });
    surveys.close();
    runs.close();
    reopened.close();
  });

  it('ending a leftover run saves its open stretch as a survey, once', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    const session = await DriveSession.start(runs, {
      model: null,
      settings: { maxFps: 1, sameDamageM: 15 },
      clock: () => T0,
    });
    await drive(session, [0.1, 0.7, 0.9], ['', 'x', 'x-best']); // open at 10-20 m
    const id = session.record.id;
    const ended = await endLeftoverRun(runs, id, 'reloaded', new Date(T0 + 60_000));
    expect(ended).toMatchObject({ state: 'ended', endReason: 'reloaded', openStretches: [] });
    expect(ended.surveyIds).toHaveLength(1);
    // The end is the last write, the track ends at the last kept fix.
    expect(Date.parse(ended.endedAt!)).toBeLessThanOrEqual(T0 + 2000);
    expect(ended.track.at(-1)?.[2]).toBe(2000);
    expect(await endLeftoverRun(runs, id)).toEqual(ended);
    const surveys = await SurveyRepository.open({ name });
    expect(await (await surveys.getPhoto(ended.surveyIds[0]))?.text()).toBe('x-best');
    expect((await surveys.list()).filter((r) => r.runId === id)).toHaveLength(1);
    expect(runToWire(ended).surveyIds).toEqual(ended.surveyIds);
    surveys.close();
    runs.close();
  });

  it('a run left longer than the stale time is ended without asking', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    const session = await DriveSession.start(runs, { model: null, clock: () => T0 });
    await drive(session, [0.1, 0.1]);
    const later = new Date(T0 + STALE_RUN_MS + 1000);
    const { resumable, ended } = await settleLeftoverRuns(runs, { now: later });
    expect(resumable).toBeNull();
    expect(ended.map((r) => r.id)).toEqual([session.record.id]);
    await expect(DriveSession.resume(runs, session.record.id)).rejects.toThrow(/already ended/);
    runs.close();
  });

  it('a crack and a pothole 5 m apart are two surveys; a frame best for both is one', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    let now = T0;
    const session = await DriveSession.start(runs, {
      model: { id: 'road-damage', version: '1' },
      settings: { maxFps: 10, sameDamageM: 10 },
      clock: () => now,
    });
    const frames: [number, Record<string, number>, string][] = [
      [0, { crack: 0.8 }, 'crack'],
      [5, { pothole: 0.9 }, 'pothole'],
      [7, { 'alligator-crack': 0.6 }, 'crack-sub'], // a crack subtype: the crack's stretch
      [40, {}, 'road'],
      // Farther on, one frame sees both, best for both: one survey naming both.
      [100, { pothole: 0.95, crack: 0.9 }, 'both'],
      [103, { pothole: 0.7 }, 'pothole-worse'],
      [140, {}, 'road'],
    ];
    for (const [i, [m, found, tag]] of frames.entries()) {
      now = T0 + i * 1000;
      session.fix(fixAt(m, now));
      expect(session.offerFrame(now)).toBe(true);
      await session.frameAnalysed(typedAnswer(found, tag), now, 40);
    }
    const run = await session.end('stopped');
    const surveys = await SurveyRepository.open({ name });
    const saved = await Promise.all(run.surveyIds.map((id) => surveys.get(id)));
    const photos = await Promise.all(
      run.surveyIds.map(async (id) => (await surveys.getPhoto(id))?.text()),
    );
    expect(photos.sort()).toEqual(['both', 'crack', 'pothole']);
    const both = saved.find((r) => r?.photo.sha256.startsWith('both'));
    expect([...(both?.typesFound ?? [])].sort()).toEqual(['crack', 'pothole']);
    expect(run.damageSpots.map((s) => s.type).sort()).toEqual([
      'crack',
      'crack',
      'crack',
      'pothole',
      'pothole',
      'pothole',
    ]);
    surveys.close();
    runs.close();
  });

  it('paused (app hidden): no frame is taken or counted, the run is written, then it goes on', async () => {
    const name = uniqueDbName();
    const runs = await RunRepository.open({ name });
    let now = T0;
    const session = await DriveSession.start(runs, { model: null, clock: () => now });
    await drive(session, [0.1, 0.8]);
    now = T0 + 2500;
    await session.pause();
    expect(session.state.paused).toBe(true);
    expect(session.offerFrame(now)).toBe(false);
    expect(session.state.framesDropped).toBe(0);
    const stored = await runs.get(session.record.id);
    expect(stored).toMatchObject({ state: 'running', framesAnalysed: 2 });
    expect(stored?.pausedAt).toBe(new Date(now).toISOString());
    expect(stored?.openStretches).toHaveLength(1);
    session.resumeFrames();
    expect(session.state.paused).toBe(false);
    expect(session.offerFrame(T0 + 5000)).toBe(true);
    runs.close();
  });

  it('a run that has not ended cannot be uploaded', async () => {
    const runs = await RunRepository.open({ name: uniqueDbName() });
    const session = await DriveSession.start(runs, { model: null });
    expect(() => runToWire(session.record)).toThrow(/not ended/);
    runs.close();
  });
});
