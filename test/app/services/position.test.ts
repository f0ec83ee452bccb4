import { describe, expect, it } from 'vitest';
import { PositionTracker } from '../../../src/app/services/position';

/** A Geolocation that answers as a test tells it to (the browser tests use the real one). */
function fakeGeolocation() {
  let onFix: PositionCallback | null = null;
  let onError: PositionErrorCallback | null = null;
  let watches = 0;
  const geo = {
    watchPosition(success: PositionCallback, error?: PositionErrorCallback | null) {
      onFix = success;
      onError = error ?? null;
      watches += 1;
      return watches;
    },
    clearWatch() {},
    getCurrentPosition() {},
  } as unknown as Geolocation;
  const fix = (lat: number, lon: number, accuracy: number) =>
    onFix!({
      coords: { latitude: lat, longitude: lon, accuracy },
      timestamp: Date.now(),
    } as GeolocationPosition);
  const fail = (code: 1 | 2 | 3) =>
    onError!({
      code,
      PERMISSION_DENIED: 1,
      POSITION_UNAVAILABLE: 2,
      TIMEOUT: 3,
      message: '',
    } as GeolocationPositionError);
  return { geo, fix, fail, watches: () => watches };
}

describe('PositionTracker', () => {
  it('waits for the first fix, then answers at once with the latest one', async () => {
    const g = fakeGeolocation();
    const tracker = new PositionTracker(g.geo);
    const first = tracker.current(1000);
    g.fix(51.5, -0.12, 9);
    expect(await first).toEqual({
      position: { lat: 51.5, lon: -0.12, accuracyM: 9, source: 'gps' },
    });
    g.fix(51.6, -0.13, 4);
    expect(await tracker.current(0)).toEqual({
      position: { lat: 51.6, lon: -0.13, accuracyM: 4, source: 'gps' },
    });
    expect(g.watches()).toBe(1);
  });

  it('says "denied" when permission is refused, and "timeout" when no fix comes in time', async () => {
    const g = fakeGeolocation();
    const tracker = new PositionTracker(g.geo);
    expect(await tracker.current(20)).toEqual({ reason: 'timeout' });
    const pending = tracker.current(1000);
    g.fail(1);
    expect(await pending).toEqual({ reason: 'denied' });
    expect(await tracker.current(1000)).toEqual({ reason: 'denied' });
  });

  it('says "unsupported" without a Geolocation API', async () => {
    expect(await new PositionTracker(undefined).current(10)).toEqual({ reason: 'unsupported' });
  });
});
