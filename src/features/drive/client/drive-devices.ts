/**
 * The browser parts of a drive (issue 13), each small and each optional where the browser may
 * lack it: the rear camera stream, the Geolocation watch, the Screen Wake Lock, and the power
 * signal (Battery Status API; Compute Pressure API for heat, where Chromium offers it).
 */
import type { PowerSignal } from '../shared/frame-scheduler';
import type { DriveFix } from './drive-session';

export class DriveDeviceError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'DriveDeviceError';
  }
}

export async function openRearCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DriveDeviceError('This browser gives no camera to web apps: Drive needs one.');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (error) {
    throw new DriveDeviceError(
      'The camera could not be opened. Allow the camera for RoadCAM in the browser settings, ' +
        'close other apps that use it, and start again.',
      String(error),
    );
  }
  video.srcObject = stream;
  video.muted = true;
  await video.play();
  return stream;
}

export function stopStream(stream: MediaStream | null): void {
  stream?.getTracks().forEach((t) => t.stop());
}

/** Calls `onFix` for each Geolocation fix; returns the function that stops watching. */
export function watchFixes(
  onFix: (fix: DriveFix) => void,
  onError: (message: string) => void,
): () => void {
  if (!navigator.geolocation) {
    onError('This browser gives no position: surveys are saved without one.');
    return () => undefined;
  }
  const id = navigator.geolocation.watchPosition(
    (p) => {
      const { longitude, latitude, accuracy, speed, heading } = p.coords;
      onFix({
        lon: longitude,
        lat: latitude,
        accuracyM: Number.isFinite(accuracy) ? accuracy : null,
        speedMps: speed !== null && Number.isFinite(speed) ? speed : null,
        headingDeg: heading !== null && Number.isFinite(heading) ? heading : null,
        at: Date.now(),
      });
    },
    (error) =>
      onError(
        error.code === error.PERMISSION_DENIED
          ? 'Position is not allowed: damages are saved without position and the run has no track.'
          : 'No GPS fix yet: damages are saved without position until one comes.',
      ),
    { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
  );
  return () => navigator.geolocation.clearWatch(id);
}

/** Keeps the screen on; null when the browser refuses (the run goes on, the screen may dim). */
export async function keepScreenOn(): Promise<WakeLockSentinel | null> {
  try {
    return (await navigator.wakeLock?.request('screen')) ?? null;
  } catch {
    return null;
  }
}

export interface BatteryLike extends EventTarget {
  level: number;
  charging: boolean;
}

export interface PressureRecordLike {
  state: 'nominal' | 'fair' | 'serious' | 'critical';
}

export type PressureObserverCtor = new (callback: (records: PressureRecordLike[]) => void) => {
  observe(source: 'cpu'): Promise<void>;
  disconnect(): void;
};

/** Where the power signal comes from: the page's globals, or a test's. */
export interface PowerSources {
  getBattery?: () => Promise<BatteryLike>;
  PressureObserver?: PressureObserverCtor;
}

function browserPowerSources(): PowerSources {
  const nav = navigator as Navigator & { getBattery?: () => Promise<BatteryLike> };
  return {
    getBattery: nav.getBattery?.bind(nav),
    PressureObserver: (globalThis as { PressureObserver?: PressureObserverCtor }).PressureObserver,
  };
}

/** Calls `onSignal` with what the browser says about battery and heat; returns a stop function. */
export function watchPower(
  onSignal: (signal: PowerSignal) => void,
  sources: PowerSources = browserPowerSources(),
): () => void {
  const signal: PowerSignal = {};
  const stops: (() => void)[] = [];
  let stopped = false;
  void sources
    .getBattery?.()
    .then((battery) => {
      if (stopped) return;
      const read = () => {
        signal.batteryLevel = battery.level;
        signal.charging = battery.charging;
        onSignal({ ...signal });
      };
      read();
      battery.addEventListener('levelchange', read);
      battery.addEventListener('chargingchange', read);
      stops.push(() => {
        battery.removeEventListener('levelchange', read);
        battery.removeEventListener('chargingchange', read);
      });
    })
    .catch(() => undefined);
  const Pressure = sources.PressureObserver;
  if (Pressure) {
    const observer = new Pressure((records) => {
      const last = records[records.length - 1];
      if (!last) return;
      signal.thermal = last.state;
      onSignal({ ...signal });
    });
    observer.observe('cpu').catch(() => undefined);
    stops.push(() => observer.disconnect());
  }
  return () => {
    stopped = true;
    stops.forEach((stop) => stop());
  };
}
