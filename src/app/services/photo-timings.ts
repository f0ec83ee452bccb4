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

/** Stages timed in the worker (src/workers/stage-clock.ts) on this page's timeline: both clocks
 * share the wall clock through timeOrigin. */
export function measureWorkerStages(stages: readonly StageTiming[]): void {
  const origin = performance.timeOrigin;
  for (const s of stages) measureStage(s.stage, s.start - origin, s.end - origin);
}

/**
 * The stages of the worker's answer and the trips around them: from the photo chosen to the
 * worker's first stage (the page's own steps, the message and any wait in the worker's queue),
 * and from its last stage to the answer here (the reply's message).
 */
export function measureAnswerStages(
  stages: readonly StageTiming[],
  chosenAt: number,
  receivedAt: number,
): void {
  if (stages.length === 0) return;
  const origin = performance.timeOrigin;
  measureStage('to the worker', chosenAt, Math.min(...stages.map((s) => s.start)) - origin);
  measureWorkerStages(stages);
  measureStage('back to the page', Math.max(...stages.map((s) => s.end)) - origin, receivedAt);
}
