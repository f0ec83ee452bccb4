/**
 * A drive as the page runs it (issue 13): camera frames are offered to the session as they come
 * (requestVideoFrameCallback, else a 30 Hz timer); the ones it takes are copied to an
 * ImageBitmap and transferred to the analysis worker, so nothing heavy runs on the main thread.
 * Position, wake lock and power signal feed the session. `pause()` (the app hidden) releases
 * camera, position, wake lock and writes the run; `resume()` takes them again. `stop(reason)`
 * ends everything once.
 */
import * as Comlink from 'comlink';
import type { RunEndReason } from '../../../schema/run';
import type { RunRepository } from '../../../store/run-repository';
import type { RunRecord } from '../../../store/run-record';
import type { SurveyRecord } from '../../../store/survey-record';
import type { AnalysisWorkerApi } from '../../../workers/protocol';
import { keepScreenOn, openRearCamera, stopStream, watchFixes, watchPower } from './drive-devices';
import { DriveSession, type DriveSettings } from './drive-session';

export interface DriveRunnerOptions {
  runs: RunRepository;
  analysis: Comlink.Remote<AnalysisWorkerApi>;
  video: HTMLVideoElement;
  settings: DriveSettings;
  model: { id: string; version: string } | null;
  /** Carry on this run (left running by a reload) instead of starting a new one. */
  resumeRunId?: string;
  /** Each survey saved (the page queues it for sync). */
  onSurvey: (record: SurveyRecord) => void;
  /** A problem the engineer should see; the run goes on. */
  onProblem: (message: string) => void;
}

type VideoWithFrames = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: () => void) => number;
  cancelVideoFrameCallback?: (id: number) => void;
};

export class DriveRunner {
  private stream: MediaStream | null = null;
  private stops: (() => void)[] = [];
  private wakeLock: WakeLockSentinel | null = null;
  private stopping: Promise<RunRecord> | null = null;
  /** The page wants the run paused (hidden); a resume still opening the camera gives way. */
  private wantPaused = false;
  private resuming = false;

  private constructor(
    readonly session: DriveSession,
    private readonly options: DriveRunnerOptions,
  ) {}

  static async start(options: DriveRunnerOptions): Promise<DriveRunner> {
    const stream = await openRearCamera(options.video);
    let session: DriveSession;
    try {
      session = options.resumeRunId
        ? await DriveSession.resume(options.runs, options.resumeRunId)
        : await DriveSession.start(options.runs, {
            settings: options.settings,
            model: options.model,
          });
    } catch (error) {
      stopStream(stream);
      throw error;
    }
    const runner = new DriveRunner(session, options);
    runner.stream = stream;
    session.addEventListener('survey', (e) =>
      options.onSurvey((e as CustomEvent<SurveyRecord>).detail),
    );
    runner.begin();
    return runner;
  }

  /**
   * The app is hidden: frames stop, camera, position and wake lock are released (a phone in
   * the background must not keep its camera), and the run is written, started in this same task
   * (a page being unloaded may not run a later one). The run goes on.
   */
  pause(): Promise<unknown> {
    this.wantPaused = true;
    if (this.stopping) return this.stopping;
    const saved = this.session.paused ? Promise.resolve() : this.session.pause();
    this.release();
    return saved;
  }

  /** The app is shown again: camera, position and wake lock back, frames offered again. */
  async resume(): Promise<void> {
    this.wantPaused = false;
    if (this.stopping || !this.session.paused || this.resuming) return;
    this.resuming = true;
    try {
      const stream = await openRearCamera(this.options.video);
      // Hidden again (or stopped) while the camera opened.
      if (this.wantPaused || this.stopping) {
        stopStream(stream);
        return;
      }
      this.stream = stream;
      this.begin();
      this.session.resumeFrames();
    } catch (error) {
      // The run stays paused with all it had; the engineer sees why and can stop it.
      this.options.onProblem(error instanceof Error ? error.message : String(error));
    } finally {
      this.resuming = false;
    }
  }

  private begin(): void {
    const { session, options } = this;
    this.stops.push(watchFixes((fix) => session.fix(fix), options.onProblem));
    this.stops.push(watchPower((signal) => session.setPower(signal)));
    void keepScreenOn().then((lock) => {
      if (this.stopping || this.session.paused) void lock?.release();
      else this.wakeLock = lock;
    });
    // The camera track ending (unplugged, taken by another app) ends the run with what it had.
    this.stream?.getVideoTracks()[0]?.addEventListener('ended', () => {
      if (!this.session.paused) void this.stop('camera-lost');
    });
    this.watchFrames();
  }

  private watchFrames(): void {
    const video = this.options.video as VideoWithFrames;
    if (video.requestVideoFrameCallback) {
      let id = 0;
      const next = () => {
        if (this.stopping || this.session.paused) return;
        this.offer();
        id = video.requestVideoFrameCallback!(next);
      };
      id = video.requestVideoFrameCallback(next);
      this.stops.push(() => video.cancelVideoFrameCallback?.(id));
    } else {
      const timer = setInterval(() => this.offer(), 1000 / 30);
      this.stops.push(() => clearInterval(timer));
    }
  }

  /** A new camera frame: analysed if the session takes it, dropped otherwise. */
  private offer(): void {
    const video = this.options.video;
    if (video.readyState < 2 || !this.session.offerFrame(performance.now())) return;
    const at = Date.now();
    const started = performance.now();
    void (async () => {
      try {
        const bitmap = await createImageBitmap(video);
        const outcome = await this.options.analysis.analyseFrame(
          Comlink.transfer(bitmap, [bitmap]),
        );
        if (!outcome.ok) {
          this.session.frameFailed();
          this.options.onProblem(outcome.error.message);
          return;
        }
        const done = performance.now();
        // Read by `npm run bench:drive`: frame grabbed -> verdict back on the page.
        performance.measure('roadcam:drive-frame', { start: started, end: done });
        await this.session.frameAnalysed(outcome.value, at, done - started);
      } catch (error) {
        this.session.frameFailed();
        this.options.onProblem(`A frame could not be analysed: ${String(error)}`);
      }
    })();
  }

  /** Ends the run (once): camera, position, wake lock off; the session saves what it had. */
  stop(reason: RunEndReason): Promise<RunRecord> {
    this.stopping ??= (async () => {
      // The run's record first (see DriveSession.end), then the devices.
      const ended = this.session.end(reason);
      this.release();
      return ended;
    })();
    return this.stopping;
  }

  /** Camera, position, power watch, frames and wake lock off. */
  private release(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    stopStream(this.stream);
    this.stream = null;
    this.options.video.srcObject = null;
    void this.wakeLock?.release().catch(() => undefined);
    this.wakeLock = null;
  }
}
