/**
 * A drive as the page runs it (issue 13): camera frames are offered to the session as they come
 * (requestVideoFrameCallback, else a 30 Hz timer); the ones it takes are copied to an
 * ImageBitmap and transferred to the analysis worker, so nothing heavy runs on the main thread.
 * Position, wake lock and power signal feed the session. `stop(reason)` ends everything once.
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

  private constructor(
    readonly session: DriveSession,
    private readonly options: DriveRunnerOptions,
  ) {}

  static async start(options: DriveRunnerOptions): Promise<DriveRunner> {
    const stream = await openRearCamera(options.video);
    let session: DriveSession;
    try {
      session = await DriveSession.start(options.runs, {
        settings: options.settings,
        model: options.model,
      });
    } catch (error) {
      stopStream(stream);
      throw error;
    }
    const runner = new DriveRunner(session, options);
    runner.stream = stream;
    runner.begin();
    return runner;
  }

  private begin(): void {
    const { session, options } = this;
    session.addEventListener('survey', (e) =>
      options.onSurvey((e as CustomEvent<SurveyRecord>).detail),
    );
    this.stops.push(watchFixes((fix) => session.fix(fix), options.onProblem));
    this.stops.push(watchPower((signal) => session.setPower(signal)));
    void keepScreenOn().then((lock) => {
      if (this.stopping) void lock?.release();
      else this.wakeLock = lock;
    });
    // The camera track ending (unplugged, taken by another app) ends the run with what it had.
    this.stream
      ?.getVideoTracks()[0]
      ?.addEventListener('ended', () => void this.stop('camera-lost'));
    this.watchFrames();
  }

  private watchFrames(): void {
    const video = this.options.video as VideoWithFrames;
    if (video.requestVideoFrameCallback) {
      let id = 0;
      const next = () => {
        if (this.stopping) return;
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
      for (const stop of this.stops) stop();
      this.stops = [];
      stopStream(this.stream);
      this.stream = null;
      this.options.video.srcObject = null;
      await this.wakeLock?.release().catch(() => undefined);
      return ended;
    })();
    return this.stopping;
  }
}
