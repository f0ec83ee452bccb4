import { describe, expect, it } from 'vitest';
import {
  FrameScheduler,
  FrameSchedulerError,
} from '../../../src/features/drive/shared/frame-scheduler';

/** Offers a frame every `frameMs` for `totalMs`; each analysis takes `analysisMs`. */
function drive(s: FrameScheduler, frameMs: number, totalMs: number, analysisMs: number) {
  let busyUntil = -1;
  const starts: number[] = [];
  for (let now = 0; now < totalMs; now += frameMs) {
    if (busyUntil >= 0 && now >= busyUntil) {
      s.finished(analysisMs);
      busyUntil = -1;
    }
    if (s.offer(now)) {
      starts.push(now);
      busyUntil = now + analysisMs;
    }
  }
  return starts;
}

describe('FrameScheduler', () => {
  it('never has two frames in flight: frames offered while busy are dropped, not queued', () => {
    const s = new FrameScheduler({ maxFps: 30 });
    expect(s.offer(0)).toBe(true);
    expect(s.offer(10)).toBe(false);
    expect(s.offer(500)).toBe(false);
    s.finished(600);
    expect(s.stats()).toMatchObject({ analysed: 1, dropped: 2 });
    // Nothing was kept: the next frame is a new one, offered after the slot freed.
    expect(s.offer(2000)).toBe(true);
  });

  it('keeps to the engineer cap when analysis is fast', () => {
    const s = new FrameScheduler({ maxFps: 2 });
    const starts = drive(s, 1000 / 30, 10_000, 40);
    // 2 frames/s over 10 s: starts at 0, 500, 1000... (frames come every 33 ms).
    expect(starts.length).toBeGreaterThanOrEqual(19);
    expect(starts.length).toBeLessThanOrEqual(20);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(500);
  });

  it('slows to the measured analysis time (with headroom) when the phone is slower than the cap', () => {
    const s = new FrameScheduler({ maxFps: 10, headroom: 1.25 });
    const starts = drive(s, 1000 / 30, 20_000, 400);
    const gaps = starts.slice(5).map((t, i) => t - starts[i + 4]);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500);
    expect(s.stats().averageMs).toBeCloseTo(400, 5);
    expect(s.stats().intervalMs).toBeCloseTo(500, 5);
  });

  it('speeds up again when analysis becomes faster', () => {
    const s = new FrameScheduler({ maxFps: 10, smoothing: 0.5 });
    s.offer(0);
    s.finished(1000);
    expect(s.intervalMs()).toBeCloseTo(1250, 5);
    for (let i = 0; i < 20; i++) {
      s.offer(100_000 * (i + 1));
      s.finished(40);
    }
    expect(s.intervalMs()).toBeCloseTo(100, 0); // the cap again (40 ms x 1.25 < 100 ms)
  });

  it('halves the pace on low battery (not charging) and slows down when hot', () => {
    const s = new FrameScheduler({ maxFps: 4 });
    expect(s.intervalMs()).toBe(250);
    s.setPower({ batteryLevel: 0.1, charging: true });
    expect(s.intervalMs()).toBe(250);
    s.setPower({ batteryLevel: 0.1, charging: false });
    expect(s.intervalMs()).toBe(500);
    s.setPower({ batteryLevel: 0.9, charging: false, thermal: 'serious' });
    expect(s.intervalMs()).toBe(500);
    s.setPower({ thermal: 'critical', batteryLevel: 0.1, charging: false });
    expect(s.intervalMs()).toBe(2000);
    s.setPower({});
    expect(s.intervalMs()).toBe(250);
  });

  it('refuses a cap that is not a sensible number of frames per second', () => {
    expect(() => new FrameScheduler({ maxFps: 0 })).toThrow(FrameSchedulerError);
    expect(() => new FrameScheduler({ maxFps: Number.NaN })).toThrow(/frames per second/);
    expect(() => new FrameScheduler({ maxFps: 31 })).toThrow(FrameSchedulerError);
    const s = new FrameScheduler({ maxFps: 1 });
    expect(() => s.finished(10)).toThrow(FrameSchedulerError);
  });

  it('a failed frame frees the slot without counting as analysed', () => {
    const s = new FrameScheduler({ maxFps: 1 });
    expect(s.offer(0)).toBe(true);
    s.failed();
    expect(s.stats().analysed).toBe(0);
    expect(s.offer(1000)).toBe(true);
    expect(s.waitMs(1000)).toBe(1000);
  });
});
