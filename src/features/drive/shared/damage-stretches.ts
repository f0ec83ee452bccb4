/**
 * One damage seen from a moving vehicle shows in many frames. Stretches are kept per damage
 * type: a frame that finds a type within `distanceM` (default 10 m, by GPS) of that type's open
 * stretch belongs to it, and each stretch keeps its best-scoring frame for its type, not its
 * first. So a crack and a pothole 5 m apart are two stretches (two surveys), while a pothole
 * seen in ten frames is one. A stretch closes when the vehicle is farther than `distanceM` from
 * every damage in it (or the run ends), and only then becomes a survey, so a survey is never
 * replaced after it may have been uploaded. A frame finding a type within `distanceM` of a
 * stretch of that type already closed in this run (the same spot driven again) is not recorded
 * again. Without a GPS fix, distance cannot be told: frames within `noFixGapMs` of the
 * stretch's last damage frame are the same stretch.
 * Pure, and its state is plain data (`snapshot` / `restore`), so a run resumed after a reload
 * carries on with the stretches it had open.
 */
import { distanceMetres, type LonLat } from '../../../geo/ruler';

export const DEFAULT_STRETCH_DISTANCE_M = 10;
export const DEFAULT_NO_FIX_GAP_MS = 2000;

export interface TypeScore {
  type: string;
  score: number;
}

export interface StretchFrame<T> {
  /** Milliseconds (any clock, increasing). */
  at: number;
  position: LonLat | null;
  /** The damage types the frame found, each with its score (empty: no damage). */
  found: TypeScore[];
  /** What the caller needs to save the frame (photo, verdict...). */
  payload: T;
}

/** An open stretch as plain data (structured-clonable when the payload is). */
export interface StretchState<T> {
  type: string;
  best: StretchFrame<T>;
  /** The best frame's score for this stretch's type. */
  score: number;
  frames: number;
  /** Positions of every damage frame of the stretch. */
  positions: LonLat[];
  lastAt: number;
}

export type ClosedStretch<T> = Omit<StretchState<T>, 'lastAt'>;

/** A damage already recorded in this run, by type. */
export interface RecordedSpot extends LonLat {
  type: string;
}

export interface StretchOptions {
  distanceM?: number;
  noFixGapMs?: number;
}

export class DamageStretches<T> {
  private readonly distanceM: number;
  private readonly noFixGapMs: number;
  /** Open stretches, at most one per type. */
  private open = new Map<string, StretchState<T>>();
  private readonly recorded: RecordedSpot[] = [];
  private ignored = 0;
  private revision = 0;

  constructor(options: StretchOptions = {}) {
    this.distanceM = options.distanceM ?? DEFAULT_STRETCH_DISTANCE_M;
    this.noFixGapMs = options.noFixGapMs ?? DEFAULT_NO_FIX_GAP_MS;
    if (!(this.distanceM > 0)) {
      throw new RangeError(
        `The same-damage distance must be above 0 m (it was ${this.distanceM}).`,
      );
    }
  }

  /** Damages recorded before (a run resumed after a reload): not recorded again. */
  remember(spots: readonly RecordedSpot[]): void {
    this.recorded.push(...spots.map((s) => ({ ...s })));
  }

  /** Puts back the stretches a resumed run had open. */
  restore(open: readonly StretchState<T>[]): void {
    for (const s of open) this.open.set(s.type, { ...s, positions: [...s.positions] });
    this.revision++;
  }

  /** The open stretches, for saving while the run goes on. */
  snapshot(): StretchState<T>[] {
    return [...this.open.values()].map((s) => ({ ...s, positions: [...s.positions] }));
  }

  /**
   * Changes each time a stretch opens, closes or gets a better frame: the caller saves the
   * snapshot when it moved, so a reload loses no best frame.
   */
  get changes(): number {
    return this.revision;
  }

  /** Feeds one analysed frame; returns the stretches it closed. */
  observe(frame: StretchFrame<T>): ClosedStretch<T>[] {
    const closed: ClosedStretch<T>[] = [];
    for (const stretch of [...this.open.values()]) {
      if (this.belongsTo(stretch, frame)) continue;
      // Away from it by GPS, or (no fix) a later damage frame after the time gap; a frame
      // without damage and without a fix says nothing about where the phone is.
      if (frame.position || frame.found.length > 0) closed.push(this.close(stretch.type));
    }
    for (const { type, score } of strongestPerType(frame.found)) {
      const stretch = this.open.get(type);
      if (stretch) {
        stretch.frames++;
        stretch.lastAt = frame.at;
        if (frame.position) stretch.positions.push(frame.position);
        if (score > stretch.score) {
          stretch.best = frame;
          stretch.score = score;
          this.revision++;
        }
        continue;
      }
      if (frame.position && this.nearRecorded(type, frame.position)) {
        this.ignored++;
        continue;
      }
      this.open.set(type, {
        type,
        best: frame,
        score,
        frames: 1,
        positions: frame.position ? [frame.position] : [],
        lastAt: frame.at,
      });
      this.revision++;
    }
    return closed;
  }

  /** Closes every open stretch (end of run). */
  flush(): ClosedStretch<T>[] {
    return [...this.open.keys()].map((type) => this.close(type));
  }

  /** Damage findings dropped because their spot was already recorded in this run. */
  get alreadyRecorded(): number {
    return this.ignored;
  }

  get hasOpenStretch(): boolean {
    return this.open.size > 0;
  }

  get openCount(): number {
    return this.open.size;
  }

  private belongsTo(stretch: StretchState<T>, frame: StretchFrame<T>): boolean {
    if (frame.position && stretch.positions.length > 0) {
      return stretch.positions.some((p) => distanceMetres(p, frame.position!) <= this.distanceM);
    }
    return frame.at - stretch.lastAt <= this.noFixGapMs;
  }

  private nearRecorded(type: string, position: LonLat): boolean {
    return this.recorded.some(
      (p) => p.type === type && distanceMetres(p, position) <= this.distanceM,
    );
  }

  private close(type: string): ClosedStretch<T> {
    const stretch = this.open.get(type)!;
    this.open.delete(type);
    this.revision++;
    this.recorded.push(...stretch.positions.map((p) => ({ lon: p.lon, lat: p.lat, type })));
    const { best, score, frames, positions } = stretch;
    return { type, best, score, frames, positions };
  }
}

/** One entry per type (the highest score when a type is listed twice). */
function strongestPerType(found: readonly TypeScore[]): TypeScore[] {
  const best = new Map<string, number>();
  for (const { type, score } of found) best.set(type, Math.max(score, best.get(type) ?? -Infinity));
  return [...best.entries()].map(([type, score]) => ({ type, score }));
}
