/**
 * One drive run on the page side (issue 13): it decides which camera frames go to the worker
 * (FrameScheduler), records the track (TrackRecorder), groups damage frames into stretches per
 * damage type (DamageStretches) and saves each closed stretch's best frame as a survey of the
 * run, in the same transaction as the run's record of it. Everything a reload would lose is in
 * the run record as it goes: the track and counters every few seconds, the open stretches (with
 * their best frame, photo included) whenever one opens or gets a better frame. So a run can be
 * resumed after a reload (`DriveSession.resume`) or ended with all it had
 * (leftover-runs.ts). `pause` / `resume` follow the page being hidden and shown again. The
 * camera, the worker and the wake lock stay in the page (drive-runner.ts).
 */
import type { RunEndReason } from '../../../schema/run';
import type { RunRepository } from '../../../store/run-repository';
import type { RunRecord } from '../../../store/run-record';
import type { FrameAnalysis } from '../../../workers/protocol';
import { DamageStretches, DEFAULT_STRETCH_DISTANCE_M } from '../shared/damage-stretches';
import { findingOf, type FrameFinding } from '../../../model/frame-finding';
import { DEFAULT_MAX_FPS, FrameScheduler, type PowerSignal } from '../shared/frame-scheduler';
import { stretchTypesOf } from '../shared/stretch-types';
import { DEFAULT_THIN_TOLERANCE_M, thinTrack, TrackRecorder } from '../shared/track';
import {
  openStretchesOf,
  saveClosedStretches,
  storableAnalysis,
  type DriveFix,
  type PendingFrame,
} from './drive-survey';

export type { DriveFix } from './drive-survey';
export { driveSurveyRecord } from './drive-survey';

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

export interface DriveView {
  runId: string;
  running: boolean;
  /** The app is hidden: camera released, nothing analysed until it is shown again. */
  paused: boolean;
  framesAnalysed: number;
  framesDropped: number;
  /** Surveys saved plus the damage stretches still open (each becomes one). */
  damages: number;
  distanceM: number;
  last: FrameFinding | null;
  lastMs: number | null;
  /** The last saving error, shown to the engineer (the run goes on). */
  saveError: string | null;
}

/** A fix older than this is not a frame's position. */
const MAX_FIX_AGE_MS = 5000;

type Progress = Pick<
  RunRecord,
  'track' | 'distanceM' | 'framesAnalysed' | 'framesDropped' | 'openStretches' | 'pausedAt'
>;

export class DriveSession extends EventTarget {
  readonly scheduler: FrameScheduler;
  private readonly track: TrackRecorder;
  private readonly stretches: DamageStretches<PendingFrame>;
  private latestFix: DriveFix | null = null;
  private run: RunRecord;
  private saving: Promise<unknown> = Promise.resolve();
  private lastCheckpoint: number;
  /** The stretches' change count at the last write of the open stretches. */
  private stretchesWritten: number;
  private pausedAt: string | null = null;
  private ended: Promise<RunRecord> | null = null;
  private view: DriveView;

  private constructor(
    private readonly runs: RunRepository,
    run: RunRecord,
    private readonly clock: () => number,
  ) {
    super();
    this.run = run;
    this.scheduler = new FrameScheduler({
      maxFps: run.settings.maxFps,
      counted: { analysed: run.framesAnalysed, dropped: run.framesDropped },
    });
    this.track = new TrackRecorder({}, { points: run.track, distanceM: run.distanceM });
    this.stretches = new DamageStretches({ distanceM: run.settings.sameDamageM });
    this.stretches.remember(
      run.damageSpots.map((s) => ({ lon: s.lon, lat: s.lat, type: s.type ?? 'pothole' })),
    );
    this.stretches.restore(openStretchesOf(run));
    this.stretchesWritten = this.stretches.changes;
    this.lastCheckpoint = clock();
    this.view = {
      runId: run.id,
      running: true,
      paused: false,
      framesAnalysed: run.framesAnalysed,
      framesDropped: run.framesDropped,
      damages: 0,
      distanceM: run.distanceM,
      last: null,
      lastMs: null,
      saveError: null,
    };
    this.view.damages = this.damagesNow();
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
      openStretches: [],
      savedFrames: [],
      pausedAt: null,
      settings: { ...(options.settings ?? DEFAULT_DRIVE_SETTINGS) },
      model: options.model,
      sync: { state: 'local', attempts: 0 },
    };
    await runs.create(run);
    return new DriveSession(runs, run, clock);
  }

  /**
   * Carries on a run a reload left running: the same run id, its track, counters, the damages
   * it recorded (not recorded again) and the stretches it had open (their best frames kept).
   */
  static async resume(
    runs: RunRepository,
    runId: string,
    options: { clock?: () => number } = {},
  ): Promise<DriveSession> {
    const clock = options.clock ?? Date.now;
    const stored = await runs.get(runId);
    if (!stored || stored.state !== 'running') {
      throw new DriveSessionError(
        'This run has already ended: start a new one.',
        `run ${runId} is ${stored?.state ?? 'not on the phone'}`,
      );
    }
    const run = await runs.update(runId, (r) => ({
      ...r,
      pausedAt: null,
      updatedAt: new Date(clock()).toISOString(),
    }));
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
    // While paused no frame is offered for real (the camera is off): nothing is counted.
    if (this.ended || this.pausedAt) return false;
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
      // A damage frame without a photo (the worker could not encode it) cannot be a survey.
      found: analysis.photo !== null ? stretchTypesOf(finding) : [],
      payload: { analysis: storableAnalysis(analysis), fix, at },
    });
    this.update({
      framesAnalysed: this.scheduler.stats().analysed,
      last: finding,
      lastMs: elapsedMs,
    });
    if (closed.length > 0) {
      const progress = this.progress();
      await this.queue(async () => {
        const { run, surveys } = await saveClosedStretches(
          this.runs,
          this.run.id,
          closed,
          (stored) => ({ ...stored, ...progress, updatedAt: new Date(this.clock()).toISOString() }),
        );
        this.run = run;
        for (const record of surveys)
          this.dispatchEvent(new CustomEvent('survey', { detail: record }));
      });
      this.lastCheckpoint = this.clock();
    } else if (
      this.stretches.changes !== this.stretchesWritten ||
      this.clock() - this.lastCheckpoint >= CHECKPOINT_MS
    ) {
      // A new stretch or a better frame is written at once: a reload must not lose it.
      await this.checkpoint();
    }
    this.update({ damages: this.damagesNow() });
  }

  /** Writes the track, counters and open stretches so far. */
  checkpoint(): Promise<unknown> {
    this.lastCheckpoint = this.clock();
    // Taken now, not when the write runs: each write is the state at its place in the queue.
    const progress = this.progress();
    return this.queue(async () => {
      this.run = await this.runs.update(this.run.id, (stored) => ({
        ...stored,
        ...progress,
        updatedAt: new Date(this.clock()).toISOString(),
      }));
    });
  }

  /**
   * The app is hidden (or reloading): no more frames, and everything is written at once, in
   * the task that paused, so a tab killed in the background keeps it. The run stays running.
   */
  pause(): Promise<unknown> {
    if (this.ended || this.pausedAt) return this.saving;
    this.pausedAt = new Date(this.clock()).toISOString();
    this.update({ paused: true });
    return this.checkpoint();
  }

  /** The app is shown again: frames are offered again. */
  resumeFrames(): void {
    if (this.ended || !this.pausedAt) return;
    this.pausedAt = null;
    this.update({ paused: false });
    void this.checkpoint();
  }

  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /**
   * Ends the run, once: the open stretches become its last surveys and the run is marked ended
   * with its thinned track, in one transaction (all of it or, if the page dies first, none: the
   * run is then still running with its open stretches, and is resumed or ended on return).
   */
  end(reason: RunEndReason): Promise<RunRecord> {
    this.ended ??= (async () => {
      const closed = this.stretches.flush();
      const endedAt = new Date(this.clock()).toISOString();
      const progress = this.progress();
      await this.queue(async () => {
        const { run, surveys } = await saveClosedStretches(
          this.runs,
          this.run.id,
          closed,
          (stored) => ({
            ...stored,
            ...progress,
            track: thinTrack(progress.track, stored.trackToleranceM),
            openStretches: [],
            pausedAt: null,
            state: 'ended',
            endedAt,
            updatedAt: endedAt,
            endReason: reason,
          }),
        );
        this.run = run;
        for (const record of surveys)
          this.dispatchEvent(new CustomEvent('survey', { detail: record }));
      });
      await this.saving;
      this.update({ running: false, paused: false, damages: this.run.surveyIds.length });
      return this.run;
    })();
    return this.ended;
  }

  private progress(): Progress {
    const stats = this.scheduler.stats();
    this.stretchesWritten = this.stretches.changes;
    return {
      track: this.track.points.map(([lon, lat, t]) => [lon, lat, t]),
      distanceM: this.track.distanceM,
      framesAnalysed: stats.analysed,
      framesDropped: stats.dropped,
      openStretches: this.stretches.snapshot(),
      pausedAt: this.pausedAt,
    };
  }

  /** Surveys saved plus the open stretches' best frames not saved yet (one survey each). */
  private damagesNow(): number {
    const saved = new Set(this.run.savedFrames ?? []);
    const pending = new Set(
      this.stretches
        .snapshot()
        .map((s) => s.best.payload.at)
        .filter((at) => !saved.has(at)),
    );
    return this.run.surveyIds.length + pending.size;
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

  private update(changes: Partial<DriveView>): void {
    this.view = { ...this.view, ...changes };
    this.dispatchEvent(new Event('change'));
  }
}

export class DriveSessionError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'DriveSessionError';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
