/**
 * The power signal a drive reads (Battery Status API, Compute Pressure API where the browser has
 * them) reaches the frame scheduler and slows frames down; a browser without either gives no
 * signal and the pace is set by the analysis time and the cap alone. The battery and the
 * pressure observer here are small stand-ins with the browser's interface (Node has neither);
 * the browser test runs the real ones where Chromium offers them.
 */
import { describe, expect, it } from 'vitest';
import {
  watchPower,
  type BatteryLike,
  type PressureRecordLike,
} from '../../../src/features/drive/client/drive-devices';
import {
  FrameScheduler,
  type PowerSignal,
} from '../../../src/features/drive/shared/frame-scheduler';

class Battery extends EventTarget implements BatteryLike {
  constructor(
    public level: number,
    public charging: boolean,
  ) {
    super();
  }
  set(level: number, charging: boolean) {
    this.level = level;
    this.charging = charging;
    this.dispatchEvent(new Event('levelchange'));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('watchPower', () => {
  it('feeds battery level and charging to the scheduler: low and unplugged halves the pace', async () => {
    const battery = new Battery(0.5, false);
    const scheduler = new FrameScheduler({ maxFps: 2 });
    const signals: PowerSignal[] = [];
    const stop = watchPower(
      (s) => {
        signals.push(s);
        scheduler.setPower(s);
      },
      { getBattery: async () => battery },
    );
    await settle();
    expect(signals.at(-1)).toEqual({ batteryLevel: 0.5, charging: false });
    expect(scheduler.intervalMs()).toBe(500);
    battery.set(0.15, false);
    expect(scheduler.intervalMs()).toBe(1000);
    battery.set(0.15, true);
    battery.dispatchEvent(new Event('chargingchange'));
    expect(scheduler.intervalMs()).toBe(500);
    stop();
    battery.set(0.05, false);
    expect(signals.at(-1)).toEqual({ batteryLevel: 0.15, charging: true });
  });

  it('reads the CPU pressure (heat) where the browser has a PressureObserver', async () => {
    let callback: ((records: PressureRecordLike[]) => void) | null = null;
    let disconnected = false;
    class Observer {
      constructor(cb: (records: PressureRecordLike[]) => void) {
        callback = cb;
      }
      observe(source: 'cpu') {
        expect(source).toBe('cpu');
        return Promise.resolve();
      }
      disconnect() {
        disconnected = true;
      }
    }
    const scheduler = new FrameScheduler({ maxFps: 2 });
    const stop = watchPower((s) => scheduler.setPower(s), { PressureObserver: Observer });
    callback!([{ state: 'nominal' }, { state: 'critical' }]);
    expect(scheduler.intervalMs()).toBe(2000);
    callback!([{ state: 'serious' }]);
    expect(scheduler.intervalMs()).toBe(1000);
    stop();
    expect(disconnected).toBe(true);
  });

  it('gives no signal where the browser has neither API (the pace is unchanged)', async () => {
    const signals: PowerSignal[] = [];
    const stop = watchPower((s) => signals.push(s), {});
    await settle();
    expect(signals).toEqual([]);
    stop();
  });

  it('a battery that answers after the watch stopped is not listened to', async () => {
    const battery = new Battery(0.1, false);
    const signals: PowerSignal[] = [];
    const stop = watchPower((s) => signals.push(s), { getBattery: async () => battery });
    stop();
    await settle();
    battery.set(0.05, false);
    expect(signals).toEqual([]);
  });
});
