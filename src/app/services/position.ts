/**
 * The engineer's position for a survey, honestly: a Geolocation fix with its accuracy, or the
 * reason there is none. Permission is asked on the first photo, never on page load; after that
 * a watch keeps a recent fix so that the next survey does not wait for the GPS.
 */
import type { Position } from '../../schema/survey';
import type { NoPositionReason } from '../../store/survey-record';

export type PositionResult = { position: Position } | { reason: NoPositionReason };

/** A fix older than this is not used for a new survey. */
const MAX_FIX_AGE_MS = 60_000;

export class PositionTracker {
  private latest: { position: Position; at: number } | null = null;
  private lastError: NoPositionReason | null = null;
  private watchId: number | null = null;
  private waiting: ((r: PositionResult) => void)[] = [];

  constructor(
    private readonly geolocation: Geolocation | undefined = globalThis.navigator?.geolocation,
  ) {}

  /** Starts watching (asks permission the first time). */
  start(): void {
    if (!this.geolocation) {
      this.lastError = 'unsupported';
      return;
    }
    if (this.watchId !== null) return;
    this.watchId = this.geolocation.watchPosition(
      (p) => {
        this.latest = {
          position: {
            lat: p.coords.latitude,
            lon: p.coords.longitude,
            accuracyM: p.coords.accuracy,
            source: 'gps',
          },
          at: Date.now(),
        };
        this.lastError = null;
        this.flush({ position: this.latest.position });
      },
      (error) => {
        this.lastError =
          error.code === error.PERMISSION_DENIED
            ? 'denied'
            : error.code === error.TIMEOUT
              ? 'timeout'
              : 'unavailable';
        if (this.lastError === 'denied') this.stop();
        this.flush({ reason: this.lastError });
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
    );
  }

  stop(): void {
    if (this.watchId !== null) this.geolocation?.clearWatch(this.watchId);
    this.watchId = null;
  }

  /** A recent fix now, or the first one (or error) to arrive within `waitMs`. */
  current(waitMs: number): Promise<PositionResult> {
    this.start();
    if (this.latest && Date.now() - this.latest.at <= MAX_FIX_AGE_MS) {
      return Promise.resolve({ position: this.latest.position });
    }
    if (this.lastError === 'denied' || this.lastError === 'unsupported') {
      return Promise.resolve({ reason: this.lastError });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== done);
        resolve({ reason: this.lastError ?? 'timeout' });
      }, waitMs);
      const done = (r: PositionResult) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiting.push(done);
    });
  }

  private flush(result: PositionResult): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w(result);
  }
}
