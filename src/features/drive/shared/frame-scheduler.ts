/**
 * When to grab the next camera frame during a drive. One frame at a time is in the worker:
 * a frame that comes while it is busy is dropped, never queued, so the verdict on screen is
 * always about the road now, not the road a few seconds ago. The pace follows the measured
 * analysis time (an average that forgets slowly), never exceeds the engineer's cap, and slows
 * down when the phone says it is low on battery or hot. Pure: the page feeds it the clock.
 */

/** What the browser says about power, when it says anything (Battery Status, Compute Pressure). */
export interface PowerSignal {
  /** 0..1; undefined when the browser gives no battery information. */
  batteryLevel?: number;
  charging?: boolean;
  /** Compute Pressure API states. */
  thermal?: 'nominal' | 'fair' | 'serious' | 'critical';
}

export interface FrameSchedulerOptions {
  /** The engineer's cap in frames per second (Drive settings). */
  maxFps: number;
  /** Time between frames as a multiple of the analysis time: 1.25 leaves the worker idle a
   * fifth of the time, so position, UI and saving keep up. */
  headroom?: number;
  /** Weight of the newest measurement in the running average of analysis time. */
  smoothing?: number;
  /** Below this battery level (not charging) frames come half as often. */
  lowBattery?: number;
  /** Counts a resumed run had already (after a reload). */
  counted?: { analysed: number; dropped: number };
}

export class FrameSchedulerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameSchedulerError';
  }
}

export const DEFAULT_MAX_FPS = 2;
export const MAX_FPS_LIMIT = 30;

export interface SchedulerStats {
  analysed: number;
  /** Frames that came while a frame was in the worker or before the next was due. */
  dropped: number;
  /** Running average of the analysis time, ms (null before the first frame came back). */
  averageMs: number | null;
  /** Current time between frames, ms. */
  intervalMs: number;
}

export class FrameScheduler {
  private readonly headroom: number;
  private readonly smoothing: number;
  private readonly lowBattery: number;
  private maxFps: number;
  private inFlight = false;
  private lastStart = -Infinity;
  private average: number | null = null;
  private power: PowerSignal = {};
  private analysed = 0;
  private dropped = 0;

  constructor(options: FrameSchedulerOptions) {
    this.maxFps = checkedFps(options.maxFps);
    this.headroom = options.headroom ?? 1.25;
    this.smoothing = options.smoothing ?? 0.3;
    this.lowBattery = options.lowBattery ?? 0.2;
    this.analysed = options.counted?.analysed ?? 0;
    this.dropped = options.counted?.dropped ?? 0;
  }

  setMaxFps(fps: number): void {
    this.maxFps = checkedFps(fps);
  }

  setPower(signal: PowerSignal): void {
    this.power = { ...signal };
  }

  /** How much the power signal slows frames down (1 = not at all). */
  powerFactor(): number {
    let factor = 1;
    const { batteryLevel, charging, thermal } = this.power;
    if (batteryLevel !== undefined && !charging && batteryLevel < this.lowBattery) factor *= 2;
    if (thermal === 'serious') factor *= 2;
    if (thermal === 'critical') factor *= 4;
    return factor;
  }

  /** Time between frame starts now, ms. */
  intervalMs(): number {
    const capMs = 1000 / this.maxFps;
    const workMs = this.average === null ? 0 : this.average * this.headroom;
    return Math.max(capMs, workMs) * this.powerFactor();
  }

  /**
   * A frame is available at `now`: true when it should go to the worker (then call
   * `finished` when its answer is back). False counts it as dropped.
   */
  offer(now: number): boolean {
    if (this.inFlight || now - this.lastStart < this.intervalMs()) {
      this.dropped++;
      return false;
    }
    this.inFlight = true;
    this.lastStart = now;
    return true;
  }

  /** The frame's answer is back after `analysisMs` (measured, frame grab to verdict). */
  finished(analysisMs: number): void {
    if (!this.inFlight) throw new FrameSchedulerError('finished() without a frame in flight');
    this.inFlight = false;
    this.analysed++;
    if (Number.isFinite(analysisMs) && analysisMs >= 0) {
      this.average =
        this.average === null
          ? analysisMs
          : this.average + this.smoothing * (analysisMs - this.average);
    }
  }

  /** The frame failed (no answer): free the slot without counting it as analysed. */
  failed(): void {
    this.inFlight = false;
  }

  /** Milliseconds from `now` until the next frame is due (0: now). */
  waitMs(now: number): number {
    if (this.inFlight) return this.intervalMs();
    return Math.max(0, this.lastStart + this.intervalMs() - now);
  }

  stats(): SchedulerStats {
    return {
      analysed: this.analysed,
      dropped: this.dropped,
      averageMs: this.average,
      intervalMs: this.intervalMs(),
    };
  }
}

function checkedFps(fps: number): number {
  if (!Number.isFinite(fps) || fps <= 0 || fps > MAX_FPS_LIMIT) {
    throw new FrameSchedulerError(
      `The frame cap must be a number of frames per second above 0 and at most ${MAX_FPS_LIMIT} ` +
        `(it was ${fps}).`,
    );
  }
  return fps;
}
