/**
 * One drive run on the page side (issue 13): it decides which camera frames go to the worker
 * (FrameScheduler), records the track (TrackRecorder), groups damage frames into stretches
 * (DamageStretches) and saves each closed stretch's best frame as a survey of the run, in the
 * same transaction as the run's record of it. The run record is written every few seconds, so a
 * reload keeps what it had; `end` closes the open stretch, thins the track and marks the run
 * ended. The camera, the worker and the wake lock stay in the page (drive-page.ts).
 */
import type { Position } from '../../../schema/survey';
import type { RunEndReason } from '../../../schema/run';
import type { RunRepository } from '../../../store/run-repository';
import type { RunRecord } from '../../../store/run-record';
import type { SurveyRecord } from '../../../store/survey-record';
import { typesFoundOf, verdictKeyOf } from '../../../store/survey-record';
import { damageOf } from '../../../workers/damage-record';
import type { FrameAnalysis } from '../../../workers/protocol';
import { DamageStretches, DEFAULT_STRETCH_DISTANCE_M } from '../shared/damage-stretches';
import { findingOf, type FrameFinding } from '../../../model/frame-finding';
import { DEFAULT_MAX_FPS, FrameScheduler, type PowerSignal } from '../shared/frame-scheduler';
import { DEFAULT_THIN_TOLERANCE_M, thinTrack, TrackRecorder } from '../shared/track';

/** How often the run record is written while running. */
export const CHECKPOINT_MS = 5000;

export interface DriveSettings {
  maxFps: number;
  sameDamageM: number;
}

export const DEFAULT_DRIVE_SETTINGS: DriveSettings = {
  maxFps: DEFAULT_MAX_FPS,
  sameDamageM: DEFAULT_STRETCH_DISTANCE_M,
};

/** A Geolocation fix with what a drive needs. */
export interface DriveFix {
  lon: number;
  lat: number;
  accuracyM: number | null;
  speedMps: number | null;
  headingDeg: number | null;
  /** Epoch ms. */
  at: number;
}

interface PendingFrame {
  analysis: FrameAnalysis;
  fix: DriveFix | null;
  at: number;
}

export interface DriveView {
  runId: string;
  running: boolean;
  framesAnalysed: number;
  framesDropped: number;
  /** Surveys saved plus the damage stretch still open (it becomes one). */
  damages: number;
  distanceM: number;
  last: FrameFinding | null;
  lastMs: number | null;
  /** The last saving error, shown to the engineer (the run goes on). */
  saveError: string | null;
}

/** A fix older than this is not a frame's position. */
const MAX_FIX_AGE_MS = 5000;

export class DriveSession extends EventTarget {
  readonly scheduler: FrameScheduler;
  private readonly track: TrackRecorder;
  private readonly stretches: DamageStretches<PendingFrame>;
  private latestFix: DriveFix | null = null;
  private run: RunRecord;
  private saving: Promise<unknown> = Promise.resolve();
  private lastCheckpoint: number;
  private ended: Promise<RunRecord> | null = null;
  private view: DriveView;

  private constructor(
    private readonly runs: RunRepository,
    run: RunRecord,
    private readonly clock: () => number,
  ) {
    super();
    this.run = run;
    this.scheduler = new FrameScheduler({ maxFps: run.settings.maxFps });
    this.track = new TrackRecorder();
    this.stretches = new DamageStretches({ distanceM: run.settings.sameDamageM });
    this.lastCheckpoint = clock();
    this.view = {
      runId: run.id,
      running: true,
      framesAnalysed: 0,
      framesDropped: 0,
      damages: 0,
      distanceM: 0,
      last: null,
      lastMs: null,
      saveError: null,
    };
  }

  static async start(
    runs: RunRepository,
    options: {
      settings?: DriveSettings;
      model: { id: string; version: string } | null;
      clock?: () => number;
    },
  ): Promise<DriveSession> {
    const clock = options.clock ?? Date.now;
    const startedAt = new Date(clock()).toISOString();
    const run: RunRecord = {
      id: crypto.randomUUID(),
      revision: 1,
      state: 'running',
      startedAt,
      updatedAt: startedAt,
      endedAt: null,
      endReason: null,
      track: [],
      trackToleranceM: DEFAULT_THIN_TOLERANCE_M,
      distanceM: 0,
      framesAnalysed: 0,
      framesDropped: 0,
      surveyIds: [],
      damageSpots: [],
      settings: { ...(options.settings ?? DEFAULT_DRIVE_SETTINGS) },
      model: options.model,
      sync: { state: 'local', attempts: 0 },
    };
    await runs.create(run);
    return new DriveSession(runs, run, clock);
  }

  get state(): DriveView {
    return this.view;
  }

  get record(): RunRecord {
    return this.run;
  }

  setPower(signal: PowerSignal): void {
    this.scheduler.setPower(signal);
  }

  fix(fix: DriveFix): void {
    if (this.ended) return;
    this.latestFix = fix;
    const startedMs = Date.parse(this.run.startedAt);
    if (this.track.add({ ...fix, t: Math.max(0, fix.at - startedMs) })) {
      this.update({ distanceM: this.track.distanceM });
    }
    // Written by the clock, also when no frame comes back (a slow or stuck worker).
    if (this.clock() - this.lastCheckpoint >= CHECKPOINT_MS) void this.checkpoint();
  }

  /** A frame is ready at `now`: true when it should be analysed (then call frameAnalysed). */
  offerFrame(now: number): boolean {
    if (this.ended) return false;
    const take = this.scheduler.offer(now);
    if (!take) this.update({ framesDropped: this.scheduler.stats().dropped });
    return take;
  }

  frameFailed(): void {
    this.scheduler.failed();
  }

  /** The worker's answer for the frame taken at `at` (epoch ms), `elapsedMs` after it. */
  async frameAnalysed(analysis: FrameAnalysis, at: number, elapsedMs: number): Promise<void> {
    this.scheduler.finished(elapsedMs);
    // A frame that comes back after the run ended belongs to no stretch: the run is closed.
    if (this.ended) return;
    const finding = findingOf(analysis.explanation.damage ?? analysis.explanation.verdict);
    const fix = this.freshFix(at);
    const closed = this.stretches.observe({
      at,
      position: fix,
      damage: finding.damage && analysis.photo !== null,
      score: finding.score,
      payload: { analysis, fix, at },
    });
    this.update({
      framesAnalysed: this.scheduler.stats().analysed,
      last: finding,
      lastMs: elapsedMs,
      damages: this.run.surveyIds.length + closed.length + (this.stretches.hasOpenStretch ? 1 : 0),
    });
    for (const stretch of closed) await this.queue(() => this.saveSurvey(stretch.best.payload));
    if (this.clock() - this.lastCheckpoint >= CHECKPOINT_MS) await this.checkpoint();
  }

  /** Writes the track and counters so far (also called when the page is hidden). */
  checkpoint(): Promise<unknown> {
    this.lastCheckpoint = this.clock();
    return this.queue(async () => {
      this.run = await this.runs.update(this.run.id, (stored) => ({
        ...stored,
        ...this.progress(),
        updatedAt: new Date(this.clock()).toISOString(),
      }));
    });
  }

  /**
   * Ends the run: the track is thinned and the run marked ended, then the open stretch becomes
   * its last survey. Once. The run record is written first, in the task that ended the run: a
   * page being hidden or unloaded may not finish a longer chain of writes, and a run marked
   * ended keeps every survey saved so far (a survey and its place in the run are one
   * transaction).
   */
  end(reason: RunEndReason): Promise<RunRecord> {
    this.ended ??= (async () => {
      const closed = this.stretches.flush();
      const endedAt = new Date(this.clock()).toISOString();
      const progress = this.progress();
      await this.queue(async () => {
        this.run = await this.runs.update(this.run.id, (stored) => ({
          ...stored,
          ...progress,
          track: thinTrack(progress.track, stored.trackToleranceM),
          state: 'ended',
          endedAt,
          updatedAt: endedAt,
          endReason: reason,
        }));
      });
      for (const stretch of closed) await this.queue(() => this.saveSurvey(stretch.best.payload));
      await this.saving;
      this.update({ running: false, damages: this.run.surveyIds.length });
      return this.run;
    })();
    return this.ended;
  }

  private progress(): Pick<RunRecord, 'track' | 'distanceM' | 'framesAnalysed' | 'framesDropped'> {
    const stats = this.scheduler.stats();
    return {
      track: this.track.points.map(([lon, lat, t]) => [lon, lat, t]),
      distanceM: this.track.distanceM,
      framesAnalysed: stats.analysed,
      framesDropped: stats.dropped,
    };
  }

  private freshFix(at: number): DriveFix | null {
    const fix = this.latestFix;
    return fix && Math.abs(at - fix.at) <= MAX_FIX_AGE_MS ? fix : null;
  }

  private queue<T>(job: () => Promise<T>): Promise<T | undefined> {
    const run = this.saving.then(job).catch((error: unknown) => {
      this.update({ saveError: errorText(error) });
      return undefined;
    });
    this.saving = run;
    return run;
  }

  private async saveSurvey(frame: PendingFrame): Promise<void> {
    const record = driveSurveyRecord(frame, this.run.id);
    const spot = frame.fix ? { lon: frame.fix.lon, lat: frame.fix.lat } : null;
    this.run = await this.runs.addSurvey(this.run.id, record, frame.analysis.photo!.jpeg, spot);
    this.dispatchEvent(new CustomEvent('survey', { detail: record }));
  }

  private update(changes: Partial<DriveView>): void {
    this.view = { ...this.view, ...changes };
    this.dispatchEvent(new Event('change'));
  }
}

/** A damage frame as a survey of the run. */
export function driveSurveyRecord(frame: PendingFrame, runId: string): SurveyRecord {
  const { explanation, photo } = frame.analysis;
  if (!photo) throw new Error('A drive survey needs the frame photo');
  const at = new Date(frame.at).toISOString();
  const damage = damageOf(explanation);
  const position: Position | null = frame.fix
    ? { lat: frame.fix.lat, lon: frame.fix.lon, accuracyM: frame.fix.accuracyM, source: 'gps' }
    : null;
  return {
    id: crypto.randomUUID(),
    revision: 1,
    createdAt: at,
    updatedAt: at,
    position,
    noPositionReason: position ? null : 'unavailable',
    verdict: explanation.verdict,
    verdictKey: verdictKeyOf(explanation.verdict),
    probabilities: explanation.probabilities,
    cam: explanation.cam,
    model: explanation.model,
    analysisError: null,
    notes: '',
    severity: null,
    photo: photo.meta,
    thumbnail: photo.thumbnail,
    sync: { state: 'local', attempts: 0 },
    ...(damage ? { damage } : {}),
    typesFound: typesFoundOf(explanation.verdict, damage),
    runId,
    motion: {
      speedMps: frame.fix?.speedMps ?? null,
      headingDeg: frame.fix?.headingDeg ?? null,
    },
  };
}

/** Runs left 'running' by a reload or a killed tab: ended with what they had. */
export async function endAbandonedRuns(
  runs: RunRepository,
  now = new Date(),
): Promise<RunRecord[]> {
  const ended: RunRecord[] = [];
  for (const run of await runs.running()) {
    ended.push(
      await runs.update(run.id, (stored) => ({
        ...stored,
        track: thinTrack(stored.track, stored.trackToleranceM),
        state: 'ended',
        // The last time it was known to be running: the end of what it recorded.
        endedAt: stored.updatedAt < now.toISOString() ? stored.updatedAt : now.toISOString(),
        endReason: 'reloaded',
      })),
    );
  }
  return ended;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
