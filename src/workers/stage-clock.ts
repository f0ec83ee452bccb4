/**
 * Where the time of one photo goes, stage by stage, in the worker. Each stage is a user-timing
 * measure here (a performance trace of the worker shows it) and goes back to the page with its
 * start and end on the wall clock both share (performance.timeOrigin + now), so that the page
 * lays the worker's stages on its own timeline beside its own stages (the app benchmark reads
 * them there: src/app/services/photo-timings.ts).
 */
import type { StageTiming } from './protocol';

export class StageClock {
  readonly stages: StageTiming[] = [];

  /** Runs one stage and records how long it took (also when it throws). */
  readonly time = async <T>(stage: string, run: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.record(stage, start, performance.now());
    }
  };

  /** A stage timed by someone else, from and to performance.now() values of this worker. */
  record(stage: string, start: number, end: number): void {
    const origin = performance.timeOrigin;
    this.stages.push({ stage, start: origin + start, end: origin + end });
    try {
      performance.measure(`roadcam:worker:${stage}`, { start, end });
    } catch {
      // A trace aid only: a browser without measure options still gets the stages.
    }
  }
}
