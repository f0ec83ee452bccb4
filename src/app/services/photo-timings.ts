/**
 * Where the time of one photo goes between "photo chosen" and "heatmap shown": each stage as a
 * user-timing measure `roadcam:stage:<name>` on the page's timeline, the worker's stages
 * (src/workers/stage-clock.ts) laid beside the page's own. The app benchmark prints them
 * (tools/bench/bench-app.ts); a performance trace shows them.
 */
import type { StageTiming } from '../../workers/protocol';

export const STAGE_PREFIX = 'roadcam:stage:';

/** Forgets the last photo's stages (the next photo's replace them). */
export function clearPhotoStages(): void {
  const names = new Set(
    performance
      .getEntriesByType('measure')
      .map((e) => e.name)
      .filter((name) => name.startsWith(STAGE_PREFIX)),
  );
  for (const name of names) performance.clearMeasures(name);
}

/** One stage, from and to performance.now() values of this page. */
export function measureStage(stage: string, start: number, end: number): void {
  try {
    performance.measure(STAGE_PREFIX + stage, { start, end });
  } catch {
    // Timing is for the benchmark and traces; it never costs a photo.
  }
}

/**
 * The worker's stages on this page's timeline (both clocks share the wall clock through
 * timeOrigin), and the trips around them: from the photo chosen to the worker's first stage
 * (the page's own steps, the message and any wait in the worker's queue), and from its last
 * stage to the answer here (the reply's message).
 */
export function measureWorkerStages(
  stages: readonly StageTiming[],
  chosenAt: number,
  receivedAt: number,
): void {
  if (stages.length === 0) return;
  const origin = performance.timeOrigin;
  const local = stages.map((s) => ({ ...s, start: s.start - origin, end: s.end - origin }));
  measureStage('to the worker', chosenAt, Math.min(...local.map((s) => s.start)));
  for (const s of local) measureStage(s.stage, s.start, s.end);
  measureStage('back to the page', Math.max(...local.map((s) => s.end)), receivedAt);
}
