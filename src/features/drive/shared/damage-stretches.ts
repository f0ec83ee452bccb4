/**
 * One damage seen from a moving vehicle shows in many frames. Frames that find damage within
 * `distanceM` (default 10 m, by GPS) of a damage already in the open stretch belong to that
 * stretch; the stretch keeps its best-scoring frame, not its first. A stretch closes when the
 * vehicle is farther than `distanceM` from every damage in it (or the run ends), and only then
 * becomes a survey, so a survey is never replaced after it may have been uploaded.
 * A damage frame within `distanceM` of a stretch already closed in this run (the same spot
 * driven again) is the same damage and is not recorded again.
 * Without a GPS fix, distance cannot be told: frames within `noFixGapMs` of the stretch's last
 * damage frame are the same stretch. Pure: the page feeds it frames and saves what it closes.
 */
import { distanceMetres, type LonLat } from '../../../geo/ruler';

export const DEFAULT_STRETCH_DISTANCE_M = 10;
export const DEFAULT_NO_FIX_GAP_MS = 2000;

export interface StretchFrame<T> {
  /** Milliseconds (any clock, increasing). */
  at: number;
  position: LonLat | null;
  damage: boolean;
  score: number;
  /** What the caller needs to save the frame (photo, verdict...). */
  payload: T;
}

export interface ClosedStretch<T> {
  best: StretchFrame<T>;
  frames: number;
  /** Positions of every damage frame of the stretch. */
  positions: LonLat[];
}

export interface StretchOptions {
  distanceM?: number;
  noFixGapMs?: number;
}

interface OpenStretch<T> {
  best: StretchFrame<T>;
  frames: number;
  positions: LonLat[];
  lastAt: number;
}

export class DamageStretches<T> {
  private readonly distanceM: number;
  private readonly noFixGapMs: number;
  private open: OpenStretch<T> | null = null;
  /** Damage positions of the stretches closed in this run. */
  private readonly recorded: LonLat[] = [];
  private ignored = 0;

  constructor(options: StretchOptions = {}) {
    this.distanceM = options.distanceM ?? DEFAULT_STRETCH_DISTANCE_M;
    this.noFixGapMs = options.noFixGapMs ?? DEFAULT_NO_FIX_GAP_MS;
    if (!(this.distanceM > 0)) {
      throw new RangeError(
        `The same-damage distance must be above 0 m (it was ${this.distanceM}).`,
      );
    }
  }

  /** Stretches recorded before (a run resumed after a reload): not recorded again. */
  remember(positions: readonly LonLat[]): void {
    this.recorded.push(...positions);
  }

  /** Feeds one analysed frame; returns the stretches it closed (zero or one). */
  observe(frame: StretchFrame<T>): ClosedStretch<T>[] {
    const closed: ClosedStretch<T>[] = [];
    if (this.open && !this.belongsToOpen(frame)) {
      // A frame without damage closes a stretch only when it is known to be away from it.
      if (frame.damage || frame.position) closed.push(this.close());
    }
    if (!frame.damage) return closed;
    if (this.open) {
      this.open.frames++;
      this.open.lastAt = frame.at;
      if (frame.position) this.open.positions.push(frame.position);
      if (frame.score > this.open.best.score) this.open.best = frame;
      return closed;
    }
    if (frame.position && this.nearRecorded(frame.position)) {
      this.ignored++;
      return closed;
    }
    this.open = {
      best: frame,
      frames: 1,
      positions: frame.position ? [frame.position] : [],
      lastAt: frame.at,
    };
    return closed;
  }

  /** Closes the open stretch (end of run). */
  flush(): ClosedStretch<T>[] {
    return this.open ? [this.close()] : [];
  }

  /** Damage frames dropped because their spot was already recorded in this run. */
  get alreadyRecorded(): number {
    return this.ignored;
  }

  get hasOpenStretch(): boolean {
    return this.open !== null;
  }

  private belongsToOpen(frame: StretchFrame<T>): boolean {
    const open = this.open!;
    if (frame.position && open.positions.length > 0) {
      return open.positions.some((p) => distanceMetres(p, frame.position!) <= this.distanceM);
    }
    return frame.at - open.lastAt <= this.noFixGapMs;
  }

  private nearRecorded(position: LonLat): boolean {
    return this.recorded.some((p) => distanceMetres(p, position) <= this.distanceM);
  }

  private close(): ClosedStretch<T> {
    const open = this.open!;
    this.open = null;
    this.recorded.push(...open.positions);
    return { best: open.best, frames: open.frames, positions: open.positions };
  }
}
