/**
 * A drive run as the phone keeps it in IndexedDB (issue 13). While it runs, the record is
 * written every few seconds with the whole track so far, so a reload or a killed tab keeps what
 * it had; at its end the track is thinned and the run is ready to upload (wire form:
 * src/schema/run.ts).
 */
import type { RunEndReason } from '../schema/run';
import type { SyncStatus } from './survey-record';

/** [lon, lat, ms since the run started]. */
export type RunTrackPoint = [number, number, number];

export interface RunRecord {
  id: string;
  revision: number;
  /** 'running' until it ends (stopped, hidden, reloaded); only ended runs are uploaded. */
  state: 'running' | 'ended';
  startedAt: string;
  /** Last write while running (the end of a run found running after a reload). */
  updatedAt: string;
  endedAt: string | null;
  endReason: RunEndReason | null;
  /** Every kept fix while running; thinned at the end. */
  track: RunTrackPoint[];
  trackToleranceM: number;
  distanceM: number;
  framesAnalysed: number;
  framesDropped: number;
  surveyIds: string[];
  /**
   * Positions of the damages recorded (with their type; runs before per-type stretches have
   * none), so a resumed run does not record them again.
   */
  damageSpots: { lon: number; lat: number; type?: string }[];
  /**
   * While running: the damage stretches still open, each with its best frame (photo, verdict,
   * CAM) not yet a survey, written as the run goes, so a reload or a killed tab loses none. The
   * drive session owns their shape (src/features/drive); emptied in the same transaction that
   * saves them as surveys.
   */
  openStretches?: unknown[];
  /** Frames (their time, epoch ms) already saved as surveys: a frame best for two types is one survey. */
  savedFrames?: number[];
  /** Set while the app is hidden or reloading (the camera released); cleared when it resumes. */
  pausedAt?: string | null;
  settings: { maxFps: number; sameDamageM: number };
  model: { id: string; version: string } | null;
  sync: SyncStatus;
}
