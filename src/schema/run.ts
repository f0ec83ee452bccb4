/**
 * The drive run as it travels between the phone and the sync server (zod, shared by the app
 * and the server like survey.ts). A run is what one Drive session covered: the thinned GPS
 * track, start and end, distance, frames analysed and the surveys it made (each survey also
 * carries the run's id). A run is uploaded once it has ended; `revision` follows the same rules
 * as a survey's (docs/SYNC.md).
 */
import { MAX_SURVEYS_PER_CHECK, surveyIdSchema, type RecordCheckResult } from './survey';
import { z } from './zod';

/** Track points after thinning; a longer track is thinned harder before upload. */
export const MAX_TRACK_POINTS = 20_000;
export const MAX_RUN_SURVEYS = 10_000;

/** [lon, lat, ms since the run started]. */
const trackPointSchema = z.tuple([
  z.number().min(-180).max(180),
  z.number().min(-90).max(90),
  z.number().int().nonnegative(),
]);

export const RUN_END_REASONS = ['stopped', 'hidden', 'reloaded', 'camera-lost', 'error'] as const;
export type RunEndReason = (typeof RUN_END_REASONS)[number];

const MAX_REVISION = 1_000_000_000;

export const runRecordSchema = z
  .object({
    id: surveyIdSchema,
    revision: z.number().int().min(1).max(MAX_REVISION).default(1),
    startedAt: z.iso.datetime({ offset: true }),
    endedAt: z.iso.datetime({ offset: true }),
    /** Why it ended: the engineer stopped it, or the app was hidden or reloaded. */
    endReason: z.enum(RUN_END_REASONS),
    /** Thinned polyline (Douglas-Peucker at `trackToleranceM`). */
    track: z.array(trackPointSchema).max(MAX_TRACK_POINTS),
    trackToleranceM: z.number().nonnegative().max(1000),
    /** Along every accepted fix, before thinning. */
    distanceM: z.number().nonnegative().max(10_000_000),
    framesAnalysed: z.number().int().nonnegative(),
    framesDropped: z.number().int().nonnegative(),
    surveyIds: z.array(surveyIdSchema).max(MAX_RUN_SURVEYS),
    settings: z.object({
      maxFps: z.number().positive().max(30),
      sameDamageM: z.number().positive().max(1000),
    }),
    model: z
      .object({ id: z.string().min(1).max(100), version: z.string().min(1).max(40) })
      .nullable(),
  })
  .refine((run) => Date.parse(run.endedAt) >= Date.parse(run.startedAt), {
    path: ['endedAt'],
    message: 'A run cannot end before it started',
  });
export type RunRecordWire = z.infer<typeof runRecordSchema>;

export const IMMUTABLE_RUN_FIELDS = ['id', 'startedAt'] as const;
export const MAX_RUNS_PER_BATCH = 20;

/** Runs per POST /api/v1/runs/check: the same items ({id, revision}) as the surveys check. */
export const MAX_RUNS_PER_CHECK = MAX_SURVEYS_PER_CHECK;

/** 200 answer of POST /api/v1/runs/check: the surveys check's answer without the photo. */
export interface RunCheckResponse {
  results: RecordCheckResult[];
}
